"""Tenders: creation from the catalog, method and scoring rules, lifecycle, Q&A, amendments and followers.

Services flush, never commit; the route (or the job runner) owns the transaction. Moves that depend on
time run in `catch_up`, called both by `jobs tick` and whenever a tender is loaded for a page.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import Role, User
from marketplace.audit import services as audit
from marketplace.bids import services as bids
from marketplace.catalog import services as catalog
from marketplace.catalog.models import BudgetLine
from marketplace.common import clock, files
from marketplace.common.locks import lock
from marketplace.common.money import MoneyError, format_cny, yuan
from marketplace.common.states import transition
from marketplace.common.wording import join_clauses, join_items
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db
from marketplace.follows import services as follows
from marketplace.follows.models import Subject
from marketplace.notifications import services as notifications
from marketplace.regions.models import GovernmentBody, Region
from marketplace.settings.services import get_setting
from marketplace.web import external_url

from . import policies, rules
from .models import (
    METHOD_LABELS,
    TENDER_TRANSITIONS,
    Criterion,
    Indicator,
    Method,
    Question,
    Tender,
    TenderAction,
    TenderCondition,
    TenderDocument,
    TenderRegion,
    TenderStatus,
)

ONE_DAY = timedelta(days=1)
# Budget held by a tender until it fails or is withdrawn.
RELEASED_STATES = (TenderStatus.cancelled, TenderStatus.unsuccessful)


def _move(tender: Tender, action: TenderAction, *, at: datetime, by, data: dict | None = None) -> None:
    before = tender.status
    transition(tender, action, TENDER_TRANSITIONS, at=at, label=_("采购项目"))
    audit.record(by, f"tender.{action.value}", tender,
                 data={"from": before.value, "to": tender.status.value, **(data or {})}, at=None)


def limits_for(buyer: GovernmentBody) -> rules.Limits:
    region = buyer.region
    return rules.Limits(
        open_threshold=get_setting("procurement.open_tender_threshold", region=region),
        min_period_days=get_setting("tender.min_period_days", region=region),
        min_period_days_open=get_setting("tender.min_period_days_open", region=region),
        min_bids_consultation=get_setting("tender.min_bids_consultation", region=region),
        min_bids_open=get_setting("tender.min_bids_open", region=region),
    )


# -- budget ------------------------------------------------------------------------------------------------

@dataclass
class BudgetView:
    amount: Decimal
    committed: Decimal
    source: str

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.committed


def budget_view(buyer: GovernmentBody, year: int, item_code: str, *,
                excluding: Tender | None = None, lock: bool = False) -> BudgetView | None:
    """The line and what the body's live tenders already hold of it. `lock` holds the line's row until commit,
    so two drafts cannot both take the same remaining yuan."""
    query = select(BudgetLine).where(BudgetLine.body_id == buyer.id, BudgetLine.year == year,
                                     BudgetLine.item_code == item_code)
    line = db.session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if line is None:
        return None
    query = select(func.coalesce(func.sum(Tender.budget), 0)).where(
        Tender.buyer_id == buyer.id, Tender.year == year, Tender.item_code == item_code,
        Tender.status.not_in(RELEASED_STATES))
    if excluding is not None and excluding.id is not None:
        query = query.where(Tender.id != excluding.id)
    return BudgetView(line.amount, yuan(db.session.scalar(query)), line.source)


def _check_purchasable(buyer: GovernmentBody, year: int, item_code: str, budget: Decimal | None, *,
                       tender: Tender | None = None) -> catalog.Verdict:
    verdict = catalog.is_purchasable(item_code, buyer, year)
    if not verdict.ok:
        raise DomainError(_("不能采购：%(reason)s", reason=verdict.reason), field="item_code")
    if budget is not None:
        view = budget_view(buyer, year, item_code, excluding=tender, lock=True)
        if budget > view.remaining:
            raise DomainError(_("预算 %(budget)s 超出该事项预算安排的剩余额度 %(remaining)s"
                                "（安排 %(amount)s，已用于其他项目 %(used)s）",
                                budget=format_cny(budget), remaining=format_cny(view.remaining),
                                amount=format_cny(view.amount), used=format_cny(view.committed)), field="budget")
    return verdict


def clean_text(value: str | None) -> str:
    """Text as typed, without surrounding blanks or the browser's CRLF line endings."""
    return (value or "").replace("\r\n", "\n").strip()


