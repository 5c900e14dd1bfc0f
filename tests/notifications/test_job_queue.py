"""Deferred mail through a real RQ queue in the local Redis (127.0.0.1:6379), run by an in-process worker."""

import uuid

import pytest
from click.testing import CliRunner

from marketplace.cli import jobs_tick, jobs_worker
from marketplace.common import clock, queue
from marketplace.extensions import db
from marketplace.notifications.models import OutboxMessage
from marketplace.notifications.services import SWEEP_GRACE, queue_mail


@pytest.fixture
def redis_queue(app, redis_url):
    name = f"test-{uuid.uuid4().hex}"
    app.config.update(REDIS_URL=redis_url, JOB_QUEUE_NAME=name)
    app.extensions.pop("redis", None)
    try:
        yield queue.job_queue()
    finally:
        q = queue.job_queue()
        q.delete(delete_jobs=True)
        app.config.update(REDIS_URL=None, JOB_QUEUE_NAME=queue.DEFAULT_QUEUE)
        app.extensions.pop("redis", None)


def _mail_for(make_user, count=1):
    for n in range(count):
        user = make_user(email=f"reader{n}@example.cn")
        queue_mail(user.email, "confirm_email", user=user, link="http://127.0.0.1/confirm/x")


def test_mail_waits_in_redis_until_a_worker_sends_it(app, make_user, smtp_server, redis_queue):
    _mail_for(make_user, 3)
    db.session.commit()
    # One job for the whole transaction, not one per mail; nothing was sent by the request itself.
    assert redis_queue.count == 1 and smtp_server.messages == []
    assert queue.work(burst=True) is True
    assert sorted(m["To"] for m in smtp_server.wait_for(3)) == [f"reader{n}@example.cn" for n in range(3)]
    assert db.session.query(OutboxMessage).filter(OutboxMessage.sent_at.is_(None)).count() == 0
    assert redis_queue.count == 0


def test_the_worker_command_drains_the_queue(app, make_user, smtp_server, redis_queue):
    _mail_for(make_user)
    db.session.commit()
    result = CliRunner().invoke(jobs_worker, ["--burst"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert smtp_server.wait_for(1)[0]["To"] == "reader0@example.cn"


def test_worker_refuses_to_start_without_redis(app):
    result = CliRunner().invoke(jobs_worker, ["--burst"])
    assert result.exit_code != 0 and "REDIS_URL" in result.output


def test_a_rolled_back_transaction_queues_nothing(app, make_user, smtp_server, redis_queue):
    _mail_for(make_user)
    db.session.rollback()
    db.session.commit()
    assert redis_queue.count == 0


def test_redis_down_loses_no_mail_the_sweep_sends_it(app, make_user, smtp_server, frozen_now):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there
    app.extensions.pop("redis", None)
    try:
        _mail_for(make_user)
        db.session.commit()  # the hand-over fails quietly: the change the mail reports is already committed
        assert smtp_server.messages == []
        # The sweep leaves fresh mail to the worker it was (supposedly) handed to …
        app.config["REDIS_URL"] = None
        CliRunner().invoke(jobs_tick, ["--only", "mail.deliver_outbox"], catch_exceptions=False)
        assert smtp_server.messages == []
        # … and sends it once the grace period has passed.
        clock.advance(SWEEP_GRACE)
        result = CliRunner().invoke(jobs_tick, ["--only", "mail.deliver_outbox"], catch_exceptions=False)
        assert "mail.deliver_outbox: ok (1)" in result.output
        assert smtp_server.wait_for(1)[0]["To"] == "reader0@example.cn"
    finally:
        app.config["REDIS_URL"] = None
        app.extensions.pop("redis", None)


def test_worker_and_sweep_never_send_a_mail_twice(app, make_user, smtp_server, redis_queue, frozen_now):
    _mail_for(make_user)
    db.session.commit()
    clock.advance(SWEEP_GRACE)
    CliRunner().invoke(jobs_tick, ["--only", "mail.deliver_outbox"], catch_exceptions=False)  # the sweep sends it
    queue.work(burst=True)  # the worker then finds it already sent
    smtp_server.wait_for(1)
    assert len(smtp_server.messages) == 1
