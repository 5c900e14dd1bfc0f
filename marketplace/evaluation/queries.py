"""Reading evaluation data: the panel, valid bids, results, and who to tell. Each loads what its page needs."""

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.accounts.models import Role, User
from marketplace.bids import services as bids
from marketplace.bids.models import Bid, BidStatus
from marketplace.extensions import db
from marketplace.notifications import services as notifications
from marketplace.organizations.models import Membership
from marketplace.web import external_url

from . import scoring
from .models import BidResult, PanelMember, Score


def tell_bidders(tender, message: str) -> None:
    """Every member of every organization whose bid was opened (valid or disqualified)."""
    users = db.session.execute(
        select(User).join(Membership, Membership.user_id == User.id)
        .join(Bid, Bid.organization_id == Membership.organization_id)
        .where(Bid.tender_id == tender.id, Bid.status.in_((BidStatus.opened, BidStatus.disqualified)))
        .distinct()).scalars().all()
    link = external_url("tenders.show", tender_id=tender.id)
    for user in users:
        notifications.notify(user, message, link)


def panel_of(tender) -> list[PanelMember]:
    return db.session.execute(select(PanelMember).where(PanelMember.tender_id == tender.id)
                              .options(joinedload(PanelMember.user), selectinload(PanelMember.scores))
                              .order_by(PanelMember.id)).unique().scalars().all()


def member_for(tender, user) -> PanelMember | None:
    if not (user and user.is_authenticated):
        return None
    return db.session.execute(select(PanelMember).where(PanelMember.tender_id == tender.id,
                                                        PanelMember.user_id == user.id)).scalar_one_or_none()


def valid_bids(tender) -> list[Bid]:
    """Opened and not disqualified: the bids the panel scores and the price score compares."""
    return [bid for bid in bids.opened_bids(tender) if bid.status == BidStatus.opened]


def opened_for_page(tender) -> list[Bid]:
    """Opened bids (valid and disqualified) with their organization and documents, in one go."""
    return db.session.execute(select(Bid).where(Bid.tender_id == tender.id,
                                                Bid.status.in_((BidStatus.opened, BidStatus.disqualified)))
                              .options(joinedload(Bid.organization), selectinload(Bid.documents))
                              .order_by(Bid.id)).unique().scalars().all()


def scores_needed(tender) -> int:
    """How many scores each member owes: every non-price criterion of every valid bid."""
    return len(valid_bids(tender)) * sum(1 for c in tender.criteria if not c.is_price)


def results_of(tender) -> list[BidResult]:
    return db.session.execute(select(BidResult).where(BidResult.tender_id == tender.id)
                              .options(joinedload(BidResult.bid).joinedload(Bid.organization))
                              .order_by(BidResult.rank)).scalars().all()


def has_results(tender) -> bool:
    return db.session.scalar(select(func.count(BidResult.id)).where(BidResult.tender_id == tender.id)) > 0


def evaluators() -> list[User]:
    return db.session.execute(select(User).where(User.role == Role.evaluator, User.deactivated_at.is_(None))
                              .order_by(User.name, User.id)).scalars().all()


def assignments_of(user) -> list[PanelMember]:
    """The evaluator's desk: every tender he sits on, newest first."""
    from marketplace.tenders.models import Tender

    return db.session.execute(select(PanelMember).where(PanelMember.user_id == user.id)
                              .options(joinedload(PanelMember.tender).joinedload(Tender.buyer))
                              .order_by(PanelMember.id.desc())).scalars().all()



def criterion_averages(tender, bid: Bid) -> dict[int, Decimal]:
    """Per criterion, the mean of the points the submitted active members gave this bid (for its bidder)."""
    rows = db.session.execute(
        select(Score.criterion_id, func.avg(Score.points)).join(PanelMember)
        .where(PanelMember.tender_id == tender.id, PanelMember.excluded_at.is_(None),
               PanelMember.submitted_at.is_not(None), Score.bid_id == bid.id)
        .group_by(Score.criterion_id)).all()
    return {criterion_id: scoring.round2(Decimal(str(avg))) for criterion_id, avg in rows}
