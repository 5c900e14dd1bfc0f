"""Milestone evaluations: G from the indicators and the reviewers' marks (the buyer, invited experts and
third-party evaluators), residents' ratings under a per-contract pseudonym, and the close that freezes w, R, G and
the final score and may make a tranche payable.

Choices (DESIGN §5 leaves them open):
- G = (1 − m)·I + m·M: I from the indicators, M the mean of the reviewers' marks, m a setting (0.50); with no
  mark G = I. Marks are published with their kind and reasoning, never the reviewer's name.
- A window that ends below the quorum is lengthened once (setting `evaluation.rating_extensions`) before it is
  scored, so a stage is not failed because residents had not heard of it yet. After that, below the quorum the
  formula is unchanged — final = w·R + (1−w)·G — and the score is marked provisional; the pass decision uses it
  all the same, so a tranche never waits on a vote nobody schedules.
- With no rating at all R = 0: residents carry at least 70% of the score and nobody vouched for the work.
- w, m, the quorum and the pass score are the settings in force on the (Beijing) day the window closed, whenever
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

from marketplace.accounts.models import Role, User
from marketplace.audit import services as audit
from marketplace.common import clock
from marketplace.common.locks import lock
from marketplace.common.states import transition
from marketplace.contracts.models import Contract, Milestone
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db
from marketplace.follows import services as follows
from marketplace.notifications.services import notify
from marketplace.settings.services import get_setting
from marketplace.web import external_url

from . import policies, scoring
from .models import (
    EVALUATION_TRANSITIONS,
    REVIEWER_KIND_LABELS,
    Evaluation,
    EvaluationAction,
    EvaluationStatus,
    Pseudonym,
    Rating,
    ReviewerKind,
    ReviewerMark,
)


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


def reviewer_mark(evaluation: Evaluation, user) -> ReviewerMark | None:
    if not (user and user.is_authenticated):
        return None
    return next((m for m in evaluation.marks if m.reviewer_id == user.id), None)


def buyer_mark(evaluation: Evaluation) -> ReviewerMark | None:
    return next((m for m in evaluation.marks if m.kind == ReviewerKind.buyer), None)


def invite_reviewer(evaluation: Evaluation, reviewer, kind: ReviewerKind, *, by) -> ReviewerMark:
    """The buyer asks an expert or a third-party evaluator from the pool to mark the stage."""
    if not policies.can_invite_reviewers(by, evaluation):
        raise NotPermitted(_("只有采购人可以在评价结束前邀请评审"))
    if reviewer is None or reviewer.role != Role.evaluator or kind == ReviewerKind.buyer:
        raise DomainError(_("请从评审专家库中选择评审专家或第三方评估机构"), field="reviewer")
    if reviewer_mark(evaluation, reviewer) is not None:
        raise DomainError(_("已邀请过此评审"), field="reviewer")
    now = clock.now()
    row = ReviewerMark(evaluation_id=evaluation.id, reviewer_id=reviewer.id, kind=kind, invited_by_id=by.id,
                       invited_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError as exc:  # the same reviewer invited twice at once: the unique constraint decides
        raise DomainError(_("已邀请过此评审"), field="reviewer") from exc
    db.session.expire(evaluation, ["marks"])
    audit.record(by, "evaluation.reviewer_invited", evaluation, at=now,
                 data={"reviewer_id": reviewer.id, "kind": kind.value})
    notify(reviewer, _("请为“%(title)s”%(stage)s阶段的绩效打分", title=evaluation.contract.title,
                       stage=evaluation.milestone.label),
           external_url("outcomes.mark", evaluation_id=evaluation.id))
    return row


def mark(evaluation: Evaluation, raw_score, comment: str, no_conflict: bool, *, by) -> ReviewerMark:
    """A reviewer's mark (0–100) with its reasoning, published; the buyer's officer marks for the buyer.
    The evaluation row is locked, so a mark cannot land after the close has read the marks."""
    lock(evaluation)
    db.session.expire(evaluation, ["marks"])
    row = reviewer_mark(evaluation, by)
    if not policies.can_mark(by, evaluation, row):
        raise NotPermitted(_("只有受邀评审和采购人可以在评价结束前打分"))
    try:
        score = Decimal(str(raw_score).strip())
    except (InvalidOperation, ValueError):
        score = Decimal(-1)
    if not score.is_finite() or not 0 <= score <= 100:
        raise DomainError(_("评分须在 0 到 100 之间"), field="score")
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(_("请写明打分理由，理由将公开"), field="comment")
    if not no_conflict:
        raise DomainError(_("与承接机构有利害关系的，请回避，不要打分"), field="no_conflict")
    now = clock.now()
    if row is None:  # the buyer's officer: one mark speaks for the buyer
        if buyer_mark(evaluation) is not None:
            raise DomainError(_("采购人已由其他工作人员打分"))
        row = ReviewerMark(evaluation_id=evaluation.id, reviewer_id=by.id, kind=ReviewerKind.buyer,
                           invited_by_id=by.id, invited_at=now)
        db.session.add(row)
    before = row.score
    row.score, row.comment, row.no_conflict_at, row.marked_at = scoring.round2(score), comment, now, now
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:  # two officers of the buyer at once: the unique index decides
        raise DomainError(_("采购人已由其他工作人员打分")) from exc
    db.session.expire(evaluation, ["marks"])
    audit.record(by, "evaluation.marked", evaluation, at=now, data={
        "kind": row.kind.value, "from": None if before is None else str(before), "to": str(row.score)})
    return row


def public_marks(evaluation: Evaluation) -> list[dict]:
    """The reviewers' marks as published: kind and a number within the kind, score, reasoning, date."""
    counters: dict[ReviewerKind, int] = {}
    rows = []
    for row in evaluation.marks:
        if row.score is None:
            continue
        counters[row.kind] = counters.get(row.kind, 0) + 1
        label = REVIEWER_KIND_LABELS[row.kind]
        rows.append({"reviewer": label if row.kind == ReviewerKind.buyer else f"{label} {counters[row.kind]}",
                     "score": row.score, "comment": row.comment, "date": clock.to_local(row.marked_at).date()})
    return rows


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
    db.session.expire(evaluation, ["ratings"])  # a loaded list would otherwise miss this rating at the close
    # Who rated is on record (the chain needs an actor); what they gave is not, so the audit log, which names
    # accounts, cannot be laid over the published pseudonymous ratings.
    audit.record(by, "evaluation.rated", evaluation, at=now, data={"milestone": evaluation.milestone_id})
    return rating


