"""Contracts: generated from a final award, signed by both sides, amended with a rationale, ended.

Services flush, never commit. Every state change writes an audit row.
"""

import json
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.accounts.services import verify_second_factor
from marketplace.audit import services as audit
from marketplace.bids import services as bids
from marketplace.common import clock
from marketplace.common.locks import lock
from marketplace.common.money import CENT, format_cny
from marketplace.common.states import transition
from marketplace.common.wording import join_items
from marketplace.errors import DomainError, NotPermitted
from marketplace.evaluation import policies as evaluation
from marketplace.extensions import db
from marketplace.follows import services as follows
from marketplace.notifications import services as notifications
from marketplace.organizations.models import Membership
from marketplace.settings.services import get_setting
from marketplace.tenders import services as tenders
from marketplace.web import external_url

from . import policies
from .models import (
    CONTRACT_TRANSITIONS,
    Contract,
    ContractAction,
    ContractAmendment,
    ContractIndicator,
    ContractStatus,
    Milestone,
    MilestoneKind,
    ScoringRule,
)

REPORT_GRACE_DAYS = 15  # a milestone's report is due this many days after the milestone


def _move(contract: Contract, action: ContractAction, *, by, data: dict | None = None) -> None:
    before = contract.status
    transition(contract, action, CONTRACT_TRANSITIONS, at=clock.now(), label=_("合同"))
    audit.record(by, f"contract.{action.value}", contract, data={"from": before.value, "to": contract.status.value,
                                                                 **(data or {})})


def tranches(region) -> list[int]:
    """The milestones' payment split (setting, e.g. "40/40/20" for start / mid-term / final; 2 to 5 parts
    adding up to 100 — the settings registry refuses anything else)."""
    return [int(p) for p in str(get_setting("contract.tranches", region=region)).split("/")]