def parse_budget(raw) -> Decimal:
    try:
        amount = yuan(raw)
    except MoneyError as exc:
        raise DomainError(_("“%(raw)s” 不是有效金额", raw=raw), field="budget") from exc
    if amount <= 0:
        raise DomainError(_("预算金额必须大于零"), field="budget")
    return amount


# -- creation and the wizard's steps ----------------------------------------------------------------------

def create_tender(buyer: GovernmentBody, item_code: str, title: str, budget, *, by, year: int | None = None) -> Tender:
    """A draft from one item of the buyer's effective purchase catalog, refused with the catalog's reason."""
    if not policies.can_create_tender(by):
        raise NotPermitted(_("只有购买主体的工作人员可以发起采购项目"))
    year = year or clock.today().year
    amount = parse_budget(budget)
    _check_purchasable(buyer, year, item_code, amount)
    item = catalog.effective_catalog(buyer.region, year).get(item_code)
    now = clock.now()
    tender = Tender(buyer=buyer, created_by_id=getattr(by, "id", None), year=year, item_code=item_code,
                    item_name=item.name, title=(title or "").strip() or item.name, budget=amount,
                    method=Method.open if amount >= limits_for(buyer).open_threshold else Method.consultation,
                    term_months=12, created_at=now, status=TenderStatus.draft, version=1,
                    reference=f"pending-{secrets.token_hex(8)}",
                    description=(item.item.description if item.item else "") or "")
    db.session.add(tender)
    db.session.flush()
    tender.reference = _reference(tender)
    if item.item is not None:  # the item's conditions come with it; the buyer may add more
        for code in catalog.split_codes(item.item.required_conditions):
            db.session.add(TenderCondition(tender=tender, code=code, required=True, inherited=True))
        for code in catalog.split_codes(item.item.preferred_conditions):
            db.session.add(TenderCondition(tender=tender, code=code, required=False, inherited=True))
    for position, row in enumerate(DEFAULT_CRITERIA):
        db.session.add(Criterion(tender=tender, position=position, **row))
    db.session.flush()
    audit.record(by, "tender.created", tender, data={"item": item_code, "budget": str(amount), "year": year})
    return tender


def _reference(tender: Tender) -> str:
    # Built from the row id once it exists: unique without counting rows, which two buyers could do at once.
    return f"ZS{tender.buyer.region.code}-{tender.year}-{tender.id:05d}"


DEFAULT_CRITERIA = [
    {"name": "价格", "weight": 20, "description": "满足要求且价格最低的为评标基准价，价格分=基准价/投标报价×权重",
     "is_price": True},
    {"name": "服务方案", "weight": 40, "description": "需求分析准确、目标明确、活动设计可行、与指标对应"},
    {"name": "团队与专业能力", "weight": 25, "description": "持证社会工作者人数、督导配备、相关项目经验"},
    {"name": "管理与保障", "weight": 15, "description": "项目管理、档案、风险预案、财务制度"},
]


def ensure_draft(tender: Tender, by) -> None:
    """Draft steps are for the buyer's own staff (or the system, e.g. the demo loader), and only on a draft."""
    if by is not None and not isinstance(by, str) and not policies.is_buyer_staff(by, tender):
        raise NotPermitted(_("只有本单位工作人员可以编辑草稿项目"))
    if tender.status != TenderStatus.draft:
        raise DomainError(_("项目已发布，只能通过变更公告修改"))


def save_basics(tender: Tender, values: dict, region_ids: list[int], *, by) -> None:
    ensure_draft(tender, by)
    amount = parse_budget(values["budget"])
    _check_purchasable(tender.buyer, tender.year, tender.item_code, amount, tender=tender)
    problems = rules.term_problems(values.get("term_months"), values.get("term_justification"))
    _raise_first(problems)
    regions = db.session.execute(select(Region).where(Region.id.in_(region_ids))).scalars().all() if region_ids else []
    for region in regions:
        if not tender.buyer.region.contains(region):
            raise DomainError(_("“%(name)s” 不在%(buyer)s的辖区内", name=region.name, buyer=tender.buyer.name),
                              field="regions")
    tender.title, tender.description = clean_text(values["title"]), clean_text(values.get("description"))
    tender.budget, tender.term_months = amount, values["term_months"]
    tender.term_start, tender.deliverables = values.get("term_start"), clean_text(values.get("deliverables"))
    tender.term_justification = clean_text(values.get("term_justification")) or None
    tender.regions = [TenderRegion(region=region) for region in regions]
    db.session.flush()


