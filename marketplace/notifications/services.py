"""E-mail through the outbox, and in-app notifications."""

from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import func, or_, select, update

from marketplace.common import clock
from marketplace.common.hooks import after_commit_collect, fresh_session
from marketplace.common.queue import defer
from marketplace.extensions import db

from . import mailer
from .models import Notification, OutboxMessage

MAX_ATTEMPTS = 8
# How long the sweep leaves a new mail to the worker it was handed to.
SWEEP_GRACE = timedelta(minutes=5)


def queue_mail(to_address: str, template: str, *, locale: str | None = None, **context) -> OutboxMessage:
    """Write the mail into the outbox now; it leaves over SMTP only after the transaction commits.

    `template` names `templates/emails/<template>.txt`, whose first line is the subject.
    """
    with force_locale(locale or "zh_CN"):
        subject, _, body = render_template(f"emails/{template}.txt", **context).partition("\n")
    message = OutboxMessage(to_address=to_address, subject=subject.strip(), body_text=body.strip() + "\n",
                            created_at=clock.now(), attempts=0)
    db.session.add(message)
    db.session.flush()
    if current_app.config.get("MAIL_SEND_AFTER_COMMIT", True):
        after_commit_collect(_deliver_later, message.id)
    return message


def _deliver_later(ids: list[int]) -> None:
    """After the commit: hand the mail to a worker (with Redis) or send it now. The outbox row is the record,
    so a mail whose hand-over is lost is still sent by the `mail.deliver_outbox` sweep."""
    try:
        defer(deliver_outbox, ids)
    except Exception:  # noqa: BLE001 — the change is committed: a mail problem must not turn it into an error page
        current_app.logger.exception("mail %s not sent now; the sweep retries it", ids)


def deliver_outbox(ids: list[int] | None = None, *, limit: int = 100) -> int:
    """Send unsent mail (the given ids, or the sweep: the oldest pending); returns how many went out.

    A failure is recorded on the row and retried by the sweep (`jobs run`); it never undoes the change that
    produced the mail. The sweep leaves fresh, untried mail alone for SWEEP_GRACE, because a worker is probably
    about to send it, and each message is claimed under a row lock (PostgreSQL; SQLite has one writer anyway),
    so a worker and the sweep never send the same mail twice.
    """
    unsent = (OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
    sent = 0
    with fresh_session() as session:
        if ids is None:
            settled = or_(OutboxMessage.attempts > 0, OutboxMessage.created_at <= clock.now() - SWEEP_GRACE)
            ids = list(session.scalars(select(OutboxMessage.id).where(*unsent, settled)
                                       .order_by(OutboxMessage.id).limit(limit)))
        for message_id in ids:
            message = session.scalars(select(OutboxMessage).where(OutboxMessage.id == message_id, *unsent)
                                      .with_for_update(skip_locked=True)).one_or_none()
            if message is None:  # sent meanwhile, given up on, or being sent by another process right now
                session.rollback()
                continue
            message.attempts += 1
            try:
                mailer.send(message.to_address, message.subject, message.body_text)
            except OSError as exc:  # smtplib errors are OSErrors
                message.last_error = f"{type(exc).__name__}: {exc}"[:500]
                current_app.logger.warning("mail %s to %s failed: %s", message.id, message.to_address, exc)
            else:
                message.sent_at, message.last_error = clock.now(), None
                sent += 1
            session.commit()
    return sent


def notify(user, message: str, link: str | None = None) -> Notification:
    note = Notification(user_id=user.id, message=message, link=link, created_at=clock.now())
    db.session.add(note)
    return note


def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id,
                                                  Notification.read_at.is_(None))
    )


def notifications_query(user):
    return select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())


def mark_all_read(user) -> None:
    db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
