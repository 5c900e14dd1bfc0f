"""Qualification facts and credit-list entries: submitted by organizations, confirmed or decided by registrars."""

from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.catalog.rules import GRADES, INSPECTION_RESULTS
from marketplace.common import clock
from marketplace.common.states import transition
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db

from . import policies
from .models import (
    FACT_TRANSITIONS,
    CreditEntry,
    CreditList,
    Document,
    Fact,
    FactAction,
    FactKind,
    FactStatus,
    Organization,
    RemovalKind,
    RepairRequest,
    RepairStatus,
    SocialWorkerLevel,
)
from .services import in_review_scope, membership_of, tell_managers

GRADE_YEARS = 5        # an evaluation grade is valid for five years (民政部令第39号)
ESCALATION_YEARS = 2   # two years on the abnormal list moves an organization to the serious list
WARNING_DAYS = 30      # managers hear of an expiring fact this many days ahead


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def submit_fact(org: Organization, kind: FactKind, values: dict, document: Document | None, *, by: User) -> Fact:
    """Record a fact with its evidence; it counts only once a registrar confirms it."""
    if not policies.can_manage_organization(by, org, membership_of(by)):
        raise NotPermitted(_("只有机构管理员可以提交资质信息"))
    valid_from = values.get("valid_from")
    if valid_from is None:
        raise DomainError(_("请填写日期"), field="valid_from")
    if valid_from > clock.today():
        raise DomainError(_("日期不能晚于今天"), field="valid_from")
    fact = Fact(organization=org, kind=kind, valid_from=valid_from, valid_until=values.get("valid_until"),
                document=document, status=FactStatus.submitted, submitted_at=clock.now(), submitted_by_id=by.id)
    _fill(fact, kind, values)
    if fact.valid_until is not None and fact.valid_until < fact.valid_from:
        raise DomainError(_("有效期截止日早于开始日"), field="valid_until")
    db.session.add(fact)
    db.session.flush()
    audit.record(by, "organization.fact_submitted", org, data={"fact": fact.id, "kind": kind.value})
    return fact


def _fill(fact: Fact, kind: FactKind, values: dict) -> None:
    if kind == FactKind.grade:
        if values.get("grade") not in GRADES:
            raise DomainError(_("请选择评估等级（1A–5A）"), field="grade")
        fact.grade = values["grade"]
        # Valid five years from the award: the last day counting is the day before the fifth anniversary.
        fact.valid_until = add_years(fact.valid_from, GRADE_YEARS) - timedelta(days=1)
    elif kind in {FactKind.inspection, FactKind.annual_report}:
        year = values.get("year")
        if not year or not 2000 <= year <= clock.today().year:
            raise DomainError(_("请填写年度"), field="year")
        fact.year = year
        if kind == FactKind.inspection:
            if values.get("inspection_result") not in INSPECTION_RESULTS:
                raise DomainError(_("请选择年检结论"), field="inspection_result")
            fact.inspection_result = values["inspection_result"]
    elif kind == FactKind.staff:
        if values.get("count") is None or values["count"] < 0:
            raise DomainError(_("请填写人数"), field="count")
        fact.count = values["count"]
    elif kind == FactKind.social_worker:
        if not values.get("certificate_no") or not values.get("worker_level"):
            raise DomainError(_("请填写证书等级和编号"), field="certificate_no")
        fact.worker_level = SocialWorkerLevel(values["worker_level"])
        fact.certificate_no, fact.person_name = values["certificate_no"].strip(), (values.get("person_name") or None)
    elif kind == FactKind.tax_exempt and values.get("valid_until") is None:
        raise DomainError(_("请填写免税资格的有效期截止日"), field="valid_until")


