"""What the project pages load. Every function issues a fixed number of statements, whatever the number of
projects on a page or of milestones, reports and payments in a project (tests/projects count them)."""

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from marketplace.bids.models import Bid, Opening
from marketplace.common import cache
from marketplace.contracts.models import Contract, ContractStatus, Milestone
from marketplace.evaluation.models import Award
from marketplace.extensions import db
from marketplace.needs.models import Need
from marketplace.organizations.models import Organization
from marketplace.outcomes.models import BeneficiaryCount, Evaluation, OutcomeReport, ReportStatus
from marketplace.regions.models import PREFIX_LENGTH, GovernmentBody, Region
from marketplace.tenders.models import Question, Tender, TenderRegion

# A project is public from the award on; the contract row exists from generation, before the signatures.
PROJECT_STATES = (ContractStatus.awaiting_signatures, ContractStatus.active, ContractStatus.completed,
                  ContractStatus.terminated)
# Money counts as spent once both sides signed: an unsigned contract may still fall through. Signed is the stamp,
# not the status: a contract terminated while awaiting signatures is "terminated" without ever having been signed.
SIGNED = Contract.active_at.is_not(None)
CATEGORY_LENGTH = 3  # "A04" of "A0401": the second level of the purchase catalog names the field of service
SORTS = {
    "newest": (Contract.created_at.desc(), Contract.id.desc()),
    "value": (Contract.value.desc(), Contract.id.desc()),
    "ends": (Contract.ends_on.asc(), Contract.id.asc()),
}


def category_of(item_code: str) -> str:
    return item_code[:CATEGORY_LENGTH]


# -- the list -----------------------------------------------------------------------------------------------

def within(region: Region, tender_id_column):
    """The tender serves a place inside the region (a street or community it names) or its buyer sits there.

    Read from the region's side: the regions under it (a range of the code index: codes are digits, so every
    code under the prefix lies between it and it + "99…9"), then their tenders through the tender_region and
    buyer indexes; the cost follows the region's own projects, not the whole province's. Aliases throughout:
    the outer query may be on Tender or Region itself, and a plain one here would be correlated with it."""
    inside = aliased(Region)
    under = inside.code.between(region.code_prefix, region.code_prefix + "9" * 12)
    served = (select(TenderRegion.tender_id).join(inside, inside.id == TenderRegion.region_id).where(under))
    bought_tender, buyer = aliased(Tender), aliased(GovernmentBody)
    bought = (select(bought_tender.id).join(buyer, buyer.id == bought_tender.buyer_id)
              .join(inside, inside.id == buyer.region_id).where(under))
    return tender_id_column.in_(union(served, bought))


def in_states(states) -> list:
    """The condition that a contract is in one of `states`, only when it narrows: "status IN (every status)" leads
    SQLite to the status index (every row matches) and a sort of all 200,000 projects, instead of the index that
    gives the list its order."""
    return [Contract.status.in_(states)] if set(states) != set(ContractStatus) else []


def filtered(filters: dict, states=PROJECT_STATES):
    """Contracts joined to their tenders, narrowed by the filters; no ordering or loading options."""
    query = select(Contract).join(Contract.tender).where(*in_states(states))
    if filters.get("region") is not None:
        query = query.where(within(filters["region"], Contract.tender_id))
    if filters.get("category"):
        query = query.where(Tender.item_code.startswith(filters["category"]))
    if filters.get("year"):
        query = query.where(Tender.year == filters["year"])
    if filters.get("status"):
        query = query.where(Contract.status == filters["status"])
    if filters.get("organization"):
        query = query.where(Contract.organization_id.in_(organizations_named(filters["organization"])))
    if filters.get("amount_min") is not None:
        query = query.where(Contract.value >= filters["amount_min"])
    if filters.get("amount_max") is not None:
        query = query.where(Contract.value <= filters["amount_max"])
    return query


def organizations_named(text: str):
    """Organizations whose credit code is the text (in either case), or whose name contains it."""
    return select(Organization.id).where(or_(Organization.uscc == text.upper(),
                                             Organization.name.contains(text, autoescape=True)))