def milestone_plan(starts: date, ends: date, count: int) -> list[tuple[MilestoneKind, date]]:
    """Start (a month in, or sooner on a short term), evenly spaced mid-term stages, and the final one at the end."""
    days = (ends - starts).days
    middles = [starts + timedelta(days=days * n // (count - 1)) for n in range(1, count - 1)]
    return [(MilestoneKind.start, starts + timedelta(days=min(30, days // count))),
            *((MilestoneKind.midterm, day) for day in middles), (MilestoneKind.final, ends)]


def split_value(value: Decimal, percents: list[int]) -> list[Decimal]:
    """Tranche amounts in yuan that add up to the value exactly: the last tranche takes the rounding."""
    amounts = [(value * p / 100).quantize(CENT, rounding=ROUND_HALF_UP) for p in percents[:-1]]
    return [*amounts, value - sum(amounts, Decimal(0))]


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31,
            30, 31][month - 1]
    return date(year, month, min(day.day, last))


def term_months(starts_on: date, ends_on: date) -> int:
    """The months a term runs, counted the way a term is set: starts_on + m months − 1 day ≥ ends_on."""
    months = 1
    while add_months(starts_on, months) - timedelta(days=1) < ends_on:
        months += 1
    return months


def generate(tender, *, by) -> Contract:
    """The contract of an award whose standstill ended with no open challenge, filled from the tender and the
    winning bid; both sides then sign it."""
    now = clock.now()
    if not policies.can_generate(by, tender):
        raise NotPermitted(_("只有采购人可以生成合同"))
    why = evaluation.why_not_sign(tender, now)
    if why:
        raise DomainError(_("还不能生成合同：%(why)s", why=why))
    award = evaluation.award_in_force(tender)
    existing = db.session.execute(select(Contract).where(Contract.tender_id == tender.id)).scalar_one_or_none()
    if existing is not None:
        return existing
    bid = award.bid
    content = bids.opened_content(bid)
    starts = max(tender.term_start or clock.today(), clock.today())
    ends = add_months(starts, tender.term_months) - timedelta(days=1)
    contract = Contract(
        reference=f"HT-{tender.reference}", tender_id=tender.id, award_id=award.id, buyer_id=tender.buyer_id,
        organization_id=bid.organization_id, title=tender.title, value=award.amount, term_months=tender.term_months,
        term_justification=tender.term_justification, starts_on=starts, ends_on=ends,
        service_area=join_items(r.region.full_name for r in tender.regions) or tender.buyer.region.full_name,
        deliverables=tender.deliverables,
        proposal_summary="\n\n".join(f"【{p['criterion']}】{p['text']}" for p in content.get("proposals", [])),
        status=ContractStatus.awaiting_signatures, version=1, created_at=now,
        sign_by=award.confirmed_at.astimezone(clock.LOCAL_TZ).date()
        + timedelta(days=get_setting("contract.sign_within_days", region=tender.buyer.region)))
    db.session.add(contract)
    weights = _weights(len(tender.indicators))
    contract.indicators = [
        ContractIndicator(position=i.position, kind=i.kind, name=i.name, comparison=i.comparison, target=i.target,
                          unit=i.unit, weight=weight, rule=ScoringRule.linear)
        for i, weight in zip(tender.indicators, weights, strict=True)]
    percents = tranches(tender.buyer.region)
    amounts = split_value(award.amount, percents)
    plan = milestone_plan(starts, ends, len(percents))
    contract.milestones = [
        Milestone(position=n, kind=kind, due_on=due, report_due_on=due + timedelta(days=REPORT_GRACE_DAYS),
                  tranche_percent=percent, tranche_amount=amount)
        for n, ((kind, due), percent, amount) in enumerate(zip(plan, percents, amounts, strict=True))]
    db.session.flush()
    audit.record(by, "contract.generated", contract, data={"tender": tender.id, "award": award.id,
                                                           "value": str(award.amount)})
    _tell_parties(contract, _("合同“%(title)s”已生成，请双方在 %(day)s 前签署", title=contract.title,
                              day=contract.sign_by.isoformat()))
    return contract


def _weights(count: int) -> list[int]:
    """Equal indicator weights summing to 100 (the first ones take the remainder); the buyer may amend them."""
    if count == 0:
        return []
    base, extra = divmod(100, count)
    return [base + (1 if n < extra else 0) for n in range(count)]


def set_indicator_terms(contract: Contract, terms: dict[int, tuple[int, ScoringRule]], *, by) -> None:
    """Before signing, the buyer sets each indicator's weight and scoring rule; weights add up to 100.
    Signatures already given are withdrawn, since what they agreed to changed."""
    lock(contract)  # never interleaved with the organization signing what it saw
    if not policies.can_set_terms(by, contract):
        raise NotPermitted(_("只有采购人可以在签署前调整绩效指标"))
    indicators = {i.id: i for i in contract.indicators}
    if set(terms) != set(indicators):
        raise DomainError(_("请为每项指标填写权重"), field="weights")
    if any(not 0 <= weight <= 100 for weight, _rule in terms.values()):
        raise DomainError(_("权重须在 0 到 100 之间"), field="weights")
    total = sum(weight for weight, _rule in terms.values())
    if total != 100:
        raise DomainError(_("各项指标权重合计须为 100，当前为 %(total)d", total=total), field="weights")
    for indicator_id, (weight, rule) in terms.items():
        indicators[indicator_id].weight, indicators[indicator_id].rule = weight, rule
    withdrawn = bool(contract.organization_signed_at)
    contract.organization_signed_at = contract.organization_signed_by_id = None
    db.session.flush()
    audit.record(by, "contract.indicators_set", contract, data={
        "terms": {str(k): [w, r.value] for k, (w, r) in terms.items()}, "signature_withdrawn": withdrawn})
    if withdrawn:
        _tell_parties(contract, _("合同“%(title)s”的绩效指标已调整，请服务机构重新签署", title=contract.title))


def sign(contract: Contract, *, by, code: str | None = None) -> Contract:
    """One side signs. The buyer confirms with a second-factor code; the second signature makes it active and
    the tender contracted."""
    side = policies.signing_side(by, contract)
    if side is None:
        raise NotPermitted(_("只有合同双方的工作人员可以签署"))
    lock(contract)  # both sides at once must not both see themselves as the first signature
    now = clock.now()
    if contract.status != ContractStatus.awaiting_signatures:
        raise DomainError(_("合同不在待签署状态"))
    why = evaluation.why_not_sign(contract.tender, now)
    if why:
        raise DomainError(_("还不能签署合同：%(why)s", why=why))
    if side == "buyer":
        if contract.buyer_signed_at is not None:
            raise DomainError(_("采购人已经签署"))
        verify_second_factor(by, code or "")  # raises with a clear message on a wrong code
        contract.buyer_signed_at, contract.buyer_signed_by_id = now, by.id
    else:
        if contract.organization_signed_at is not None:
            raise DomainError(_("服务机构已经签署"))
        contract.organization_signed_at, contract.organization_signed_by_id = now, by.id
    audit.record(by, "contract.signed", contract, data={"side": side})
    if contract.buyer_signed_at and contract.organization_signed_at:
        _move(contract, ContractAction.sign, by=by)
        tenders.mark_contracted(contract.tender, by=by)
        _tell_parties(contract, _("合同“%(title)s”双方已签署，开始履行", title=contract.title), public=True)
    return contract


def amend(contract: Contract, values: dict, rationale: str, *, by) -> ContractAmendment:
    """A signed contract changes only by a versioned amendment with a public rationale."""
    if not policies.can_amend(by, contract):
        raise NotPermitted(_("只有采购人可以在合同履行中发布变更"))
    rationale = (rationale or "").strip()
    if not rationale:
        raise DomainError(_("请写明合同变更的理由"), field="rationale")
    changes = []
    if "ends_on" in values and values["ends_on"] and values["ends_on"] != contract.ends_on:
        new_end = values["ends_on"]
        months = term_months(contract.starts_on, new_end)
        if new_end <= contract.starts_on or months > 36:
            raise DomainError(_("服务期限最长 3 年"), field="ends_on")
        if months > 12 and not (contract.term_justification or values.get("term_justification")):
            raise DomainError(_("服务期限超过 1 年须写明理由"), field="term_justification")
        changes.append({"field": "ends_on", "before": contract.ends_on.isoformat(), "after": new_end.isoformat()})
        contract.ends_on, contract.term_months = new_end, min(months, 36)
        contract.term_justification = contract.term_justification or values.get("term_justification")
    if values.get("deliverables") and values["deliverables"].strip() != contract.deliverables:
        changes.append({"field": "deliverables", "before": contract.deliverables,
                        "after": values["deliverables"].strip()})
        contract.deliverables = values["deliverables"].strip()
    if not changes:
        raise DomainError(_("没有任何改动"), field="rationale")
    contract.version += 1
    amendment = ContractAmendment(contract=contract, number=len(contract.amendments) + 1, rationale=rationale,
                                  changes=json.dumps(changes, ensure_ascii=False), created_at=clock.now(),
                                  created_by_id=getattr(by, "id", None))
    db.session.add(amendment)
    db.session.flush()
    audit.record(by, "contract.amended", contract, data={"number": amendment.number, "version": contract.version,
                                                         "fields": [c["field"] for c in changes]})
    _tell_parties(contract, _("合同“%(title)s”发布第 %(n)d 号变更：%(rationale)s", title=contract.title,
                              n=amendment.number, rationale=rationale), public=True)
    return amendment


def end(contract: Contract, complete: bool, reason: str, *, by) -> Contract:
    """Termination: complete (every milestone done) or incomplete, always with a reason."""
    if not policies.can_end(by, contract):
        raise NotPermitted(_("只有采购人可以终止合同"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请写明终止合同的理由"), field="reason")
    if complete and contract.status != ContractStatus.active:
        raise DomainError(_("只有履行中的合同可以按完成结束"))
    if complete and any(m.evaluation_passed_at is None for m in contract.milestones):
        raise DomainError(_("还有节点未通过评价，不能按履行完毕结束；可以选择提前终止并说明理由"), field="outcome")
    contract.termination_reason = reason
    _move(contract, ContractAction.complete if complete else ContractAction.terminate, by=by,
          data={"reason": reason})
    _tell_parties(contract, _("合同“%(title)s”已结束：%(reason)s", title=contract.title, reason=reason), public=True)
    return contract


def warn_unsigned(now=None) -> int:
    """Buyers are warned once when a contract is still unsigned past its sign-by day."""
    today = clock.today()
    late = db.session.execute(select(Contract).where(
        Contract.status == ContractStatus.awaiting_signatures, Contract.sign_by < today,
        Contract.sign_warning_at.is_(None))).scalars().all()
    for contract in late:
        contract.sign_warning_at = clock.now()
        tenders.tell_buyer(contract.tender, _("合同“%(title)s”应在 %(day)s 前签署，目前仍未签署", title=contract.title,
                                              day=contract.sign_by.isoformat()))
        audit.record(None, "contract.sign_overdue", contract, data={"sign_by": contract.sign_by.isoformat()})
    return len(late)


def _tell_parties(contract: Contract, message: str, *, public: bool = False) -> None:
    """Both parties; with `public`, also whoever follows the project (or its tender)."""
    if public:
        follows.announce_project(contract, message)
    link = external_url("contracts.show", contract_id=contract.id)
    tenders.tell_buyer(contract.tender, message)
    for membership in db.session.execute(select(Membership).where(
            Membership.organization_id == contract.organization_id)).scalars():
        notifications.notify(membership.user, message, link)


def amendment_changes(amendment: ContractAmendment) -> list[dict]:
    return json.loads(amendment.changes)


def value_text(contract: Contract) -> str:
    return format_cny(contract.value)


# -- lists ------------------------------------------------------------------------------------------------

PAGE_LOAD = [selectinload(Contract.milestones), selectinload(Contract.indicators),
             selectinload(Contract.amendments), joinedload(Contract.buyer), joinedload(Contract.organization)]


def public_query(status: ContractStatus | None = None):
    query = select(Contract).where(Contract.status != ContractStatus.awaiting_signatures).options(
        selectinload(Contract.organization), selectinload(Contract.buyer))
    if status is not None:
        query = query.where(Contract.status == status)
    return query.order_by(Contract.id.desc())


def mine_query(user):
    """Contracts of the user's body (buyer staff) or organization (members)."""
    query = select(Contract).options(selectinload(Contract.organization), selectinload(Contract.buyer))
    membership = db.session.execute(select(Membership).where(Membership.user_id == user.id)).scalar_one_or_none()
    if membership is not None:
        return query.where(Contract.organization_id == membership.organization_id).order_by(Contract.id.desc())
    return query.where(Contract.buyer_id == user.body_id).order_by(Contract.id.desc())