def decide_fact(fact: Fact, confirm: bool, *, by: User, reason: str | None = None) -> Fact:
    if not policies.can_review_organization(by, fact.organization):
        raise NotPermitted(_("您不能审核此机构"))
    now = clock.now()
    if confirm:
        transition(fact, FactAction.confirm, FACT_TRANSITIONS, at=now, label="资质信息")
        fact.confirmed_by_id = by.id
    else:
        if not (reason or "").strip():
            raise DomainError(_("请写明不予确认的理由"), field="reason")
        transition(fact, FactAction.reject, FACT_TRANSITIONS, at=now, label="资质信息")
        fact.reject_reason = reason.strip()
    db.session.flush()
    audit.record(by, "organization.fact_confirmed" if confirm else "organization.fact_rejected", fact.organization,
                 data={"fact": fact.id, "kind": fact.kind.value, "reason": fact.reject_reason})
    return fact


def facts_awaiting(user: User):
    """Submitted facts in the registrar's region, oldest first."""
    query = (select(Fact).join(Fact.organization).options(contains_eager(Fact.organization))
             .where(Fact.status == FactStatus.submitted))
    return in_review_scope(query, user).order_by(Fact.submitted_at)


def repairs_awaiting(user: User):
    query = (select(RepairRequest).join(RepairRequest.entry).join(CreditEntry.organization)
             .options(contains_eager(RepairRequest.entry).contains_eager(CreditEntry.organization))
             .where(RepairRequest.status == RepairStatus.pending))
    return in_review_scope(query, user).order_by(RepairRequest.requested_at)


# -- credit lists ------------------------------------------------------------------------------------------

def open_entry(org: Organization, kind: CreditList) -> CreditEntry | None:
    return next((e for e in org.credit_entries if e.list_kind == kind and e.removed_on is None), None)


def put_on_list(org: Organization, kind: CreditList, reason: str, authority: str, listed_on: date, *, by,
                escalated_from: CreditEntry | None = None) -> CreditEntry:
    if by is not None and not isinstance(by, str) and not policies.can_review_organization(by, org):
        raise NotPermitted(_("您不能管理此机构的信用记录"))
    if open_entry(org, kind) is not None:
        raise DomainError(_("该机构已在此名单中"), field="list_kind")
    if listed_on > clock.today():
        raise DomainError(_("列入日期不能晚于今天"), field="listed_on")
    entry = CreditEntry(organization=org, list_kind=kind, reason=reason.strip(), authority=authority.strip(),
                        listed_on=listed_on, escalated_from_id=escalated_from.id if escalated_from else None,
                        created_at=clock.now(), created_by_id=getattr(by, "id", None))
    db.session.add(entry)
    db.session.flush()
    audit.record(by, "organization.credit_listed", org, data={"entry": entry.id, "list": kind.value,
                                                              "reason": entry.reason, "listed_on": str(listed_on)})
    tell_managers(org, _("“%(name)s”被列入%(list)s：%(reason)s", name=org.name, list=list_label(kind),
                         reason=entry.reason), template="organization_credit", entry=entry)
    return entry


def list_label(kind: CreditList) -> str:
    return _("活动异常名录") if kind == CreditList.abnormal else _("严重违法失信名单")


def _remove(entry: CreditEntry, kind: RemovalKind, reason: str, on: date, *, by) -> None:
    entry.removed_on, entry.removal_kind, entry.removal_reason = on, kind, reason
    db.session.flush()
    audit.record(by, "organization.credit_removed", entry.organization,
                 data={"entry": entry.id, "removal": kind.value, "reason": reason})


def correct_entry(entry: CreditEntry, reason: str, *, by: User) -> None:
    """A listing made in error is closed as corrected (its history stays)."""
    if not policies.can_review_organization(by, entry.organization):
        raise NotPermitted(_("您不能管理此机构的信用记录"))
    if entry.removed_on is not None:
        raise DomainError(_("此记录已移出名单"))
    if not reason.strip():
        raise DomainError(_("请写明更正理由"), field="reason")
    _remove(entry, RemovalKind.corrected, reason.strip(), clock.today(), by=by)


