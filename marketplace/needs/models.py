"""Residents' needs (群众需求): what a community asks for, and how the street office answers in time."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.common.types import UTCDateTime, enum_column
from marketplace.extensions import db
from marketplace.regions.models import GovernmentBody, Region


class NeedStatus(enum.Enum):
    submitted = "submitted"
    replied = "replied"
    planned = "planned"      # linked to a tender that answers it
    resolved = "resolved"
    declined = "declined"


NEED_STATUS_LABELS = {
    NeedStatus.submitted: _l("待答复"),
    NeedStatus.replied: _l("已答复"),
    NeedStatus.planned: _l("已纳入项目"),
    NeedStatus.resolved: _l("已解决"),
    NeedStatus.declined: _l("不予采纳"),
}
CLOSED_NEED_STATES = {NeedStatus.planned, NeedStatus.resolved, NeedStatus.declined}


class NeedAction(enum.Enum):
    reply = "reply"
    plan = "plan"
    resolve = "resolve"
    decline = "decline"
    reopen = "reopen"  # the tender that was to answer it was cancelled or failed


# A closing answer is also a reply: the office may plan, resolve or decline without replying first.
NEED_TRANSITIONS = {
    (NeedStatus.submitted, NeedAction.reply): NeedStatus.replied,
    (NeedStatus.submitted, NeedAction.plan): NeedStatus.planned,
    (NeedStatus.submitted, NeedAction.resolve): NeedStatus.resolved,
    (NeedStatus.submitted, NeedAction.decline): NeedStatus.declined,
    (NeedStatus.replied, NeedAction.plan): NeedStatus.planned,
    (NeedStatus.replied, NeedAction.resolve): NeedStatus.resolved,
    (NeedStatus.replied, NeedAction.decline): NeedStatus.declined,
    (NeedStatus.planned, NeedAction.reopen): NeedStatus.replied,
}


class Need(db.Model):
    __tablename__ = "need"
    __table_args__ = (
        CheckConstraint("status != 'declined' OR decline_reason IS NOT NULL", name="declined_has_reason"),
        CheckConstraint("status != 'planned' OR tender_id IS NOT NULL", name="planned_has_tender"),
        CheckConstraint("reply_due_on <= close_due_on", name="reply_before_close"),
        CheckConstraint("support_count >= 0", name="support_count_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    # The street office (or township) over the community answers; kept so a later re-organisation
    # does not move old needs.
    office_id: Mapped[int] = mapped_column(ForeignKey("government_body.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(16))
    item_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)

    status: Mapped[NeedStatus] = mapped_column(enum_column(NeedStatus), default=NeedStatus.submitted, index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_due_on: Mapped[date] = mapped_column(Date, index=True)
    close_due_on: Mapped[date] = mapped_column(Date, index=True)
    reply_text: Mapped[str | None] = mapped_column(Text)
    decline_reason: Mapped[str | None] = mapped_column(String(1000))
    tender_id: Mapped[int | None] = mapped_column(ForeignKey("tender.id"), index=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("government_body.id"))
    support_count: Mapped[int] = mapped_column(Integer, default=0)

    community: Mapped[Region] = relationship()
    office: Mapped[GovernmentBody] = relationship(foreign_keys=[office_id])
    escalated_to: Mapped[GovernmentBody | None] = relationship(foreign_keys=[escalated_to_id])
    submitted_by: Mapped[User] = relationship()
    photos: Mapped[list["NeedPhoto"]] = relationship(back_populates="need", order_by="NeedPhoto.id",
                                                     cascade="all, delete-orphan")
    updates: Mapped[list["NeedUpdate"]] = relationship(back_populates="need", order_by="NeedUpdate.id",
                                                       cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_NEED_STATES

    def reply_overdue(self, today: date) -> bool:
        """No answer of any kind yet, and the reply deadline has passed."""
        return self.replied_at is None and today > self.reply_due_on

    def close_overdue(self, today: date) -> bool:
        return self.closed_at is None and today > self.close_due_on

    def overdue(self, today: date) -> bool:
        return self.reply_overdue(today) or self.close_overdue(today)

    def next_due_on(self) -> date | None:
        """The deadline the office is working to now: the reply first, then the close."""
        if not self.is_open:
            return None
        return self.reply_due_on if self.replied_at is None else self.close_due_on


class NeedPhoto(db.Model):
    __tablename__ = "need_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)

    need: Mapped[Need] = relationship(back_populates="photos")


class NeedSupport(db.Model):
    """One 点赞 per resident per need."""

    __tablename__ = "need_support"
    __table_args__ = (UniqueConstraint("need_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NeedUpdate(db.Model):
    """The public history of a need: every answer and change, in order."""

    __tablename__ = "need_update"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"), index=True)
    status: Mapped[NeedStatus] = mapped_column(enum_column(NeedStatus))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Staff name is public (they act for the office); residents are never named.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    escalation: Mapped[bool] = mapped_column(default=False)

    need: Mapped[Need] = relationship(back_populates="updates")
    created_by: Mapped[User | None] = relationship()