def signed(filters: dict):
    """The filtered projects whose contract both sides signed: the funded ones, whose value counts as spent."""
    return filtered(filters).where(SIGNED)


def list_query(filters: dict):
    return (filtered(filters)
            .options(contains_eager(Contract.tender), joinedload(Contract.organization),
                     joinedload(Contract.buyer).joinedload(GovernmentBody.region))
            .order_by(*SORTS.get(filters.get("sort") or "newest", SORTS["newest"])))


def category_names(codes) -> dict[str, str]:
    """Catalog names of item codes, from the newest catalog version that has them."""
    codes = sorted(set(codes))
    if not codes:
        return {}
    from marketplace.catalog.models import PurchaseItem

    rows = db.session.execute(select(PurchaseItem.code, PurchaseItem.name).where(PurchaseItem.code.in_(codes))
                              .order_by(PurchaseItem.version_id)).all()
    return dict(rows)  # later versions overwrite earlier ones


@dataclass
class FilterChoices:
    categories: list[tuple[str, str]]
    years: list[int]


def filter_choices() -> FilterChoices:
    """What the filters can offer: only values some project has, so no choice leads to an empty list."""
    categories, years = cache.versioned("project-filter-choices", [], _filter_choices)
    return FilterChoices([tuple(pair) for pair in categories], years)


def _filter_choices():
    # No DISTINCT over every project: the categories and years that tenders have are found one at a time from the
    # tender.item_code and tender.year indexes (a "loose index scan": a few dozen index seeks), and each is kept
    # when an index probe finds a project for it.
    def has_project(*conditions):
        # Probes, LIMIT 1 both, from the tender side (its year or item-code index) to its contract: nested scalar
        # subqueries, because PostgreSQL flattens an EXISTS into a merge join in id order that reads most
        # projects before the first match of an older year (0.6 s at 200,000).
        contracted = (select(Contract.id).where(Contract.tender_id == Tender.id, *in_states(PROJECT_STATES))
                      .limit(1).scalar_subquery())
        return select(Tender.id).where(*conditions, contracted.is_not(None)).limit(1).scalar_subquery().is_not(None)

    def one_by_one(name, first, following):
        """A recursive CTE of the values first(), following(previous), … until NULL."""
        values = select(first.label("value")).cte(name, recursive=True)
        return values.union_all(select(following(values.c.value)).where(values.c.value.is_not(None)))

    def after_category(previous):  # item codes are digits and capital letters: all of a category sort before this
        return previous.concat("Z" * 16)

    later = aliased(Tender)
    categories = one_by_one(
        "categories", func.substr(func.min(Tender.item_code), 1, CATEGORY_LENGTH),
        lambda previous: select(func.substr(func.min(later.item_code), 1, CATEGORY_LENGTH))
        .where(later.item_code > after_category(previous)).scalar_subquery())
    codes = db.session.execute(select(categories.c.value).where(categories.c.value.is_not(None), has_project(
        Tender.item_code >= categories.c.value, Tender.item_code <= after_category(categories.c.value)))
        .order_by(categories.c.value)).scalars().all()
    names = category_names(codes)
    years = one_by_one("years", func.max(Tender.year), lambda previous: select(func.max(later.year))
                       .where(later.year < previous).scalar_subquery())
    found = db.session.execute(select(years.c.value).where(years.c.value.is_not(None),
                                                           has_project(Tender.year == years.c.value))
                               .order_by(years.c.value.desc())).scalars().all()
    return [(code, names.get(code, code)) for code in codes], list(found)


@dataclass
class Place:
    region: Region
    count: int


def drill_down(filters: dict) -> tuple[list[Region], list[Place]]:
    """The chosen region's ancestors (for the breadcrumb) and its child regions with how many of the filtered
    projects each holds, by the same rule as the region filter (a place it serves, or its buyer's place)."""
    parent = filters.get("region")
    children = db.session.execute(select(Region).where(
        Region.parent_id == parent.id if parent is not None else Region.parent_id.is_(None))
        .order_by(Region.code)).scalars().all()
    if not children:
        return (parent.ancestors() if parent else []), []
    length = PREFIX_LENGTH[children[0].level]
    counts = cache.versioned("project-places", [_cache_parts(filters), length],
                             lambda: place_counts(filters, length))
    found = [Place(child, counts.get(child.code_prefix, 0)) for child in children]
    return (parent.ancestors() if parent else []), [p for p in found if p.count]