def save_method(tender: Tender, method: Method, justification: str | None, *, by) -> None:
    ensure_draft(tender, by)
    _raise_first(rules.method_problems(method, tender.budget, justification, limits_for(tender.buyer)))
    tender.method = method
    tender.method_justification = (justification or "").strip() or None
    db.session.flush()


def save_indicators(tender: Tender, rows: list[dict], *, by) -> None:
    ensure_draft(tender, by)
    if not rows:
        raise DomainError(_("请至少填写一项绩效指标"), field="indicators")
    for row in rows:
        target = Decimal(row["target"])
        if not target.is_finite() or not Decimal(0) <= target < Decimal("1e12"):
            raise DomainError(_("“%(name)s”的目标值不是有效数字", name=row["name"]), field="rows")
    tender.indicators = [Indicator(position=i, kind=row["kind"], name=row["name"].strip(),
                                   comparison=row.get("comparison") or ">=", target=row["target"],
                                   unit=row["unit"].strip()) for i, row in enumerate(rows)]
    db.session.flush()


def save_conditions(tender: Tender, required: list[str], preferred: list[str], *, by) -> None:
    """Inherited required conditions stay; the buyer may add conditions from the qualification catalog."""
    ensure_draft(tender, by)
    known = catalog.References.applicable_to(tender.buyer, tender.year).conditions
    unknown = [code for code in [*required, *preferred] if code not in known]
    if unknown:
        raise DomainError(_("资质目录中没有条件：%(codes)s", codes=join_items(unknown)), field="conditions")
    inherited = {c.code: c for c in tender.conditions if c.inherited}
    keep = list(inherited.values())  # what the catalog item brings stays, required or preferred
    wanted = {code: True for code in required} | {code: False for code in preferred if code not in required}
    rows = list(keep)
    for code, is_required in wanted.items():
        if code in {c.code for c in rows}:
            continue
        rows.append(TenderCondition(code=code, required=is_required, inherited=False))
    tender.conditions = rows
    db.session.flush()


def save_criteria(tender: Tender, rows: list[rules.CriterionRow], *, by) -> None:
    ensure_draft(tender, by)
    _raise_first(rules.scoring_problems(rows))
    tender.criteria = [Criterion(position=i, name=row.name.strip(), weight=row.weight,
                                 description=row.description.strip(), is_price=row.is_price)
                       for i, row in enumerate(rows)]
    db.session.flush()


def save_timetable(tender: Tender, enquiry_until, questions_close_at, deadline_at, *, by) -> None:
    ensure_draft(tender, by)
    _raise_first(rules.timetable_problems(tender.method, clock.now(), enquiry_until, questions_close_at,
                                          deadline_at, limits_for(tender.buyer)))
    tender.enquiry_until, tender.questions_close_at, tender.deadline_at = enquiry_until, questions_close_at, deadline_at
    db.session.flush()


def add_document(tender: Tender, title: str, filename: str, content: bytes, *, by,
                 amendment_number: int | None = None) -> TenderDocument:
    stored = files.store(filename, content, field="document")
    document = TenderDocument(tender=tender, title=(title or "").strip() or stored.name, original_name=stored.name,
                              sha256=stored.sha256, content_type=stored.content_type, size=stored.size,
                              uploaded_at=clock.now(), uploaded_by_id=getattr(by, "id", None),
                              amendment_number=amendment_number)
    db.session.add(document)
    db.session.flush()
    audit.record(by, "tender.document_added", tender, data={"document": document.id, "sha256": stored.sha256})
    return document


def remove_document(tender: Tender, document: TenderDocument, *, by) -> None:
    ensure_draft(tender, by)
    db.session.delete(document)
    db.session.flush()
    audit.record(by, "tender.document_removed", tender, data={"sha256": document.sha256})


