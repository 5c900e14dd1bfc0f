"""Bids: the record of who bid on a tender and whether that bid is live.

The sealed content (price, proposal, files) and the opening belong with the bid workflow; what lives
here is what tenders need to know: which bids are live and which must be re-confirmed after an amendment.
"""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.common.types import UTCDateTime, enum_column
from marketplace.extensions import db
from marketplace.organizations.models import Organization


class BidStatus(enum.Enum):
    submitted = "submitted"
    needs_reconfirmation = "needs_reconfirmation"  # the tender was amended after submission
    withdrawn = "withdrawn"
    lapsed = "lapsed"                              # not re-confirmed before the deadline


BID_STATUS_LABELS = {
    BidStatus.submitted: _l("已提交"),
    BidStatus.needs_reconfirmation: _l("待重新确认"),
    BidStatus.withdrawn: _l("已撤回"),
    BidStatus.lapsed: _l("已失效"),
}
LIVE_BID_STATES = (BidStatus.submitted, BidStatus.needs_reconfirmation)
_LIVE = "status IN ('submitted', 'needs_reconfirmation')"


class BidAction(enum.Enum):
    flag = "flag"
    reconfirm = "reconfirm"
    withdraw = "withdraw"
    lapse = "lapse"


BID_TRANSITIONS = {
    (BidStatus.submitted, BidAction.flag): BidStatus.needs_reconfirmation,
    (BidStatus.needs_reconfirmation, BidAction.flag): BidStatus.needs_reconfirmation,
    (BidStatus.needs_reconfirmation, BidAction.reconfirm): BidStatus.submitted,
    (BidStatus.submitted, BidAction.withdraw): BidStatus.withdrawn,
    (BidStatus.needs_reconfirmation, BidAction.withdraw): BidStatus.withdrawn,
    (BidStatus.needs_reconfirmation, BidAction.lapse): BidStatus.lapsed,
}


class Bid(db.Model):
    __tablename__ = "bid"
    __table_args__ = (
        # One live bid per organization per tender: a replacement withdraws the old one first.
        Index("uq_bid_one_live", "tender_id", "organization_id", unique=True,
              sqlite_where=text(_LIVE), postgresql_where=text(_LIVE)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[BidStatus] = mapped_column(enum_column(BidStatus, length=24), default=BidStatus.submitted)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The tender version the bidder last confirmed; an amendment raises the tender's version.
    tender_version: Mapped[int] = mapped_column(default=1)
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reconfirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lapsed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()
