"""The award: confirmation with its public notice (公示), challenges (质疑) and the end of the standstill.

An award is `noticed` from confirmation until the last day to challenge has passed with every challenge
answered, then `final` (the contract may be signed). An upheld challenge cancels it and the next-ranked valid
bid gets a new award with a new notice and a new standstill; with none left the tender is unsuccessful.
"""

import enum
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.audit import services as audit
from marketplace.bids.models import Bid, BidStatus
from marketplace.common import clock, files
from marketplace.common.locks import lock
from marketplace.common.states import transition
from marketplace.common.workdays import add_working_days
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db
from marketplace.follows import services as follows
from marketplace.follows.models import Subject
from marketplace.organizations.models import Membership
from marketplace.settings.services import get_setting
from marketplace.tenders import services as tenders
from marketplace.tenders.models import TenderStatus
from marketplace.web import external_url

from . import policies, queries
from .models import Award, AwardStatus, BidResult, Challenge


class AwardAction(enum.Enum):
    cancel = "cancel"      # an upheld challenge
    finalize = "finalize"  # the standstill ended with every challenge answered


AWARD_TRANSITIONS = {
    (AwardStatus.noticed, AwardAction.cancel): AwardStatus.cancelled,
    (AwardStatus.noticed, AwardAction.finalize): AwardStatus.final,
}


def _move(award: Award, action: AwardAction, *, by, at: datetime, data: dict | None = None) -> None:
    before = award.status
    transition(award, action, AWARD_TRANSITIONS, at=at, label=_("成交结果"))
    audit.record(by, f"award.{action.value}", award, data={"tender": award.tender_id, "from": before.value,
                                                           "to": award.status.value, **(data or {})})


# -- confirmation and notice ------------------------------------------------------------------------------

def confirm_award(tender, bid: Bid, deviation_reason: str | None = None, *, by) -> Award:
    """The buyer confirms the recommended (first-ranked) bid, or another ranked bid with a written reason.
    The notice is published at once, well within `award.notice_working_days` of confirmation."""
    if not policies.can_confirm_award(by, tender, queries.has_results(tender)):
        raise NotPermitted(_("只有采购人可以在评审结果生成后确认成交结果"))
    result = db.session.execute(select(BidResult).where(BidResult.tender_id == tender.id,
                                                        BidResult.bid_id == bid.id)).scalar_one_or_none()
    if result is None or bid.status != BidStatus.opened:
        raise DomainError(_("只能从评审排名中的有效投标确定成交"), field="bid_id")
    reason = tenders.clean_text(deviation_reason) or None
    if result.rank != 1 and not reason:
        raise DomainError(_("未选择排名第一的推荐成交候选人，须写明理由（理由将公开）"), field="deviation_reason")
    award = _publish(tender, bid, result.rank, reason if result.rank != 1 else None, by=by)
    tenders.mark_awarded(tender, by=by, data={"award": award.id, "bid": bid.id, "rank": result.rank})
    return award


def _publish(tender, bid: Bid, rank: int, reason: str | None, *, by) -> Award:
    now, today, region = clock.now(), clock.today(), tender.buyer.region
    award = Award(tender_id=tender.id, bid_id=bid.id, rank=rank, amount=bid.price, status=AwardStatus.noticed,
                  deviation_reason=reason, confirmed_at=now, confirmed_by_id=getattr(by, "id", None),
                  noticed_at=now,
                  notice_due_on=add_working_days(today, get_setting("award.notice_working_days", region=region)),
                  challenge_until=add_working_days(today, get_setting("award.challenge_working_days",
                                                                      region=region)))
    db.session.add(award)
    db.session.flush()
    audit.record(by, "award.noticed", award, data={
        "tender": tender.id, "bid": bid.id, "rank": rank, "amount": str(award.amount), "reason": reason,
        "notice_due_on": award.notice_due_on.isoformat(), "challenge_until": award.challenge_until.isoformat()})
    message = _("“%(title)s”成交结果公示：%(org)s，成交金额 ¥%(amount)s；质疑截止 %(day)s",
                title=tender.title, org=bid.organization.name, amount=f"{award.amount:,.2f}",
                day=award.challenge_until.isoformat())
    queries.tell_bidders(tender, message)
    tenders.tell_followers(tender, message)
    follows.announce(Subject.organization, bid.organization_id, message,
                     external_url("tenders.show", tender_id=tender.id))
    return award


