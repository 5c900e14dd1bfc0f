"""The webhook: only Stripe-signed deliveries count, each event once, in whatever order they arrive."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.common import clock
from marketplace.extensions import db
from marketplace.payments import ledger
from marketplace.payments.models import LedgerEntry, PaymentStatus, StripeEvent
from marketplace.payments.services import release_tranche
from tests.conftest import sign_in
from tests.payments.conftest import build_payable, code_for, event, release_with_lost_response, signed


@pytest.fixture
def processing(frozen_now, recorded):
    """A tranche handed to Stripe (recorded responses), waiting for its webhook."""
    parties = build_payable()
    payment = release_tranche(parties["milestone"], by=parties["buyer"], code=code_for(parties["buyer"]))
    db.session.commit()
    intent = recorded.objects[payment.stripe_payment_intent_id]
    return parties | {"payment": payment, "intent": intent}


def succeeded(intent):
    return event("payment_intent.succeeded", intent | {"status": "succeeded"})


def refunded_charge(intent):
    """`charge.refunded` as Stripe sends it: the charge, fully refunded, pointing at its PaymentIntent."""
    return event("charge.refunded", {
        "id": intent["latest_charge"], "object": "charge", "amount": intent["amount"],
        "amount_captured": intent["amount"], "amount_refunded": intent["amount"], "captured": True,
        "currency": "cny", "metadata": {}, "paid": True, "payment_intent": intent["id"], "refunded": True,
        "status": "succeeded", "created": intent["created"]})


def test_a_forged_signature_is_refused_and_nothing_is_recorded(processing, client):
    body, headers = signed(succeeded(processing["intent"]), secret="whsec_someone_else")
    response = client.post("/payments/stripe/webhook", data=body, headers=headers)
    assert response.status_code == 400
    assert db.session.scalars(select(StripeEvent)).all() == []
    db.session.expire_all()
    assert processing["payment"].status == PaymentStatus.processing


def test_a_tampered_body_or_an_old_signature_is_refused(processing, client):
    body, headers = signed(succeeded(processing["intent"]))
    tampered = body.replace(b'"succeeded"', b'"succeeded" ', 1)
    assert client.post("/payments/stripe/webhook", data=tampered, headers=headers).status_code == 400
    old_body, old_headers = signed(succeeded(processing["intent"]), at=int((clock.now() - timedelta(minutes=6))
                                                                          .timestamp()))
    assert client.post("/payments/stripe/webhook", data=old_body, headers=old_headers).status_code == 400
    assert client.post("/payments/stripe/webhook", data=body).status_code == 400  # no signature at all
    assert db.session.scalars(select(StripeEvent)).all() == []


def test_the_same_event_twice_posts_the_ledger_once(processing, deliver):
    payload = succeeded(processing["intent"])
    first, second = deliver(payload), deliver(payload)
    assert first.status_code == 200 and first.json["result"] == "succeeded"
    assert second.status_code == 200 and second.json["result"] == "duplicate"
    payment = processing["payment"]
    db.session.expire_all()
    assert payment.status == PaymentStatus.succeeded
    entries = db.session.scalars(select(LedgerEntry).where(LedgerEntry.payment_id == payment.id)).all()
    assert [(e.posting, e.debit, e.credit) for e in entries] == [
        ("received", payment.amount, 0), ("received", 0, payment.amount)]
    assert db.session.scalars(select(StripeEvent.event_id)).all() == [payload["id"]]


def test_a_second_event_id_with_the_same_news_changes_nothing(processing, deliver):
    deliver(succeeded(processing["intent"]))
    again = deliver(succeeded(processing["intent"]))  # Stripe may send a new event about the same fact
    assert again.json["result"] == "already applied"
    assert len(db.session.scalars(select(LedgerEntry)).all()) == 2


def test_refund_arriving_before_success_leaves_the_right_final_state(processing, deliver):
    payment, intent = processing["payment"], processing["intent"]
    assert deliver(refunded_charge(intent)).json["result"] == "refunded"
    late = deliver(succeeded(intent))
    assert late.status_code == 200 and late.json["result"] == "already applied"
    db.session.expire_all()
    assert payment.status == PaymentStatus.refunded and payment.refunded_at and payment.succeeded_at
    postings = sorted({e.posting for e in payment.entries})
    assert postings == ["received", "refunded"]
    assert ledger.tranches_paid(processing["contract"]) == 0
    assert ledger.balance(f"buyer:{processing['contract'].buyer_id}") == 0
    assert ledger.unbalanced_postings() == []


def test_a_failure_after_success_does_not_undo_the_payment(processing, deliver):
    intent = processing["intent"]
    deliver(succeeded(intent))
    failed = event("payment_intent.payment_failed", intent | {
        "status": "requires_payment_method", "last_payment_error": {"code": "card_declined",
                                                                    "message": "Your card was declined."}})
    assert deliver(failed).json["result"].startswith("ignored")
    db.session.expire_all()
    assert processing["payment"].status == PaymentStatus.succeeded


def test_unknown_event_types_are_acknowledged_and_ignored(processing, deliver):
    response = deliver(event("customer.created", {"id": "cus_123", "object": "customer", "metadata": {}}))
    assert response.status_code == 200 and response.json["result"] == "ignored"
    assert db.session.scalars(select(StripeEvent.result)).all() == ["ignored"]


def test_an_event_for_a_payment_not_yet_committed_is_parked_and_replayed(processing, deliver):
    from marketplace.payments.events import PARKED, replay_parked

    intent = processing["intent"]
    orphan = succeeded(intent | {"id": "pi_test_not_yet", "metadata": {"payment_id": "999999"}})
    assert deliver(orphan).json["result"] == PARKED
    row = db.session.scalars(select(StripeEvent)).one()
    assert row.processed_at is None
    row.payload = json.dumps(succeeded(intent) | {"id": row.event_id})  # now it names a payment we have
    assert replay_parked() == 1
    db.session.expire_all()
    assert processing["payment"].status == PaymentStatus.succeeded and row.processed_at is not None


def test_a_malformed_signature_header_is_refused_not_a_crash(processing, client):
    body, headers = signed(succeeded(processing["intent"]))
    stamp = headers["Stripe-Signature"].split(",")[0]
    for header in (f"{stamp},v1=é", "t=１７７２４１６８００,v1=00", f"{stamp},v1=\x00\xff"):
        response = client.post("/payments/stripe/webhook", data=body, headers={"Stripe-Signature": header})
        assert response.status_code == 400, header
    assert db.session.scalars(select(StripeEvent)).all() == []


def test_a_non_ascii_signature_is_invalid_in_the_gateway(app):
    from marketplace.payments import gateway

    with pytest.raises(gateway.InvalidSignature):
        gateway.verify_signature(b"{}", "t=1772416800,v1=签名", "whsec_x", clock.now())


def test_any_of_several_signatures_may_match_while_the_secret_is_rolled(processing, client):
    body, headers = signed(succeeded(processing["intent"]))
    stamp, good = headers["Stripe-Signature"].split(",")
    _old, other = signed(succeeded(processing["intent"]), secret="whsec_the_old_one")
    old = other["Stripe-Signature"].split(",")[1]
    response = client.post("/payments/stripe/webhook", data=body,
                           headers={"Stripe-Signature": f"{stamp},{old},{good}"})
    assert response.status_code == 200 and response.json["result"] == "succeeded"


def test_an_event_that_overtakes_its_payment_row_is_replayed_by_the_job(frozen_now, recorded, deliver):
    """Stripe made the PaymentIntent and sent its webhook; our request lost the answer and rolled back. The
    event is parked; the buyer's retry (same key) commits the row; the job then applies the event."""
    from marketplace.common import jobs
    from marketplace.payments.events import PARKED
    from tests.payments.test_tranches import clock_step_later

    parties = release_with_lost_response(recorded)
    buyer, milestone = parties["buyer"], parties["milestone"]
    [intent] = recorded.created("/v1/payment_intents")
    assert deliver(succeeded(intent)).json["result"] == PARKED

    clock_step_later(buyer)
    payment = release_tranche(milestone, by=buyer, code=code_for(buyer))
    db.session.commit()
    assert payment.status == PaymentStatus.processing and payment.stripe_payment_intent_id == intent["id"]
    assert jobs.tick(only="payments.replay_events") == {"payments.replay_events": 1}
    db.session.expire_all()
    assert payment.status == PaymentStatus.succeeded
    assert ledger.tranches_paid(parties["contract"]) == milestone.tranche_amount
    assert db.session.scalars(select(StripeEvent.processed_at)).one() is not None


