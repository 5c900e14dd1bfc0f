"""Follow, unfollow, and tell followers. Each domain calls `announce` where its public story moves on (a
tender's answers and results, a project's signature, scores and payments, an organization's status, a need's
replies); `announce` notifies in the app and mails at once or adds to the daily digest, as each person chose."""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select, tuple_

from marketplace.accounts.models import User
from marketplace.common import clock
from marketplace.extensions import db
from marketplace.notifications import services as notifications

from .models import DigestItem, Follow, FollowPreference, MailChoice, Subject

DEFAULT_MAIL = MailChoice.daily
DIGEST_EVERY = timedelta(hours=20)  # "daily", whatever minute the job happens to tick


def follow(user, subject: Subject, subject_id: int) -> Follow:
    """Idempotent: following twice is following once."""
    existing = db.session.execute(select(Follow).where(Follow.user_id == user.id, Follow.subject == subject,
                                                       Follow.subject_id == subject_id)).scalar_one_or_none()
    if existing is not None:
        return existing
    row = Follow(user_id=user.id, subject=subject, subject_id=subject_id, created_at=clock.now())
    db.session.add(row)
    db.session.flush()
    return row


def unfollow(user, subject: Subject, subject_id: int) -> None:
    db.session.execute(delete(Follow).where(Follow.user_id == user.id, Follow.subject == subject,
                                            Follow.subject_id == subject_id))


def is_following(user, subject: Subject, subject_id: int) -> bool:
    return bool(user and user.is_authenticated and db.session.execute(
        select(Follow.id).where(Follow.user_id == user.id, Follow.subject == subject,
                                Follow.subject_id == subject_id)).first())


def toggle(user, subject: Subject, subject_id: int) -> bool:
    """Follow when not following, else stop; returns whether the person follows now."""
    if is_following(user, subject, subject_id):
        unfollow(user, subject, subject_id)
        return False
    follow(user, subject, subject_id)
    return True


def followers(*subjects: tuple[Subject, int]) -> list[User]:
    """Everyone following any of the subjects, once each (a project's followers include its tender's)."""
    keys = [(s, i) for s, i in subjects]
    return db.session.execute(
        select(User).join(Follow, Follow.user_id == User.id)
        .where(tuple_(Follow.subject, Follow.subject_id).in_(keys), User.deactivated_at.is_(None))
        .distinct().order_by(User.id)).scalars().all()


def preference(user) -> MailChoice:
    row = db.session.get(FollowPreference, user.id)
    return row.mail if row else DEFAULT_MAIL


def set_preference(user, choice: MailChoice) -> None:
    row = db.session.get(FollowPreference, user.id)
    if row is None:
        db.session.add(FollowPreference(user_id=user.id, mail=choice))
    else:
        row.mail = choice
    db.session.flush()


def announce(subject: Subject, subject_id: int, message: str, link: str, *, also=()) -> int:
    """Tell the followers of a subject (and of `also`, e.g. the tender behind a project); returns how many."""
    return announce_to(followers((subject, subject_id), *also), message, link)


def announce_to(people: list[User], message: str, link: str) -> int:
    """In the app for everyone; by mail at once, or in the daily digest, as each person chose."""
    if not people:
        return 0
    choices = {row.user_id: row.mail for row in db.session.execute(
        select(FollowPreference).where(FollowPreference.user_id.in_([p.id for p in people]))).scalars()}
    now = clock.now()
    for person in people:
        notifications.notify(person, message, link)
        choice = choices.get(person.id, DEFAULT_MAIL)
        if choice == MailChoice.immediate:
            notifications.queue_mail(person.email, "follow_update", locale=person.locale, message=message,
                                     link=link)
        elif choice == MailChoice.daily:
            db.session.add(DigestItem(user_id=person.id, message=message, link=link, created_at=now))
    db.session.flush()
    return len(people)


def announce_project(contract, message: str) -> int:
    """A funded project's news reaches its followers and those who followed its tender."""
    from marketplace.web import external_url

    return announce(Subject.project, contract.id, message,
                    external_url("projects.show", tender_id=contract.tender_id),
                    also=[(Subject.tender, contract.tender_id)])


def send_digests(now=None) -> int:
    """One mail per person with every update since their last digest, at most once in DIGEST_EVERY."""
    now = now or clock.now()
    items = db.session.execute(select(DigestItem).where(DigestItem.sent_at.is_(None))
                               .order_by(DigestItem.user_id, DigestItem.id).with_for_update()).scalars().all()
    by_user: dict[int, list[DigestItem]] = {}
    for item in items:
        by_user.setdefault(item.user_id, []).append(item)
    sent = 0
    for user_id, pending in by_user.items():
        pref = db.session.get(FollowPreference, user_id)
        if pref is not None and pref.last_digest_at is not None and now - pref.last_digest_at < DIGEST_EVERY:
            continue
        user = db.session.get(User, user_id)
        if user.deactivated_at is None:
            notifications.queue_mail(user.email, "follow_digest", locale=user.locale, items=pending, user=user)
            sent += 1
        for item in pending:
            item.sent_at = now
        if pref is None:
            pref = FollowPreference(user_id=user_id, mail=DEFAULT_MAIL)
            db.session.add(pref)
        pref.last_digest_at = now
    db.session.flush()
    return sent


def mine(user) -> list[Follow]:
    return db.session.execute(select(Follow).where(Follow.user_id == user.id)
                              .order_by(Follow.created_at.desc()).limit(500)).scalars().all()


def follow_label(following: bool) -> str:
    return _("取消关注") if following else _("关注")
