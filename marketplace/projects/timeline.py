"""The project's story as one list of dated events, oldest first: need → tender → questions → amendments →
opening → award → challenges → contract → milestones → reports → scores → payments.

Built from a loaded `queries.Story` without touching the database, so the page's statement count does not grow
with the project. Planned dates (a milestone not yet due) are events too, marked as planned, so the reader sees
what comes next in the same list."""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import url_for
from flask_babel import gettext as _

from marketplace.bids.services import opening_entries
from marketplace.common import clock
from marketplace.common.money import format_cny
from marketplace.contracts.models import ContractStatus
from marketplace.evaluation.models import AwardStatus
from marketplace.outcomes.models import EvaluationStatus

from .queries import Story

# Events on the same moment keep the order of the story (a contract is signed before it is active).
STEPS = ["need", "tender", "question", "amendment", "opening", "award", "challenge", "contract", "milestone",
         "report", "rating", "score", "payment", "donation", "end"]


@dataclass
class Event:
    at: datetime
    kind: str
    title: str
    detail: str = ""
    url: str | None = None
    planned: bool = False
    whole_day: bool = False  # a due date, not a moment: shown without a time
    hashes: list = field(default_factory=list)  # (organization, sha256) for the opening

    @property
    def sort_key(self):
        return self.at, STEPS.index(self.kind)


def _day(value: date) -> datetime:
    return clock.local_midnight(value)


def events(story: Story, now: datetime | None = None) -> list[Event]:
    now = now or clock.now()
    found = [*_needs(story), *_tender(story), *_award(story), *_contract(story), *_delivery(story, now)]
    return sorted(found, key=lambda e: e.sort_key)


def _needs(story: Story):
    for need in story.needs:
        url = url_for("needs.show", need_id=need.id)
        yield Event(need.submitted_at, "need", _("居民提出需求：%(title)s", title=need.title),
                    need.community.name if need.community else "", url)


def _tender(story: Story):
    tender = story.tender
    show = url_for("tenders.show", tender_id=tender.id)
    if tender.published_at:
        yield Event(tender.published_at, "tender", _("发布采购公告 %(ref)s", ref=tender.reference),
                    _("预算 %(amount)s", amount=format_cny(tender.budget)), show)
    for q in tender.questions:
        if q.answered_at:
            yield Event(q.answered_at, "question", _("答复提问方 %(n)d 的问题", n=q.pseudonym.number),
                        q.text[:80], f"{show}#question-{q.id}")
    for a in tender.amendments:
        yield Event(a.created_at, "amendment", _("发布第 %(n)d 号变更公告", n=a.number), a.rationale[:80],
                    f"{show}#amendment-{a.number}")
    if story.opening:
        opening = story.opening
        hashes = [(e["organization"], e["sha256"]) for e in opening_entries(opening)]
        yield Event(opening.opened_at, "opening", _("开标：共 %(n)d 份有效投标", n=opening.bid_count),
                    _("每份投标的 SHA-256 由开标时解密的内容重新计算"), f"{show}#opening-title", hashes=hashes)


def _award(story: Story):
    show = url_for("tenders.show", tender_id=story.tender.id)
    for award in story.awards:
        org = award.bid.organization.name
        yield Event(award.noticed_at, "award", _("成交结果公示：%(org)s，成交金额 %(amount)s", org=org,
                                                  amount=format_cny(award.amount)),
                    _("质疑截止 %(day)s", day=award.challenge_until.isoformat()), f"{show}#award")
        if award.final_at:
            yield Event(award.final_at, "award", _("公示期满，成交结果生效"), "", f"{show}#award")
        if award.status == AwardStatus.cancelled and award.cancelled_at:
            yield Event(award.cancelled_at, "award", _("成交结果撤销"), award.cancel_reason or "", f"{show}#award")
        for c in award.challenges:
            yield Event(c.filed_at, "challenge", _("收到质疑"), "", f"{show}#challenge-{c.id}")
            if c.answered_at:
                title = _("质疑答复：质疑成立") if c.upheld else _("质疑答复：质疑不成立")
                yield Event(c.answered_at, "challenge", title, (c.answer or "")[:80], f"{show}#challenge-{c.id}")


