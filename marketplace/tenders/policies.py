"""Who may do what with tenders. Pure predicates over what the caller has loaded."""

from datetime import datetime

from flask_babel import gettext as _

from marketplace.accounts.models import Role

from .models import FINAL_STATES, TenderStatus

OPEN_FOR_QUESTIONS = {TenderStatus.enquiry, TenderStatus.tendering}


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def can_create_tender(user) -> bool:
    return _signed_in(user) and user.role == Role.buyer and user.body_id is not None


def is_buyer_staff(user, tender) -> bool:
    return _signed_in(user) and user.role == Role.buyer and user.body_id == tender.buyer_id


def can_view_tender(user, tender) -> bool:
    """Everything once published is public; a draft (even one cancelled unpublished) only to its buyer's staff."""
    return tender.published_at is not None or is_buyer_staff(user, tender)


def can_edit_tender(user, tender) -> bool:
    return is_buyer_staff(user, tender) and tender.status == TenderStatus.draft


def can_manage_tender(user, tender) -> bool:
    """Answer questions, cancel: the buyer's own staff."""
    return is_buyer_staff(user, tender)


def can_cancel_tender(user, tender) -> bool:
    return is_buyer_staff(user, tender) and tender.status not in FINAL_STATES


def can_amend(user, tender, now: datetime) -> bool:
    return (is_buyer_staff(user, tender) and tender.status in OPEN_FOR_QUESTIONS
            and tender.deadline_at is not None and now < tender.deadline_at)


def can_ask(user, membership, tender, now: datetime) -> bool:
    return not why_cannot_ask(user, membership, tender, now)


def why_cannot_ask(user, membership, tender, now: datetime) -> str:
    """Empty when the user may ask; otherwise what stands in the way, in words."""
    from marketplace.organizations.models import OrgStatus

    if not _signed_in(user) or user.role != Role.org_member or membership is None:
        return _("只有已登记社会组织的工作人员可以提问")
    if membership.organization.status != OrgStatus.verified:
        return _("机构通过审核后才能提问")
    if tender.status not in OPEN_FOR_QUESTIONS:
        return _("项目当前不接受提问")
    if tender.questions_close_at is not None and now >= tender.questions_close_at:
        return _("提问已于截止时间关闭")
    return ""


def can_retender(user, tender) -> bool:
    """A failed or cancelled tender can be repeated by its buyer as a new draft."""
    return is_buyer_staff(user, tender) and tender.status in (TenderStatus.unsuccessful, TenderStatus.cancelled)
