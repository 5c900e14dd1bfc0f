"""What tenders ask of bids: flag live bids when a tender is amended, lapse the unconfirmed at the deadline."""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.audit import services as audit
from marketplace.common import clock
from marketplace.common.states import transition
from marketplace.extensions import db
from marketplace.notifications import services as notifications
from marketplace.organizations.models import Membership
from marketplace.web import external_url

from .models import BID_TRANSITIONS, Bid, BidAction, BidStatus


def live_bids(tender) -> list[Bid]:
    return db.session.execute(select(Bid).where(
        Bid.tender_id == tender.id, Bid.status.in_((BidStatus.submitted, BidStatus.needs_reconfirmation)))
        .order_by(Bid.id)).scalars().all()


def flag_for_reconfirmation(tender, amendment) -> int:
    """An amendment changes what was bid on: every live bid must be re-confirmed before the deadline."""
    now, bids = clock.now(), live_bids(tender)
    for bid in bids:
        transition(bid, BidAction.flag, BID_TRANSITIONS, label=_("投标"))
        bid.flagged_at = now
        audit.record(None, "bid.flagged", bid, data={"tender": tender.id, "amendment": amendment.number})
        message = _("“%(title)s”发布了第 %(n)d 号变更，贵机构的投标须在 %(deadline)s 前重新确认，否则失效",
                    title=tender.title, n=amendment.number,
                    deadline=clock.to_local(tender.deadline_at).strftime("%Y-%m-%d %H:%M"))
        for membership in db.session.execute(select(Membership).where(
                Membership.organization_id == bid.organization_id)).scalars():
            notifications.notify(membership.user, message, external_url("tenders.show", tender_id=tender.id))
    db.session.flush()
    return len(bids)


def reconfirm(bid: Bid, tender, *, by) -> Bid:
    transition(bid, BidAction.reconfirm, BID_TRANSITIONS, label=_("投标"))
    bid.reconfirmed_at, bid.tender_version = clock.now(), tender.version
    audit.record(by, "bid.reconfirmed", bid, data={"tender": tender.id, "version": tender.version})
    return bid


def lapse_unconfirmed(tender, *, at: datetime) -> int:
    bids = [bid for bid in live_bids(tender) if bid.status == BidStatus.needs_reconfirmation]
    for bid in bids:
        transition(bid, BidAction.lapse, BID_TRANSITIONS, label=_("投标"))
        bid.lapsed_at = at
        audit.record(None, "bid.lapsed", bid, data={"tender": tender.id})
    return len(bids)