def place_counts(filters: dict, length: int) -> dict[str, int]:
    """How many of the filtered projects each place (region code cut to `length`) holds: the places of the
    projects themselves, not of every tender first (aliases: `within` has its own Region, which an outer one would
    correlate with)."""
    buyer_region, served_region = aliased(Region), aliased(Region)
    by_buyer = (filtered(filters).join(GovernmentBody, GovernmentBody.id == Contract.buyer_id)
                .join(buyer_region, buyer_region.id == GovernmentBody.region_id)
                .with_only_columns(Contract.tender_id.label("tender_id"),
                                   func.substr(buyer_region.code, 1, length).label("place")))
    served = (filtered(filters).join(TenderRegion, TenderRegion.tender_id == Contract.tender_id)
              .join(served_region, served_region.id == TenderRegion.region_id)
              .with_only_columns(Contract.tender_id.label("tender_id"),
                                 func.substr(served_region.code, 1, length).label("place")))
    places = union(by_buyer, served).subquery()  # UNION, not ALL: a project counts once in each place
    return dict(db.session.execute(select(places.c.place, func.count()).group_by(places.c.place)).all())


def count(filters: dict) -> int:
    """How many projects the filters select (every page and order of the list shares it)."""
    return cache.versioned("project-count", _cache_parts(filters), lambda: db.session.execute(
        filtered(filters).with_only_columns(func.count(Contract.id))).scalar_one())


def _cache_parts(filters: dict) -> dict:
    """The filters as plain values (the region by its code); the order does not change a count."""
    return {key: (value.code if key == "region" else value) for key, value in filters.items()
            if key != "sort" and value is not None and value != ""}


# -- one project --------------------------------------------------------------------------------------------

@dataclass
class Story:
    """Everything the project page shows, loaded in a fixed number of statements."""

    tender: Tender
    contract: Contract
    needs: list = field(default_factory=list)
    opening: Opening | None = None
    awards: list = field(default_factory=list)
    reports: list = field(default_factory=list)
    evaluations: list = field(default_factory=list)
    payments: list = field(default_factory=list)
    beneficiaries: list = field(default_factory=list)  # (group, people)
    category_name: str = ""

    @property
    def signed(self) -> bool:
        return self.contract.active_at is not None


def load_story(tender_id: int) -> Story | None:
    contract = db.session.execute(
        select(Contract).where(Contract.tender_id == tender_id, Contract.status.in_(PROJECT_STATES))
        .options(joinedload(Contract.organization), selectinload(Contract.milestones),
                 selectinload(Contract.indicators))).unique().scalar_one_or_none()
    if contract is None:
        return None
    tender = db.session.get(Tender, tender_id, options=[
        selectinload(Tender.questions).joinedload(Question.pseudonym), selectinload(Tender.amendments),
        selectinload(Tender.regions).joinedload(TenderRegion.region),
        joinedload(Tender.buyer).joinedload(GovernmentBody.region)])
    story = Story(tender=tender, contract=contract)
    story.needs = db.session.execute(select(Need).where(Need.tender_id == tender.id)
                                     .options(joinedload(Need.community)).order_by(Need.id)).scalars().all()
    story.opening = db.session.execute(select(Opening).where(Opening.tender_id == tender.id)).scalar_one_or_none()
    story.awards = db.session.execute(
        select(Award).where(Award.tender_id == tender.id).order_by(Award.id)
        .options(joinedload(Award.bid).joinedload(Bid.organization), selectinload(Award.challenges))
    ).unique().scalars().all()
    story.category_name = category_names([category_of(tender.item_code)]).get(category_of(tender.item_code), "")
    if story.signed:  # the delivery of an unsigned contract is nobody's business yet: there is none
        _load_delivery(story)
    return story