# -- challenges -------------------------------------------------------------------------------------------

def own_bid(tender, user) -> Bid | None:
    """The opened (or disqualified) bid of the user's organization on this tender."""
    if not (user and user.is_authenticated):
        return None
    return db.session.execute(
        select(Bid).join(Membership, Membership.organization_id == Bid.organization_id)
        .where(Membership.user_id == user.id, Bid.tender_id == tender.id,
               Bid.status.in_((BidStatus.opened, BidStatus.disqualified)))).scalar_one_or_none()


def file_challenge(tender, grounds: str, document: tuple[str, bytes] | None = None, *, by) -> Challenge:
    """A bidder's 质疑 against the award in force, until the last day of the challenge period (inclusive)."""
    now, award, bid = clock.now(), policies.award_in_force(tender), own_bid(tender, by)
    refusal = policies.why_cannot_challenge(by, bid, award, now)
    if refusal:
        raise NotPermitted(refusal)
    grounds = tenders.clean_text(grounds)
    if len(grounds) < 10:
        raise DomainError(_("请写明质疑事项、事实依据和请求（至少 10 个字）"), field="grounds")
    stored = files.store(*document, field="document") if document else None
    challenge = Challenge(award_id=award.id, bid_id=bid.id, filed_by_id=by.id, grounds=grounds, filed_at=now,
                          answer_due_on=add_working_days(clock.today(), get_setting(
                              "award.challenge_answer_working_days", region=tender.buyer.region)),
                          document_name=stored.name if stored else None,
                          document_sha256=stored.sha256 if stored else None,
                          document_type=stored.content_type if stored else None)
    db.session.add(challenge)
    db.session.flush()
    audit.record(by, "award.challenged", award, data={"tender": tender.id, "challenge": challenge.id,
                                                      "bid": bid.id, "document": challenge.document_sha256})
    tenders.tell_buyer(tender, _("“%(title)s”的成交结果收到质疑，请于 %(day)s 前答复", title=tender.title,
                                 day=challenge.answer_due_on.isoformat()))
    return challenge


def answer_challenge(challenge: Challenge, answer: str, upheld: bool, *, by) -> Challenge:
    """The buyer's written answer and decision. Upheld: the award is cancelled and the next-ranked valid bid
    takes its place with a new notice (or the tender is unsuccessful when none is left)."""
    award = challenge.award
    tender = award.tender
    if not policies.can_answer_challenge(by, tender, challenge):
        raise NotPermitted(_("只有采购人可以答复尚未答复的质疑"))
    answer = tenders.clean_text(answer)
    if not answer:
        raise DomainError(_("请填写答复内容（答复将公开）"), field="answer")
    challenge.answer, challenge.upheld = answer, bool(upheld)
    challenge.answered_at, challenge.answered_by_id = clock.now(), by.id
    db.session.flush()
    audit.record(by, "award.challenge_answered", award, data={"tender": tender.id, "challenge": challenge.id,
                                                              "upheld": challenge.upheld})
    outcome = _("质疑成立") if challenge.upheld else _("质疑不成立")
    message = _("“%(title)s”的质疑已答复：%(outcome)s", title=tender.title, outcome=outcome)
    queries.tell_bidders(tender, message)
    tenders.tell_followers(tender, message)
    if challenge.upheld and award.status == AwardStatus.noticed:
        _replace(award, _("质疑成立：%(answer)s", answer=answer)[:1000], by=by)
    return challenge


