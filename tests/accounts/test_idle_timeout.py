"""A signed-in session ends after a spell of inactivity (a setting per kind of account); "keep me signed in"
survives closing the browser but not the idle timeout."""

from datetime import timedelta

import pytest
from flask_login.utils import encode_cookie

from marketplace.common import clock
from marketplace.settings.services import set_setting
from tests import factories
from tests.conftest import sign_in

EXPIRED = "您长时间未操作，已自动退出登录"


@pytest.fixture(autouse=True)
def _idle_timeout(app, monkeypatch, frozen_now):
    monkeypatch.setitem(app.config, "ENFORCE_IDLE_TIMEOUT", True)


def _still_signed_in(client) -> bool:
    response = client.get("/account")
    return response.status_code == 200


def test_an_organization_account_is_signed_out_after_an_hour_without_a_request(client, make_user):
    sign_in(client, make_user("org_member"))
    assert _still_signed_in(client)
    clock.advance(timedelta(minutes=59))
    assert _still_signed_in(client)  # activity: the hour starts again
    clock.advance(timedelta(minutes=59))
    assert _still_signed_in(client)
    clock.advance(timedelta(minutes=61))
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert EXPIRED in page and "请先登录" not in page
    assert not _still_signed_in(client)


def test_a_public_page_says_the_session_ended(client, make_user):
    sign_in(client, make_user("buyer"))
    client.get("/")
    clock.advance(timedelta(hours=2))
    page = client.get("/tenders/").get_data(as_text=True)
    assert EXPIRED in page and "退出登录</button>" not in page


def test_a_post_after_the_timeout_is_sent_to_sign_in_and_does_nothing(client, make_user):
    from marketplace.accounts.models import User
    from marketplace.extensions import db

    user = sign_in(client, make_user("org_member"))
    before = user.password_hash
    client.get("/account")
    clock.advance(timedelta(minutes=61))
    response = client.post("/account/password", data={"current_password": factories.PASSWORD,
                                                      "password": "another-good-password", "password_again":
                                                      "another-good-password"})
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=%2Faccount%2Fpassword"
    assert "请重新登录" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.get(User, user.id).password_hash == before


def test_residents_stay_signed_in_for_a_week(client, make_user):
    sign_in(client, make_user("resident"))
    assert _still_signed_in(client)
    clock.advance(timedelta(days=6))
    assert _still_signed_in(client)
    clock.advance(timedelta(days=7, minutes=1))
    assert not _still_signed_in(client)


def test_an_administrator_shortens_the_timeout(client, make_user):
    set_setting("accounts.idle_timeout_minutes", "10", by=make_user("platform_admin"), valid_from=clock.today())
    sign_in(client, make_user("evaluator"))
    assert _still_signed_in(client)
    clock.advance(timedelta(minutes=9))
    assert _still_signed_in(client)
    clock.advance(timedelta(minutes=11))
    assert not _still_signed_in(client)


def test_keep_me_signed_in_outlives_the_browser_but_not_the_timeout(client, make_user):
    user = make_user("org_member")
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD, "remember": "y"})
    session_cookie = client.get_cookie("session")
    assert session_cookie.expires is not None  # a permanent cookie: closing the browser keeps it
    assert client.get_cookie("remember_token") is None  # never Flask-Login's cookie, which would outlive the timeout
    assert _still_signed_in(client)
    clock.advance(timedelta(minutes=61))
    assert not _still_signed_in(client)


def test_without_keep_me_signed_in_the_cookie_ends_with_the_browser(client, make_user):
    user = make_user("org_member")
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert client.get_cookie("session").expires is None and _still_signed_in(client)


def test_a_remember_me_cookie_from_before_is_refused(app, client, make_user):
    user = make_user("resident")
    from marketplace.extensions import db

    db.session.commit()
    with app.test_request_context():
        client.set_cookie("remember_token", encode_cookie(str(user.id)))
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert client.get_cookie("remember_token") is None  # cleared, so it cannot sign anyone in again
    assert not _still_signed_in(client)
