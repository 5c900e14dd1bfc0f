"""Tranche release: only a payable milestone, by the buyer with a second factor, one Stripe payment per attempt,
paid only when Stripe's webhook confirms it."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.payments import ledger
from marketplace.payments.models import LedgerEntry, PayeeAccount, Payment, PaymentStatus
from marketplace.payments.services import release_tranche
from tests.conftest import sign_in
from tests.payments.conftest import build_payable, code_for, release_with_lost_response


def test_tranche_cannot_be_paid_before_its_evaluation_passes(payable, localstripe):
    milestone = payable["milestone"]
    milestone.evaluation_passed_at = None
    with pytest.raises(DomainError, match="评价尚未通过"):
        release_tranche(milestone, by=payable["buyer"], code=code_for(payable["buyer"]))
    assert localstripe.intents() == []
    assert db.session.scalars(select(Payment)).all() == []


def test_only_the_buyer_releases(payable, localstripe):
    with pytest.raises(DomainError, match="只有采购人"):
        release_tranche(payable["milestone"], by=payable["member"], code="000000")
    assert localstripe.intents() == []


def test_a_wrong_second_factor_code_pays_nothing(payable, localstripe):
    with pytest.raises(DomainError, match="验证码"):
        release_tranche(payable["milestone"], by=payable["buyer"], code="000000")
    assert localstripe.intents() == []


def test_release_is_paid_only_when_the_webhook_confirms(payable, localstripe, webhooks):
    buyer, milestone = payable["buyer"], payable["milestone"]
    payment = release_tranche(milestone, by=buyer, code=code_for(buyer))
    db.session.commit()
    assert payment.status == PaymentStatus.processing
    assert payment.entries == []  # Stripe's answer to our request is not the final word
    [intent] = localstripe.intents()
    assert intent.id == payment.stripe_payment_intent_id and intent.amount == int(milestone.tranche_amount * 100)
    assert intent.metadata["payment_key"] == payment.idempotency_key
    assert intent.metadata["milestone_id"] == str(milestone.id) and "payment_id" not in intent.metadata

    webhooks.wait_for("payment_intent.succeeded")
    db.session.expire_all()
    assert payment.status == PaymentStatus.succeeded and payment.succeeded_at is not None
    contract = payable["contract"]
    assert ledger.tranches_paid(contract) == milestone.tranche_amount
    assert ledger.balance(f"buyer:{contract.buyer_id}") == milestone.tranche_amount
    assert ledger.unbalanced_postings() == []


def test_double_click_and_retry_make_one_stripe_payment(payable, localstripe):
    buyer, milestone = payable["buyer"], payable["milestone"]
    first = release_tranche(milestone, by=buyer, code=code_for(buyer))
    db.session.commit()
    with pytest.raises(DomainError, match="正在处理中"):
        release_tranche(milestone, by=buyer, code=code_for(buyer))
    db.session.rollback()
    assert [i.id for i in localstripe.intents()] == [first.stripe_payment_intent_id]
    assert first.idempotency_key == f"tranche-{milestone.id}-attempt-1"


def test_a_lost_response_is_retried_with_the_same_key_and_finds_the_same_payment(frozen_now, recorded):
    parties = build_payable()
    buyer, milestone = parties["buyer"], parties["milestone"]
    recorded.drop_responses = 1  # Stripe made the PaymentIntent, but its answer never reached us
    with pytest.raises(DomainError, match="稍后重试"):
        release_tranche(milestone, by=buyer, code=code_for(buyer))
    db.session.rollback()  # what run_form does with a refusal
    clock_step_later(buyer)
    payment = release_tranche(milestone, by=buyer, code=code_for(buyer))
    keys = [r["idempotency_key"] for r in recorded.requests if r["path"] == "/v1/payment_intents"]
    assert keys == [f"tranche-{milestone.id}-attempt-1"] * 2
    assert len(recorded.created("/v1/payment_intents")) == 1
    assert payment.stripe_payment_intent_id == recorded.created("/v1/payment_intents")[0]["id"]


def clock_step_later(user):
    """The replay guard refuses a TOTP code twice; the next attempt comes with the next code."""
    from datetime import timedelta

    from marketplace.common import clock

    clock.freeze(clock.now() + timedelta(seconds=31))


def test_decline_is_shown_to_both_sides_and_a_retry_is_a_new_attempt(payable, localstripe, client, webhooks):
    buyer, milestone, contract = payable["buyer"], payable["milestone"], payable["contract"]
    payer = _payer(contract)
    # A card that attaches fine and is declined when charged (localstripe's 4000000000000341).
    payer.stripe_payment_method_id = localstripe.client.v1.payment_methods.attach(
        "pm_card_chargeCustomerFail", {"customer": payer.stripe_customer_id}).id
    sign_in(client, buyer)
    page = client.get(f"/payments/milestones/{milestone.id}/release")
    assert page.status_code == 200 and "确认付款" in page.get_data(as_text=True)
    response = client.post(f"/payments/milestones/{milestone.id}/release", data={"code": code_for(buyer)},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "付款被拒绝" in html and "Your card was declined." in html
    failed = db.session.scalars(select(Payment)).one()
    assert failed.status == PaymentStatus.failed and failed.attempt == 1

    sign_in(client, payable["member"])
    assert "Your card was declined." in client.get(f"/contracts/{contract.id}").get_data(as_text=True)

    webhooks.wait_for("payment_intent.payment_failed")  # changes nothing: already failed
    db.session.expire_all()
    _payer(contract).stripe_payment_method_id = localstripe.client.v1.payment_methods.attach(
        "pm_card_visa", {"customer": _payer(contract).stripe_customer_id}).id
    clock_step_later(buyer)
    retry = release_tranche(milestone, by=buyer, code=code_for(buyer))
    assert retry.attempt == 2 and retry.idempotency_key == f"tranche-{milestone.id}-attempt-2"
    assert retry.status == PaymentStatus.processing
    assert len(localstripe.intents()) == 2


def _payer(contract):
    from marketplace.payments.models import PayerMethod

    return db.session.scalars(select(PayerMethod).where(PayerMethod.body_id == contract.buyer_id)).one()


def test_tranche_goes_to_the_connected_account_where_configured(frozen_now, recorded):
    parties = build_payable()
    contract = parties["contract"]
    db.session.add(PayeeAccount(organization_id=contract.organization_id, stripe_account_id="acct_1QZsheltErOrg",
                                updated_at=contract.created_at))
    payment = release_tranche(parties["milestone"], by=parties["buyer"], code=code_for(parties["buyer"]))
    [sent] = [r for r in recorded.requests if r["path"] == "/v1/payment_intents"]
    assert sent["form"]["transfer_data[destination]"] == "acct_1QZsheltErOrg"
    assert sent["form"]["amount"] == str(int(parties["milestone"].tranche_amount * 100))
    assert sent["form"]["currency"] == "cny" and sent["form"]["confirm"] == "true"
    assert payment.status == PaymentStatus.processing
    assert db.session.scalars(select(LedgerEntry)).all() == []


def test_a_retry_sends_stripe_exactly_what_the_lost_request_sent_though_its_row_id_changed(frozen_now, recorded):
    from decimal import Decimal

    from marketplace.common import clock
    from marketplace.payments.models import PaymentKind

    parties = release_with_lost_response(recorded)
    buyer, milestone = parties["buyer"], parties["milestone"]
    # Another payment takes the id the rolled-back row had (PostgreSQL's sequence would skip it anyway).
    db.session.add(Payment(kind=PaymentKind.donation, amount=Decimal("10.00"), contract_id=parties["contract"].id,
                           idempotency_key="donation-meanwhile", created_at=clock.now(), updated_at=clock.now()))
    db.session.commit()
    clock_step_later(buyer)
    payment = release_tranche(milestone, by=buyer, code=code_for(buyer))
    first, retry = [r["form"] for r in recorded.requests if r["path"] == "/v1/payment_intents"]
    assert retry == first and first["metadata[payment_key]"] == payment.idempotency_key
    assert payment.status == PaymentStatus.processing
    assert payment.stripe_payment_intent_id == recorded.created("/v1/payment_intents")[0]["id"]


def test_the_recorded_client_refuses_a_key_reused_with_other_parameters(frozen_now, recorded):
    from marketplace.payments import gateway

    gateway.create_intent(Decimal("10.00"), metadata={"a": 1}, idempotency_key="same-key", receipt_email=None)
    with pytest.raises(gateway.GatewayUnavailable):
        gateway.create_intent(Decimal("10.00"), metadata={"a": 2}, idempotency_key="same-key", receipt_email=None)


def test_refunding_a_tranche_paid_to_a_connected_account_reverses_the_transfer(frozen_now, recorded, deliver):
    from marketplace.payments.services import refund
    from tests import factories
    from tests.payments.conftest import event

    parties = build_payable()
    db.session.add(PayeeAccount(organization_id=parties["contract"].organization_id,
                                stripe_account_id="acct_1QZsheltErOrg", updated_at=parties["contract"].created_at))
    payment = release_tranche(parties["milestone"], by=parties["buyer"], code=code_for(parties["buyer"]))
    db.session.commit()
    intent = recorded.objects[payment.stripe_payment_intent_id]
    assert deliver(event("payment_intent.succeeded", intent)).json["result"] == "succeeded"
    db.session.expire_all()
    refund(payment, "服务未按约定完成", by=factories.user("platform_admin"))
    [sent] = [r for r in recorded.requests if r["path"] == "/v1/refunds"]
    assert sent["form"]["payment_intent"] == intent["id"] and sent["form"]["reverse_transfer"] == "true"


def test_a_refunded_tranche_can_be_released_again_and_the_page_says_why(frozen_now, recorded, deliver, client):
    from tests.payments.conftest import event

    parties = build_payable()
    buyer, milestone, contract = parties["buyer"], parties["milestone"], parties["contract"]
    payment = release_tranche(milestone, by=buyer, code=code_for(buyer))
    db.session.commit()
    intent = recorded.objects[payment.stripe_payment_intent_id]
    deliver(event("payment_intent.succeeded", intent))
    charge = recorded.objects[intent["latest_charge"]] | {"amount_refunded": intent["amount"], "refunded": True}
    assert deliver(event("charge.refunded", charge)).json["result"] == "refunded"

    sign_in(client, buyer)
    release_url = f"/payments/milestones/{milestone.id}/release"
    assert release_url in client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    page = client.get(release_url).get_data(as_text=True)
    assert "此前的一笔合同款" in page and "已于" in page and "确认付款" in page
    clock_step_later(buyer)
    client.post(release_url, data={"code": code_for(buyer)})
    db.session.expire_all()
    attempts = db.session.scalars(select(Payment).where(Payment.milestone_id == milestone.id)
                                  .order_by(Payment.id)).all()
    assert [(p.attempt, p.status) for p in attempts] == [(1, PaymentStatus.refunded), (2, PaymentStatus.processing)]
    assert release_url not in client.get(f"/contracts/{contract.id}").get_data(as_text=True)
