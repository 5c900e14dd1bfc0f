"""The eligibility engine: qualification rules (catalog.rules) evaluated against an organization's confirmed facts.

Eligibility is computed, never typed. Every condition comes back as pass, fail or unknown with a reason a
person can act on ("评估等级 2A，要求 3A 及以上"); unknown means the platform holds no confirmed fact to
decide on, which is different from failing.
"""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.catalog import rules
from marketplace.catalog import services as catalog
from marketplace.catalog.models import PurchaseItem, QualificationCondition
from marketplace.common.wording import join_items

from .models import (
    ORG_STATUS_LABELS,
    ORG_TYPE_LABELS,
    RULE_TYPE_NAMES,
    CreditList,
    FactKind,
    Organization,
    OrgStatus,
)

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
FIELD_LABELS = {name: field_.label for name, field_ in rules.FIELDS.items()}
ELIGIBLE, INELIGIBLE, UNDECIDED = "eligible", "ineligible", "undecided"


@dataclass
class Known:
    value: object
    shown: str  # how the fact reads to a person, with its source or validity


@dataclass
class Missing:
    why: str


def full_years(start: date, day: date) -> int:
    return day.year - start.year - ((day.month, day.day) < (start.month, start.day))


def facts_at(org: Organization, day: date) -> dict[str, Known | Missing]:
    """What the platform knows about an organization on a day: only confirmed, unexpired facts."""
    counting = [f for f in org.facts if f.counts_on(day)]

    def latest(kind: FactKind, key):
        candidates = [f for f in counting if f.kind == kind]
        return max(candidates, key=key) if candidates else None

    facts: dict[str, Known | Missing] = {}
    names = RULE_TYPE_NAMES[org.org_type]
    facts["registered_type"] = Known(names, str(ORG_TYPE_LABELS[org.org_type]))
    years = full_years(org.registered_on, day)
    facts["years_since_registration"] = Known(years, _("成立 %(n)d 年（%(date)s 登记）", n=years,
                                                        date=org.registered_on.isoformat()))
    grade = latest(FactKind.grade, lambda f: (f.valid_from, f.id))
    facts["grade"] = (Known(grade.grade, _("%(grade)s（有效期至 %(until)s）", grade=grade.grade,
                                           until=grade.valid_until.isoformat() if grade.valid_until else "—"))
                      if grade else Missing(_("没有有效的、已确认的评估等级")))
    inspection = latest(FactKind.inspection, lambda f: (f.year, f.id))
    facts["last_annual_inspection"] = (
        Known(inspection.inspection_result, _("%(year)d 年度年检%(result)s", year=inspection.year,
                                              result=inspection.inspection_result))
        if inspection else Missing(_("没有已确认的年检结论")))
    report_year = day.year - 1
    filed = any(f.kind == FactKind.annual_report and f.year >= report_year for f in counting)
    facts["annual_report_filed"] = (Known(True, _("已报送 %(year)d 年度工作报告", year=report_year)) if filed
                                    else Missing(_("没有已确认的 %(year)d 年度工作报告报送记录", year=report_year)))
    open_entries = [e for e in org.credit_entries if e.open_on(day)]
    for name, kind, label in [("on_abnormal_list", CreditList.abnormal, _("活动异常名录")),
                              ("on_serious_violation_list", CreditList.serious, _("严重违法失信名单"))]:
        entry = next((e for e in open_entries if e.list_kind == kind), None)
        facts[name] = (Known(True, _("%(date)s 起列入%(list)s：%(reason)s", date=entry.listed_on.isoformat(),
                                     list=label, reason=entry.reason))
                       if entry else Known(False, _("未列入%(list)s", list=label)))
    serious = [e.listed_on for e in org.credit_entries if e.list_kind == CreditList.serious and e.listed_on <= day]
    since = max(serious) if serious else org.registered_on
    clean_years = 0 if facts["on_serious_violation_list"].value else full_years(since, day)
    facts["years_without_major_violation"] = Known(
        clean_years, _("%(date)s 以来无重大违法违规记录（%(n)d 年）", date=since.isoformat(), n=clean_years))
    staff = latest(FactKind.staff, lambda f: (f.valid_from, f.id))
    facts["fulltime_staff"] = (Known(staff.count, _("专职人员 %(n)d 人（%(date)s 确认）", n=staff.count,
                                                    date=staff.valid_from.isoformat()))
                               if staff else Missing(_("没有已确认的专职人员人数")))
    workers = [f for f in counting if f.kind == FactKind.social_worker]
    facts["certified_social_workers"] = Known(len(workers), _("持证社会工作者 %(n)d 人", n=len(workers)))
    tax = latest(FactKind.tax_exempt, lambda f: (f.valid_from, f.id))
    facts["tax_exempt"] = (Known(True, _("免税资格有效期至 %(until)s", until=tax.valid_until.isoformat()
                                         if tax.valid_until else "—"))
                           if tax else Missing(_("没有已确认的免税资格")))
    return facts


_WORDS = {
    "int": {">=": _l("不少于 %s"), ">": _l("多于 %s"), "<=": _l("不超过 %s"), "<": _l("少于 %s"),
            "==": _l("等于 %s"), "!=": _l("不等于 %s")},
    "grade": {">=": _l("%s 及以上"), ">": _l("高于 %s"), "<=": _l("%s 及以下"), "<": _l("低于 %s"), "==": _l("为 %s"),
              "!=": _l("不为 %s"), "in": _l("为 %s 之一")},
    "enum": {"==": _l("为 %s"), "!=": _l("不为 %s"), "in": _l("为 %s 之一")},
}


