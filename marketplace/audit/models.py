from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.common.types import UTCDateTime
from marketplace.extensions import db

GENESIS_HASH = "0" * 64


class AuditEvent(db.Model):
    """Append-only, hash-chained record of every state change.

    hash = sha256(prev_hash ‖ canonical JSON of the row). `prev_hash` is unique, so the chain cannot
    fork even when two transactions race; database triggers refuse UPDATE and DELETE.
    """

    __tablename__ = "audit_event"
    __table_args__ = (CheckConstraint("seq >= 1", name="seq_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(100), index=True)
    subject_type: Mapped[str | None] = mapped_column(String(50))
    subject_id: Mapped[str | None] = mapped_column(String(50))
    data: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __mapper_args__ = {"eager_defaults": False}


class AuditHead(db.Model):
    """One row holding the chain's tip; writers lock it so events are appended one at a time."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