def link_needs(tender: Tender, need_ids: list[int], *, by) -> None:
    """The needs this tender answers; they become `planned` when it is published."""
    from marketplace.needs import services as needs

    ensure_draft(tender, by)
    allowed = {need.id: need for need in needs.linkable_needs(tender.buyer)}
    for need in linked_needs(tender):
        if need.id not in need_ids and need.status.value in ("submitted", "replied"):
            need.tender_id = None
    for need_id in need_ids:
        if need_id not in allowed:
            raise DomainError(_("需求 #%(id)d 不能关联到本项目", id=need_id), field="needs")
        allowed[need_id].tender_id = tender.id
    db.session.flush()


def linked_needs(tender: Tender) -> list:
    from marketplace.needs.models import Need

    return db.session.execute(select(Need).where(Need.tender_id == tender.id).options(joinedload(Need.community))
                              .order_by(Need.id)).scalars().all()


def _raise_first(problems: list[rules.Problem]) -> None:
    if problems:
        field, message = problems[0]
        raise DomainError(join_clauses(m for _f, m in problems), field=field)


# -- readiness and publishing -----------------------------------------------------------------------------

STEPS = ["basics", "method", "indicators", "conditions", "scoring", "timetable", "documents"]


def readiness(tender: Tender) -> list[tuple[str, str]]:
    """Every (step, problem) that stops publishing now; an empty list means ready."""
    problems: list[tuple[str, str]] = []
    verdict = catalog.is_purchasable(tender.item_code, tender.buyer, tender.year)
    if not verdict.ok:
        problems.append(("basics", _("不能采购：%(reason)s", reason=verdict.reason)))
    else:
        view = budget_view(tender.buyer, tender.year, tender.item_code, excluding=tender)
        if tender.budget > view.remaining:
            problems.append(("basics", _("预算 %(budget)s 超出剩余额度 %(remaining)s", budget=format_cny(tender.budget),
                                         remaining=format_cny(view.remaining))))
    if not tender.regions:
        problems.append(("basics", _("请选择服务区域")))
    if not tender.deliverables.strip():
        problems.append(("basics", _("请填写服务内容与交付成果")))
    problems += [("basics", m) for _f, m in rules.term_problems(tender.term_months, tender.term_justification)]
    limits = limits_for(tender.buyer)
    problems += [("method", m) for _f, m in rules.method_problems(tender.method, tender.budget,
                                                                    tender.method_justification, limits)]
    if not tender.indicators:
        problems.append(("indicators", _("请至少填写一项绩效指标")))
    rows = [rules.CriterionRow(c.name, c.weight, c.description, c.is_price) for c in tender.criteria]
    problems += [("scoring", m) for _f, m in rules.scoring_problems(rows)]
    problems += [("timetable", m) for _f, m in rules.timetable_problems(
        tender.method, clock.now(), tender.enquiry_until, tender.questions_close_at, tender.deadline_at, limits)]
    return problems


def publish(tender: Tender, *, by) -> Tender:
    if not policies.can_edit_tender(by, tender):
        raise NotPermitted(_("只有本单位工作人员可以发布草稿项目"))
    problems = readiness(tender)
    if problems:
        raise DomainError(_("还不能发布：%(problems)s", problems=join_clauses(m for _s, m in problems)))
    now = clock.now()
    action = TenderAction.publish if tender.enquiry_until else TenderAction.publish_for_bids
    tender.published_at = now
    _move(tender, action, at=now, by=by, data={"budget": str(tender.budget), "method": tender.method.value,
                                                "deadline": tender.deadline_at.isoformat()})
    from marketplace.needs import services as needs

    for need in linked_needs(tender):
        if need.status.value in ("submitted", "replied"):
            needs.plan(need, tender, by=by)
    follow(tender, by)
    return tender


def _return_needs(tender: Tender, outcome: str) -> None:
    """Needs this tender was to answer go back to their office; drafts' links are simply dropped."""
    from marketplace.needs import services as needs
    from marketplace.needs.models import NeedStatus

    for need in linked_needs(tender):
        if need.status == NeedStatus.planned:
            needs.reopen(need, tender, outcome)
        else:
            need.tender_id = None