def _settings_on_close(evaluation: Evaluation) -> dict:
    region = evaluation.contract.buyer.region
    day = clock.to_local(evaluation.rating_ends_at).date()
    return {name: get_setting(f"evaluation.{name}", region=region, on=day)
            for name in ("resident_weight", "rating_quorum", "pass_score", "reviewer_weight", "rating_extensions")}


def government(evaluation: Evaluation, m: Decimal) -> scoring.GovernmentScore:
    return scoring.GovernmentScore(indicators=evaluation.computed_g, m=m,
                                   marks=tuple(r.score for r in evaluation.marks if r.score is not None))


def outcome(evaluation: Evaluation) -> scoring.Outcome:
    """The numbers: frozen ones once closed; while open, what a close on the window's last day would use."""
    if evaluation.closed:
        parts = government(evaluation, evaluation.reviewer_weight)
        return scoring.Outcome(w=evaluation.resident_weight, r=evaluation.resident_score,
                               g=evaluation.government_score, count=evaluation.rating_count,
                               quorum=evaluation.quorum, pass_score=evaluation.pass_score, government=parts)
    settings = _settings_on_close(evaluation)
    parts = government(evaluation, settings["reviewer_weight"])
    r = scoring.resident_score([rating.score for rating in evaluation.ratings])
    return scoring.Outcome(w=settings["resident_weight"], r=r, g=parts.g, count=len(evaluation.ratings),
                           quorum=settings["rating_quorum"], pass_score=settings["pass_score"], government=parts)


