"""Who follows what, how they want mail, and the digest items waiting for the next daily mail."""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.common.types import UTCDateTime, enum_column
from marketplace.extensions import db


class Subject(enum.Enum):
    tender = "tender"
    project = "project"            # a contract, shown at /projects/<tender id>
    organization = "organization"
    need = "need"


SUBJECT_LABELS = {Subject.tender: _l("采购项目"), Subject.project: _l("已签约项目"),
                  Subject.organization: _l("社会组织"), Subject.need: _l("群众需求")}


class MailChoice(enum.Enum):
    immediate = "immediate"  # one mail per update
    daily = "daily"          # one digest a day with every update
    none = "none"            # in the app only


MAIL_CHOICE_LABELS = {MailChoice.immediate: _l("每条进展发一封邮件"), MailChoice.daily: _l("每天汇总发一封邮件"),
                      MailChoice.none: _l("不发邮件，只在站内通知")}


class Follow(db.Model):
    __tablename__ = "follow"
    __table_args__ = (UniqueConstraint("user_id", "subject", "subject_id"),
                      Index("ix_follow_subject", "subject", "subject_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    subject: Mapped[Subject] = mapped_column(enum_column(Subject))
    subject_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FollowPreference(db.Model):
    """One row per person who changed the default (a daily digest)."""

    __tablename__ = "follow_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    mail: Mapped[MailChoice] = mapped_column(enum_column(MailChoice), default=MailChoice.daily)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DigestItem(db.Model):
    """An update waiting for the person's next daily digest; `sent_at` once it went out."""

    __tablename__ = "follow_digest_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
