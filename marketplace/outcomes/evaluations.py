"""Milestone evaluations: G from the indicators (adjustable by the buyer with a reason), residents' ratings under
a per-contract pseudonym, and the close that freezes w, R, G and the final score and may make a tranche payable.

Choices (DESIGN §5 leaves them open):
- Below the quorum the formula is unchanged — final = w·R + (1−w)·G — and the score is marked provisional; the
  pass decision uses it all the same, so a tranche never waits on a second vote nobody schedules.
- With no rating at all R = 0: residents carry at least 70% of the score and nobody vouched for the work.
- w, the quorum and the pass score are the settings in force on the (Beijing) day the window closed, whenever
  the close actually runs, so a late job tick cannot change the result.
- While the window is open only the number of ratings is public; the ratings and R are published at the close,
  so early ratings do not steer later ones.
"""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from marketplace.audit import services as audit
from marketplace.common import clock
from marketplace.common.states import transition
from marketplace.contracts.models import Contract, Milestone
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db
from marketplace.settings.services import get_setting

from . import policies, scoring
from .models import EVALUATION_TRANSITIONS, Evaluation, EvaluationAction, EvaluationStatus, Pseudonym, Rating


def evaluation_of(milestone: Milestone) -> Evaluation | None:
    return db.session.execute(select(Evaluation).where(Evaluation.milestone_id == milestone.id)).scalar_one_or_none()


def get_evaluation(evaluation_id: int) -> Evaluation | None:
    return db.session.get(Evaluation, evaluation_id)


def compute_g(report) -> Decimal:
    """G from the contract's indicators and the report's actuals."""
    actuals = {a.indicator_id: a.actual for a in report.actuals}
    return scoring.government_score([
        scoring.indicator_points(rule=i.rule.value, comparison=i.comparison, target=i.target, weight=i.weight,
                                 actual=actuals.get(i.id))
        for i in report.contract.indicators])


def open_evaluation(report, *, by) -> Evaluation:
    """Called when the report is accepted: G is computed and the residents' window opens."""
    now = clock.now()
    days = get_setting("evaluation.rating_window_days", region=report.contract.buyer.region)
    evaluation = Evaluation(milestone_id=report.milestone_id, contract_id=report.contract_id,
                            status=EvaluationStatus.rating, rating_opened_at=now,
                            rating_ends_at=now + timedelta(days=days), computed_g=compute_g(report))
    db.session.add(evaluation)
    db.session.flush()
    audit.record(by, "evaluation.opened", evaluation, at=now,
                 data={"milestone": report.milestone_id, "computed_g": str(evaluation.computed_g),
                       "rating_ends_at": evaluation.rating_ends_at.isoformat()})
    return evaluation


def adjust_g(evaluation: Evaluation, raw_value, reason: str, *, by) -> Evaluation:
    """The buyer replaces G (reviewers' marks, a site visit) with a written reason, published with the score."""
    if not policies.can_adjust_g(by, evaluation):
        raise NotPermitted(_("只有采购人可以在评价结束前调整政府评分"))
    try:
        value = Decimal(str(raw_value).strip())
    except (InvalidOperation, ValueError):
        value = Decimal(-1)
    if not value.is_finite() or not 0 <= value <= 100:
        raise DomainError(_("政府评分须在 0 到 100 之间"), field="score")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("调整评分须写明理由"), field="reason")
    now = clock.now()
    before = evaluation.g
    evaluation.adjusted_g, evaluation.adjustment_reason = scoring.round2(value), reason
    evaluation.adjusted_at, evaluation.adjusted_by_id = now, by.id
    db.session.flush()
    audit.record(by, "evaluation.g_adjusted", evaluation, at=now,
                 data={"from": str(before), "to": str(evaluation.adjusted_g), "reason": reason})
    return evaluation


def rating_by(evaluation: Evaluation, user) -> Rating | None:
    if not (user and user.is_authenticated):
        return None
    return db.session.execute(select(Rating).where(Rating.milestone_id == evaluation.milestone_id,
                                                   Rating.user_id == user.id)).scalar_one_or_none()


