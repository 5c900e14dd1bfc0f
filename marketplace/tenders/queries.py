"""What the tender pages list and load: public and buyer lists with filters, what a buyer may tender,
and the catalog's "used by" links. Each query loads what its page shows up front."""

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.catalog import services as catalog
from marketplace.catalog.models import BudgetLine
from marketplace.extensions import db
from marketplace.regions.models import GovernmentBody, Region
from marketplace.web import external_url

from .models import Question, Tender, TenderRegion, TenderStatus
from .services import budget_view

# Everything the tender page shows, loaded up front rather than one row at a time.
PAGE_LOAD = [selectinload(Tender.questions).joinedload(Question.pseudonym), selectinload(Tender.amendments),
             selectinload(Tender.documents), selectinload(Tender.indicators), selectinload(Tender.criteria),
             selectinload(Tender.conditions), selectinload(Tender.regions).joinedload(TenderRegion.region),
             joinedload(Tender.buyer).joinedload(GovernmentBody.region)]


OPEN_STATES = (TenderStatus.enquiry, TenderStatus.tendering)


# -- queries ----------------------------------------------------------------------------------------------

def public_parts(filters: dict) -> list:
    """The public list in two parts shown one after the other (marketplace.pagination.paginate_parts): open
    tenders, nearest deadline first, then the rest newest first. Each order is an index walk; one ORDER BY over
    both ("open first, then …") would sort every published tender for each page."""
    query = (select(Tender).where(Tender.published_at.is_not(None))
             .options(joinedload(Tender.buyer).joinedload(GovernmentBody.region)))  # one statement a part
    if filters.get("region"):
        region = filters["region"]
        query = query.join(Tender.buyer).join(GovernmentBody.region).where(Region.code.startswith(region.code_prefix))
    if filters.get("item_code"):
        query = query.where(Tender.item_code.startswith(filters["item_code"]))
    if filters.get("method"):
        query = query.where(Tender.method == filters["method"])
    if filters.get("status"):
        query = query.where(Tender.status == filters["status"])
    if filters.get("budget_min") is not None:
        query = query.where(Tender.budget >= filters["budget_min"])
    if filters.get("budget_max") is not None:
        query = query.where(Tender.budget <= filters["budget_max"])
    if filters.get("deadline_before") is not None:
        query = query.where(Tender.deadline_at <= filters["deadline_before"])
    if filters.get("q"):
        like = f"%{filters['q']}%"
        query = query.where(or_(Tender.title.like(like), Tender.reference.like(like)))
    is_open = Tender.status.in_(OPEN_STATES)
    return [query.where(is_open).order_by(Tender.deadline_at.asc(), Tender.id.desc()),
            query.where(~is_open).order_by(Tender.id.desc())]


def buyer_query(buyer: GovernmentBody, status: TenderStatus | None = None):
    query = select(Tender).where(Tender.buyer_id == buyer.id)
    if status is not None:
        query = query.where(Tender.status == status)
    return query.order_by(Tender.id.desc())


def counts_by_status(buyer: GovernmentBody) -> dict[TenderStatus, int]:
    rows = db.session.execute(select(Tender.status, func.count(Tender.id)).where(Tender.buyer_id == buyer.id)
                              .group_by(Tender.status)).all()
    return dict(rows)


def purchasable_items(buyer: GovernmentBody, year: int) -> list[tuple]:
    """Items of the buyer's effective catalog that have a budget line: (item, BudgetView)."""
    effective = catalog.effective_catalog(buyer.region, year)
    lines = db.session.execute(select(BudgetLine).where(
        BudgetLine.body_id == buyer.id, BudgetLine.year == year)).scalars().all()
    result = []
    for line in lines:
        item = effective.get(line.item_code)
        if item is not None and not item.negative:
            result.append((item, budget_view(buyer, year, line.item_code)))
    return sorted(result, key=lambda pair: pair[0].code)


def usages_for_item(item_code: str, region: Region, year: int) -> list:
    """Public tenders for an item, for the catalog's item page."""
    tenders = db.session.execute(
        select(Tender).join(Tender.buyer).join(GovernmentBody.region)
        .where(Tender.item_code == item_code, Tender.year == year, Tender.published_at.is_not(None),
               Region.code.startswith(region.code_prefix)).order_by(Tender.id.desc()).limit(50)).scalars().all()
    return [Usage(t.title, external_url("tenders.show", tender_id=t.id), t.reference) for t in tenders]


@dataclass
class Usage:
    title: str
    url: str
    label: str


catalog.ITEM_USAGE_PROVIDERS.append(usages_for_item)
