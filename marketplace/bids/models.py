"""Bids: sealed content, receipts, the per-tender key that seals them, and the opening record.

A bid's price, proposal, team and files are stored only as ciphertext under a key that belongs to its tender;
that key is itself stored wrapped by the platform's master key (from the environment, never in the database)
and the platform unwraps it for one purpose before the deadline: showing a bidding organization its own bid.
The opening step releases it for everyone entitled to see the bids.
"""

import enum
from datetime import datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.common.money import MoneyColumn
from marketplace.common.types import UTCDateTime, enum_column
from marketplace.extensions import db
from marketplace.organizations.models import Organization


class BidStatus(enum.Enum):
    draft = "draft"
    submitted = "submitted"
    needs_reconfirmation = "needs_reconfirmation"  # the tender was amended after submission
    withdrawn = "withdrawn"
    replaced = "replaced"                          # a later submission by the same organization counts
    lapsed = "lapsed"                              # not re-confirmed before the deadline
    opened = "opened"                              # live at the deadline: decrypted for the panel
    disqualified = "disqualified"                  # failed the qualification review (with a reason)


BID_STATUS_LABELS = {
    BidStatus.draft: _l("草稿"),
    BidStatus.submitted: _l("已提交"),
    BidStatus.needs_reconfirmation: _l("待重新确认"),
    BidStatus.withdrawn: _l("已撤回"),
    BidStatus.replaced: _l("已被新投标替换"),
    BidStatus.lapsed: _l("已失效"),
    BidStatus.opened: _l("已开标"),
    BidStatus.disqualified: _l("资格审查未通过"),
}
LIVE_BID_STATES = (BidStatus.submitted, BidStatus.needs_reconfirmation)
_LIVE = "status IN ('submitted', 'needs_reconfirmation', 'opened', 'disqualified')"


class BidAction(enum.Enum):
    submit = "submit"
    flag = "flag"
    reconfirm = "reconfirm"
    withdraw = "withdraw"
    replace = "replace"
    lapse = "lapse"
    open = "open"
    disqualify = "disqualify"


BID_TRANSITIONS = {
    (BidStatus.draft, BidAction.submit): BidStatus.submitted,
    (BidStatus.submitted, BidAction.flag): BidStatus.needs_reconfirmation,
    (BidStatus.needs_reconfirmation, BidAction.flag): BidStatus.needs_reconfirmation,
    (BidStatus.needs_reconfirmation, BidAction.reconfirm): BidStatus.submitted,
    (BidStatus.submitted, BidAction.withdraw): BidStatus.withdrawn,
    (BidStatus.needs_reconfirmation, BidAction.withdraw): BidStatus.withdrawn,
    (BidStatus.submitted, BidAction.replace): BidStatus.replaced,
    (BidStatus.needs_reconfirmation, BidAction.replace): BidStatus.replaced,
    (BidStatus.needs_reconfirmation, BidAction.lapse): BidStatus.lapsed,
    (BidStatus.submitted, BidAction.open): BidStatus.opened,
    (BidStatus.opened, BidAction.disqualify): BidStatus.disqualified,
}


class Bid(db.Model):
    __tablename__ = "bid"
    __table_args__ = (
        # One live bid per organization per tender: a replacement retires the old one in the same transaction.
        Index("uq_bid_one_live", "tender_id", "organization_id", unique=True,
              sqlite_where=text(_LIVE), postgresql_where=text(_LIVE)),
        Index("uq_bid_one_draft", "tender_id", "organization_id", unique=True,
              sqlite_where=text("status = 'draft'"), postgresql_where=text("status = 'draft'")),
        # A retried or double-clicked submission carries the same key and finds the bid it already made.
        UniqueConstraint("organization_id", "tender_id", "idempotency_key"),
        CheckConstraint("status = 'draft' OR (sealed_content IS NOT NULL AND content_sha256 IS NOT NULL)",
                        name="submitted_is_sealed"),
        CheckConstraint("status != 'disqualified' OR disqualify_reason IS NOT NULL", name="disqualified_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    status: Mapped[BidStatus] = mapped_column(enum_column(BidStatus, length=24), default=BidStatus.draft)
    # Fernet token of the canonical content (price, breakdown, proposals, team, document hashes, salt).
    sealed_content: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    # The tender version the bidder last confirmed; an amendment raises the tender's version.
    tender_version: Mapped[int] = mapped_column(Integer, default=1)

    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # server time of receipt
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reconfirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("bid.id"))
    lapsed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disqualified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disqualify_reason: Mapped[str | None] = mapped_column(String(1000))

    # Filled by the opening step only: the decrypted content, the hash recomputed from it, and the price.
    opened_content: Mapped[str | None] = mapped_column(Text)
    opened_sha256: Mapped[str | None] = mapped_column(String(64))
    price: Mapped[Decimal | None] = mapped_column(MoneyColumn)

    organization: Mapped[Organization] = relationship()
    documents: Mapped[list["BidDocument"]] = relationship(back_populates="bid", order_by="BidDocument.id",
                                                          cascade="all, delete-orphan")


class BidDocument(db.Model):
    """A file of a bid. The file is encrypted with the tender's key, and so are its name, type, size and hash
    (a file name like "报价268000.pdf" would tell too much); they are copied out in plain at opening."""

    __tablename__ = "bid_document"
    __table_args__ = (CheckConstraint("opened_at IS NULL OR (original_name IS NOT NULL AND sha256 IS NOT NULL)",
                                      name="plain_after_opening"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"), index=True)
    sealed_meta: Mapped[bytes] = mapped_column(LargeBinary)  # JSON {name, content_type, size, sha256}
    blob: Mapped[str] = mapped_column(String(64), unique=True)  # random file name under instance/sealed/
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    original_name: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))  # of the plaintext, part of the bid's canonical content

    bid: Mapped[Bid] = relationship(back_populates="documents")


class SealKey(db.Model):
    """A tender's bid key, wrapped by the master key. Kept apart from the bids it seals."""

    __tablename__ = "tender_seal_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), unique=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Opening(db.Model):
    """The public opening record (开标记录): when, how many, each bid's hash and bidder (and price for open tenders)."""

    __tablename__ = "bid_opening"
    __table_args__ = (CheckConstraint("bid_count >= 0", name="bid_count_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), unique=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    bid_count: Mapped[int] = mapped_column(Integer)
    prices_published: Mapped[bool] = mapped_column(default=False)
    entries: Mapped[str] = mapped_column(Text)  # JSON list of {bid, organization, uscc, sha256, matches, price?}
