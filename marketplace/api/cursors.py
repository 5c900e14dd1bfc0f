"""Cursor pagination: the cursor carries the last row's (sort key, id), so a page never shifts when rows are added
before it, as OFFSET pages do. Cursors are opaque to clients (base64 of a small JSON array)."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import date, datetime

from flask import abort, request
from sqlalchemy import and_, or_

from marketplace.extensions import db

from . import http
from .jsonvalues import public_url


@dataclass
class Sort:
    name: str           # written into the cursor: a cursor of one list is refused by another
    key: object         # the sort column
    id: object          # the unique tie-breaker column
    descending: bool = True
    kind: str = "datetime"  # datetime | date | int | str


def _encode_value(value, kind):
    return value.isoformat() if kind in ("datetime", "date") else value


def _decode_value(value, kind):
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "int":
        return int(value)
    return str(value)


def encode(sort: Sort, key_value, row_id: int) -> str:
    raw = json.dumps([sort.name, _encode_value(key_value, sort.kind), row_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(sort: Sort, cursor: str):
    try:
        name, value, row_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if name != sort.name or not isinstance(row_id, int):
            raise ValueError
        return _decode_value(value, sort.kind), row_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        abort(http.bad_request("invalid cursor"))


def page(query, sort: Sort, args: dict, endpoint: str, serialize, *, key_of, **path_values) -> dict:
    """One page of `query` ordered by (sort key, id), and the link to the next one. `serialize(rows)` turns the
    whole page into dicts at once, so it can load what the rows need in a fixed number of queries."""
    limit = args.get("limit") or 20
    if args.get("cursor"):
        value, row_id = decode(sort, args["cursor"])
        if sort.descending:
            query = query.where(or_(sort.key < value, and_(sort.key == value, sort.id < row_id)))
        else:
            query = query.where(or_(sort.key > value, and_(sort.key == value, sort.id > row_id)))
    order = (sort.key.desc(), sort.id.desc()) if sort.descending else (sort.key.asc(), sort.id.asc())
    rows = db.session.execute(query.order_by(*order).limit(limit + 1)).unique().scalars().all()
    more, rows = len(rows) > limit, rows[:limit]
    next_cursor = encode(sort, key_of(rows[-1]), rows[-1].id) if more else None
    next_url = None
    if next_cursor:
        params = {k: v for k, v in request.args.items() if k != "cursor"}
        next_url = public_url(f"api.{endpoint}", **path_values, **params, cursor=next_cursor)
    return {"data": serialize(rows), "next_cursor": next_cursor, "next": next_url}
