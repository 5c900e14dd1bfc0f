"""The release page's second factor: wrong codes count toward the sign-in lockout though the refused release
rolls back, a locked account releases nothing, and codes cannot be tried faster than sign-ins."""

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.audit.models import AuditEvent
from marketplace.common import clock
from marketplace.extensions import db
from marketplace.payments.models import Payment
from tests.conftest import sign_in
from tests.payments.conftest import build_payable, code_for


def _buyer(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_wrong_codes_on_the_release_page_lock_the_account(frozen_now, recorded, client):
    parties = build_payable()
    buyer, milestone = parties["buyer"], parties["milestone"]
    sign_in(client, buyer)
    url = f"/payments/milestones/{milestone.id}/release"
    for n in range(1, 5):
        response = client.post(url, data={"code": "000000"})
        assert response.status_code == 400 and "验证码不正确" in response.get_data(as_text=True)
        assert _buyer(buyer).failed_logins == n  # kept although the refused release rolled back
    fifth = client.post(url, data={"code": "000000"})
    assert "临时锁定" in fifth.get_data(as_text=True)
    assert _buyer(buyer).locked_until > clock.now()
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.locked")).one()

    refused = client.post(url, data={"code": code_for(buyer)})  # even the right code, while locked
    assert refused.status_code == 400 and "临时锁定" in refused.get_data(as_text=True)
    assert db.session.scalars(select(Payment)).all() == [] and recorded.requests == []


def test_release_codes_are_rate_limited(frozen_now, recorded, client, app):
    parties = build_payable()
    sign_in(client, parties["buyer"])
    url = f"/payments/milestones/{parties['milestone'].id}/release"
    app.config["SIGN_IN_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [client.post(url, data={"code": "000000"}).status_code for _ in range(4)]
    finally:
        app.config["SIGN_IN_RATE_LIMIT"] = "1000 per minute"
    assert statuses == [400, 400, 400, 429]
