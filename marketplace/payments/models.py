"""Payments: tranches from buyers to organizations and public donations to projects, each with its own state
machine, a double-entry ledger, the Stripe events we received, and who pays or is paid through which account."""

import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.common.money import MoneyColumn
from marketplace.common.types import UTCDateTime, enum_column
from marketplace.contracts.models import Contract, Milestone
from marketplace.extensions import db


class PaymentKind(enum.Enum):
    tranche = "tranche"    # a milestone's payment from the buyer body to the organization
    donation = "donation"  # 社会慈善资源: anyone to a funded project


class PaymentStatus(enum.Enum):
    created = "created"          # our row exists; nothing is being paid yet
    processing = "processing"    # Stripe holds a payment in flight; its webhook decides
    succeeded = "succeeded"      # confirmed by webhook
    failed = "failed"            # declined or errored; a retry is a new attempt
    refunded = "refunded"        # confirmed by webhook


PAYMENT_STATUS_LABELS = {
    PaymentStatus.created: _l("待支付"),
    PaymentStatus.processing: _l("处理中"),
    PaymentStatus.succeeded: _l("已到账"),
    PaymentStatus.failed: _l("支付失败"),
    PaymentStatus.refunded: _l("已退款"),
}
PAYMENT_KIND_LABELS = {PaymentKind.tranche: _l("合同款"), PaymentKind.donation: _l("捐赠")}


class PaymentAction(enum.Enum):
    submit = "submit"    # handed to Stripe
    succeed = "succeed"  # webhook: the money moved
    fail = "fail"        # declined (at once or by webhook)
    refund = "refund"    # webhook: the refund went through


PAYMENT_TRANSITIONS = {
    (PaymentStatus.created, PaymentAction.submit): PaymentStatus.processing,
    (PaymentStatus.created, PaymentAction.fail): PaymentStatus.failed,
    (PaymentStatus.processing, PaymentAction.succeed): PaymentStatus.succeeded,
    (PaymentStatus.processing, PaymentAction.fail): PaymentStatus.failed,
    # A donor retries on the same PaymentIntent; Stripe may also report success after a first failure.
    (PaymentStatus.failed, PaymentAction.submit): PaymentStatus.processing,
    (PaymentStatus.succeeded, PaymentAction.refund): PaymentStatus.refunded,
}

# At most one tranche payment per milestone is in flight or paid; a failed attempt leaves room for a retry.
_LIVE_TRANCHE = "kind = 'tranche' AND status IN ('processing', 'succeeded')"


class Payment(db.Model):
    __tablename__ = "payment"
    __table_args__ = (
        Index("uq_payment_live_tranche", "milestone_id", unique=True,
              sqlite_where=text(_LIVE_TRANCHE), postgresql_where=text(_LIVE_TRANCHE)),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("currency = 'cny'", name="currency_cny"),
        CheckConstraint("(kind = 'tranche') = (milestone_id IS NOT NULL)", name="tranche_has_milestone"),
        CheckConstraint("attempt >= 1", name="attempt_positive"),
        CheckConstraint("status != 'refunded' OR refund_reason IS NOT NULL", name="refund_reasoned"),
        CheckConstraint("status != 'succeeded' OR succeeded_at IS NOT NULL", name="succeeded_stamped"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PaymentKind] = mapped_column(enum_column(PaymentKind), index=True)
    status: Mapped[PaymentStatus] = mapped_column(enum_column(PaymentStatus), default=PaymentStatus.created,
                                                  index=True)
    amount: Mapped[Decimal] = mapped_column(MoneyColumn)
    currency: Mapped[str] = mapped_column(String(3), default="cny")
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("contract_milestone.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    # Derived from what is being paid (the tranche and attempt, or the donation row) so that a double click or
    # a retry after a lost response reaches Stripe with the same key and finds the object it already made.
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255))
    # The donor's link to their donation's page; unguessable, since donors need no account.
    public_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    failure_message: Mapped[str | None] = mapped_column(String(500))
    donor_name: Mapped[str | None] = mapped_column(String(100))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    donor_message: Mapped[str | None] = mapped_column(String(500))
    donor_email: Mapped[str | None] = mapped_column(String(254))
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processing_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refund_reason: Mapped[str | None] = mapped_column(String(1000))
    refund_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refunded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contract: Mapped[Contract] = relationship()
    milestone: Mapped[Milestone | None] = relationship()
    entries: Mapped[list["LedgerEntry"]] = relationship(back_populates="payment", order_by="LedgerEntry.id")

    @property
    def donor_label(self) -> str:
        return str(_l("匿名")) if self.anonymous or not self.donor_name else self.donor_name


class LedgerEntry(db.Model):
    """One line of a double-entry posting. The lines of one posting (`payment_id`, `posting`) balance to zero
    and are written together by `ledger.post`; each account appears once per posting, which also makes a
    replayed webhook unable to post twice."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        UniqueConstraint("payment_id", "posting", "account"),
        CheckConstraint("debit >= 0 AND credit >= 0", name="sides_not_negative"),
        CheckConstraint("(debit = 0) != (credit = 0)", name="exactly_one_side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), index=True)
    posting: Mapped[str] = mapped_column(String(24))  # "received" or "refunded"
    account: Mapped[str] = mapped_column(String(80), index=True)
    debit: Mapped[Decimal] = mapped_column(MoneyColumn, default=Decimal("0"))
    credit: Mapped[Decimal] = mapped_column(MoneyColumn, default=Decimal("0"))
    stripe_event_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    payment: Mapped[Payment] = relationship(back_populates="entries")


class StripeEvent(db.Model):
    """Every verified webhook delivery, once per Stripe event id (the unique constraint is the idempotency)."""

    __tablename__ = "stripe_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(100), index=True)
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    result: Mapped[str] = mapped_column(String(200), default="")


class PayeeAccount(db.Model):
    """The organization's Stripe connected account, where tranches are transferred (optional: without it the
    platform account receives the tranche and pays out by other means)."""

    __tablename__ = "payment_payee_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), unique=True)
    stripe_account_id: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class PayerMethod(db.Model):
    """The buyer body's Stripe customer and saved payment method, charged when its staff release a tranche."""

    __tablename__ = "payment_payer_method"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("government_body.id"), unique=True)
    stripe_customer_id: Mapped[str] = mapped_column(String(255))
    stripe_payment_method_id: Mapped[str] = mapped_column(String(255))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
