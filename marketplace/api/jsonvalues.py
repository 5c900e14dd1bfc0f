"""How values are written in every JSON document of the open-data layer, so the API, OCDS and the dumps agree."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import urlsplit

from flask import current_app

from marketplace.common import clock


def money(amount: Decimal | None) -> int | Decimal | None:
    """Whole yuan as an integer, the rest as the exact Decimal: never a float, which would round cents (dumps
    writes a Decimal as the JSON number it is, digit for digit)."""
    if amount is None:
        return None
    amount = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    return int(amount) if amount == amount.to_integral_value() else amount


def moment(value: datetime | None) -> str | None:
    """UTC with a Z, to the second: the same text on SQLite and PostgreSQL."""
    if value is None:
        return None
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def day_start(value: date | None) -> str | None:
    """A calendar date as the start of that day in Beijing, for fields that must be date-times (OCDS periods)."""
    return None if value is None else f"{value.isoformat()}T00:00:00+08:00"


def day_end(value: date | None) -> str | None:
    """The last second of a calendar day in Beijing: a service period runs through its last day."""
    return None if value is None else f"{value.isoformat()}T23:59:59+08:00"


def local_day(value: datetime | None) -> str | None:
    return None if value is None else clock.to_local(value).date().isoformat()


def public_url(endpoint: str, **values) -> str:
    """An absolute link built from PUBLIC_URL, never from the request's host: published documents must come
    out byte-identical whoever asks and however they reached the server."""
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def number(value: Decimal) -> str:
    """A Decimal as JSON number text: 123456.78 stays 123456.78 (a float may not), 83.50 is written 83.5."""
    if not value.is_finite():
        raise ValueError(f"{value} is not a JSON number")
    return format(value.normalize(), "f")


_string = json.JSONEncoder(ensure_ascii=False).encode


def _encode(node, out: list[str]) -> None:
    # The json module can write a Decimal only as a string or through float; OCDS and the API schema want a
    # number, exact. So the tree is walked here and everything but Decimal is left to the json module.
    if isinstance(node, dict):
        out.append("{")
        for i, (key, value) in enumerate(node.items()):
            out.append(("," if i else "") + _string(str(key)) + ":")
            _encode(value, out)
        out.append("}")
    elif isinstance(node, (list, tuple)):
        out.append("[")
        for i, value in enumerate(node):
            if i:
                out.append(",")
            _encode(value, out)
        out.append("]")
    elif isinstance(node, Decimal):
        out.append(number(node))
    else:
        out.append(json.dumps(node, ensure_ascii=False))


def dumps(document) -> str:
    """Compact UTF-8 JSON, Decimals as exact numbers."""
    out: list[str] = []
    _encode(document, out)
    return "".join(out)
