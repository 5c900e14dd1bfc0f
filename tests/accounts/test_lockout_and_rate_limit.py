from datetime import timedelta

from marketplace.accounts.models import User
from marketplace.audit.models import AuditEvent
from marketplace.common import clock
from marketplace.extensions import db
from tests.factories import PASSWORD


def _attempt(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def test_five_wrong_passwords_lock_the_account_and_mail_the_owner(client, make_user, smtp_server, frozen_now):
    make_user(email="target@example.cn")
    db.session.commit()
    for _ in range(4):
        assert "邮箱或密码不正确" in _attempt(client, "target@example.cn", "wrong-password").get_data(as_text=True)
    fifth = _attempt(client, "target@example.cn", "wrong-password").get_data(as_text=True)
    assert "账号已临时锁定至 2026-03-02 10:15" in fifth

    # Even the right password is refused while locked.
    locked = _attempt(client, "target@example.cn", PASSWORD)
    assert locked.status_code == 200 and "临时锁定" in locked.get_data(as_text=True)
    assert smtp_server.wait_for(1)[0]["To"] == "target@example.cn"
    assert db.session.query(AuditEvent).filter_by(action="user.locked").count() == 1

    clock.advance(timedelta(minutes=15, seconds=1))
    assert _attempt(client, "target@example.cn", PASSWORD).status_code == 302


def test_successful_sign_in_resets_the_failure_count(client, make_user):
    user = make_user(email="careful@example.cn")
    db.session.commit()
    for _ in range(3):
        _attempt(client, "careful@example.cn", "wrong-password")
    assert _attempt(client, "careful@example.cn", PASSWORD).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).failed_logins == 0


def test_lockout_threshold_is_a_setting(client, make_user, frozen_now):
    from marketplace.settings.services import set_setting

    set_setting("accounts.lockout_threshold", "3", by=None, valid_from=clock.today())
    make_user(email="strict@example.cn")
    db.session.commit()
    for _ in range(3):
        response = _attempt(client, "strict@example.cn", "wrong-password")
    assert "临时锁定" in response.get_data(as_text=True)


def test_sign_in_is_rate_limited_per_address(app, client):
    app.config["SIGN_IN_RATE_LIMIT"] = "3 per minute"
    try:
        responses = [_attempt(client, f"nobody{i}@example.cn", "whatever-password") for i in range(4)]
    finally:
        app.config["SIGN_IN_RATE_LIMIT"] = "1000 per minute"
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert "操作太频繁" in responses[-1].get_data(as_text=True)