def requirement_text(clause: rules.Clause) -> str:
    field_ = rules.FIELDS[clause.field]
    label = str(field_.label)
    if clause.op == "is":
        return _("%(label)s：须为“是”", label=label)
    if clause.op == "not":
        return _("%(label)s：须为“否”", label=label)
    value = join_items(clause.value) if clause.op == "in" else str(clause.value)
    return _("%(label)s%(requirement)s", label=label, requirement=str(_WORDS[field_.kind][clause.op]) % value)


def _holds(clause: rules.Clause, value) -> bool:
    if clause.op == "is":
        return value is True
    if clause.op == "not":
        return value is False
    if clause.field == "registered_type":  # an organization may answer to several names
        wanted = set(clause.value) if clause.op == "in" else {clause.value}
        return bool(value & wanted) if clause.op != "!=" else not (value & wanted)
    if clause.op == "in":
        return value in clause.value
    if rules.FIELDS[clause.field].kind == "grade":
        value, target = rules.GRADES.index(value), rules.GRADES.index(clause.value)
    else:
        target = clause.value
    return {">=": value >= target, ">": value > target, "<=": value <= target, "<": value < target,
            "==": value == target, "!=": value != target}[clause.op]


@dataclass
class ClauseResult:
    status: str
    reason: str
    todo: str | None = None


@dataclass
class ConditionResult:
    code: str
    text: str
    required: bool
    status: str
    reasons: list[str]
    todos: list[str]
    condition: QualificationCondition | None = None


def evaluate_clause(clause: rules.Clause, facts: dict) -> ClauseResult:
    fact = facts[clause.field]
    wanted = requirement_text(clause)
    label = str(rules.FIELDS[clause.field].label)
    if isinstance(fact, Missing):
        return ClauseResult(UNKNOWN, _("%(why)s；要求%(wanted)s", why=fact.why, wanted=wanted),
                            _("提交“%(label)s”的证明材料，经登记管理机关确认后计入", label=label))
    if _holds(clause, fact.value):
        return ClauseResult(PASS, _("%(label)s：%(fact)s；要求%(wanted)s", label=label, fact=fact.shown,
                                    wanted=wanted))
    return ClauseResult(FAIL, _("%(label)s：%(fact)s；要求%(wanted)s", label=label, fact=fact.shown, wanted=wanted),
                        _("需要做到：%(wanted)s", wanted=wanted))


def evaluate(condition: QualificationCondition, facts: dict, *, required: bool) -> ConditionResult:
    rule = rules.parse(condition.rule)
    if rule.manual:
        return ConditionResult(condition.code, condition.text, required, UNKNOWN,
                               [_("此条件不能由系统判断，由购买主体审核材料")],
                               [_("准备证明材料：%(text)s", text=condition.text)], condition)
    results = [evaluate_clause(clause, facts) for clause in rule.clauses]
    statuses = {r.status for r in results}
    status = FAIL if FAIL in statuses else UNKNOWN if UNKNOWN in statuses else PASS
    return ConditionResult(condition.code, condition.text, required, status, [r.reason for r in results],
                           [r.todo for r in results if r.todo], condition)


def blockers(org: Organization, day: date) -> list[str]:
    """What stops an organization from bidding at all, whatever the tender asks."""
    reasons = []
    if org.status != OrgStatus.verified:
        reasons.append(_("机构尚未通过或已失去登记管理机关的审核（当前状态：%(status)s）",
                         status=str(ORG_STATUS_LABELS[org.status])))
    for entry in org.credit_entries:
        if entry.open_on(day):
            label = _("活动异常名录") if entry.list_kind == CreditList.abnormal else _("严重违法失信名单")
            reasons.append(_("%(date)s 起列入%(list)s（%(reason)s），不能参加投标；完成信用修复并移出后方可投标",
                             date=entry.listed_on.isoformat(), list=label, reason=entry.reason))
    return reasons


@dataclass
class Eligibility:
    day: date
    blockers: list[str]
    results: list[ConditionResult] = field(default_factory=list)

    @property
    def status(self) -> str:
        required = [r for r in self.results if r.required]
        if self.blockers or any(r.status == FAIL for r in required):
            return INELIGIBLE
        return UNDECIDED if any(r.status == UNKNOWN for r in required) else ELIGIBLE

    @property
    def eligible(self) -> bool:
        return self.status == ELIGIBLE

    @property
    def checklist(self) -> list[str]:
        """What would make the organization eligible: the blockers, then each unmet required condition."""
        return [*self.blockers, *(todo for r in self.results if r.required and r.status != PASS for todo in r.todos)]


def conditions_for(target) -> list[tuple[str, QualificationCondition | None, bool]]:
    """(code, condition, required) for a purchase item, or for anything offering `eligibility_conditions()`."""
    if hasattr(target, "eligibility_conditions"):
        return target.eligibility_conditions()
    if isinstance(target, PurchaseItem):
        known = catalog.References.applicable_to(target.version.issuer, target.version.year).conditions
        return ([(code, known.get(code), True) for code in catalog.split_codes(target.required_conditions)]
                + [(code, known.get(code), False) for code in catalog.split_codes(target.preferred_conditions)])
    raise TypeError(f"no qualification conditions on {type(target).__name__}")


def eligibility(org: Organization, target, at: date) -> Eligibility:
    """Per condition pass / fail / unknown with reasons, for a purchase item or a tender, on a given day."""
    facts = facts_at(org, at)
    result = Eligibility(at, blockers(org, at))
    for code, condition, required in conditions_for(target):
        if condition is None:  # the catalog changed under the item: nobody can prove it
            result.results.append(ConditionResult(code, code, required, UNKNOWN,
                                                  [_("适用的资质目录中已没有条件 %(code)s", code=code)], [], None))
        else:
            result.results.append(evaluate(condition, facts, required=required))
    return result

