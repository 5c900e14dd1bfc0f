"""The page loads of the outcomes domain: one query per list whatever its length."""

from sqlalchemy import case, select
from sqlalchemy.orm import contains_eager, selectinload

from marketplace.accounts.models import Role, User
from marketplace.contracts.models import Contract, Milestone
from marketplace.extensions import db

from .models import AWAITING_REVIEW, Evaluation, EvaluationStatus, OutcomeReport, ReviewerMark
from .policies import REPORTING_CONTRACT_STATES

POOL_LIMIT = 500  # the picker lists the pool; a province-wide pool would need a search box instead


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
                 selectinload(Evaluation.ratings), selectinload(Evaluation.marks).selectinload(ReviewerMark.reviewer))
        .order_by(Evaluation.rating_ends_at)
    ).scalars().all()


def reviewer_pool() -> list[User]:
    """Experts and third-party evaluators the buyer can invite: the evaluator accounts, by name."""
    return db.session.execute(select(User).where(User.role == Role.evaluator, User.deactivated_at.is_(None))
                              .order_by(User.name, User.id).limit(POOL_LIMIT)).scalars().all()


def pool_member(raw_id: str | None) -> User | None:
    user = db.session.get(User, int(raw_id)) if (raw_id or "").isdigit() and int(raw_id) < 2**31 else None
    return user if user is not None and user.role == Role.evaluator and user.deactivated_at is None else None


def reviews_of(user) -> list[ReviewerMark]:
    """The stages a reviewer was asked to mark, open ones first, newest first."""
    return db.session.execute(
        select(ReviewerMark).join(ReviewerMark.evaluation).where(ReviewerMark.reviewer_id == user.id)
        .options(contains_eager(ReviewerMark.evaluation).selectinload(Evaluation.contract)
                 .selectinload(Contract.milestones),
                 contains_eager(ReviewerMark.evaluation).selectinload(Evaluation.milestone))
        .order_by(case((Evaluation.status == EvaluationStatus.rating, 0), else_=1), Evaluation.rating_ends_at.desc())
        .limit(200)
    ).scalars().all()
