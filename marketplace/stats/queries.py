"""The numbers behind each chart. One or two statements per chart, grouped in the database.

Money is the value of signed contracts (both sides signed, whatever happened since): an unsigned one may still
fall through, and one terminated before signing never counted. Beneficiaries are the people counted in the latest
accepted report of each contract (a report counts everyone served so far), by group only."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from marketplace.common import clock
from marketplace.contracts.models import CONTRACT_STATUS_LABELS, Contract
from marketplace.extensions import db
from marketplace.needs.models import Need
from marketplace.organizations.models import (
    ORG_TYPE_LABELS,
    Fact,
    FactKind,
    FactStatus,
    Organization,
    OrgStatus,
)
from marketplace.outcomes.models import (
    BENEFICIARY_GROUP_LABELS,
    BeneficiaryCount,
    Evaluation,
)
from marketplace.projects.queries import (
    CATEGORY_LENGTH,
    PROJECT_STATES,
    category_names,
    filtered,
    latest_accepted_reports,
    signed,
)
from marketplace.regions.models import GovernmentBody, Region
from marketplace.tenders.models import Tender

CENT = Decimal("0.01")
GRADES = ["5A", "4A", "3A", "2A", "1A"]


@dataclass
class Chart:
    key: str
    title: str
    label_heading: str
    value_heading: str
    rows: list  # (label, value) in display order
    money: bool = False
    note: str = ""

    @property
    def total(self):
        return sum((value for _label, value in self.rows), Decimal(0) if self.money else 0)


def _money(value) -> Decimal:
    # SQLite sums NUMERIC as REAL; through str the float's shortest form survives, then cents are exact again.
    return (value if isinstance(value, Decimal) else Decimal(str(value or 0))).quantize(CENT)


def _signed(filters: dict):
    return signed(filters)


def spend_by_category(filters: dict) -> Chart:
    code = func.substr(Tender.item_code, 1, CATEGORY_LENGTH)
    rows = db.session.execute(_signed(filters).with_only_columns(code, func.sum(Contract.value))
                              .group_by(code).order_by(code)).all()
    names = category_names([c for c, _v in rows])
    return Chart("spend-category", str(_l("按服务类别的合同金额")), str(_l("服务类别")), str(_l("合同金额（元）")),
                 [(f"{c} {names.get(c, '')}".strip(), _money(v)) for c, v in rows], money=True)


def spend_by_region(filters: dict) -> Chart:
    """By the place of the buyer (a street office, or the district for its own purchases)."""
    place = aliased(Region)
    rows = db.session.execute(
        _signed(filters).join(GovernmentBody, GovernmentBody.id == Contract.buyer_id)
        .join(place, place.id == GovernmentBody.region_id)
        .with_only_columns(place.code, place.name, func.sum(Contract.value))
        .group_by(place.code, place.name).order_by(place.code)).all()
    return Chart("spend-region", str(_l("按采购单位所在地区的合同金额")), str(_l("地区")), str(_l("合同金额（元）")),
                 [(name, _money(v)) for _code, name, v in rows], money=True)


def spend_by_year(filters: dict) -> Chart:
    rows = db.session.execute(_signed(filters).with_only_columns(Tender.year, func.sum(Contract.value))
                              .group_by(Tender.year).order_by(Tender.year)).all()
    return Chart("spend-year", str(_l("按年度的合同金额")), str(_l("年度")), str(_l("合同金额（元）")),
                 [(str(y), _money(v)) for y, v in rows], money=True)


def projects_by_status(filters: dict) -> Chart:
    counts = dict(db.session.execute(filtered(filters).with_only_columns(Contract.status, func.count(Contract.id))
                                     .group_by(Contract.status)).all())
    return Chart("projects-status", str(_l("按合同状态的项目数")), str(_l("状态")), str(_l("项目数")),
                 [(str(CONTRACT_STATUS_LABELS[s]), counts.get(s, 0)) for s in PROJECT_STATES])


def beneficiaries_by_group(filters: dict) -> Chart:
    contracts = _signed(filters).with_only_columns(Contract.id)
    counts = dict(db.session.execute(
        select(BeneficiaryCount.group, func.sum(BeneficiaryCount.people))
        .where(BeneficiaryCount.report_id.in_(latest_accepted_reports(contracts)))
        .group_by(BeneficiaryCount.group)).all())
    return Chart("beneficiaries", str(_l("服务对象（按群体）")), str(_l("群体")), str(_l("人数")),
                 [(str(label), int(counts.get(group, 0))) for group, label in BENEFICIARY_GROUP_LABELS.items()],
                 note=str(_l("每个项目最近一份通过审核的报告中的累计服务人数，只统计分组人数")))


def _organizations(filters: dict):
    query = select(Organization.id, Organization.org_type).where(Organization.status == OrgStatus.verified)
    if filters.get("region") is not None:
        query = query.join(Region, Region.id == Organization.region_id).where(
            Region.code.startswith(filters["region"].code_prefix))
    return query


def grade_day(filters: dict) -> date:
    """Grades as they stood at the end of the chosen year (today for this year or none)."""
    today = clock.today()
    year = filters.get("year")
    return min(today, date(year, 12, 31)) if year else today


def grade_counts(filters: dict) -> tuple[dict[str, int], int]:
    """How many verified organizations of the region hold each grade on `grade_day`, and how many there are in
    all. Shared with /api/v1/statistics so both answer the same filter alike."""
    day = grade_day(filters)
    orgs = _organizations(filters).subquery()
    grades = dict(db.session.execute(
        select(Fact.organization_id, Fact.grade).where(
            Fact.organization_id.in_(select(orgs.c.id)), Fact.kind == FactKind.grade,
            Fact.status == FactStatus.confirmed, Fact.valid_from <= day, Fact.valid_until >= day)
        .order_by(Fact.valid_from, Fact.id)).all())  # a later grade overwrites an earlier one
    total = db.session.scalar(select(func.count()).select_from(orgs))
    counts: dict[str, int] = {}
    for grade in grades.values():
        counts[grade] = counts.get(grade, 0) + 1
    return counts, total


def organizations_by_grade(filters: dict) -> Chart:
    day = grade_day(filters)
    graded, total = grade_counts(filters)
    return Chart("organizations-grade", str(_l("社会组织评估等级")), str(_l("等级")), str(_l("机构数")),
                 [*((g, graded.get(g, 0)) for g in GRADES), (str(_l("未评级或已过期")), total - sum(graded.values()))],
                 note=str(_l("已认证的社会组织，按 %(day)s 有效的评估等级", day=day.isoformat())))


def organizations_by_type(filters: dict) -> Chart:
    orgs = _organizations(filters).subquery()
    counts = dict(db.session.execute(select(orgs.c.org_type, func.count()).group_by(orgs.c.org_type)).all())
    return Chart("organizations-type", str(_l("社会组织类型")), str(_l("类型")), str(_l("机构数")),
                 [(str(label), counts.get(t, 0)) for t, label in ORG_TYPE_LABELS.items() if counts.get(t)])


def average_scores(filters: dict) -> Chart:
    contracts = _signed(filters).with_only_columns(Contract.id)
    row = db.session.execute(
        select(func.avg(Evaluation.final_score), func.avg(Evaluation.resident_score),
               func.avg(Evaluation.government_score), func.count(Evaluation.id))
        .where(Evaluation.closed_at.is_not(None), Evaluation.contract_id.in_(contracts))).one()
    labels = [_l("综合得分"), _l("居民评价得分"), _l("政府评价得分")]
    values = [Decimal(str(v)).quantize(CENT) if v is not None else Decimal("0.00") for v in row[:3]]
    return Chart("scores", str(_l("绩效评价平均得分")), str(_l("得分")), str(_l("平均分（满分 100）")),
                 [(str(label), value) for label, value in zip(labels, values, strict=True)],
                 note=str(_l("已结束的阶段评价共 %(n)d 次", n=row[3])))


def _due_day_end(due_on):
    """The UTC moment (naive, as stored) the Beijing calendar day `due_on` ends: "answered by the due day" is
    a local day. Beijing keeps one offset all year (no daylight saving since 1991), so it is a fixed shift; date
    arithmetic is the one thing SQLite and PostgreSQL spell differently."""
    offset = clock.LOCAL_TZ.utcoffset(datetime(2000, 1, 1))
    shift = timedelta(days=1) - offset
    if db.session.get_bind().dialect.name == "sqlite":
        return func.datetime(due_on, f"+{int(shift.total_seconds())} seconds")
    return due_on + shift


def needs_within_sla(filters: dict) -> Chart:
    """Needs by how the street office answered against the reply deadline: on time, late, still open. Counted
    in the database: a district has tens of thousands of needs a year."""
    query = select(Need.id).join(Region, Region.id == Need.community_id)
    if filters.get("region") is not None:
        query = query.where(Region.code.startswith(filters["region"].code_prefix))
    if filters.get("year"):
        year = filters["year"]
        query = query.where(Need.submitted_at >= clock.local_midnight(date(year, 1, 1)),
                            Need.submitted_at < clock.local_midnight(date(year + 1, 1, 1)))
    answered = Need.replied_at.is_not(None)
    bucket = case((answered & (Need.replied_at < _due_day_end(Need.reply_due_on)), "on_time"), (answered, "late"),
                  (Need.reply_due_on < clock.today(), "overdue"), else_="waiting")
    # Grouped over a subquery: PostgreSQL refuses GROUP BY on a CASE whose bound values differ from the SELECT's.
    classified = query.with_only_columns(bucket.label("bucket")).subquery()
    buckets = {"on_time": 0, "late": 0, "overdue": 0, "waiting": 0}
    buckets |= dict(db.session.execute(select(classified.c.bucket, func.count())
                                       .group_by(classified.c.bucket)).all())
    labels = {"on_time": _l("按时答复"), "late": _l("超时答复"), "overdue": _l("已超时未答复"),
              "waiting": _l("未到期待答复")}
    return Chart("needs-sla", str(_l("群众需求答复时限")), str(_l("答复情况")), str(_l("需求数")),
                 [(str(labels[k]), v) for k, v in buckets.items()])


CHARTS = {
    "spend-category": spend_by_category,
    "spend-region": spend_by_region,
    "spend-year": spend_by_year,
    "projects-status": projects_by_status,
    "beneficiaries": beneficiaries_by_group,
    "organizations-grade": organizations_by_grade,
    "organizations-type": organizations_by_type,
    "scores": average_scores,
    "needs-sla": needs_within_sla,
}


def year_choices() -> list[int]:
    return db.session.execute(select(Tender.year).where(Tender.id.in_(
        select(Contract.tender_id).where(Contract.status.in_(PROJECT_STATES)))).distinct()
        .order_by(Tender.year.desc())).scalars().all()
