"""Evaluation: the panel and its declarations, independent scoring, qualification review and the results.

The award, its public notice and challenges are in `awards.py`. Services flush, never commit; every state
change writes its audit row in the caller's transaction.
"""

from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import Role, User
from marketplace.audit import services as audit
from marketplace.bids import services as bids
from marketplace.bids.models import Bid, BidStatus
from marketplace.common import clock
from marketplace.common.wording import join_clauses, join_items
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db
from marketplace.notifications import services as notifications
from marketplace.tenders import services as tenders
from marketplace.web import external_url

from . import policies, queries, scoring
from .awards import public_award_context  # noqa: F401 (the tender page asks here)
from .models import BidResult, PanelMember, Score

# -- the panel --------------------------------------------------------------------------------------------

def assign(tender, user: User, *, by, replaces: PanelMember | None = None) -> PanelMember:
    """Put an evaluator on the panel. After opening only as the replacement of an excluded member, unless
    nobody was assigned before the deadline."""
    now = clock.now()
    if not policies.can_assign(by, tender, now):
        raise NotPermitted(_("只有采购人可以在开标前组建评审小组，或在评审中替换回避的专家"))
    if user.role != Role.evaluator or user.deactivated_at is not None:
        raise DomainError(_("只能指派评审专家账号"), field="user_id")
    panel = queries.panel_of(tender)
    if any(m.user_id == user.id for m in panel):
        raise DomainError(_("%(name)s 已在评审小组中", name=user.name), field="user_id")
    if not policies.before_opening(tender, now):
        if queries.has_results(tender):
            raise DomainError(_("评审结果已生成，不能再调整评审小组"))
        if replaces is None and panel:
            raise DomainError(_("开标后只能替换回避的专家，请选择被替换的专家"), field="replaces_id")
        if replaces is not None and (replaces.tender_id != tender.id or replaces.active
                                     or any(m.replaces_id == replaces.id for m in panel)):
            raise DomainError(_("只能替换已回避且尚未替换的专家"), field="replaces_id")
    member = PanelMember(tender_id=tender.id, user_id=user.id, assigned_at=now, assigned_by_id=by.id,
                         replaces_id=replaces.id if replaces else None)
    db.session.add(member)
    db.session.flush()
    audit.record(by, "evaluation.member_assigned", tender,
                 data={"member": member.id, "user": user.id, "replaces": member.replaces_id})
    notifications.notify(user, _("您被指派为“%(title)s”的评审专家", title=tender.title),
                         external_url("evaluation.scoring", tender_id=tender.id))
    return member


