"""The double-entry ledger. A posting is the set of lines one event writes; its debits equal its credits.

Accounts are named, not rows: `buyer:<body id>`, `organization:<org id>`, `project:<contract id>:donations`
and `stripe:clearing` (the platform's Stripe balance, where donations wait for the project).
"""

from decimal import Decimal

from sqlalchemy import func, select

from marketplace.extensions import db

from .models import LedgerEntry, Payment, PaymentKind

ZERO = Decimal("0.00")


class Unbalanced(ValueError):
    pass


def accounts(payment: Payment) -> tuple[str, str]:
    """(debited, credited) when the money arrives: where it went, where it came from."""
    contract = payment.contract
    if payment.kind == PaymentKind.tranche:
        return f"organization:{contract.organization_id}", f"buyer:{contract.buyer_id}"
    return "stripe:clearing", f"project:{contract.id}:donations"


def post(payment: Payment, posting: str, lines: list[tuple[str, Decimal, Decimal]], *, event_id: str | None,
         at) -> list[LedgerEntry]:
    """Write one balanced posting. Refuses (before writing anything) when debits and credits differ."""
    debits = sum((debit for _a, debit, _c in lines), ZERO)
    credits = sum((credit for _a, _d, credit in lines), ZERO)
    if debits != credits or debits == ZERO:
        raise Unbalanced(f"posting {posting} of payment {payment.id}: debit {debits} != credit {credits}")
    entries = [LedgerEntry(payment_id=payment.id, posting=posting, account=account, debit=debit, credit=credit,
                           stripe_event_id=event_id, created_at=at) for account, debit, credit in lines]
    db.session.add_all(entries)
    db.session.flush()
    return entries


def post_received(payment: Payment, *, event_id: str | None, at) -> list[LedgerEntry]:
    debited, credited = accounts(payment)
    return post(payment, "received", [(debited, payment.amount, ZERO), (credited, ZERO, payment.amount)],
                event_id=event_id, at=at)


def post_refunded(payment: Payment, *, event_id: str | None, at) -> list[LedgerEntry]:
    """The exact reverse of what was received."""
    debited, credited = accounts(payment)
    return post(payment, "refunded", [(debited, ZERO, payment.amount), (credited, payment.amount, ZERO)],
                event_id=event_id, at=at)


def balance(account: str) -> Decimal:
    """Credits minus debits."""
    row = db.session.execute(select(func.coalesce(func.sum(LedgerEntry.credit), 0),
                                    func.coalesce(func.sum(LedgerEntry.debit), 0))
                             .where(LedgerEntry.account == account)).one()
    return Decimal(row[0]) - Decimal(row[1])


def tranches_paid(contract) -> Decimal:
    """What the organization received for this contract, net of refunds."""
    row = db.session.execute(
        select(func.coalesce(func.sum(LedgerEntry.debit), 0), func.coalesce(func.sum(LedgerEntry.credit), 0))
        .join(Payment, Payment.id == LedgerEntry.payment_id)
        .where(Payment.contract_id == contract.id, Payment.kind == PaymentKind.tranche,
               LedgerEntry.account == f"organization:{contract.organization_id}")).one()
    return Decimal(row[0]) - Decimal(row[1])


def donations_received(contract) -> Decimal:
    return balance(f"project:{contract.id}:donations")


def unbalanced_postings() -> list[tuple[int, str]]:
    """(payment id, posting) of every posting whose debits and credits differ; empty when the ledger is sound."""
    rows = db.session.execute(
        select(LedgerEntry.payment_id, LedgerEntry.posting).group_by(LedgerEntry.payment_id, LedgerEntry.posting)
        .having(func.sum(LedgerEntry.debit) != func.sum(LedgerEntry.credit))).all()
    return [(payment_id, posting) for payment_id, posting in rows]
