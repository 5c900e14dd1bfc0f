"""Stripe webhooks: verify, store once by event id, then apply idempotently.

A verified event is stored under a unique constraint inside a savepoint, so a second delivery of the same
event (even one racing the first) stops at the constraint and has no second effect. An event about a payment
we cannot find yet (Stripe's webhook can overtake the commit of the request that created the payment) is
kept unprocessed and replayed by the `payments.replay_events` job.
"""

import json
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.common import clock
from marketplace.extensions import db

from . import gateway, services
from .models import Payment, StripeEvent

PARKED = "parked: payment not found yet"
GIVE_UP_AFTER = timedelta(days=3)  # Stripe itself stops retrying a delivery after three days


class InvalidPayload(Exception):
    pass


def receive(payload: bytes, signature: str) -> str:
    """Verify and store one delivery, then apply it. Raises gateway.InvalidSignature or InvalidPayload (the
    route answers 400 and nothing is stored)."""
    gateway.verify_signature(payload, signature, current_app.config.get("STRIPE_WEBHOOK_SECRET") or "", clock.now())
    try:
        event = json.loads(payload)
        event_id, event_type, obj = event["id"], event["type"], event["data"]["object"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidPayload(str(exc)) from exc
    if not isinstance(event_id, str) or not isinstance(obj, dict):
        raise InvalidPayload("unexpected event shape")
    row = StripeEvent(event_id=event_id, type=str(event_type)[:100], payload=payload.decode("utf-8", "replace"),
                      received_at=clock.now(), result="")
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        return "duplicate"
    apply(row)
    return row.result


def apply(row: StripeEvent) -> None:
    """Apply a stored event once; sets processed_at unless it is parked for a later replay."""
    event = json.loads(row.payload)
    obj = event["data"]["object"]
    handler = HANDLERS.get(row.type)
    if handler is None:
        row.result, row.processed_at = "ignored", clock.now()
        return
    payment = _payment_for(obj)
    if payment is None:
        row.result = PARKED
        return
    row.result = handler(payment, obj, row.event_id)[:200]
    row.processed_at = clock.now()
    db.session.flush()


def _payment_for(obj: dict) -> Payment | None:
    """Our payment, by the Stripe ids we stored, else by the idempotency key we sent as `payment_key`.

    Never by a row id in the metadata: it may name a row that was rolled back (and, on PostgreSQL, never comes
    back under that id). A row found by key whose PaymentIntent is another one is a donor's earlier attempt;
    news about that abandoned PaymentIntent is not this row's (it stays parked, then reconciliation shows it)."""
    intent_id = obj.get("payment_intent") if obj.get("object") != "payment_intent" else obj.get("id")
    if isinstance(intent_id, dict):
        intent_id = intent_id.get("id")
    if obj.get("object") == "checkout.session":
        found = db.session.execute(select(Payment).where(Payment.checkout_session_id == obj.get("id"))).scalar()
        if found is not None:
            return found
    if intent_id:
        found = db.session.execute(select(Payment).where(Payment.stripe_payment_intent_id == intent_id)).scalar()
        if found is not None:
            return found
    key = (obj.get("metadata") or {}).get("payment_key")
    if isinstance(key, str) and key:
        found = db.session.execute(select(Payment).where(Payment.idempotency_key == key)).scalar()
        if found is not None and found.stripe_payment_intent_id in (None, intent_id):
            return found
    return None


def _intent_succeeded(payment, obj, event_id):
    return services.confirm_succeeded(payment, intent_id=obj["id"], amount=gateway.yuan_from_fen(obj["amount"]),
                                      event_id=event_id)


def _intent_failed(payment, obj, event_id):
    error = obj.get("last_payment_error") or {}
    return services.confirm_failed(payment, message=error.get("message"), event_id=event_id)


def _checkout_completed(payment, obj, event_id):
    if obj.get("payment_status") != "paid":
        return "awaiting payment"  # a delayed method; checkout.session.async_payment_succeeded would follow
    return services.confirm_succeeded(payment, intent_id=obj.get("payment_intent"),
                                      amount=gateway.yuan_from_fen(obj["amount_total"]), event_id=event_id)


def _checkout_abandoned(payment, obj, event_id):
    """The donor left Checkout until it expired, or a delayed payment method failed: nothing will arrive."""
    message = (_("付款页面已过期，未完成付款") if obj.get("status") == "expired"
               else _("付款未能完成（支付方式最终扣款失败）"))
    return services.confirm_failed(payment, message=message, event_id=event_id)


def _charge_refunded(payment, obj, event_id):
    if not obj.get("refunded"):
        return "partial refund: not handled"
    return services.confirm_refunded(payment, amount=gateway.yuan_from_fen(obj["amount_refunded"]), event_id=event_id)


def _refund_updated(payment, obj, event_id):
    if obj.get("status") in ("failed", "canceled"):
        return services.confirm_refund_failed(payment, refund_id=obj["id"], status=obj["status"],
                                              reason=obj.get("failure_reason"), event_id=event_id)
    if obj.get("status") != "succeeded":
        return f"refund {obj.get('status')}"
    return services.confirm_refunded(payment, amount=gateway.yuan_from_fen(obj["amount"]), event_id=event_id)


HANDLERS = {
    "payment_intent.succeeded": _intent_succeeded,
    "payment_intent.payment_failed": _intent_failed,
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _checkout_completed,
    "checkout.session.async_payment_failed": _checkout_abandoned,
    "checkout.session.expired": _checkout_abandoned,
    "charge.refunded": _charge_refunded,
    "refund.created": _refund_updated,
    "refund.updated": _refund_updated,
    "refund.failed": _refund_updated,
}


def replay_parked() -> int:
    """Apply events that arrived before their payment was committed; give up on old ones."""
    now = clock.now()
    done = 0
    for row in db.session.execute(select(StripeEvent).where(StripeEvent.processed_at.is_(None))
                                  .order_by(StripeEvent.id)).scalars():
        apply(row)
        if row.processed_at is None and row.received_at < now - GIVE_UP_AFTER:
            row.result, row.processed_at = "unmatched: no such payment", now
        done += row.processed_at is not None
    db.session.flush()
    return done
