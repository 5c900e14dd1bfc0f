import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from marketplace.audit.models import AuditEvent
from marketplace.audit.services import chain_hash, daily_roots, record, verify_chain
from marketplace.cli import audit_verify
from marketplace.extensions import db


def _three_events(make_user):
    user = make_user("platform_admin")
    for action in ("tender.published", "bid.submitted", "tender.opened"):
        record(user, action, ("tender", 7), data={"note": "测试"})
    db.session.flush()


def test_each_row_links_to_the_previous(make_user):
    _three_events(make_user)
    events = db.session.query(AuditEvent).order_by(AuditEvent.seq).all()
    for previous, event in zip(events, events[1:], strict=False):
        assert event.prev_hash == previous.hash
        assert event.hash == chain_hash(previous.hash, event)
    assert verify_chain().ok


def _drop_guards_and_edit(statement: str):
    """What someone with database access would do: disable the guard, then rewrite history."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "sqlite":
        db.session.execute(text("DROP TRIGGER audit_event_no_update"))
        db.session.execute(text("DROP TRIGGER audit_event_no_delete"))
    else:
        db.session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change"))
    db.session.execute(text(statement))
    db.session.expire_all()


def test_verify_fails_after_a_row_is_edited_in_the_database(make_user):
    _three_events(make_user)
    second = db.session.query(AuditEvent).order_by(AuditEvent.seq).all()[1]
    _drop_guards_and_edit(f"UPDATE audit_event SET data = '{{\"note\": \"改过\"}}' WHERE seq = {second.seq}")
    report = verify_chain()
    assert not report.ok
    assert report.broken_seq == second.seq
    assert "edited" in report.reason


def test_verify_fails_after_the_last_row_is_deleted(make_user):
    _three_events(make_user)
    last = db.session.query(AuditEvent).order_by(AuditEvent.seq.desc()).first()
    _drop_guards_and_edit(f"DELETE FROM audit_event WHERE seq = {last.seq}")
    assert not verify_chain().ok


def test_the_database_refuses_updates_and_deletes(make_user):
    _three_events(make_user)
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(text("UPDATE audit_event SET action = 'x'"))
    with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
        db.session.execute(text("DELETE FROM audit_event"))


def test_cli_verify_reports_ok_and_broken(app, make_user):
    _three_events(make_user)
    runner = CliRunner()
    ok = runner.invoke(audit_verify, obj=app.cli, catch_exceptions=False)
    assert ok.exit_code == 0 and "chain intact" in ok.output
    _drop_guards_and_edit("UPDATE audit_event SET actor_label = 'someone-else' WHERE seq = 1")
    broken = runner.invoke(audit_verify, catch_exceptions=False)
    assert broken.exit_code == 1 and "BROKEN at seq 1" in broken.output


def test_daily_roots_pin_the_last_hash_of_each_day(make_user):
    _three_events(make_user)
    last = db.session.query(AuditEvent).order_by(AuditEvent.seq.desc()).first()
    assert daily_roots()[-1]["hash"] == last.hash


def test_admin_page_lists_and_filters_events(client, login_as):
    login_as("platform_admin")
    record(None, "tender.published", ("tender", 1))
    record(None, "bid.submitted", ("bid", 2))
    db.session.commit()
    html = client.get("/admin/audit/?action=bid.").get_data(as_text=True)
    assert "bid.submitted" in html and "tender.published" not in html
    assert "校验通过" in client.post("/admin/audit/verify").get_data(as_text=True)
