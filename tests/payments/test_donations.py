"""Donations to a funded project: both flows, confirmed only by Stripe's webhook, then public with a receipt."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.notifications.models import OutboxMessage
from marketplace.payments import ledger
from marketplace.payments.models import Payment, PaymentStatus
from tests.payments.conftest import build_payable, event
from tests.payments.recorded import completed_session


@pytest.fixture
def project(frozen_now):
    return build_payable()["contract"]


def test_donation_end_to_end_against_localstripe(project, localstripe, webhooks, client):
    page = client.get(f"/contracts/{project.id}").get_data(as_text=True)
    assert "为该项目捐赠" in page and "暂无捐赠" in page
    response = client.post(f"/payments/contracts/{project.id}/donate", data={
        "amount": "200", "name": "李华", "message": "祝项目顺利", "email": "lihua@example.cn"})
    assert response.status_code == 302
    donation_page = response.headers["Location"]
    assert "/payments/donations/" in donation_page
    html = client.get(donation_page).get_data(as_text=True)
    assert "待支付" in html and "不加载 Stripe.js" in html.replace("未加载", "不加载")
    paid = client.post(donation_page, data={"payment_method": "pm_card_visa"})
    assert paid.status_code == 302
    payment = db.session.scalars(select(Payment)).one()
    assert payment.status == PaymentStatus.processing
    assert "正在确认" in client.get(donation_page).get_data(as_text=True)
    [intent] = localstripe.intents()
    assert intent.amount == 20000 and intent.currency == "cny" and intent.status == "succeeded"

    webhooks.wait_for("payment_intent.succeeded")
    db.session.expire_all()
    assert payment.status == PaymentStatus.succeeded
    assert "捐赠已到账" in client.get(donation_page).get_data(as_text=True)
    public = client.get(f"/contracts/{project.id}").get_data(as_text=True)
    assert "李华" in public and "祝项目顺利" in public and "¥200.00" in public
    assert ledger.donations_received(project) == Decimal("200.00")
    [receipt] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "lihua@example.cn"))
    assert project.title in receipt.subject and "¥200.00" in receipt.body_text


def test_a_declined_donation_says_why_and_can_be_retried(project, localstripe, client):
    response = client.post(f"/payments/contracts/{project.id}/donate", data={"amount": "50", "anonymous": "y"})
    page = response.headers["Location"]
    client.post(page, data={"payment_method": "pm_card_chargeCustomerFail"})
    assert "Your card was declined." in client.get(page).get_data(as_text=True)
    declined_intent = db.session.scalars(select(Payment.stripe_payment_intent_id)).one()
    client.post(page, data={"payment_method": "pm_card_visa"})
    payment = db.session.scalars(select(Payment)).one()
    assert payment.status == PaymentStatus.processing and payment.attempt == 2
    assert payment.stripe_payment_intent_id != declined_intent
    assert {i.status for i in localstripe.intents()} == {"requires_payment_method", "succeeded"}


def test_amount_bounds_keep_what_was_typed(project, localstripe, client):
    for amount in ("0.50", "50000.01"):
        response = client.post(f"/payments/contracts/{project.id}/donate", data={"amount": amount, "name": "王五"})
        html = response.get_data(as_text=True)
        assert response.status_code == 400 and "捐赠金额须在" in html
        assert re.search(rf'value="{re.escape(amount)}"', html) and 'value="王五"' in html
    assert db.session.scalars(select(Payment)).all() == []
    assert localstripe.intents() == []


def test_checkout_flow_redirects_to_stripe_and_is_confirmed_by_webhook(project, recorded, client, deliver):
    response = client.post(f"/payments/contracts/{project.id}/donate", data={"amount": "88.80", "anonymous": "y",
                                                                            "email": "donor@example.cn"})
    assert response.status_code == 302 and response.headers["Location"].startswith("https://checkout.stripe.com/")
    [sent] = [r for r in recorded.requests if r["path"] == "/v1/checkout/sessions"]
    assert sent["form"]["line_items[0][price_data][unit_amount]"] == "8880"
    assert sent["form"]["line_items[0][price_data][currency]"] == "cny" and sent["form"]["mode"] == "payment"
    payment = db.session.scalars(select(Payment)).one()
    assert payment.status == PaymentStatus.processing
    [session] = recorded.created("/v1/checkout/sessions")
    assert payment.checkout_session_id == session["id"]
    assert ledger.donations_received(project) == 0

    result = deliver(event("checkout.session.completed", completed_session(session, "pi_test_checkout1")))
    assert result.json["result"] == "succeeded"
    db.session.expire_all()
    assert payment.status == PaymentStatus.succeeded and payment.stripe_payment_intent_id == "pi_test_checkout1"
    assert ledger.donations_received(project) == Decimal("88.80")
    public = client.get(f"/contracts/{project.id}").get_data(as_text=True)
    assert "匿名" in public and "¥88.80" in public


def test_a_project_awaiting_signatures_takes_no_donations(frozen_now, recorded, client):
    from datetime import timedelta

    from marketplace.common import clock
    from marketplace.contracts import services as contracts
    from marketplace.evaluation import awards
    from tests.contracts.conftest import build_awarded_tender

    parties = build_awarded_tender()
    clock.freeze(clock.local_midnight(parties["award"].challenge_until + timedelta(days=1)) + timedelta(hours=9))
    awards.catch_up(parties["tender"])
    contract = contracts.generate(parties["tender"], by=parties["buyer"])
    db.session.commit()
    assert client.get(f"/payments/contracts/{contract.id}/donate").status_code == 404
    assert recorded.requests == []
