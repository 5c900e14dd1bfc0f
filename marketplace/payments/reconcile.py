"""Reconciliation: our payments and ledger against Stripe's PaymentIntents (and what their charges refunded) for
a date range."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.common import clock
from marketplace.extensions import db

from . import gateway, ledger
from .models import Payment, PaymentStatus

# A Checkout donation waits for its donor; Stripe expires an unpaid session after 24 hours at most.
STALE_AFTER = timedelta(days=1)

# Our state → the PaymentIntent statuses that agree with it.
AGREEING = {
    PaymentStatus.created: {"requires_payment_method", "requires_confirmation", "requires_action", "canceled"},
    PaymentStatus.processing: {"processing", "requires_action", "requires_capture"},
    PaymentStatus.succeeded: {"succeeded"},
    PaymentStatus.refunded: {"succeeded"},  # a refunded PaymentIntent stays "succeeded"; its charge is refunded
    PaymentStatus.failed: {"requires_payment_method", "canceled"},
}


@dataclass
class Difference:
    kind: str  # missing_at_stripe, missing_locally, amount, status, refund, ledger, stale
    payment_id: int | None
    intent_id: str | None
    detail: str

    def __str__(self) -> str:
        return f"{self.kind:<17} payment={self.payment_id or '-'} intent={self.intent_id or '-'} {self.detail}"


def reconcile(start: date, end: date) -> list[Difference]:
    """Payments created on Chinese calendar days start..end (inclusive) against Stripe's PaymentIntents created
    then; a PaymentIntent of ours created on another day is fetched by id rather than reported missing."""
    low, high = clock.local_midnight(start), clock.local_midnight(end + timedelta(days=1))
    ours = db.session.execute(select(Payment).where(Payment.created_at >= low, Payment.created_at < high)
                              .options(selectinload(Payment.entries)).order_by(Payment.id)).scalars().all()
    theirs = {intent.id: intent for intent in gateway.list_intents(low, high)}
    differences = [*_ledger_differences(ours), *_stale(ours)]
    known = set()
    for payment in ours:
        if not payment.stripe_payment_intent_id:
            continue
        known.add(payment.stripe_payment_intent_id)
        intent = theirs.get(payment.stripe_payment_intent_id) or gateway.retrieve_intent(
            payment.stripe_payment_intent_id)
        differences.extend(_compare(payment, intent))
    for intent_id, intent in theirs.items():
        if intent_id in known or _is_ours_elsewhere(intent_id) or _abandoned_attempt(intent):
            continue
        detail = f"{intent.amount} {intent.currency} {intent.status} metadata={intent.metadata}"
        differences.append(Difference("missing_locally", None, intent_id, detail))
    return differences


def _compare(payment: Payment, intent) -> list[Difference]:
    ref = (payment.id, payment.stripe_payment_intent_id)
    if intent is None:
        return [Difference("missing_at_stripe", *ref, f"{payment.amount} {payment.status.value}")]
    found = []
    if intent.amount != payment.amount:
        found.append(Difference("amount", *ref, f"ours {payment.amount}, stripe {intent.amount}"))
    if intent.status not in AGREEING[payment.status]:
        found.append(Difference("status", *ref, f"ours {payment.status.value}, stripe {intent.status}"))
    booked = _posted(payment).get("refunded", (Decimal(0), Decimal(0)))[0]
    if intent.amount_refunded != booked:
        found.append(Difference("refund", *ref, f"stripe refunded {intent.amount_refunded} of {intent.amount}, "
                                                f"ledger {booked}: {_refund_story(payment, intent, booked)}"))
    return found


def _refund_story(payment: Payment, intent, booked: Decimal) -> str:
    if booked == 0 and intent.amount_refunded == intent.amount:
        return "refunded at Stripe (e.g. in the Dashboard) but its webhook never reached us"
    if 0 < intent.amount_refunded < intent.amount:
        return "a partial refund, which the ledger does not book: settle it by hand"
    return f"payment is {payment.status.value}"


def _posted(payment: Payment) -> dict[str, tuple[Decimal, Decimal]]:
    """(debits, credits) of each posting of the payment."""
    postings = {}
    for entry in payment.entries:
        debit, credit = postings.get(entry.posting, (Decimal(0), Decimal(0)))
        postings[entry.posting] = (debit + entry.debit, credit + entry.credit)
    return postings


def _stale(payments: list[Payment]) -> list[Difference]:
    """Processing for over a day with no PaymentIntent: a Checkout session whose end (expiry) we never heard of."""
    cutoff = clock.now() - STALE_AFTER
    return [Difference("stale", payment.id, None, f"processing since {payment.created_at:%Y-%m-%d %H:%M} UTC, "
                                                  f"checkout session {payment.checkout_session_id or '-'}")
            for payment in payments if payment.status == PaymentStatus.processing
            and not payment.stripe_payment_intent_id and payment.created_at < cutoff]


def _ledger_differences(payments: list[Payment]) -> list[Difference]:
    found = []
    for payment in payments:
        postings = _posted(payment)
        expected = {"received"} if payment.status == PaymentStatus.succeeded else (
            {"received", "refunded"} if payment.status == PaymentStatus.refunded else set())
        if set(postings) != expected:
            found.append(Difference("ledger", payment.id, payment.stripe_payment_intent_id,
                                    f"{payment.status.value} with postings {sorted(postings) or 'none'}"))
        for posting, (debit, credit) in postings.items():
            if debit != credit or debit != payment.amount:
                found.append(Difference("ledger", payment.id, payment.stripe_payment_intent_id,
                                        f"{posting}: debit {debit}, credit {credit}, payment {payment.amount}"))
    return found


def _abandoned_attempt(intent) -> bool:
    """An earlier, unpaid PaymentIntent of one of our payments (a donor's retry gets a fresh one)."""
    key = intent.metadata.get("payment_key")
    return intent.status != "succeeded" and bool(key) and db.session.execute(
        select(Payment.id).where(Payment.idempotency_key == key)).first() is not None


def _is_ours_elsewhere(intent_id: str) -> bool:
    return db.session.execute(select(Payment.id).where(Payment.stripe_payment_intent_id == intent_id)).first() \
        is not None


def unbalanced() -> list[tuple[int, str]]:
    return ledger.unbalanced_postings()
