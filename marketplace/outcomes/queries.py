"""The page loads of the outcomes domain: one query per list whatever its length."""

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from marketplace.contracts.models import Contract, Milestone
from marketplace.extensions import db

from .models import AWAITING_REVIEW, Evaluation, EvaluationStatus, OutcomeReport
from .policies import REPORTING_CONTRACT_STATES


def reports_due(organization_id: int) -> list[tuple[Milestone, OutcomeReport | None, Evaluation | None]]:
    """Every milestone of the organization's signed contracts, by report due date, with its report and evaluation."""
    rows = db.session.execute(
        select(Milestone, OutcomeReport, Evaluation).join(Milestone.contract)
        .outerjoin(OutcomeReport, OutcomeReport.milestone_id == Milestone.id)
        .outerjoin(Evaluation, Evaluation.milestone_id == Milestone.id)
        .where(Contract.organization_id == organization_id, Contract.status.in_(REPORTING_CONTRACT_STATES))
        .options(contains_eager(Milestone.contract))
        .order_by(Milestone.report_due_on, Milestone.id)
    ).all()
    return [tuple(row) for row in rows]


def reports_to_review(body_id: int) -> list[OutcomeReport]:
    return db.session.execute(
        select(OutcomeReport).join(OutcomeReport.contract)
        .where(Contract.buyer_id == body_id, OutcomeReport.status.in_(AWAITING_REVIEW))
        .options(contains_eager(OutcomeReport.contract), selectinload(OutcomeReport.milestone),
                 selectinload(OutcomeReport.versions))
        .order_by(OutcomeReport.submitted_at)
    ).scalars().all()


def evaluations_to_finish(body_id: int) -> list[Evaluation]:
    return db.session.execute(
        select(Evaluation).join(Evaluation.contract)
        .where(Contract.buyer_id == body_id, Evaluation.status == EvaluationStatus.rating)
        .options(contains_eager(Evaluation.contract), selectinload(Evaluation.milestone),
                 selectinload(Evaluation.ratings))
        .order_by(Evaluation.rating_ends_at)
    ).scalars().all()
