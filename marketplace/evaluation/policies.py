"""Who may do what in evaluation and award, and when the contract may be signed.

Predicates over what the caller has loaded; the few that need the award in force look it up themselves, so
the contracts domain can ask `can_sign_contract(tender, now)` without knowing how awards are kept.
"""

from datetime import datetime

from flask_babel import gettext as _

from marketplace.accounts.models import Role
from marketplace.common import clock
from marketplace.tenders.models import FINAL_STATES, TenderStatus
from marketplace.tenders.policies import is_buyer_staff

from .models import Award, AwardStatus, PanelMember


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def can_view_evaluation(user, tender) -> bool:
    """The buyer's evaluation page: its own staff, once the tender is public."""
    return is_buyer_staff(user, tender) and tender.status != TenderStatus.draft


def before_opening(tender, now: datetime) -> bool:
    return tender.status not in FINAL_STATES and (tender.deadline_at is None or now < tender.deadline_at)


def can_assign(user, tender, now: datetime) -> bool:
    """Before the deadline the buyer forms the panel; after opening it only replaces excluded members
    (or forms a panel nobody formed in time, so the tender is not stuck) until results exist."""
    return is_buyer_staff(user, tender) and (before_opening(tender, now) or in_review(tender))


def can_excuse(user, member: PanelMember | None, tender, has_results: bool) -> bool:
    """A member who has not submitted may be taken off (and replaced) by the buyer while the panel works."""
    return (is_buyer_staff(user, tender) and member is not None and member.tender_id == tender.id
            and member.active and member.submitted_at is None and in_review(tender) and not has_results)


def in_review(tender) -> bool:
    """Opened and not yet ranked: declarations, scoring and qualification review happen now."""
    return tender.status == TenderStatus.evaluation


def is_panel_member(user, member: PanelMember | None) -> bool:
    return _signed_in(user) and user.role == Role.evaluator and member is not None and member.user_id == user.id


def can_declare(user, member: PanelMember | None, tender) -> bool:
    """At opening each member declares conflicts against the bidder list, once."""
    return (is_panel_member(user, member) and member.active and member.declared_at is None
            and in_review(tender))


def can_score(user, member: PanelMember | None, tender, has_results: bool = False) -> bool:
    """Only a member who declared no conflict, until he submits (and before results exist)."""
    return (is_panel_member(user, member) and member.active and member.declared_at is not None
            and not member.conflicted and member.submitted_at is None and in_review(tender) and not has_results)


def is_cleared_member(user, member: PanelMember | None) -> bool:
    """An active panel member who has declared no conflict of interest: only then does he read or judge bids."""
    return (is_panel_member(user, member) and member.active and member.declared_at is not None
            and not member.conflicted)


def can_see_all_scores(member: PanelMember | None) -> bool:
    """Independence: a member sees the others' scores only after submitting his own."""
    return member is not None and member.active and member.submitted_at is not None


def can_review_qualification(user, tender, member: PanelMember | None, has_results: bool) -> bool:
    """资格审查: the buyer or an active panel member may disqualify a bid until results are computed."""
    allowed = is_buyer_staff(user, tender) or is_cleared_member(user, member)
    return allowed and in_review(tender) and not has_results


def can_confirm_award(user, tender, has_results: bool) -> bool:
    return is_buyer_staff(user, tender) and in_review(tender) and has_results


def can_answer_challenge(user, tender, challenge) -> bool:
    return is_buyer_staff(user, tender) and challenge.answer is None


def standstill_over(award: Award, now: datetime) -> bool:
    """The last day to challenge is inclusive (Beijing date): the standstill ends the day after it."""
    return clock.to_local(now).date() > award.challenge_until


def open_challenges(award: Award) -> list:
    return [c for c in award.challenges if c.answer is None]


def can_challenge(user, bid, award: Award | None, now: datetime) -> bool:
    return not why_cannot_challenge(user, bid, award, now)


def why_cannot_challenge(user, bid, award: Award | None, now: datetime) -> str:
    """Empty when the user may file a 质疑; otherwise the reason in words. `bid` is his organization's bid."""
    if award is None or award.status == AwardStatus.cancelled:
        return _("目前没有公示中的成交结果")
    if bid is None or not _signed_in(user) or user.role != Role.org_member:
        return _("只有参加本项目投标的机构可以提出质疑")
    if bid.id == award.bid_id:
        return _("成交机构不能对自己的成交结果提出质疑")
    if award.status != AwardStatus.noticed or standstill_over(award, now):
        return _("质疑期已于 %(day)s 结束", day=award.challenge_until.isoformat())
    return ""


def award_in_force(tender) -> Award | None:
    from sqlalchemy import select

    from marketplace.extensions import db

    return db.session.execute(select(Award).where(Award.tender_id == tender.id,
                                                  Award.status != AwardStatus.cancelled)).scalar_one_or_none()


def can_sign_contract(tender, now: datetime) -> bool:
    """The contract (#7) may be signed once the standstill is over and no challenge waits for an answer."""
    return not why_not_sign(tender, now)


def why_not_sign(tender, now: datetime) -> str:
    """Empty when the contract may be signed; otherwise why not, in words."""
    if tender.status != TenderStatus.awarded:
        return _("项目尚未确定成交结果")
    award = award_in_force(tender)
    if award is None:
        return _("项目没有有效的成交结果")
    if open_challenges(award):
        return _("有未答复的质疑")
    if not standstill_over(award, now):
        return _("公示期至 %(day)s，尚未结束", day=award.challenge_until.isoformat())
    return ""
