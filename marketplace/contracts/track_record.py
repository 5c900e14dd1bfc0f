"""An organization's public track record (履约记录): its signed contracts with their final scores, how often its
outcome reports came in on time, and the value of the contracts it completed. Shown on its public profile and
to buyers weighing its bids. Nothing personal: contracts are public once signed."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.common import clock
from marketplace.extensions import db

from .models import CONTRACT_STATUS_LABELS, Contract, ContractStatus, Milestone


@dataclass
class Score:
    value: Decimal
    provisional: bool = False


def _score(evaluation) -> Score:
    return Score(evaluation.final_score, bool(evaluation.provisional))


def _on_time(contract_ids: list[int], today: date) -> tuple[int, int]:
    """(on time, due): a report counts once due — submitted (late or not, as judged at first submission) or
    past its due date without one, which is late too."""
    if not contract_ids:
        return 0, 0
    from marketplace.outcomes.models import OutcomeReport

    rows = db.session.execute(
        select(Milestone.report_due_on, OutcomeReport.late)
        .outerjoin(OutcomeReport, OutcomeReport.milestone_id == Milestone.id)
        .where(Milestone.contract_id.in_(contract_ids))).all()
    due = [(due_on, late) for due_on, late in rows if late is not None or due_on < today]
    return sum(1 for _due_on, late in due if late is False), len(due)


def track_record(organization, today: date | None = None) -> dict:
    """The organization's signed contracts (newest first), each with its title, buyer, value, status and final
    scores; reports on time out of reports due, the rate in percent (None before any is due); and the value and
    number of completed contracts."""
    today = today or clock.today()
    contracts = db.session.execute(
        select(Contract).where(Contract.organization_id == organization.id,
                               Contract.status != ContractStatus.awaiting_signatures)
        .options(selectinload(Contract.buyer)).order_by(Contract.starts_on.desc(), Contract.id.desc())
    ).scalars().all()
    from marketplace.outcomes import evaluations

    closed = evaluations.scores_by_contract([c.id for c in contracts])
    on_time, due = _on_time([c.id for c in contracts], today)
    completed = [c for c in contracts if c.status == ContractStatus.completed]
    return {
        "contracts": [{"contract": c, "title": c.title, "buyer": c.buyer.name, "value": c.value,
                       "status": c.status, "status_label": CONTRACT_STATUS_LABELS[c.status],
                       "scores": [_score(e) for e in closed.get(c.id, [])]} for c in contracts],
        "on_time": on_time,
        "reports_due": due,
        "on_time_rate": (Decimal(on_time * 100) / due).quantize(Decimal("0.1")) if due else None,
        "value_delivered": sum((c.value for c in completed), Decimal("0.00")),
        "completed": len(completed),
    }
