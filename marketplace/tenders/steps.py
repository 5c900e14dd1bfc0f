"""The create/edit wizard's steps: what each form shows from a draft and what it hands to the services."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.errors import DomainError

from . import rules
from .forms import to_local_input
from .models import IndicatorKind, Tender

STEP_LABELS = {
    "basics": _l("基本信息"), "method": _l("采购方式"), "indicators": _l("绩效指标"), "conditions": _l("资质条件"),
    "scoring": _l("评分办法"), "timetable": _l("时间安排"), "documents": _l("文件与需求"),
}


def step_form_data(tender: Tender, step: str) -> dict:
    """What a step's form shows when opened: the draft as saved so far."""
    if step == "basics":
        return {"title": tender.title, "description": tender.description, "budget": f"{tender.budget:.2f}",
                "regions": [r.region_id for r in tender.regions], "term_months": tender.term_months,
                "term_start": tender.term_start, "term_justification": tender.term_justification,
                "deliverables": tender.deliverables}
    if step == "method":
        return {"method": tender.method.value, "method_justification": tender.method_justification}
    if step == "indicators":
        return {"rows": [{"kind": i.kind.value, "name": i.name, "comparison": i.comparison, "target": i.target,
                          "unit": i.unit} for i in tender.indicators]}
    if step == "conditions":
        extra = [c for c in tender.conditions if not c.inherited]
        return {"required": [c.code for c in extra if c.required],
                "preferred": [c.code for c in extra if not c.required]}
    if step == "scoring":
        return {"rows": [{"name": c.name, "weight": c.weight, "description": c.description,
                          "is_price": c.is_price} for c in tender.criteria]}
    if step == "timetable":
        return {"enquiry_until": to_local_input(tender.enquiry_until),
                "questions_close_at": to_local_input(tender.questions_close_at),
                "deadline_at": to_local_input(tender.deadline_at)}
    return {}


def step_values(step: str, form):
    """The submitted step as the services take it; blank table rows are ignored, half-filled ones refused."""
    if step == "basics":
        return {name: getattr(form, name).data for name in ("title", "description", "budget", "term_months",
                                                            "term_start", "term_justification", "deliverables")}
    if step == "indicators":
        return _rows(form, ("name", "target", "unit"), lambda n: _("第 %(n)d 行：指标、目标值和单位都要填写", n=n),
                     lambda row: {"kind": IndicatorKind(row.kind.data), "name": row.name.data, "unit": row.unit.data,
                                  "comparison": row.comparison.data, "target": row.target.data})
    if step == "scoring":
        return _rows(form, ("name", "weight"), lambda n: _("第 %(n)d 行：评分因素和分值都要填写", n=n),
                     lambda row: rules.CriterionRow(row.name.data, row.weight.data, row.description.data or "",
                                                    bool(row.is_price.data)))
    return None


def _rows(form, required: tuple[str, ...], incomplete, build) -> list:
    """The filled rows of a table form; blank rows are skipped and a half-filled one is refused by its number."""
    rows = []
    for number, entry in enumerate(form.rows.entries, start=1):
        row = entry.form
        if row.is_blank():
            continue
        if any(getattr(row, name).data is None or not str(getattr(row, name).data).strip() for name in required):
            raise DomainError(incomplete(number))
        rows.append(build(row))
    return rows