def retender(tender: Tender, *, by) -> Tender:
    """A new draft with the failed tender's content; the timetable is left for the buyer to set again."""
    if not policies.can_retender(by, tender):
        raise NotPermitted(_("只有本单位工作人员可以对废标或终止的项目重新招标"))
    copy = create_tender(tender.buyer, tender.item_code, tender.title, tender.budget, by=by, year=tender.year)
    for field in ("description", "method", "method_justification", "term_months", "term_start",
                  "term_justification", "deliverables"):
        setattr(copy, field, getattr(tender, field))
    copy.retender_of_id = tender.id
    copy.regions = [TenderRegion(region_id=r.region_id) for r in tender.regions]
    copy.indicators = [Indicator(position=i.position, kind=i.kind, name=i.name, comparison=i.comparison,
                                 target=i.target, unit=i.unit) for i in tender.indicators]
    # create_tender brought the item's conditions again (as the catalog states them now); add the buyer's own.
    copy.conditions += [TenderCondition(code=c.code, required=c.required) for c in tender.conditions
                        if not c.inherited and c.code not in {k.code for k in copy.conditions}]
    copy.criteria = [Criterion(position=c.position, name=c.name, weight=c.weight, description=c.description,
                               is_price=c.is_price) for c in tender.criteria]
    copy.documents = [TenderDocument(title=d.title, original_name=d.original_name, sha256=d.sha256,
                                     content_type=d.content_type, size=d.size, uploaded_at=clock.now(),
                                     uploaded_by_id=getattr(by, "id", None)) for d in tender.documents]
    db.session.flush()
    audit.record(by, "tender.retendered", copy, data={"from": tender.id})
    return copy


