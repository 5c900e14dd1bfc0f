"""Creating, finding and revoking read API keys."""

import hashlib
import secrets

from sqlalchemy import select

from marketplace.audit import services as audit
from marketplace.common import clock
from marketplace.extensions import db

from .models import ApiKey

KEY_PREFIX = "zs_"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_key(name: str, *, by=None) -> tuple[ApiKey, str]:
    """A new key; the plain key is returned once and never stored."""
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name.strip()[:100], prefix=raw[:10], key_hash=_hash(raw), created_at=clock.now())
    db.session.add(key)
    db.session.flush()
    audit.record(by, "api_key.created", key, data={"name": key.name, "prefix": key.prefix})
    return key, raw


def revoke_key(key: ApiKey, *, by=None) -> None:
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        audit.record(by, "api_key.revoked", key, data={"prefix": key.prefix})


def find_key(raw: str) -> ApiKey | None:
    if not raw.startswith(KEY_PREFIX) or len(raw) > 100:
        return None
    return db.session.execute(select(ApiKey).where(ApiKey.key_hash == _hash(raw),
                                                   ApiKey.revoked_at.is_(None))).scalar_one_or_none()
