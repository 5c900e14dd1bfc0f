"""What the home page shows of the marketplace now: tenders open for bids, the latest awards, projects close to
their end, and headline numbers for a region. A fixed handful of statements, each bounded by LIMIT."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from marketplace.bids.models import Bid
from marketplace.common import cache, clock
from marketplace.contracts.models import Contract, ContractStatus
from marketplace.evaluation.models import Award, AwardStatus
from marketplace.extensions import db
from marketplace.organizations.models import Organization, OrgStatus
from marketplace.outcomes.models import Evaluation
from marketplace.regions.models import Region
from marketplace.tenders.models import Tender, TenderStatus

from .queries import filtered, signed, within

LIMIT = 5


def open_tenders(region: Region | None) -> list[Tender]:
    """Accepting bids now: a tender past its deadline is not open, whether or not a job has moved it yet."""
    query = (select(Tender).where(Tender.status == TenderStatus.tendering, Tender.deadline_at > clock.now())
             .options(joinedload(Tender.buyer)).order_by(Tender.deadline_at, Tender.id).limit(LIMIT))
    if region is not None:
        query = query.where(within(region, Tender.id))
    return db.session.execute(query).scalars().all()


def latest_awards(region: Region | None) -> list[Award]:
    query = (select(Award).join(Award.tender).where(Award.status != AwardStatus.cancelled)
             .options(contains_eager(Award.tender), joinedload(Award.bid).joinedload(Bid.organization))
             .order_by(Award.noticed_at.desc(), Award.id.desc()).limit(LIMIT))
    if region is not None:
        query = query.where(within(region, Award.tender_id))
    return db.session.execute(query).scalars().all()


def near_completion(region: Region | None) -> list[Contract]:
    """Active contracts whose service period ends soonest (and has not ended yet)."""
    query = (filtered({"region": region}, (ContractStatus.active,)).where(Contract.ends_on >= clock.today())
             .options(contains_eager(Contract.tender), joinedload(Contract.organization))
             .order_by(Contract.ends_on, Contract.id).limit(LIMIT))
    return db.session.execute(query).scalars().all()


@dataclass
class Headline:
    projects: int
    value: Decimal
    organizations: int
    average_score: Decimal | None


def headline(region: Region | None) -> Headline:
    """Signed projects and their value, verified organizations based in the region, and the mean final score of
    the closed stage evaluations of those projects. Sums over every project: kept until the next write."""
    count, value, organizations, score = cache.versioned(
        "home-headline", region.code if region is not None else "", lambda: _headline(region))
    return Headline(projects=count, value=Decimal(value), organizations=organizations,
                    average_score=Decimal(score) if score is not None else None)


def _headline(region: Region | None) -> list:
    funded = signed({"region": region})
    count, value = db.session.execute(funded.with_only_columns(func.count(Contract.id),
                                                               func.sum(Contract.value))).one()
    orgs = select(func.count(Organization.id)).where(Organization.status == OrgStatus.verified)
    if region is not None:
        orgs = orgs.join(Region, Region.id == Organization.region_id).where(Region.code.startswith(region.code_prefix))
    score = db.session.scalar(select(func.avg(Evaluation.final_score)).where(
        Evaluation.closed_at.is_not(None), Evaluation.contract_id.in_(funded.with_only_columns(Contract.id))))
    # Decimals as strings: the value travels through JSON when cached
    return [count, str(Decimal(str(value or 0)).quantize(Decimal("0.01"))), db.session.scalar(orgs),
            str(Decimal(str(score)).quantize(Decimal("0.1"))) if score is not None else None]
