"""Clarification Q&A (答疑): organizations ask under a per-tender pseudonym, the buyer answers for everyone.

The link from a pseudonym to its organization never leaves the server: pages, notices and the audit data
show the number only.
"""

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import User
from marketplace.audit import services as audit
from marketplace.common import clock
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db

from . import policies
from .models import Pseudonym, Question, Tender, TenderStatus
from .services import catch_up, follow, tell_buyer, tell_followers, unanswered


def pseudonym_for(tender: Tender, organization_id: int) -> Pseudonym:
    existing = db.session.execute(select(Pseudonym).where(
        Pseudonym.tender_id == tender.id, Pseudonym.organization_id == organization_id)).scalar_one_or_none()
    if existing is not None:
        return existing
    for _attempt in range(5):  # two first questions at once may pick the same number: take the next one
        number = db.session.scalar(select(func.max(Pseudonym.number)).where(Pseudonym.tender_id == tender.id))
        row = Pseudonym(tender_id=tender.id, organization_id=organization_id, number=(number or 0) + 1)
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            existing = db.session.execute(select(Pseudonym).where(
                Pseudonym.tender_id == tender.id, Pseudonym.organization_id == organization_id)).scalar_one_or_none()
            if existing is not None:
                return existing
            continue
        return row
    raise DomainError(_("提交的人太多，请稍后再试"))


def ask(tender: Tender, text: str, *, by: User, membership) -> Question:
    now = clock.now()
    if not policies.can_ask(by, membership, tender, now):
        raise NotPermitted(policies.why_cannot_ask(by, membership, tender, now))
    text = (text or "").strip()
    if len(text) < 5:
        raise DomainError(_("请把问题写清楚（至少 5 个字）"), field="text")
    pseudonym = pseudonym_for(tender, membership.organization_id)
    question = Question(tender=tender, pseudonym=pseudonym, asked_by_id=by.id, text=text, asked_at=now)
    db.session.add(question)
    db.session.flush()
    # The audit row names the account (the chain must), but never the organization in its data.
    audit.record(by, "tender.question_asked", tender, data={"question": question.id,
                                                            "pseudonym": pseudonym.number})
    follow(tender, by)
    tell_buyer(tender, _("“%(title)s”收到一个新问题（提问方 %(n)d）", title=tender.title, n=pseudonym.number))
    return question


def answer(question: Question, text: str, *, by: User) -> Question:
    tender = question.tender
    if not policies.can_manage_tender(by, tender):
        raise NotPermitted(_("只有本单位工作人员可以答复问题"))
    if question.answer is not None:
        raise DomainError(_("这个问题已经答复过了"), field="answer")
    text = (text or "").strip()
    if not text:
        raise DomainError(_("请填写答复内容"), field="answer")
    question.answer, question.answered_at, question.answered_by_id = text, clock.now(), by.id
    db.session.flush()
    audit.record(by, "tender.question_answered", tender, data={"question": question.id})
    tell_followers(tender, _("“%(title)s”发布了问题答复（所有人可见）", title=tender.title))
    if tender.status == TenderStatus.tendering and tender.blocked_notice_at and not unanswered(tender):
        tender.blocked_notice_at = None
        catch_up(tender)
    return question
