"""Keeping a form's input and handing it back; the encryption that makes it unreadable without the browser's cookie.

The cookie holds a random token. The database holds an HMAC of it (to find the rows) and the input encrypted under
a second key derived from it, both keyed with SECRET_KEY: neither a copy of the database nor the cookie alone
reveals what was typed.
"""

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
from werkzeug.datastructures import MultiDict

from marketplace.common import clock, crypto
from marketplace.errors import DomainError
from marketplace.extensions import db

from .models import FormStash

# Long enough to come back after a meeting or lunch, short enough that a shared computer does not keep someone's
# typing overnight. The cookie lives as long.
KEEP_FOR = timedelta(hours=4)
KEPT_PER_USER = 5


@dataclass
class KeptInput:
    form: MultiDict  # the posted fields, without the CSRF token, the owner field, the button pressed and passwords
    uploads: list[tuple[str, str, str]]  # (field name, token from common.files.stash, file name)
    error: DomainError | None = field(default=None)  # why saving it as the draft failed, if it did


def new_browser_token() -> str:
    return secrets.token_urlsafe(32)


def _derive(purpose: str, browser_token: str) -> bytes:
    secret = current_app.config["SECRET_KEY"]
    return hmac.new(secret.encode(), f"{purpose}\0{browser_token}".encode(), hashlib.sha256).digest()


def _browser_hash(browser_token: str) -> str:
    return _derive("form-stash-id", browser_token).hex()


def _key(browser_token: str) -> bytes:
    return base64.urlsafe_b64encode(_derive("form-stash-key", browser_token))


def keep(browser_token: str, *, user_id: int, path: str, fields: list[tuple[str, str]],
         uploads: list[tuple[str, str, str]]) -> FormStash:
    """Keep a form's input for `user_id`, replacing what this browser kept earlier for the same person and page."""
    now = clock.now()
    digest = _browser_hash(browser_token)
    db.session.execute(delete(FormStash).where(FormStash.browser_hash == digest, FormStash.user_id == user_id,
                                               FormStash.path == path))
    plain = json.dumps({"fields": fields, "uploads": uploads}, ensure_ascii=False).encode()
    row = FormStash(browser_hash=digest, user_id=user_id, path=path[:500], created_at=now, expires_at=now + KEEP_FOR,
                    payload=crypto.encrypt(_key(browser_token), plain))
    db.session.add(row)
    db.session.flush()
    # Each browser without the cookie starts a new row: a person's oldest kept forms give way, so nobody can fill
    # the table by posting again and again from fresh browsers.
    newest = select(FormStash.id).where(FormStash.user_id == user_id).order_by(FormStash.id.desc()).limit(KEPT_PER_USER)
    db.session.execute(delete(FormStash).where(FormStash.user_id == user_id, FormStash.id.not_in(newest)))
    return row


def claim(browser_token: str, user, path: str) -> KeptInput | None:
    """What this browser kept for `user` on `path` and has not expired, removed as it is handed over. Input kept for
    anyone else stays where it is (and expires): a person signing in on a shared computer never receives it."""
    row = db.session.execute(
        select(FormStash).where(FormStash.browser_hash == _browser_hash(browser_token),
                                FormStash.user_id == user.id, FormStash.path == path,
                                FormStash.expires_at > clock.now())
        .order_by(FormStash.id.desc()).limit(1)
    ).scalar_one_or_none()
    if row is None:
        return None
    db.session.delete(row)
    db.session.flush()
    try:
        data = json.loads(crypto.decrypt(_key(browser_token), row.payload))
    except crypto.InvalidToken:  # SECRET_KEY changed since: nothing can be read, nothing is lost that could be
        return None
    return KeptInput(MultiDict([tuple(pair) for pair in data["fields"]]), [tuple(u) for u in data["uploads"]])


def purge_expired() -> int:
    """Forget kept input nobody came back for."""
    return db.session.execute(delete(FormStash).where(FormStash.expires_at <= clock.now())).rowcount
