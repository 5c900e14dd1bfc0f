"""Needs verbs: submit, support, answer (reply / resolve / decline / plan) and escalate. Flush, never commit.

Queries for the lists live in `queries.py`.
"""

from datetime import datetime

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import GOVERNMENT_ROLES, Role, User
from marketplace.audit import services as audit
from marketplace.catalog import services as catalog
from marketplace.common import clock, files, workdays
from marketplace.common.privacy import normalize_phone
from marketplace.common.states import transition
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db
from marketplace.follows import services as follows
from marketplace.follows.models import Subject
from marketplace.notifications import services as notifications
from marketplace.regions.models import BodyKind, GovernmentBody, Region, RegionLevel
from marketplace.settings.services import get_setting
from marketplace.web import external_url

from . import policies
from .models import (
    CLOSED_NEED_STATES,
    NEED_STATUS_LABELS,
    NEED_TRANSITIONS,
    Need,
    NeedAction,
    NeedPhoto,
    NeedStatus,
    NeedSupport,
    NeedUpdate,
)
from .queries import overdue_clause

MAX_PHOTOS = 3
OFFICE_KINDS = (BodyKind.street_office, BodyKind.township)


def get_need(need_id: int) -> Need | None:
    return db.session.get(Need, need_id)


def office_for(community: Region) -> GovernmentBody | None:
    """The street office or township government of the street the community belongs to."""
    if community.parent_id is None:
        return None
    return db.session.execute(select(GovernmentBody).where(
        GovernmentBody.region_id == community.parent_id, GovernmentBody.kind.in_(OFFICE_KINDS))
        .order_by(GovernmentBody.id)).scalars().first()


def submit_need(values: dict, photos: list[tuple[str, bytes]], *, by: User) -> Need:
    """A resident or grid worker raises a need for a community; the deadlines count in working days from today.

    `values`: community (Region), item_code, title, description, contact_phone (optional).
    """
    if not policies.can_submit_need(by):
        raise NotPermitted(_("只有居民和网格员可以提交需求"))
    community = values.get("community")
    if community is None or community.level != RegionLevel.community:
        raise DomainError(_("请选择需求所在的社区"), field="community")
    office = office_for(community)
    if office is None:
        raise DomainError(_("%(name)s所属的街道（乡镇）还没有在平台上开通，暂时不能受理需求",
                            name=community.name), field="community")
    today, now = clock.today(), clock.now()
    item = _catalog_item(community, values.get("item_code") or "", today.year)
    title, description = (values.get("title") or "").strip(), (values.get("description") or "").strip()
    if not title or not description:
        raise DomainError(_("请填写需求标题和具体描述"), field="description" if title else "title")
    phone = _phone(values.get("contact_phone"))
    if len(photos) > MAX_PHOTOS:
        raise DomainError(_("最多上传 %(n)d 张照片", n=MAX_PHOTOS), field="photos")
    stored = [files.store(name, content, field="photos", images_only=True) for name, content in photos]
    need = Need(community=community, office=office, item_code=item.code, item_name=item.name,
                title=title, description=description,
                contact_phone=phone, submitted_by_id=by.id,
                status=NeedStatus.submitted, submitted_at=now, support_count=0)
    need.reply_due_on, need.close_due_on = due_dates(community, today)
    need.photos = [NeedPhoto(original_name=f.name, sha256=f.sha256, content_type=f.content_type, size=f.size)
                   for f in stored]
    need.updates.append(NeedUpdate(status=NeedStatus.submitted, message=_("需求已提交，等待%(office)s答复",
                                                                          office=office.name), created_at=now))
    db.session.add(need)
    db.session.flush()
    audit.record(by, "need.submitted", need, at=now, data={
        "community": community.code, "office": office.id, "item": item.code, "photos": [f.sha256 for f in stored],
        "reply_due_on": need.reply_due_on.isoformat(), "close_due_on": need.close_due_on.isoformat()})
    for user in staff_of(office):
        notifications.notify(user, _("新的群众需求：%(title)s（请于 %(date)s 前答复）", title=need.title,
                                     date=need.reply_due_on.isoformat()), need_path(need))
    return need


def due_dates(community: Region, submitted_on) -> tuple:
    """Reply and close deadlines: the regional settings in working days (holidays and 调休 included)."""
    return (workdays.add_working_days(submitted_on, get_setting("need.reply_working_days", region=community)),
            workdays.add_working_days(submitted_on, get_setting("need.close_working_days", region=community)))