def _replace(award: Award, reason: str, *, by) -> Award | None:
    """Cancel the award; the best-ranked valid bid never awarded takes its place (which may rank above it, when
    the buyer had passed over a bid with a reason and that bidder's challenge is the one upheld)."""
    tender = award.tender
    award.cancel_reason = reason
    _move(award, AwardAction.cancel, by=by, at=clock.now(), data={"reason": reason})
    db.session.flush()  # the cancelled award leaves the one-in-force index before its successor enters it
    awarded = set(db.session.execute(select(Award.bid_id).where(Award.tender_id == tender.id)).scalars())
    successor = next((r for r in queries.results_of(tender)
                      if r.bid.status == BidStatus.opened and r.bid_id not in awarded), None)
    if successor is None:
        tenders.mark_unsuccessful(tender, _("第 %(rank)d 名的成交结果因质疑成立被撤销，没有排名在后的有效投标可以递补",
                                            rank=award.rank), by=by)
        queries.tell_bidders(tender, _("“%(title)s”废标：%(reason)s", title=tender.title,
                                       reason=tender.unsuccessful_reason))
        return None
    return _publish(tender, successor.bid, successor.rank,
                    _("原第 %(old)d 名的成交结果因质疑成立被撤销，由第 %(new)d 名依次递补",
                      old=award.rank, new=successor.rank), by=by)


def cancel_with_tender(tender, reason: str, *, by) -> None:
    """The buyer cancelled the tender during the standstill: the award in force is cancelled with it."""
    for award in awards_of(tender):
        if award.status == AwardStatus.noticed:
            award.cancel_reason = _("项目已终止：%(reason)s", reason=reason)[:1000]
            _move(award, AwardAction.cancel, by=by, at=clock.now(), data={"reason": reason})


# -- the end of the standstill ----------------------------------------------------------------------------

def finalize_if_due(award: Award, now: datetime | None = None) -> bool:
    """Standstill over (the day after the last day to challenge) with every challenge answered → final."""
    now = now or clock.now()
    if award.status != AwardStatus.noticed or not policies.standstill_over(award, now):
        return False
    if policies.open_challenges(award):
        return False
    _move(award, AwardAction.finalize, by=None, at=now)
    tenders.tell_buyer(award.tender, _("“%(title)s”公示期满且无未答复的质疑，可以签订合同",
                                       title=award.tender.title))
    return True


def finalize_due(now: datetime | None = None) -> int:
    """Every award whose standstill has ended; the `evaluation.finalize_awards` job runs this."""
    now = now or clock.now()
    due = db.session.execute(select(Award).where(Award.status == AwardStatus.noticed,
                                                 Award.challenge_until < clock.to_local(now).date())
                             .options(selectinload(Award.challenges), joinedload(Award.tender))
                             .with_for_update(skip_locked=True, of=Award)).unique().scalars().all()
    return sum(1 for award in due if finalize_if_due(award, now))


def catch_up(tender, now: datetime | None = None) -> bool:
    """The lazy twin of the job, for pages that show the tender's award."""
    now = now or clock.now()
    award = policies.award_in_force(tender) if tender.status == TenderStatus.awarded else None
    if award is None or award.status != AwardStatus.noticed or not policies.standstill_over(award, now):
        return False
    # As with tenders.catch_up: the platform's notice in the platform's language, decided again on a locked row.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        # A plain row lock: PostgreSQL refuses FOR UPDATE across the outer joins a page may have loaded it with.
        lock(award)
        return finalize_if_due(award, now)


# -- the public notice ------------------------------------------------------------------------------------

NOTICE_STATES = (TenderStatus.awarded, TenderStatus.contracted, TenderStatus.unsuccessful, TenderStatus.cancelled)


def awards_of(tender) -> list[Award]:
    return db.session.execute(select(Award).where(Award.tender_id == tender.id).order_by(Award.id)
                              .options(joinedload(Award.bid).joinedload(Bid.organization),
                                       selectinload(Award.challenges))).unique().scalars().all()


def public_award_context(tender) -> dict:
    """What the public tender page needs for the award notice: the award (the one in force, else the last
    cancelled one), the ranked results and every challenge with its answer; and every award in order (the open-data
    answer lists them). Empty before any award."""
    empty = {"award": None, "award_results": [], "award_challenges": [], "award_history": []}
    if tender.status not in NOTICE_STATES:
        return empty
    awards = awards_of(tender)
    if not awards:
        return empty
    award = next((a for a in awards if a.status != AwardStatus.cancelled), awards[-1])
    return {"award": award, "award_results": queries.results_of(tender),
            "award_challenges": [c for a in awards for c in a.challenges], "award_history": awards}