def cancel(tender: Tender, reason: str, *, by) -> Tender:
    if not policies.can_manage_tender(by, tender):
        raise NotPermitted(_("只有本单位工作人员可以终止项目"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("终止项目须写明理由（理由将公开）"), field="reason")
    tender.cancel_reason = reason
    was_awarded = tender.status == TenderStatus.awarded
    _move(tender, TenderAction.cancel, at=clock.now(), by=by, data={"reason": reason})
    if was_awarded:  # the award in force falls with its tender: no challenge, no final award, no contract
        from marketplace.evaluation import awards

        awards.cancel_with_tender(tender, reason, by=by)
    _return_needs(tender, _("已终止（%(reason)s）", reason=reason))
    if tender.published_at is not None:
        tell_followers(tender, _("采购项目“%(title)s”已终止：%(reason)s", title=tender.title, reason=reason))
    return tender


def close_unsuccessful(tender: Tender, valid_bids: int, *, by=None) -> bool:
    """At opening: fewer valid bids than the method's minimum ends the tender as unsuccessful (废标)."""
    minimum = limits_for(tender.buyer).min_bids(tender.method)
    if valid_bids >= minimum:
        return False
    tender.unsuccessful_reason = _("有效投标 %(n)d 家，少于%(method)s要求的 %(min)d 家", n=valid_bids,
                                   method=str(METHOD_LABELS[tender.method]), min=minimum)
    _move(tender, TenderAction.fail, at=clock.now(), by=by, data={"valid_bids": valid_bids, "minimum": minimum})
    _return_needs(tender, _("废标（%(reason)s）", reason=tender.unsuccessful_reason))
    tell_followers(tender, _("“%(title)s”废标：%(reason)s", title=tender.title, reason=tender.unsuccessful_reason))
    return True


def mark_awarded(tender: Tender, *, by, data: dict | None = None) -> None:
    """Evaluation confirmed a winner: the award notice (公示) is published and the standstill starts."""
    _move(tender, TenderAction.award, at=clock.now(), by=by, data=data)


def mark_unsuccessful(tender: Tender, reason: str, *, by) -> None:
    """废标 for a reason other than too few bids at opening (e.g. no valid bid left after upheld challenges)."""
    tender.unsuccessful_reason = reason
    _move(tender, TenderAction.fail, at=clock.now(), by=by, data={"reason": reason})
    _return_needs(tender, _("废标（%(reason)s）", reason=reason))
    tell_followers(tender, _("“%(title)s”废标：%(reason)s", title=tender.title, reason=reason))


def mark_contracted(tender: Tender, *, by) -> None:
    """The contract is signed: only once the standstill ended with no open challenge (evaluation decides)."""
    from marketplace.evaluation import policies as evaluation

    now = clock.now()
    if not evaluation.can_sign_contract(tender, now):
        raise DomainError(evaluation.why_not_sign(tender, now))
    _move(tender, TenderAction.contract, at=now, by=by)


# -- time-driven moves ------------------------------------------------------------------------------------

def catch_up(tender: Tender, now: datetime | None = None) -> bool:
    """Apply every move whose time has come; True when something changed. Safe to call on every load."""
    now = now or clock.now()
    if not _move_due(tender, now):
        return False
    # Whoever's page load triggers it, the notices and the public reasons it writes are the platform's own,
    # in the platform's language, exactly as if the job had run.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return _catch_up(tender, now)


def _catch_up(tender: Tender, now: datetime) -> bool:
    # Two page loads (or a load and the job) may race here: lock the row and decide again on fresh data.
    lock(tender)
    changed = False
    if tender.status == TenderStatus.enquiry and tender.enquiry_until and now >= tender.enquiry_until:
        _move(tender, TenderAction.open_bidding, at=tender.enquiry_until, by=None)
        changed = True
    if tender.status == TenderStatus.tendering and tender.deadline_at and now >= tender.deadline_at:
        changed = bids.lapse_unconfirmed(tender, at=tender.deadline_at) > 0 or changed
        pending = unanswered(tender)
        if pending:
            if tender.blocked_notice_at is None:
                tender.blocked_notice_at = now
                tell_buyer(tender, _("“%(title)s”已过投标截止时间，但还有 %(n)d 个问题未答复；"
                                     "答复全部问题后项目才能进入评审",
                                     title=tender.title, n=len(pending)))
                audit.record(None, "tender.evaluation_blocked", tender, data={"unanswered": len(pending)})
                changed = True
        else:
            # Opening happens at the deadline; a late last answer moves it when the answer is given.
            at = max(tender.deadline_at, _last_answer_at(tender))
            _move(tender, TenderAction.close_bidding, at=at, by=None)
            opened = bids.open_bids(tender, at=at)
            tell_followers(tender, _("“%(title)s”已开标：共 %(n)d 份有效投标，开标记录已公布", title=tender.title,
                                     n=opened))
            close_unsuccessful(tender, opened)
            changed = True
    return changed


def _move_due(tender: Tender, now: datetime) -> bool:
    if tender.status == TenderStatus.enquiry:
        return tender.enquiry_until is not None and now >= tender.enquiry_until
    if tender.status == TenderStatus.tendering:
        return tender.deadline_at is not None and now >= tender.deadline_at
    return False


def _last_answer_at(tender: Tender) -> datetime:
    times = [q.answered_at for q in tender.questions if q.answered_at]
    return max(times) if times else tender.deadline_at


def catch_up_due(now: datetime | None = None) -> int:
    """Every tender with a move due; the job runs this, and list pages call it before reading."""
    now = now or clock.now()
    due = db.session.execute(
        select(Tender).where(or_(
            (Tender.status == TenderStatus.enquiry) & (Tender.enquiry_until <= now),
            (Tender.status == TenderStatus.tendering) & (Tender.deadline_at <= now)
            & Tender.blocked_notice_at.is_(None),
        )).with_for_update(skip_locked=True)).scalars().all()
    return sum(1 for tender in due if catch_up(tender, now))


def unanswered(tender: Tender) -> list[Question]:
    return [q for q in tender.questions if q.answer is None]


# -- followers and notices --------------------------------------------------------------------------------

def follow(tender: Tender, user):
    """Idempotent: following twice is following once (the follows domain keeps every kind of follow)."""
    return follows.follow(user, Subject.tender, tender.id)


def unfollow(tender: Tender, user) -> None:
    follows.unfollow(user, Subject.tender, tender.id)


def is_following(tender: Tender, user) -> bool:
    return follows.is_following(user, Subject.tender, tender.id)


def tell_followers(tender: Tender, message: str) -> int:
    """In the app, and by mail at once or in the daily digest, as each follower chose."""
    return follows.announce(Subject.tender, tender.id, message, external_url("tenders.show", tender_id=tender.id))


def buyer_staff(tender: Tender) -> list[User]:
    return db.session.execute(select(User).where(User.body_id == tender.buyer_id, User.role == Role.buyer,
                                                 User.deactivated_at.is_(None))).scalars().all()


def tell_buyer(tender: Tender, message: str) -> None:
    link = external_url("tenders.show", tender_id=tender.id)
    for user in buyer_staff(tender):
        notifications.notify(user, message, link)
