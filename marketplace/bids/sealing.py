"""Each tender's bid key: created with the first bid, wrapped by the master key, released at opening.

Before release the key is unwrapped for one purpose only, showing a bidding organization its own bid.
Callers state the purpose; the bidder's right to its bid is checked by the caller's policy first.
"""

import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.common import clock, crypto
from marketplace.errors import NotPermitted
from marketplace.extensions import db

from .models import SealKey

OWN_BID, OPENED = "own_bid", "opened"


def _seal_key(tender_id: int, *, create: bool = False) -> SealKey | None:
    row = _stored_key(tender_id)
    if row is None and create:
        row = SealKey(tender_id=tender_id, wrapped_key=crypto.wrap(crypto.new_key()), created_at=clock.now())
        try:
            with db.session.begin_nested():  # two first bids at once: the second takes the key the first made
                db.session.add(row)
        except IntegrityError:
            row = _stored_key(tender_id)
    return row


def _stored_key(tender_id: int) -> SealKey | None:
    return db.session.execute(select(SealKey).where(SealKey.tender_id == tender_id)).scalar_one_or_none()


def _key(tender_id: int, purpose: str) -> bytes:
    row = _seal_key(tender_id, create=purpose == OWN_BID)
    if purpose == OPENED and (row is None or row.released_at is None):
        raise NotPermitted("bids of this tender are sealed until opening")
    if purpose not in (OWN_BID, OPENED):
        raise ValueError(purpose)
    return crypto.unwrap(row.wrapped_key)


def seal(tender_id: int, plaintext: bytes) -> bytes:
    return crypto.encrypt(_key(tender_id, OWN_BID), plaintext)


def unseal(tender_id: int, token: bytes, *, purpose: str) -> bytes:
    return crypto.decrypt(_key(tender_id, purpose), token)


def release(tender_id: int) -> None:
    """The opening step: from now on the tender's bids can be read by everyone entitled to see them."""
    row = _seal_key(tender_id)
    if row is not None and row.released_at is None:
        row.released_at = clock.now()


def is_released(tender_id: int) -> bool:
    row = _seal_key(tender_id)
    return row is not None and row.released_at is not None


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "sealed"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_file(tender_id: int, content: bytes) -> str:
    """Write the encrypted file under a random name (never the content hash, which would leak identical files)."""
    name = secrets.token_hex(16)
    (_folder() / name).write_bytes(seal(tender_id, content))
    return name


def read_file(tender_id: int, blob: str, *, purpose: str) -> bytes:
    return unseal(tender_id, (_folder() / blob).read_bytes(), purpose=purpose)
