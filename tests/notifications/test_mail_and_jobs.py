from click.testing import CliRunner

from marketplace.cli import jobs_tick
from marketplace.common import jobs
from marketplace.extensions import db
from marketplace.notifications.models import OutboxMessage
from marketplace.notifications.services import notify, queue_mail


def test_mail_is_written_in_the_transaction_and_sent_after_commit(app, make_user, smtp_server):
    user = make_user(email="reader@example.cn")
    queue_mail(user.email, "confirm_email", user=user, link="http://127.0.0.1/confirm/x")
    assert smtp_server.messages == []            # nothing leaves before the commit
    db.session.commit()
    mail = smtp_server.wait_for(1)[0]
    assert mail["Subject"] == "请确认您的政社通账号邮箱"
    assert db.session.query(OutboxMessage).one().sent_at is not None


def test_rolled_back_mail_is_never_sent(app, make_user, smtp_server):
    user = make_user(email="reader@example.cn")
    db.session.commit()
    queue_mail(user.email, "confirm_email", user=user, link="x")
    db.session.rollback()
    db.session.commit()
    assert smtp_server.messages == [] and db.session.query(OutboxMessage).count() == 0


def test_failed_mail_is_kept_and_retried_by_jobs_tick(app, make_user, smtp_server):
    user = make_user(email="reader@example.cn")
    app.config["MAIL_PORT"] = 1  # nothing listens there: the first delivery fails
    queue_mail(user.email, "confirm_email", user=user, link="x")
    db.session.commit()
    message = db.session.query(OutboxMessage).one()
    db.session.refresh(message)
    assert message.sent_at is None and message.attempts == 1 and message.last_error

    app.config["MAIL_PORT"] = smtp_server.port
    result = CliRunner().invoke(jobs_tick, catch_exceptions=False)
    assert "mail.deliver_outbox: ok (1)" in result.output
    assert smtp_server.wait_for(1)[0]["To"] == "reader@example.cn"


def test_jobs_are_registered():
    assert "mail.deliver_outbox" in jobs.registered()


def test_bell_shows_unread_notifications(client, login_as):
    user = login_as("resident")
    notify(user, "您的需求已答复", "/needs/1")
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert '<span class="badge">1' in html
    assert "您的需求已答复" in client.get("/notifications/").get_data(as_text=True)
    client.post("/notifications/read")
    assert '<span class="badge">' not in client.get("/").get_data(as_text=True)


def test_the_scheduler_gives_sqlite_planner_statistics_once_a_day(app, frozen_now):
    """Without them SQLite sorts every project for a page instead of walking the list's index (bench/README)."""
    from datetime import timedelta

    from sqlalchemy import text

    from marketplace.common import clock, statistics
    from tests import factories

    factories.region("110101001")  # ANALYZE keeps statistics of tables that have rows
    statistics._last_run.clear()
    analyzed = jobs.tick(only="database.refresh_statistics")["database.refresh_statistics"]
    if db.engine.dialect.name != "sqlite":
        assert analyzed == 0  # PostgreSQL's autovacuum does this
        return
    tables = set(db.session.execute(text("SELECT tbl FROM sqlite_stat1")).scalars())
    assert analyzed == len(tables) and "region" in tables
    assert jobs.tick(only="database.refresh_statistics")["database.refresh_statistics"] == 0  # not again today
    clock.freeze(frozen_now + timedelta(days=1, minutes=1))
    assert jobs.tick(only="database.refresh_statistics")["database.refresh_statistics"] == len(tables)