def test_an_out_of_order_refund_sends_no_received_notice(processing, deliver):
    from marketplace.follows import services as follows
    from marketplace.follows.models import DigestItem, Subject
    from marketplace.notifications.models import Notification
    from tests import factories

    follows.follow(factories.user("resident"), Subject.project, processing["contract"].id)
    db.session.commit()
    assert deliver(refunded_charge(processing["intent"])).json["result"] == "refunded"
    messages = db.session.scalars(select(Notification.message)).all()
    assert any("已退款" in m for m in messages) and not any("已到账" in m for m in messages)
    public = db.session.scalars(select(Notification.message)).all() + db.session.scalars(
        select(DigestItem.message)).all()
    assert any("已退款" in m for m in public) and not any("已到账" in m for m in public)


def test_an_out_of_order_refund_of_a_donation_sends_no_receipt(frozen_now, recorded, deliver, app):
    from marketplace.notifications.models import OutboxMessage
    from marketplace.payments.services import start_donation

    app.config["PAYMENTS_DONATION_FLOW"] = "payment_intent"  # the fixture puts it back
    project = build_payable()["contract"]
    payment, _page = start_donation(project, "50", name="李华", anonymous=False, message=None,
                                    email="lihua@example.cn")
    db.session.commit()
    intent = recorded.objects[payment.stripe_payment_intent_id] | {"status": "succeeded",
                                                                      "latest_charge": "ch_test_donation"}
    assert deliver(refunded_charge(intent)).json["result"] == "refunded"
    db.session.expire_all()
    assert payment.status == PaymentStatus.refunded
    assert db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == "lihua@example.cn")).all() == []


