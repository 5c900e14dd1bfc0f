"""The buyer's signature page asks for a second factor: wrong codes there count toward the lockout (the refused
signature rolls back, the count stays) and are rate limited like sign-ins."""

from datetime import timedelta

from marketplace import security
from marketplace.accounts.models import User
from marketplace.common import clock
from marketplace.contracts import services as contracts
from marketplace.evaluation import awards
from marketplace.extensions import db
from tests.conftest import sign_in
from tests.contracts.conftest import build_awarded_tender


def _awaiting_signatures() -> dict:
    parties = build_awarded_tender()
    clock.freeze(clock.local_midnight(parties["award"].challenge_until + timedelta(days=1)) + timedelta(hours=9))
    awards.catch_up(parties["tender"])
    return parties | {"contract": contracts.generate(parties["tender"], by=parties["buyer"])}


def test_wrong_codes_on_the_sign_page_lock_the_account(frozen_now, client):
    parties = _awaiting_signatures()
    buyer, contract = parties["buyer"], parties["contract"]
    sign_in(client, buyer)
    for n in range(1, 5):
        assert client.post(f"/contracts/{contract.id}/sign", data={"code": "000000"}).status_code == 400
        db.session.expire_all()
        assert db.session.get(User, buyer.id).failed_logins == n
    assert "临时锁定" in client.post(f"/contracts/{contract.id}/sign", data={"code": "000000"}).get_data(as_text=True)
    right = client.post(f"/contracts/{contract.id}/sign", data={"code": security.current_totp(buyer.totp_secret)})
    assert right.status_code == 400 and "临时锁定" in right.get_data(as_text=True)
    db.session.expire_all()
    assert contract.buyer_signed_at is None


def test_sign_codes_are_rate_limited(frozen_now, client, app):
    parties = _awaiting_signatures()
    sign_in(client, parties["buyer"])
    app.config["SIGN_IN_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [client.post(f"/contracts/{parties['contract'].id}/sign", data={"code": "000000"}).status_code
                    for _ in range(4)]
    finally:
        app.config["SIGN_IN_RATE_LIMIT"] = "1000 per minute"
    assert statuses == [400, 400, 400, 429]