def _contract(story: Story):
    contract = story.contract
    url = url_for("contracts.show", contract_id=contract.id) if story.signed else None
    yield Event(contract.created_at, "contract", _("生成合同 %(ref)s，待双方签署", ref=contract.reference), "", url)
    if contract.active_at:
        yield Event(contract.active_at, "contract", _("双方签署，合同生效"),
                    _("服务期 %(start)s 至 %(end)s", start=contract.starts_on.isoformat(),
                      end=contract.ends_on.isoformat()), url)
    if contract.completed_at:
        yield Event(contract.completed_at, "end", _("合同履行完毕"), "", url)
    if contract.terminated_at:
        yield Event(contract.terminated_at, "end", _("合同提前终止"), contract.termination_reason or "", url)


def _delivery(story: Story, now: datetime):
    if not story.signed:
        return
    contract = story.contract
    page = url_for("contracts.show", contract_id=contract.id)
    milestones = {m.id: m for m in contract.milestones}
    evaluation_urls = {e.milestone_id: url_for("outcomes.evaluation", evaluation_id=e.id) for e in story.evaluations}
    ended = contract.status in (ContractStatus.completed, ContractStatus.terminated)
    for m in contract.milestones:
        at = _day(m.due_on)
        if contract.terminated_at and at > contract.terminated_at:
            continue  # never reached: the contract ended before it
        yield Event(at, "milestone", _("%(stage)s节点：付款 %(amount)s（%(percent)d%%）", stage=m.label,
                                       amount=format_cny(m.tranche_amount), percent=m.tranche_percent),
                    _("报告截止 %(day)s", day=m.report_due_on.isoformat()), f"{page}#milestones",
                    planned=at > now and not ended, whole_day=True)
    for r in story.reports:
        yield Event(r.accepted_at, "report", _("%(stage)s阶段报告通过审核", stage=milestones[r.milestone_id].label),
                    "", evaluation_urls.get(r.milestone_id))
    for e in story.evaluations:
        stage = milestones[e.milestone_id].label
        url = evaluation_urls[e.milestone_id]
        yield Event(e.rating_opened_at, "rating", _("%(stage)s阶段开放居民评价", stage=stage),
                    _("评价截止 %(time)s", time=clock.to_local(e.rating_ends_at).strftime("%Y-%m-%d %H:%M")), url)
        if e.status != EvaluationStatus.rating and e.closed_at:
            title = (_("%(stage)s阶段评价合格，综合得分 %(score)s", stage=stage, score=e.final_score)
                     if e.status == EvaluationStatus.passed else
                     _("%(stage)s阶段评价不合格，综合得分 %(score)s", stage=stage, score=e.final_score))
            detail = _("居民评价 %(r)s 分（%(n)d 人），政府评价 %(g)s 分", r=e.resident_score, n=e.rating_count or 0,
                       g=e.government_score)
            if e.provisional:
                detail = _("%(detail)s；评价人数不足，得分为暂定", detail=detail)
            yield Event(e.closed_at, "score", title, detail, url)
    yield from _payments(story, milestones, page)


def _payments(story: Story, milestones: dict, page: str):
    from marketplace.payments.models import PaymentKind

    for p in story.payments:
        if p.kind == PaymentKind.tranche:
            milestone = milestones.get(p.milestone_id)
            yield Event(p.succeeded_at, "payment", _("拨付%(stage)s款 %(amount)s", amount=format_cny(p.amount),
                                                      stage=milestone.label if milestone else ""),
                        "", f"{page}#payments")
        else:
            yield Event(p.succeeded_at, "donation", _("收到社会捐赠 %(amount)s", amount=format_cny(p.amount)),
                        _("捐赠人：%(donor)s", donor=p.donor_label), f"{page}#donations")
