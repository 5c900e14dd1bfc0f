"""Read-only views of payments: the contract panel, the public donations list, the admin list."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.common import clock
from marketplace.extensions import db

from . import gateway, ledger, policies
from .models import PayeeAccount, PayerMethod, Payment, PaymentKind, PaymentStatus


def contract_panel(contract, user) -> dict:
    """What the contract page shows: the funding totals for everyone, every attempt for the two parties, the
    confirmed donations, and whether the release buttons can work."""
    tranche_rows = db.session.execute(select(Payment).where(
        Payment.contract_id == contract.id, Payment.kind == PaymentKind.tranche).order_by(Payment.id)).scalars().all()
    by_milestone: dict[int, list[Payment]] = {}
    for payment in tranche_rows:
        by_milestone.setdefault(payment.milestone_id, []).append(payment)
    return {
        "configured": gateway.configured(),
        "follow": policies.can_follow_payments(user, contract),
        "budget": contract.value,
        "tranches_paid": ledger.tranches_paid(contract),
        "donations_received": ledger.donations_received(contract),
        "by_milestone": by_milestone,
        "can_release": {m.id: policies.can_release_tranche(user, m) for m in contract.milestones},
        "donations": confirmed_donations(contract),
        "accepts_donations": policies.can_receive_donations(contract),
    }


def refunded_tranche_payments(milestone) -> list[Payment]:
    """Earlier payments of this tranche that were refunded in full: the tranche is owed again."""
    return db.session.execute(select(Payment).where(
        Payment.milestone_id == milestone.id, Payment.status == PaymentStatus.refunded)
        .order_by(Payment.id)).scalars().all()


def confirmed_donations(contract, limit: int = 50) -> list[Payment]:
    return db.session.execute(select(Payment).where(
        Payment.contract_id == contract.id, Payment.kind == PaymentKind.donation,
        Payment.status == PaymentStatus.succeeded).order_by(Payment.succeeded_at.desc()).limit(limit)).scalars().all()


def admin_query(kind: str | None = None, status: str | None = None, start=None, end=None, contract_id=None):
    query = select(Payment).options(selectinload(Payment.contract)).order_by(Payment.id.desc())
    if kind in PaymentKind._value2member_map_:
        query = query.where(Payment.kind == PaymentKind(kind))
    if status in PaymentStatus._value2member_map_:
        query = query.where(Payment.status == PaymentStatus(status))
    if start:
        query = query.where(Payment.created_at >= clock.local_midnight(start))
    if end:
        query = query.where(Payment.created_at < clock.local_midnight(end + timedelta(days=1)))
    if contract_id:
        query = query.where(Payment.contract_id == contract_id)
    return query


def payer_methods() -> list[PayerMethod]:
    return db.session.execute(select(PayerMethod).order_by(PayerMethod.body_id)).scalars().all()


def payee_accounts() -> list[PayeeAccount]:
    return db.session.execute(select(PayeeAccount).order_by(PayeeAccount.organization_id)).scalars().all()