def close_evaluation(evaluation: Evaluation, *, by=None) -> Evaluation:
    """Freeze m, G, w, R, the count and the quorum; pass or fail. A pass makes the milestone's tranche payable.
    A window that ended below the quorum is first lengthened, as many times as the setting allows."""
    now = clock.now()
    lock(evaluation)  # against a mark or a second close arriving at the same moment
    db.session.expire(evaluation, ["marks", "ratings"])
    if by is not None and not policies.can_close_evaluation(by, evaluation, now):
        raise NotPermitted(_("评价期结束后，采购人才能结束评价"))
    if now < evaluation.rating_ends_at:
        raise DomainError(_("居民评价期尚未结束"))
    result = outcome(evaluation)
    if result.provisional and evaluation.extensions < _settings_on_close(evaluation)["rating_extensions"]:
        return _extend(evaluation, result, now, by)
    parts = result.government
    evaluation.reviewer_weight, evaluation.reviewer_score = parts.m, parts.mean
    evaluation.reviewer_count, evaluation.government_score = len(parts.marks), parts.g
    evaluation.resident_weight, evaluation.quorum, evaluation.pass_score = result.w, result.quorum, result.pass_score
    evaluation.rating_count, evaluation.resident_score = result.count, result.r
    evaluation.final_score, evaluation.provisional = result.final, result.provisional
    evaluation.closed_at, evaluation.closed_by_id = now, getattr(by, "id", None)
    action = EvaluationAction.passes if result.passed else EvaluationAction.fails
    transition(evaluation, action, EVALUATION_TRANSITIONS, at=now, label=_("绩效评价"))
    if result.passed:
        evaluation.milestone.evaluation_passed_at = now
    db.session.flush()
    follows.announce_project(evaluation.contract, _(
        "“%(title)s”%(stage)s阶段绩效评价结束：综合得分 %(score)s%(provisional)s，%(result)s",
        title=evaluation.contract.title, stage=evaluation.milestone.label, score=f"{result.final:.2f}",
        provisional=_("（暂定）") if result.provisional else "",
        result=_("合格") if result.passed else _("不合格")))
    audit.record(by, f"evaluation.{evaluation.status.value}", evaluation, at=now, data={
        "w": str(result.w), "r": str(result.r), "g": str(result.g), "i": str(parts.indicators), "m": str(parts.m),
        "marks": [str(m) for m in parts.marks], "count": result.count, "quorum": result.quorum,
        "final": str(result.final), "provisional": result.provisional, "formula": result.formula()})
    return evaluation


def _extend(evaluation: Evaluation, result: scoring.Outcome, now, by) -> Evaluation:
    """Too few ratings: the window runs again for its usual length from now, and the buyer hears of it."""
    days = get_setting("evaluation.rating_window_days", region=evaluation.contract.buyer.region)
    before = evaluation.rating_ends_at
    evaluation.rating_ends_at = now + timedelta(days=days)
    evaluation.extensions += 1
    db.session.flush()
    audit.record(by, "evaluation.extended", evaluation, at=now, data={
        "count": result.count, "quorum": result.quorum, "from": before.isoformat(),
        "to": evaluation.rating_ends_at.isoformat()})
    link = external_url("outcomes.evaluation", evaluation_id=evaluation.id)
    waiting = [m.reviewer for m in evaluation.marks if m.score is None]
    staff = db.session.execute(select(User).where(User.role == Role.buyer, User.body_id == evaluation.contract.buyer_id,
                                                  User.deactivated_at.is_(None))).scalars().all()
    for person in [*staff, *waiting]:
        notify(person, _("“%(title)s”%(stage)s阶段参与评价的居民不足 %(q)d 人，评价期延长至 %(end)s",
                         title=evaluation.contract.title, stage=evaluation.milestone.label, q=result.quorum,
                         end=clock.to_local(evaluation.rating_ends_at).strftime("%Y-%m-%d")), link)
    return evaluation


def close_due(now=None) -> int:
    """Close every evaluation whose window has ended (the job; idempotent: closed ones are no longer listed)."""
    now = now or clock.now()
    due = db.session.execute(select(Evaluation).where(Evaluation.status == EvaluationStatus.rating,
                                                      Evaluation.rating_ends_at <= now)
                             .order_by(Evaluation.id).with_for_update()).scalars().all()
    for evaluation in due:
        close_evaluation(evaluation)  # or lengthen it, when too few residents have rated
    return len(due)


def public_ratings(evaluation: Evaluation, ratings=None) -> list[dict]:
    """The anonymized ratings: pseudonym, stars, score, comment, date. Never a name or an account. `ratings`: the
    evaluation's ratings with their pseudonyms, when the caller loaded those of several evaluations at once."""
    rows = ratings if ratings is not None else db.session.execute(
        select(Rating).where(Rating.evaluation_id == evaluation.id)
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
        .options(selectinload(Evaluation.ratings).selectinload(Rating.pseudonym),
                 selectinload(Evaluation.marks))).scalars()}
    rows = []
    for milestone in contract.milestones:
        evaluation = evals.get(milestone.id)
        closed = evaluation is not None and evaluation.closed
        rows.append({"milestone": milestone, "report": reports.get(milestone.id), "evaluation": evaluation,
                     "outcome": outcome(evaluation) if closed else None,
                     "count": len(evaluation.ratings) if evaluation else 0,
                     "ratings": public_ratings(evaluation, evaluation.ratings) if closed else [],
                     "marks": public_marks(evaluation) if closed else []})
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
