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
from tests.payments.conftest import build_payable, code_for, event, signed


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
