"""Each contract's beneficiary key: created with the first record, wrapped by the master key.

The only code that touches the key. The services call it after a `can_*` policy has said the user may see
the contract's records; nothing here decides who may.
"""

import json

from sqlalchemy import select

from marketplace.common import clock, crypto
from marketplace.extensions import db

from .models import BeneficiaryKey


def _key(contract_id: int) -> bytes:
    row = db.session.execute(
        select(BeneficiaryKey).where(BeneficiaryKey.contract_id == contract_id)).scalar_one_or_none()
    if row is None:
        row = BeneficiaryKey(contract_id=contract_id, wrapped_key=crypto.wrap(crypto.new_key()), created_at=clock.now())
        db.session.add(row)
        db.session.flush()
    return crypto.unwrap(row.wrapped_key)


def seal(contract_id: int, data: dict) -> bytes:
    return crypto.encrypt(_key(contract_id), json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8"))


def unseal(contract_id: int, token: bytes) -> dict:
    return json.loads(crypto.decrypt(_key(contract_id), token))


def unseal_all(contract_id: int, tokens: list[bytes]) -> list[dict]:
    """One unwrap for a whole list."""
    key = _key(contract_id)
    return [json.loads(crypto.decrypt(key, token)) for token in tokens]
