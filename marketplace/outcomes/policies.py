"""Who may do what with outcome reports, evaluations and ratings. Pure predicates over what the caller loaded."""

from datetime import datetime

from marketplace.accounts.models import Role
from marketplace.common import clock
from marketplace.contracts.models import Contract, ContractStatus

from .models import AWAITING_REVIEW, Evaluation, EvaluationStatus, OutcomeReport, ReviewerKind

# Reports are written while the contract runs; a terminated contract still owes the reports it had due.
REPORTING_CONTRACT_STATES = {ContractStatus.active, ContractStatus.completed, ContractStatus.terminated}


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def is_contract_member(user, contract: Contract, membership) -> bool:
    """Staff of the organization that holds the contract."""
    return (_signed_in(user) and user.role == Role.org_member and membership is not None
            and membership.organization_id == contract.organization_id)


def is_buyer_staff(user, contract: Contract) -> bool:
    return _signed_in(user) and user.role == Role.buyer and user.body_id == contract.buyer_id


def can_see_reports(user, contract: Contract, membership) -> bool:
    """Both sides see every version and every review comment; the public sees the scores, not the drafts."""
    return is_contract_member(user, contract, membership) or is_buyer_staff(user, contract)


def contract_owes_reports(contract: Contract) -> bool:
    """Only a contract both sides signed is performed and reported on (a terminated one that never started
    owes nothing)."""
    return contract.status in REPORTING_CONTRACT_STATES and contract.active_at is not None


def milestone_reportable(milestone) -> bool:
    """A terminated contract owes only the reports of milestones that fell due before it ended."""
    contract = milestone.contract
    if not contract_owes_reports(contract):
        return False
    ended = contract.terminated_at
    return ended is None or milestone.due_on <= ended.astimezone(clock.LOCAL_TZ).date()


def can_write_report(user, contract: Contract, membership, report: OutcomeReport | None) -> bool:
    """The organization writes a milestone's report while it is a draft or has been returned."""
    return (is_contract_member(user, contract, membership) and contract_owes_reports(contract)
            and (report is None or report.editable))


def can_review_report(user, report: OutcomeReport) -> bool:
    """The buyer's staff accept or return a submitted report."""
    return is_buyer_staff(user, report.contract) and report.status in AWAITING_REVIEW


def rating_open(evaluation: Evaluation, now: datetime) -> bool:
    return (evaluation.status == EvaluationStatus.rating
            and evaluation.rating_opened_at <= now < evaluation.rating_ends_at)


def serves_community(contract: Contract, community) -> bool:
    """A community is served when the tender named it, or named a street (or wider area) that contains it."""
    return community is not None and any(tr.region.contains(community) for tr in contract.tender.regions)


def is_served_resident(user, contract: Contract) -> bool:
    """A resident verified (by a community officer) to live in a community the contract serves."""
    return (_signed_in(user) and user.role == Role.resident
            and serves_community(contract, user.verified_community))


def can_rate(user, evaluation: Evaluation, now: datetime) -> bool:
    """Served residents, while the window is open; once per milestone (the service and the database check)."""
    return is_served_resident(user, evaluation.contract) and rating_open(evaluation, now)


def can_invite_reviewers(user, evaluation: Evaluation) -> bool:
    """The buyer invites experts and third-party evaluators until the evaluation closes."""
    return is_buyer_staff(user, evaluation.contract) and evaluation.status == EvaluationStatus.rating


def can_mark(user, evaluation: Evaluation, mark) -> bool:
    """Invited reviewers mark (and may revise) until the close; the buyer's officers mark for the buyer."""
    if evaluation.status != EvaluationStatus.rating or not _signed_in(user):
        return False
    if mark is not None and mark.reviewer_id == user.id:
        return mark.kind == ReviewerKind.buyer and is_buyer_staff(user, evaluation.contract) \
            or mark.kind != ReviewerKind.buyer and user.role == Role.evaluator
    return is_buyer_staff(user, evaluation.contract)


def is_reviewer(user, mark) -> bool:
    """An invited reviewer reads the stage's report and evidence to mark it."""
    return _signed_in(user) and mark is not None and mark.reviewer_id == user.id


def can_close_evaluation(user, evaluation: Evaluation, now: datetime) -> bool:
    """Only after the window: closing early would let a buyer stop the count when the ratings suited it."""
    return (is_buyer_staff(user, evaluation.contract) and evaluation.status == EvaluationStatus.rating
            and now >= evaluation.rating_ends_at)