def _catalog_item(community: Region, code: str, year: int):
    item = catalog.effective_catalog(community, year).get(code.strip())
    if item is None:
        raise DomainError(_("“%(code)s” 不在 %(year)d 年本社区适用的购买服务目录中，请重新选择类别",
                            code=code, year=year), field="item_code")
    if item.negative:
        raise DomainError(_("“%(name)s” 列入负面清单，不能作为政府购买服务的需求：%(reason)s",
                            name=item.name, reason=item.negative_reason or ""), field="item_code")
    return item


def _phone(raw: str | None) -> str | None:
    if not (raw or "").strip():
        return None
    try:
        return normalize_phone(raw)
    except ValueError:
        raise DomainError(_("请填写有效的手机号（如 13812341234）或带区号的固定电话（如 010-65001234）"),
                          field="contact_phone") from None


def support(need: Need, user: User) -> NeedSupport:
    """A resident supports (点赞) someone else's open need, once."""
    if user.role != Role.resident:
        raise NotPermitted(_("只有居民可以为需求点赞"))
    if need.submitted_by_id == user.id:
        raise DomainError(_("不能为自己提交的需求点赞"))
    if not need.is_open:
        raise DomainError(_("该需求已办结，不再接受点赞"))
    if has_supported(need, user):
        raise DomainError(_("您已经为这条需求点过赞了"))
    row = NeedSupport(need_id=need.id, user_id=user.id, created_at=clock.now())
    try:
        with db.session.begin_nested():  # two clicks at once: the unique constraint decides
            db.session.add(row)
    except IntegrityError:
        raise DomainError(_("您已经为这条需求点过赞了")) from None
    need.support_count = Need.support_count + 1
    db.session.flush()
    db.session.refresh(need, ["support_count"])
    audit.record(user, "need.supported", need, at=row.created_at, data={"support_count": need.support_count})
    return row


def has_supported(need: Need, user) -> bool:
    if not (user and user.is_authenticated):
        return False
    return db.session.execute(select(NeedSupport.id).where(
        NeedSupport.need_id == need.id, NeedSupport.user_id == user.id)).first() is not None


# -- the office answers ------------------------------------------------------------------------------------

def reply(need: Need, text: str, *, by: User) -> NeedUpdate:
    """The office answers without closing the need (e.g. "we are looking into it, a project is planned")."""
    text = _required(text, _("请填写答复内容"), "text")
    return _answer(need, NeedAction.reply, text, by=by)


def resolve(need: Need, text: str, *, by: User) -> NeedUpdate:
    """The need is met; the text says how."""
    text = _required(text, _("请说明需求是如何解决的"), "text")
    return _answer(need, NeedAction.resolve, text, by=by)


def decline(need: Need, reason: str, *, by: User) -> NeedUpdate:
    """The office will not take the need up; the reason is public and sent to the submitter."""
    reason = _required(reason, _("不予采纳必须写明理由，居民会看到它"), "reason")
    need.decline_reason = reason[:1000]
    return _answer(need, NeedAction.decline, reason, by=by)


def plan(need: Need, tender, *, by) -> NeedUpdate:
    """Called by the tenders domain when a tender linked to the need is published.

    The submitter and every supporter follow the tender from now on.
    """
    from marketplace.tenders import services as tenders

    need.tender_id = tender.id
    update = _answer(need, NeedAction.plan, _("已纳入政府购买服务项目 %(reference)s “%(title)s”",
                                              reference=tender.reference, title=tender.title), by=by)
    for user in interested_users(need):
        tenders.follow(tender, user)
    return update


def reopen(need: Need, tender, outcome: str) -> NeedUpdate:
    """The tender that was to answer this need was cancelled or failed: the need goes back to its office,
    which answers it again (it may link it to the re-tender)."""
    need.tender_id = None
    update = _answer(need, NeedAction.reopen, _("关联项目 %(reference)s “%(title)s”%(outcome)s，需求退回街道重新处理",
                                                reference=tender.reference, title=tender.title, outcome=outcome),
                     by=None)
    need.closed_at = None
    return update