def excuse(member: PanelMember, reason: str, *, by) -> PanelMember:
    """The buyer takes off the panel a member who cannot finish (absent, ill, unreachable), with a reason, so a
    replacement can be assigned; his unsubmitted draft scores are discarded, never counted."""
    tender = member.tender
    if not policies.can_excuse(by, member, tender, queries.has_results(tender)):
        raise NotPermitted(_("只能在评审结果生成前，替换尚未提交评分的专家"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请写明替换该专家的原因"), field="reason")
    member.excluded_at = clock.now()
    member.conflict_note = member.conflict_note or reason
    for row in list(member.scores):
        db.session.delete(row)
    db.session.flush()
    audit.record(by, "evaluation.member_excused", tender, data={"member": member.id, "reason": reason})
    notifications.notify(member.user, _("您已不再担任“%(title)s”的评审专家：%(reason)s", title=tender.title,
                                        reason=reason), external_url("evaluation.desk"))
    return member


def declare(member: PanelMember, conflicted: bool, note: str | None, *, by) -> PanelMember:
    """Declare conflicts of interest against the bidder list; a conflicted member is excluded at once."""
    tender = member.tender
    if not policies.can_declare(by, member, tender):
        raise NotPermitted(_("开标后由评审专家本人声明一次，不能重复声明"))
    note = (note or "").strip() or None
    if conflicted and not note:
        raise DomainError(_("请说明与哪家投标机构存在何种利害关系"), field="note")
    now = clock.now()
    member.declared_at, member.conflicted, member.conflict_note = now, conflicted, note
    if conflicted:
        member.excluded_at = now
    db.session.flush()
    audit.record(by, "evaluation.conflict_declared", tender,
                 data={"member": member.id, "conflicted": conflicted, "note": note})
    if conflicted:
        tenders.tell_buyer(tender, _("“%(title)s”的评审专家 %(name)s 声明回避，请指派替换专家",
                                     title=tender.title, name=member.user.name))
    return member


# -- scoring ----------------------------------------------------------------------------------------------

def _points(raw, criterion) -> Decimal:
    try:
        points = Decimal(str(raw).strip())
    except InvalidOperation:
        raise DomainError(_("“%(name)s”的分数“%(raw)s”不是数字", name=criterion.name, raw=raw),
                          field="points") from None
    # Range first: quantizing a huge number (1e30) would itself raise.
    if not points.is_finite() or not 0 <= points <= criterion.weight or points != points.quantize(scoring.CENT):
        raise DomainError(_("“%(name)s”的分数须在 0 到 %(max)d 之间（最多两位小数）", name=criterion.name,
                            max=criterion.weight), field="points")
    return points


def save_scores(member: PanelMember, bid: Bid, rows: dict[int, tuple[str, str]], *, by) -> list[Score]:
    """A draft of one member's scores for one bid: {criterion id: (points, justification)}. A row left empty
    keeps what was saved; a row needs both the points and the written reason."""
    tender = member.tender
    if not policies.can_score(by, member, tender, queries.has_results(tender)):
        raise NotPermitted(_("只有声明无利害关系、尚未提交的评审专家可以评分"))
    if bid.tender_id != tender.id or bid.status != BidStatus.opened:
        raise DomainError(_("这份投标不在评审范围内"))
    criteria = {c.id: c for c in tender.criteria if not c.is_price}
    existing = {(s.bid_id, s.criterion_id): s for s in member.scores}
    now, saved = clock.now(), []
    for criterion_id, (raw, justification) in rows.items():
        criterion = criteria.get(criterion_id)
        raw, justification = str(raw or "").strip(), tenders.clean_text(justification)
        if criterion is None or (not raw and not justification):
            continue
        if not raw or not justification:
            raise DomainError(_("“%(name)s”须同时填写分数和评分理由", name=criterion.name), field="points")
        points = _points(raw, criterion)
        score = existing.get((bid.id, criterion_id))
        if score is None:
            score = Score(member=member, bid_id=bid.id, criterion_id=criterion_id, points=points,
                          justification=justification, updated_at=now)
            db.session.add(score)
        score.points, score.justification, score.updated_at = points, justification, now
        saved.append(score)
    db.session.flush()
    audit.record(by, "evaluation.scores_saved", tender, data={
        "member": member.id, "bid": bid.id, "points": {str(s.criterion_id): str(s.points) for s in saved}})
    return saved


def missing_scores(member: PanelMember) -> list[str]:
    """What the member has not scored yet, in words."""
    tender = member.tender
    done = {(s.bid_id, s.criterion_id) for s in member.scores if s.justification.strip()}
    return [_("%(org)s：%(criterion)s", org=bid.organization.name, criterion=c.name)
            for bid in queries.valid_bids(tender) for c in tender.criteria
            if not c.is_price and (bid.id, c.id) not in done]


def submit_scores(member: PanelMember, *, by) -> PanelMember:
    """Submit every score at once; when the last active member submits, the results are computed."""
    tender = member.tender
    if not policies.can_score(by, member, tender, queries.has_results(tender)):
        raise NotPermitted(_("只有声明无利害关系、尚未提交的评审专家可以提交评分"))
    missing = missing_scores(member)
    if missing:
        raise DomainError(_("还有 %(n)d 项未评分：%(items)s", n=len(missing), items=join_clauses(missing[:6])))
    member.submitted_at = clock.now()
    db.session.flush()
    audit.record(by, "evaluation.scores_submitted", tender, data={"member": member.id})
    if not results_blockers(tender):
        compute_results(tender, by=by)
    return member


def visible_scores(member: PanelMember) -> list[Score]:
    """Before submitting, a member sees only his own scores; afterwards those of every member who submitted."""
    if not policies.can_see_all_scores(member):
        return list(member.scores)
    return db.session.execute(
        select(Score).join(PanelMember).where(PanelMember.tender_id == member.tender_id,
                                              PanelMember.excluded_at.is_(None),
                                              PanelMember.submitted_at.is_not(None))
        .options(joinedload(Score.member).joinedload(PanelMember.user))).scalars().all()


# -- qualification review ---------------------------------------------------------------------------------

def disqualify(tender, bid: Bid, reason: str, *, by) -> Bid:
    """资格审查: a bid fails with a reason; too few valid bids left ends the tender as unsuccessful."""
    member = queries.member_for(tender, by)
    if not policies.can_review_qualification(by, tender, member, queries.has_results(tender)):
        raise NotPermitted(_("只有采购人或评审专家可以在评审结果生成前进行资格审查"))
    if bid.tender_id != tender.id or bid.status != BidStatus.opened:
        raise DomainError(_("这份投标不能被资格审查否决"))
    bids.disqualify(bid, reason, by=by)
    db.session.flush()
    if not tenders.close_unsuccessful(tender, len(queries.valid_bids(tender)), by=by) and not results_blockers(tender):
        compute_results(tender, by=by)  # the disqualified bid was the only one a member had left to score
    return bid


# -- results ----------------------------------------------------------------------------------------------

def results_blockers(tender) -> list[str]:
    """Why results cannot be computed yet, in words; empty when every active member has submitted."""
    panel = queries.panel_of(tender)
    active = [m for m in panel if m.active]
    problems = []
    if tender.status.value != "evaluation":
        problems.append(_("项目不在评审阶段"))
    if queries.has_results(tender):
        problems.append(_("评审结果已生成"))
    if not active:
        problems.append(_("评审小组没有可评分的专家"))
    pending = [m.user.name for m in active if m.submitted_at is None]
    if pending:
        problems.append(_("尚未提交评分：%(names)s", names=join_items(pending)))
    unreplaced = [m.user.name for m in panel if not m.active and not any(r.replaces_id == m.id for r in panel)]
    if unreplaced:
        problems.append(_("回避的专家尚未替换：%(names)s", names=join_items(unreplaced)))
    return problems


def compute_results(tender, *, by=None, at: datetime | None = None) -> list[BidResult]:
    """Price score, technical score, total and rank of every valid bid, frozen as BidResult rows.

    Ranking follows `scoring.rank_key`: higher total; then lower price; then higher technical score; then
    the earlier receipt time.
    """
    problems = results_blockers(tender)
    if problems:
        raise DomainError(_("还不能生成评审结果：%(problems)s", problems=join_clauses(problems)))
    at = at or clock.now()
    valid = queries.valid_bids(tender)
    price_weight = next(c.weight for c in tender.criteria if c.is_price)
    lowest = min(bid.price for bid in valid)
    submitted = [m for m in queries.panel_of(tender) if m.active and m.submitted_at is not None]
    standings = []
    for bid in valid:
        sums = [sum((s.points for s in m.scores if s.bid_id == bid.id), Decimal(0)) for m in submitted]
        standings.append(scoring.Standing(bid.id, bid.price, bid.submitted_at,
                                          scoring.price_score(lowest, bid.price, price_weight),
                                          scoring.technical_score(sums)))
    rows = [BidResult(tender_id=tender.id, bid_id=s.bid_id, price_score=s.price_score,
                      technical_score=s.technical_score, total=s.total, rank=rank, computed_at=at)
            for rank, s in scoring.ranking(standings)]
    db.session.add_all(rows)
    db.session.flush()
    audit.record(by, "evaluation.results_computed", tender,
                 data={"ranking": [{"bid": r.bid_id, "total": str(r.total), "rank": r.rank} for r in rows]})
    tenders.tell_buyer(tender, _("“%(title)s”的评审已完成，请确认成交结果", title=tender.title))
    return rows