def pseudonym_for(contract: Contract, user) -> Pseudonym:
    """The resident's number on this contract, given on the first rating and kept for the later milestones."""
    row = db.session.execute(select(Pseudonym).where(Pseudonym.contract_id == contract.id,
                                                     Pseudonym.user_id == user.id)).scalar_one_or_none()
    if row is None:
        db.session.execute(select(Contract.id).where(Contract.id == contract.id).with_for_update())
        number = db.session.scalar(select(func.coalesce(func.max(Pseudonym.number), 0))
                                   .where(Pseudonym.contract_id == contract.id)) + 1
        row = Pseudonym(contract_id=contract.id, user_id=user.id, number=number)
        db.session.add(row)
        db.session.flush()
    return row


def rate(evaluation: Evaluation, stars: int, comment: str | None, *, by) -> Rating:
    """A served resident rates the milestone once, 1–5 stars, while the window is open."""
    now = clock.now()
    if not policies.is_served_resident(by, evaluation.contract):
        raise NotPermitted(_("只有经认证居住在本项目服务社区的居民可以评价"))
    if not policies.rating_open(evaluation, now):
        raise DomainError(_("本阶段的居民评价未开放或已结束"))
    if rating_by(evaluation, by) is not None:
        raise DomainError(_("您已评价过本阶段，每位居民只能评价一次"))
    if stars not in range(1, 6):
        raise DomainError(_("请选择 1 到 5 颗星"), field="stars")
    pseudonym = pseudonym_for(evaluation.contract, by)
    rating = Rating(evaluation_id=evaluation.id, milestone_id=evaluation.milestone_id, user_id=by.id,
                    pseudonym_id=pseudonym.id, stars=stars, comment=(comment or "").strip()[:500] or None,
                    created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(rating)
    except IntegrityError as exc:  # the same resident rating twice at once: the unique constraint decides
        raise DomainError(_("您已评价过本阶段，每位居民只能评价一次")) from exc
    # Who rated is on record (the chain needs an actor); what they gave is not, so the audit log, which names
    # accounts, cannot be laid over the published pseudonymous ratings.
    audit.record(by, "evaluation.rated", evaluation, at=now, data={"milestone": evaluation.milestone_id})
    return rating


def _settings_on_close(evaluation: Evaluation) -> tuple[Decimal, int, Decimal]:
    region = evaluation.contract.buyer.region
    day = clock.to_local(evaluation.rating_ends_at).date()
    return (get_setting("evaluation.resident_weight", region=region, on=day),
            get_setting("evaluation.rating_quorum", region=region, on=day),
            get_setting("evaluation.pass_score", region=region, on=day))


def outcome(evaluation: Evaluation) -> scoring.Outcome:
    """The numbers: frozen ones once closed; while open, what a close on the window's last day would use."""
    if evaluation.status != EvaluationStatus.rating:
        return scoring.Outcome(w=evaluation.resident_weight, r=evaluation.resident_score, g=evaluation.g,
                               count=evaluation.rating_count, quorum=evaluation.quorum,
                               pass_score=evaluation.pass_score)
    w, quorum, pass_score = _settings_on_close(evaluation)
    return scoring.Outcome(w=w, r=scoring.resident_score([r.score for r in evaluation.ratings]), g=evaluation.g,
                           count=len(evaluation.ratings), quorum=quorum, pass_score=pass_score)


def close_evaluation(evaluation: Evaluation, *, by=None) -> Evaluation:
    """Freeze w, R, G, the count and the quorum; pass or fail. A pass makes the milestone's tranche payable."""
    now = clock.now()
    if by is not None and not policies.can_close_evaluation(by, evaluation, now):
        raise NotPermitted(_("评价期结束后，采购人才能结束评价"))
    if now < evaluation.rating_ends_at:
        raise DomainError(_("居民评价期尚未结束"))
    result = outcome(evaluation)
    evaluation.resident_weight, evaluation.quorum, evaluation.pass_score = result.w, result.quorum, result.pass_score
    evaluation.rating_count, evaluation.resident_score = result.count, result.r
    evaluation.final_score, evaluation.provisional = result.final, result.provisional
    evaluation.closed_at, evaluation.closed_by_id = now, getattr(by, "id", None)
    action = EvaluationAction.passes if result.passed else EvaluationAction.fails
    transition(evaluation, action, EVALUATION_TRANSITIONS, at=now, label=_("绩效评价"))
    if result.passed:
        evaluation.milestone.evaluation_passed_at = now
    db.session.flush()
    audit.record(by, f"evaluation.{evaluation.status.value}", evaluation, at=now, data={
        "w": str(result.w), "r": str(result.r), "g": str(result.g), "count": result.count, "quorum": result.quorum,
        "final": str(result.final), "provisional": result.provisional, "formula": result.formula()})
    return evaluation


def close_due(now=None) -> int:
    """Close every evaluation whose window has ended (the job; idempotent: closed ones are no longer listed)."""
    now = now or clock.now()
    due = db.session.execute(select(Evaluation).where(Evaluation.status == EvaluationStatus.rating,
                                                      Evaluation.rating_ends_at <= now)
                             .order_by(Evaluation.id).with_for_update()).scalars().all()
    for evaluation in due:
        close_evaluation(evaluation)
    return len(due)


def public_ratings(evaluation: Evaluation) -> list[dict]:
    """The anonymized ratings: pseudonym, stars, score, comment, date. Never a name or an account."""
    rows = db.session.execute(select(Rating).where(Rating.evaluation_id == evaluation.id)
                              .options(selectinload(Rating.pseudonym)).order_by(Rating.id)).scalars()
    return [{"pseudonym": _("居民 %(n)d", n=r.pseudonym.number), "stars": r.stars, "score": r.score,
             "comment": r.comment, "date": clock.to_local(r.created_at).date()} for r in rows]


def public_context(contract: Contract) -> dict:
    """What `templates/outcomes/_scores.html` shows on the public contract page: per milestone the report's
    state, and the evaluation's published numbers (R, G, w, count, quorum, the formula) and ratings. One key, so
    the contract page can pass it straight into its template: `scores(outcome_rows)`."""
    from .models import OutcomeReport

    reports = {r.milestone_id: r for r in db.session.execute(
        select(OutcomeReport).where(OutcomeReport.contract_id == contract.id)).scalars()}
    evals = {e.milestone_id: e for e in db.session.execute(
        select(Evaluation).where(Evaluation.contract_id == contract.id)
        .options(selectinload(Evaluation.ratings))).scalars()}
    rows = []
    for milestone in contract.milestones:
        evaluation = evals.get(milestone.id)
        closed = evaluation is not None and evaluation.status != EvaluationStatus.rating
        rows.append({"milestone": milestone, "report": reports.get(milestone.id), "evaluation": evaluation,
                     "outcome": outcome(evaluation) if closed else None,
                     "count": len(evaluation.ratings) if evaluation else 0,
                     "ratings": public_ratings(evaluation) if closed else []})
    return {"outcome_rows": rows}


def open_for(user) -> list[Evaluation]:
    """Evaluations a resident may rate now: open windows of contracts serving the resident's community — the
    community itself or any region above it named by the tender."""
    from marketplace.tenders.models import TenderRegion

    community = getattr(user, "verified_community", None)
    if community is None:
        return []
    now = clock.now()
    served_by = [community.id, *(r.id for r in community.ancestors())]
    return db.session.execute(
        select(Evaluation).join(Contract, Contract.id == Evaluation.contract_id)
        .join(TenderRegion, TenderRegion.tender_id == Contract.tender_id)
        .where(TenderRegion.region_id.in_(served_by), Evaluation.status == EvaluationStatus.rating,
               Evaluation.rating_opened_at <= now, Evaluation.rating_ends_at > now)
        .options(selectinload(Evaluation.milestone), selectinload(Evaluation.contract))
        .order_by(Evaluation.rating_ends_at).distinct()
    ).scalars().all()


def scores_by_contract(contract_ids: list[int]) -> dict[int, list[Evaluation]]:
    """Closed evaluations (final score, provisional or not) of many contracts in one query, stage by stage."""
    if not contract_ids:
        return {}
    rows = db.session.execute(
        select(Evaluation).join(Milestone, Milestone.id == Evaluation.milestone_id)
        .where(Milestone.contract_id.in_(contract_ids), Evaluation.closed_at.is_not(None))
        .order_by(Milestone.contract_id, Milestone.position)).scalars().all()
    result: dict[int, list[Evaluation]] = {}
    for evaluation in rows:
        result.setdefault(evaluation.contract_id, []).append(evaluation)
    return result
