"""Error pages are friendly, in Chinese and in English: they say what happened, keep the site's navigation and offer
a way on (home, search; signing in when a signed-out visitor was refused; back to the form for an expired page)."""

import re

import pytest
from flask import abort

from marketplace.cli import reset_database
from tests.conftest import make_test_app, sign_in
from tests.test_i18n import chinese_left

TITLES = {"zh_CN": {404: "页面不存在", 403: "没有权限", 405: "不支持的操作", 429: "操作太频繁", 500: "服务器出错了"},
          "en": {404: "Page not found", 403: "Access denied", 405: "Operation not supported", 429: "Too many requests",
                 500: "Server error"}}
NAVIGATION = {"zh_CN": ">采购项目</a>", "en": ">Procurement projects</a>"}


def _in(client, lang: str) -> None:
    client.post("/language", data={"lang": lang, "next": "/"})


def _assert_friendly(response, lang: str, code: int) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == code and response.mimetype == "text/html"
    assert TITLES[lang][code] in html and NAVIGATION[lang] in html  # the whole site header is still there
    assert re.search(r'<a class="button[^"]*" href="/">', html)  # home
    assert re.search(r'<form method="get" action="/search"[^>]*role="search"', html)
    if lang == "en":
        assert '<html lang="en">' in html and chinese_left(html) == []
    return html


@pytest.fixture(scope="module")
def error_app(tmp_path_factory):
    """An app with test-only routes that fail on purpose, showing its 500 page as production does."""
    app = make_test_app(f"sqlite:///{tmp_path_factory.mktemp('errors') / 'errors.db'}", SHOW_500=True)

    @app.get("/test-only/boom")
    def boom():
        raise RuntimeError("a bug")

    @app.get("/test-only/members")
    def members():
        abort(403)

    with app.app_context():
        reset_database()
    return app


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_missing_page(client, lang):
    _in(client, lang)
    _assert_friendly(client.get("/no-such-page"), lang, 404)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_refused_signed_in_person_is_not_offered_to_sign_in(client, login_as, lang):
    login_as("resident", name="Resident")
    _in(client, lang)
    html = _assert_friendly(client.get("/admin/users"), lang, 403)
    assert "/login?next=" not in html


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_refused_visitor_is_offered_to_sign_in_and_come_back(error_app, lang):
    client = error_app.test_client()
    _in(client, lang)
    html = _assert_friendly(client.get("/test-only/members"), lang, 403)
    assert 'href="/login?next=/test-only/members"' in html


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_an_unsupported_method(client, lang):
    _in(client, lang)
    _assert_friendly(client.post("/"), lang, 405)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_too_many_sign_in_attempts_say_when_to_try_again(app, client, monkeypatch, lang):
    monkeypatch.setitem(app.config, "SIGN_IN_RATE_LIMIT", "2 per minute")
    _in(client, lang)
    for _attempt in range(2):
        assert client.post("/login", data={"email": "nobody@example.cn", "password": "wrong"}).status_code == 200
    response = client.post("/login", data={"email": "nobody@example.cn", "password": "wrong"},
                           headers={"Referer": "http://localhost/login"})
    html = _assert_friendly(response, lang, 429)
    assert response.headers["Retry-After"]
    assert ("60 秒后再试" if lang == "zh_CN" else "60 seconds") in html
    assert 'href="/login"' in html  # back to the form


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_an_expired_form_explains_itself_and_leads_back_to_the_form(app, client, monkeypatch, login_as, lang):
    login_as("org_member", name="Member")
    _in(client, lang)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/account/password", data={"csrf_token": "from-an-old-session"},
                           headers={"Referer": "http://localhost/account"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and ("页面已过期" if lang == "zh_CN" else "expired") in html
    assert NAVIGATION[lang] in html and 'href="/account"' in html
    if lang == "en":
        assert chinese_left(html) == []


def test_a_back_link_never_leads_off_the_site(app, client, monkeypatch, login_as):
    login_as("org_member")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    html = client.post("/account/password", headers={"Referer": "https://elsewhere.example/account"}).get_data(
        as_text=True)
    assert "elsewhere.example" not in html and "返回上一页" not in html


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_server_error(error_app, lang):
    client = error_app.test_client()
    _in(client, lang)
    _assert_friendly(client.get("/test-only/boom"), lang, 500)


def test_the_api_still_answers_errors_in_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.json["status"] == 404


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_a_server_error_while_the_database_is_down_still_gets_a_page(app, client, monkeypatch, tmp_path, lang):
    """Not even the signed-in user can be loaded: the plain page, with the same words and ways on. The harness binds
    every request's session to the test's connection; here it is bound to a database that cannot be opened."""
    from flask_sqlalchemy.session import _app_ctx_id
    from sqlalchemy import create_engine
    from sqlalchemy.orm import scoped_session, sessionmaker

    from marketplace.extensions import db

    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"], session["lang"] = "1", True, lang
    monkeypatch.setitem(app.config, "SHOW_500", True)
    unreachable = create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'gone.db'}")
    monkeypatch.setattr(db, "session", scoped_session(sessionmaker(bind=unreachable), scopefunc=_app_ctx_id))
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and TITLES[lang][500] in html and f'<html lang="{lang[:2]}' in html
    assert re.search(r'<form method="get" action="/search"[^>]*role="search"', html)
    assert ">" + ("首页" if lang == "zh_CN" else "Home") + "</a>" in html
    if lang == "en":
        assert chinese_left(html) == []


def test_signed_in_error_pages_keep_the_account_menu(client, make_user):
    sign_in(client, make_user("buyer", name="李娜"))
    html = client.get("/no-such-page").get_data(as_text=True)
    assert "<summary>李娜</summary>" in html
