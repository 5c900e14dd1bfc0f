"""The contract part of a release: terms as of the release date (contract amendments undone), milestones met by
then, the tranches paid by then as transactions, and the indicators as metrics."""

import json
from datetime import date, datetime

from ..jsonvalues import day_end, day_start, moment, money
from .releases import _compact, _metric, _value, milestone_title


def _terms_as_of(contract, amendments: int) -> dict:
    """ends_on and deliverables after `amendments` amendments, undoing the later ones from the newest."""
    terms = {"ends_on": contract.ends_on, "deliverables": contract.deliverables}
    for amendment in sorted(contract.amendments, key=lambda a: a.number, reverse=True):
        if amendment.number <= amendments:
            break
        for change in json.loads(amendment.changes):
            if change["field"] == "ends_on":
                terms["ends_on"] = date.fromisoformat(change["before"])
            elif change["field"] == "deliverables":
                terms["deliverables"] = change["before"]
    return terms


def contract_as_of(builder, at: datetime) -> dict | None:
    c = builder.p.contract
    if c is None:
        return None
    ended = c.completed_at or c.terminated_at
    if not ((c.active_at is not None and c.active_at <= at) or (ended is not None and ended <= at)):
        return None
    amended = [a for a in c.amendments if a.created_at <= at]
    terms = _terms_as_of(c, len(amended))
    if ended is not None and ended <= at:
        status = "terminated" if c.active_at is not None else "cancelled"
        details = "已完成" if c.completed_at is not None else c.termination_reason
    else:
        status, details = "active", None
    signatures = [s for s in (c.buyer_signed_at, c.organization_signed_at) if s is not None]
    supplier, buyer = builder.org_ref(c.organization), builder.buyer_ref()
    transactions = []
    for p in builder.p.payments:
        if p.succeeded_at <= at:
            transactions.append({"id": str(p.id), "date": moment(p.succeeded_at), "value": _value(p.amount),
                                 "payer": buyer, "payee": supplier})
        if p.refunded_at is not None and p.refunded_at <= at:
            transactions.append({"id": f"{p.id}-refund", "date": moment(p.refunded_at),
                                 "value": _value(-p.amount), "payer": buyer, "payee": supplier})
    weights = {i.position: i.weight for i in c.indicators}
    return _compact({
        "id": str(c.id), "awardID": str(c.award_id), "title": c.title, "description": terms["deliverables"],
        "status": status, "statusDetails": details,
        "period": {"startDate": day_start(c.starts_on), "endDate": day_end(terms["ends_on"])},
        "value": _value(c.value),
        "dateSigned": moment(max(signatures)) if c.active_at is not None and signatures else None,
        "milestones": [_milestone(m, at) for m in c.milestones],
        "metrics": [_metric(i, weights[i.position]) for i in c.indicators],
        "amendments": [{"id": str(a.number), "date": moment(a.created_at), "rationale": a.rationale,
                        "description": "变更字段：" + "、".join(ch["field"] for ch in json.loads(a.changes)),
                        "releaseID": f"{builder.ocid}-contract-{c.id}-amendment-{a.number}"} for a in amended],
        "implementation": {"transactions": transactions} if transactions else None,
    })


def _milestone(m, at: datetime) -> dict:
    met = m.evaluation_passed_at is not None and m.evaluation_passed_at <= at
    return _compact({"id": str(m.id), "title": milestone_title(m), "type": "delivery",
                     "description": f"报告截止 {m.report_due_on.isoformat()}；付款比例 {m.tranche_percent}%，"
                                    f"金额 ¥{money(m.tranche_amount)}",
                     "dueDate": day_start(m.due_on), "status": "met" if met else "scheduled",
                     "dateMet": moment(m.evaluation_passed_at) if met else None})
