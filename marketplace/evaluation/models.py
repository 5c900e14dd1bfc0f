"""The evaluation panel, scores, results, the award with its public notice (公示), and challenges (质疑)."""

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.bids.models import Bid
from marketplace.common.money import MoneyColumn
from marketplace.common.types import UTCDateTime, enum_column
from marketplace.extensions import db
from marketplace.tenders.models import Tender

ScoreColumn = Numeric(7, 2, asdecimal=True)


class PanelMember(db.Model):
    """An evaluator assigned to a tender. At opening each declares conflicts against the bidders; a conflicted
    member is excluded and the buyer assigns a replacement."""

    __tablename__ = "panel_member"
    __table_args__ = (
        UniqueConstraint("tender_id", "user_id"),
        CheckConstraint("NOT conflicted OR conflict_note IS NOT NULL", name="conflict_explained"),
        CheckConstraint("submitted_at IS NULL OR declared_at IS NOT NULL", name="declared_before_scoring"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("panel_member.id"))
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    conflicted: Mapped[bool] = mapped_column(default=False)
    conflict_note: Mapped[str | None] = mapped_column(String(1000))
    excluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tender: Mapped[Tender] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    scores: Mapped[list["Score"]] = relationship(back_populates="member", cascade="all, delete-orphan")

    @property
    def active(self) -> bool:
        return self.excluded_at is None


class Score(db.Model):
    """One evaluator's points for one non-price criterion of one bid, with the reason."""

    __tablename__ = "evaluation_score"
    __table_args__ = (
        UniqueConstraint("member_id", "bid_id", "criterion_id"),
        CheckConstraint("points >= 0", name="points_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("panel_member.id", ondelete="CASCADE"), index=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("tender_criterion.id"))
    points: Mapped[Decimal] = mapped_column(ScoreColumn)
    justification: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member: Mapped[PanelMember] = relationship(back_populates="scores")


class BidResult(db.Model):
    """A bid's scores once every active evaluator has submitted: frozen, published with the award."""

    __tablename__ = "bid_result"
    __table_args__ = (UniqueConstraint("tender_id", "bid_id"), UniqueConstraint("tender_id", "rank"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"))
    price_score: Mapped[Decimal] = mapped_column(ScoreColumn)
    technical_score: Mapped[Decimal] = mapped_column(ScoreColumn)
    total: Mapped[Decimal] = mapped_column(ScoreColumn)
    rank: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    bid: Mapped[Bid] = relationship()


class AwardStatus(enum.Enum):
    noticed = "noticed"        # 中标（成交）结果公告 published; standstill running
    cancelled = "cancelled"    # an upheld challenge cancelled it
    final = "final"            # standstill over without an open challenge: the contract may be signed


AWARD_STATUS_LABELS = {
    AwardStatus.noticed: _l("公示中"),
    AwardStatus.cancelled: _l("已撤销"),
    AwardStatus.final: _l("公示期满"),
}


class Award(db.Model):
    __tablename__ = "award"
    __table_args__ = (
        # At most one award in force per tender; a cancelled one stays for the record.
        Index("uq_award_one_in_force", "tender_id", unique=True,
              sqlite_where=text("status != 'cancelled'"), postgresql_where=text("status != 'cancelled'")),
        CheckConstraint("rank = 1 OR deviation_reason IS NOT NULL", name="deviation_explained"),
        CheckConstraint("status != 'cancelled' OR cancel_reason IS NOT NULL", name="cancel_has_reason"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_award_noticed_at_id", "noticed_at", "id"),  # the latest awards (home page, feed)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"))
    rank: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(MoneyColumn)
    status: Mapped[AwardStatus] = mapped_column(enum_column(AwardStatus), default=AwardStatus.noticed)
    # Why the buyer did not take the recommended (first-ranked) bid, or why this is the next-ranked one.
    deviation_reason: Mapped[str | None] = mapped_column(String(1000))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    noticed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notice_due_on: Mapped[date] = mapped_column(Date)
    challenge_until: Mapped[date] = mapped_column(Date)  # last working day to file a challenge
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(1000))
    final_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tender: Mapped[Tender] = relationship()
    bid: Mapped[Bid] = relationship()
    challenges: Mapped[list["Challenge"]] = relationship(back_populates="award", order_by="Challenge.id")


class Challenge(db.Model):
    """A bidder's 质疑 against an award notice, with grounds, evidence and the buyer's answer."""

    __tablename__ = "challenge"
    __table_args__ = (
        CheckConstraint("(answer IS NULL) = (answered_at IS NULL)", name="answered_iff_answer"),
        CheckConstraint("(answer IS NULL) = (upheld IS NULL)", name="decided_iff_answered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), index=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"))
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    grounds: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer_due_on: Mapped[date] = mapped_column(Date)
    answer: Mapped[str | None] = mapped_column(Text)
    upheld: Mapped[bool | None] = mapped_column()
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    document_name: Mapped[str | None] = mapped_column(String(255))
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    document_type: Mapped[str | None] = mapped_column(String(100))

    award: Mapped[Award] = relationship(back_populates="challenges")
    bid: Mapped[Bid] = relationship()