def _required(text: str | None, message: str, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(message, field=field)
    return text


def _answer(need: Need, action: NeedAction, message: str, *, by) -> NeedUpdate:
    if by is not None and not isinstance(by, str) and not policies.can_answer(by, need):
        raise NotPermitted(_("只有负责答复的街道（乡镇）工作人员可以处理此需求"))
    now = clock.now()
    was_replied = need.replied_at is not None
    status = transition(need, action, NEED_TRANSITIONS, at=now, label=_("需求"))
    if not was_replied:  # any first answer, closing or not, meets the reply deadline
        need.replied_at = now
        need.reply_text = message
    if status in CLOSED_NEED_STATES:
        need.closed_at = now
    update = NeedUpdate(need=need, status=status, message=message, created_at=now,
                        created_by_id=getattr(by, "id", None))
    db.session.add(update)
    db.session.flush()
    audit.record(by, f"need.{status.value}", need, at=now, data={"message": message, "tender": need.tender_id})
    tell_interested(need, _("您关注的需求“%(title)s”有新进展：%(status)s", title=need.title,
                            status=NEED_STATUS_LABELS[status]), message)
    return update


# -- who hears about it ------------------------------------------------------------------------------------

def supporters_of(need: Need) -> list[User]:
    return db.session.execute(select(User).join(NeedSupport, NeedSupport.user_id == User.id).where(
        NeedSupport.need_id == need.id).order_by(NeedSupport.id)).scalars().all()


def interested_users(need: Need) -> list[User]:
    """The submitter and every supporter, each once."""
    users = {need.submitted_by.id: need.submitted_by}
    users.update((u.id, u) for u in supporters_of(need))
    return [u for u in users.values() if u.is_active]


def tell_interested(need: Need, headline: str, detail: str) -> None:
    """In-app notice to the submitter and supporters; mail to the submitter (supporters follow in the app)."""
    interested = interested_users(need)
    for user in interested:
        notifications.notify(user, headline, need_path(need))
    # Followers who are not the submitter or a supporter (those were just told) hear of it as they chose.
    others = [u for u in follows.followers((Subject.need, need.id)) if u.id not in {i.id for i in interested}]
    if others:
        follows.announce_to(others, headline, external_url("needs.show", need_id=need.id))
    submitter = need.submitted_by
    if submitter.is_active:
        notifications.queue_mail(submitter.email, "need_update", locale=submitter.locale, need=need,
                                 status=NEED_STATUS_LABELS[need.status], headline=headline, detail=detail,
                                 link=external_url("needs.show", need_id=need.id))


def staff_of(body: GovernmentBody) -> list[User]:
    return db.session.execute(select(User).where(
        User.body_id == body.id, User.role.in_(GOVERNMENT_ROLES), User.deactivated_at.is_(None))
        .order_by(User.id)).scalars().all()


def need_path(need: Need) -> str:
    """The need page's path for in-app links, inside a request or in a job."""
    if has_request_context():
        return url_for("needs.show", need_id=need.id)
    return current_app.url_map.bind("localhost").build("needs.show", {"need_id": need.id})


# -- deadlines and escalation ------------------------------------------------------------------------------

def district_body_for(need: Need) -> GovernmentBody | None:
    """The district's civil-affairs bureau over the need's community, else any body of that district."""
    district = need.office.region.parent
    if district is None:
        return None
    bodies = db.session.execute(select(GovernmentBody).where(GovernmentBody.region_id == district.id)
                                .order_by(GovernmentBody.id)).scalars().all()
    return next((b for b in bodies if b.kind == BodyKind.civil_affairs), bodies[0] if bodies else None)


def escalate_overdue(now: datetime) -> int:
    """Each overdue need goes once to the district for supervision (督办); the next tick finds nothing new."""
    today = clock.to_local(now).date()
    escalated = 0
    due = db.session.execute(select(Need).where(overdue_clause(today), Need.escalated_at.is_(None))
                             .order_by(Need.id)).scalars().all()
    for need in due:
        district = district_body_for(need)
        if district is None:
            current_app.logger.warning("need %s is overdue but its district has no government body", need.id)
            continue
        need.escalated_at, need.escalated_to = now, district
        kind = _("答复") if need.reply_overdue(today) else _("办结")
        message = _("已超期（%(kind)s期限 %(date)s），已提请%(body)s督办", kind=kind, body=district.name,
                    date=(need.reply_due_on if need.reply_overdue(today) else need.close_due_on).isoformat())
        db.session.add(NeedUpdate(need=need, status=need.status, message=message, created_at=now, escalation=True))
        db.session.flush()
        audit.record("system", "need.escalated", need, at=now, data={"to": district.id, "overdue": kind})
        for user in [*staff_of(district), *staff_of(need.office)]:
            notifications.notify(user, _("需求“%(title)s”%(message)s", title=need.title, message=message),
                                 need_path(need))
        escalated += 1
    return escalated


def linkable_needs(body: GovernmentBody) -> list[Need]:
    """Open needs this office answers, most urgent first: the tender wizard offers them to link."""
    return db.session.execute(select(Need).where(
        Need.office_id == body.id, Need.status.in_([NeedStatus.submitted, NeedStatus.replied]))
        .order_by(Need.close_due_on, Need.id)).scalars().all()