def _refund_event(refund: dict, status: str, **fields) -> dict:
    return event("refund.updated", refund | {"status": status, **fields})


def test_a_failed_refund_is_shown_and_can_be_requested_again_with_a_new_key(processing, deliver, recorded, client):
    from marketplace.audit.models import AuditEvent
    from marketplace.payments.services import refund
    from tests import factories

    payment = processing["payment"]
    deliver(succeeded(processing["intent"]))
    admin = factories.user("platform_admin")
    db.session.expire_all()
    refund(payment, "重复付款", by=admin)
    db.session.commit()
    [first] = recorded.created("/v1/refunds")
    result = deliver(_refund_event(first, "failed", failure_reason="expired_or_canceled_card"))
    assert result.json["result"] == "refund failed"
    db.session.expire_all()
    assert payment.status == PaymentStatus.succeeded and payment.refund_requested_at is None
    assert "退款失败" in payment.failure_message and "expired_or_canceled_card" in payment.failure_message
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "payment.refund_failed")).one()
    sign_in(client, admin)
    listed = client.get("/payments/admin").get_data(as_text=True)
    assert "退款失败" in listed and f"/payments/admin/{payment.id}/refund" in listed

    assert client.post(f"/payments/admin/{payment.id}/refund", data={"reason": "重复付款"}).status_code == 302
    keys = [r["idempotency_key"] for r in recorded.requests if r["path"] == "/v1/refunds"]
    assert len(keys) == 2 and keys[0] != keys[1]
    db.session.expire_all()
    second = recorded.objects[payment.stripe_refund_id]
    assert second["id"] != first["id"] and payment.failure_message is None
    assert deliver(_refund_event(first, "failed")).json["result"].startswith("ignored")  # old news
    assert deliver(_refund_event(second, "succeeded")).json["result"] == "refunded"
    db.session.expire_all()
    assert payment.status == PaymentStatus.refunded


@pytest.mark.parametrize("event_type, status, why", [
    ("checkout.session.expired", "expired", "已过期"),
    ("checkout.session.async_payment_failed", "complete", "未能完成"),
])
def test_an_abandoned_checkout_donation_fails(frozen_now, recorded, client, deliver, event_type, status, why):
    from marketplace.payments.models import Payment

    project = build_payable()["contract"]
    response = client.post(f"/payments/contracts/{project.id}/donate", data={"amount": "20"})
    assert response.status_code == 302
    payment = db.session.scalars(select(Payment)).one()
    assert payment.status == PaymentStatus.processing
    [session] = recorded.created("/v1/checkout/sessions")
    result = deliver(event(event_type, session | {"status": status, "url": None}))
    assert result.status_code == 200 and result.json["result"] == "failed"
    db.session.expire_all()
    assert payment.status == PaymentStatus.failed and why in payment.failure_message
    assert payment.entries == []


def test_a_checkout_paymentintent_is_matched_by_the_key_in_its_metadata(frozen_now, recorded, client, deliver):
    from marketplace.payments.models import Payment

    project = build_payable()["contract"]
    client.post(f"/payments/contracts/{project.id}/donate", data={"amount": "20"})
    payment = db.session.scalars(select(Payment)).one()
    [sent] = [r["form"] for r in recorded.requests if r["path"] == "/v1/checkout/sessions"]
    assert sent["payment_intent_data[metadata][payment_key]"] == payment.idempotency_key
    intent = {"id": "pi_test_made_by_checkout", "object": "payment_intent", "amount": 2000, "currency": "cny",
              "status": "succeeded", "metadata": {"payment_key": payment.idempotency_key}}
    assert deliver(event("payment_intent.succeeded", intent)).json["result"] == "succeeded"
    db.session.expire_all()
    assert payment.stripe_payment_intent_id == "pi_test_made_by_checkout"
