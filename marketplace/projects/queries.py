"""What the project pages load. Every function issues a fixed number of statements, whatever the number of
projects on a page or of milestones, reports and payments in a project (tests/projects count them)."""

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import distinct, func, or_, select, union_all
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from marketplace.bids.models import Bid, Opening
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
    """The tender serves a place inside the region (a street or community it names) or its buyer sits there."""
    prefix = region.code_prefix
    served = (select(TenderRegion.id).join(Region, Region.id == TenderRegion.region_id)
              .where(TenderRegion.tender_id == tender_id_column, Region.code.startswith(prefix)).exists())
    # An alias: were the outer query on Tender itself (the home page, the tenders feed), a plain Tender here would
    # be correlated with it and the buyer test would hold for any tender while some body sits in the region.
    bought_tender = aliased(Tender)
    bought = (select(bought_tender.id).join(GovernmentBody, GovernmentBody.id == bought_tender.buyer_id)
              .join(Region, Region.id == GovernmentBody.region_id)
              .where(bought_tender.id == tender_id_column, Region.code.startswith(prefix)).exists())
    return or_(served, bought)


def filtered(filters: dict, states=PROJECT_STATES):
    """Contracts joined to their tenders, narrowed by the filters; no ordering or loading options."""
    query = select(Contract).join(Contract.tender).where(Contract.status.in_(states))
    if filters.get("region") is not None:
        query = query.where(within(filters["region"], Contract.tender_id))
    if filters.get("category"):
        query = query.where(Tender.item_code.startswith(filters["category"]))
    if filters.get("year"):
        query = query.where(Tender.year == filters["year"])
    if filters.get("status"):
        query = query.where(Contract.status == filters["status"])
    if filters.get("organization"):
        query = query.where(Contract.organization_id == filters["organization"])
    if filters.get("amount_min") is not None:
        query = query.where(Contract.value >= filters["amount_min"])
    if filters.get("amount_max") is not None:
        query = query.where(Contract.value <= filters["amount_max"])
    return query


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
    organizations: list[tuple[int, str]]


def filter_choices() -> FilterChoices:
    """What the filters can offer: only values some project has, so no choice leads to an empty list."""
    public = select(Contract.tender_id).where(Contract.status.in_(PROJECT_STATES))
    codes = db.session.execute(select(distinct(func.substr(Tender.item_code, 1, CATEGORY_LENGTH)))
                               .where(Tender.id.in_(public))).scalars().all()
    names = category_names(codes)
    years = db.session.execute(select(distinct(Tender.year)).where(Tender.id.in_(public))
                               .order_by(Tender.year.desc())).scalars().all()
    organizations = db.session.execute(
        select(Organization.id, Organization.name).where(Organization.id.in_(
            select(Contract.organization_id).where(Contract.status.in_(PROJECT_STATES))))
        .order_by(Organization.name, Organization.id)).all()
    return FilterChoices([(code, names.get(code, code)) for code in sorted(codes)], list(years),
                         [tuple(row) for row in organizations])


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
    projects = filtered(filters).with_only_columns(Contract.tender_id)
    places = union_all(
        select(Tender.id.label("tender_id"), Region.code.label("code"))
        .join(GovernmentBody, GovernmentBody.id == Tender.buyer_id).join(Region, Region.id == GovernmentBody.region_id),
        select(TenderRegion.tender_id.label("tender_id"), Region.code.label("code"))
        .join(Region, Region.id == TenderRegion.region_id)).subquery()
    prefix = func.substr(places.c.code, 1, length)
    counts = dict(db.session.execute(
        select(prefix, func.count(distinct(places.c.tender_id))).where(places.c.tender_id.in_(projects))
        .group_by(prefix)).all())
    found = [Place(child, counts.get(child.code_prefix, 0)) for child in children]
    return (parent.ancestors() if parent else []), [p for p in found if p.count]


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