def request_repair(entry: CreditEntry, statement: str, document: Document | None, *, by: User) -> RepairRequest:
    org = entry.organization
    if not policies.can_manage_organization(by, org, membership_of(by)):
        raise NotPermitted(_("只有机构管理员可以申请信用修复"))
    if entry.removed_on is not None:
        raise DomainError(_("此记录已移出名单，无需修复"))
    if any(r.status == RepairStatus.pending for r in entry.repairs):
        raise DomainError(_("已有一份待审核的修复申请"))
    if not statement.strip():
        raise DomainError(_("请说明已如何纠正"), field="statement")
    request = RepairRequest(entry=entry, statement=statement.strip(), document=document, requested_at=clock.now(),
                            requested_by_id=by.id, status=RepairStatus.pending)
    db.session.add(request)
    db.session.flush()
    audit.record(by, "organization.repair_requested", org, data={"entry": entry.id, "request": request.id})
    return request


def decide_repair(request: RepairRequest, approve: bool, reason: str, *, by: User) -> RepairRequest:
    """Approving a repair takes the organization off the list today; either way the decision is kept."""
    org = request.entry.organization
    if not policies.can_review_organization(by, org):
        raise NotPermitted(_("您不能管理此机构的信用记录"))
    if request.status != RepairStatus.pending:
        raise DomainError(_("此申请已处理"))
    if not reason.strip():
        raise DomainError(_("请写明决定的理由"), field="reason")
    request.status = RepairStatus.approved if approve else RepairStatus.refused
    request.decided_at, request.decided_by_id, request.decision_reason = clock.now(), by.id, reason.strip()
    if approve:
        _remove(request.entry, RemovalKind.repaired, reason.strip(), clock.today(), by=by)
    db.session.flush()
    audit.record(by, "organization.repair_decided", org, data={"request": request.id, "approved": approve})
    decision = _("同意，已移出名单") if approve else _("不同意")
    tell_managers(org, _("信用修复申请已处理：%(decision)s", decision=decision), template="organization_credit",
                  entry=request.entry)
    return request


def escalate_abnormal_entries(today: date) -> int:
    """Two years on the abnormal list without leaving it moves an organization to the serious list."""
    due = db.session.execute(select(CreditEntry).where(
        CreditEntry.list_kind == CreditList.abnormal, CreditEntry.removed_on.is_(None))).scalars().all()
    moved = 0
    for entry in due:
        if add_years(entry.listed_on, ESCALATION_YEARS) > today:
            continue
        reason = _("列入活动异常名录满两年（%(date)s 起）仍未移出", date=entry.listed_on.isoformat())
        _remove(entry, RemovalKind.escalated, reason, today, by="system")
        if open_entry(entry.organization, CreditList.serious) is None:
            put_on_list(entry.organization, CreditList.serious, reason, entry.authority, today, by="system",
                        escalated_from=entry)
        moved += 1
    return moved


def warn_expiring_facts(today: date) -> int:
    """Tell managers WARNING_DAYS ahead that a confirmed fact (grade, tax status …) is about to stop counting."""
    facts = db.session.execute(select(Fact).where(
        Fact.status == FactStatus.confirmed, Fact.expiry_warned_at.is_(None), Fact.valid_until.is_not(None),
        Fact.valid_until >= today, Fact.valid_until <= today + timedelta(days=WARNING_DAYS))).scalars().all()
    for fact in facts:
        fact.expiry_warned_at = clock.now()
        tell_managers(fact.organization, _("“%(name)s”的%(fact)s将于 %(date)s 到期，到期后不再计入投标资格",
                                           name=fact.organization.name, fact=fact_label(fact),
                                           date=fact.valid_until.isoformat()),
                      template="organization_expiry", fact=fact)
        audit.record("system", "organization.fact_expiry_warned", fact.organization, data={"fact": fact.id})
    db.session.flush()
    return len(facts)


def fact_label(fact: Fact) -> str:
    return {FactKind.grade: _("评估等级 %(grade)s", grade=fact.grade), FactKind.tax_exempt: _("免税资格"),
            FactKind.social_worker: _("社会工作者证书 %(no)s", no=fact.certificate_no),
            FactKind.inspection: _("%(year)s 年度年检", year=fact.year),
            FactKind.annual_report: _("%(year)s 年度工作报告", year=fact.year),
            FactKind.staff: _("专职人员人数")}[fact.kind]