def _load_delivery(story: Story) -> None:
    contract = story.contract
    story.reports = db.session.execute(
        select(OutcomeReport).where(OutcomeReport.contract_id == contract.id,
                                    OutcomeReport.status == ReportStatus.accepted)
        .options(selectinload(OutcomeReport.actuals))).scalars().all()
    story.evaluations = db.session.execute(
        select(Evaluation).where(Evaluation.contract_id == contract.id).order_by(Evaluation.id)).scalars().all()
    story.beneficiaries = beneficiaries_of([contract.id])
    story.payments = payments_for([contract.id])


def latest_accepted_reports(contract_ids):
    """Ids of each contract's latest accepted report (the one of the furthest milestone). A report states the
    people served so far, like its indicator actuals: adding the stages up would count a person once per stage."""
    later, later_milestone = aliased(OutcomeReport), aliased(Milestone)
    superseded = (select(later.id).join(later_milestone, later_milestone.id == later.milestone_id)
                  .where(later.contract_id == OutcomeReport.contract_id, later.status == ReportStatus.accepted,
                         later_milestone.position > Milestone.position).exists())
    return (select(OutcomeReport.id).join(Milestone, Milestone.id == OutcomeReport.milestone_id)
            .where(OutcomeReport.contract_id.in_(contract_ids), OutcomeReport.status == ReportStatus.accepted,
                   ~superseded))


def beneficiaries_of(contract_ids) -> list[tuple]:
    """People served by group, as the latest accepted report of each contract counts them, summed over the
    contracts. Aggregates only."""
    if not contract_ids:
        return []
    return [tuple(row) for row in db.session.execute(
        select(BeneficiaryCount.group, func.sum(BeneficiaryCount.people))
        .where(BeneficiaryCount.report_id.in_(latest_accepted_reports(contract_ids)))
        .group_by(BeneficiaryCount.group).order_by(BeneficiaryCount.group)).all()]


def payments_for(contract_ids) -> list:
    """Money that arrived: succeeded tranche payments and donations (refunded ones no longer count)."""
    if not contract_ids:
        return []
    from marketplace.payments.models import Payment, PaymentStatus

    return db.session.execute(
        select(Payment).where(Payment.contract_id.in_(contract_ids), Payment.status == PaymentStatus.succeeded)
        .order_by(Payment.succeeded_at, Payment.id)).scalars().all()


@dataclass
class Budget:
    budget: Decimal
    value: Decimal
    tranches_paid: Decimal
    donations: Decimal

    @property
    def unpaid(self) -> Decimal:
        return self.value - self.tranches_paid

    @property
    def paid_percent(self) -> int:
        return int(self.tranches_paid * 100 / self.value) if self.value else 0


def budget_of(story: Story) -> Budget:
    from marketplace.payments.models import PaymentKind

    zero = Decimal("0.00")
    return Budget(budget=story.tender.budget, value=story.contract.value,
                  tranches_paid=sum((p.amount for p in story.payments if p.kind == PaymentKind.tranche), zero),
                  donations=sum((p.amount for p in story.payments if p.kind == PaymentKind.donation), zero))


@dataclass
class IndicatorProgress:
    indicator: object
    actual: Decimal | None
    stage: str | None  # the milestone whose accepted report gave the actual

    @property
    def actual_text(self) -> str:
        return f"{self.actual.normalize():f}" if self.actual is not None else ""  # 2500, not 2.5E+3


def indicator_progress(story: Story) -> list[IndicatorProgress]:
    """Each contract indicator against the actual of the latest accepted report (reports state the figure
    reached so far, which is what the evaluation scores against the target)."""
    milestones = {m.id: m for m in story.contract.milestones}
    latest: dict[int, tuple] = {}
    for report in sorted(story.reports, key=lambda r: milestones[r.milestone_id].position):
        for actual in report.actuals:
            latest[actual.indicator_id] = (actual.actual, milestones[report.milestone_id].label)
    return [IndicatorProgress(i, *latest.get(i.id, (None, None))) for i in story.contract.indicators]
