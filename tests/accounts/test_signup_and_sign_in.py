from urllib.parse import urlencode, urlparse

import pytest

from marketplace.accounts.models import User
from marketplace.extensions import db
from tests.factories import PASSWORD


def _register(client, email="resident@example.cn", password="a-good-password-1"):
    return client.post("/register", data={
        "name": "王小明", "email": email, "role": "resident",
        "password": password, "password_again": password,
    })


def _sign_in(client, email, password):
    return client.post("/login", data={"email": email, "password": password})


def test_sign_up_confirm_by_mail_then_sign_in(client, smtp_server):
    response = _register(client)
    assert response.status_code == 200
    assert "请查收邮件" in response.get_data(as_text=True)

    refused = _sign_in(client, "resident@example.cn", "a-good-password-1")
    assert "请先点击确认邮件中的链接" in refused.get_data(as_text=True)

    mail = smtp_server.wait_for(1)[0]
    assert mail["To"] == "resident@example.cn"
    assert "确认" in mail["Subject"]
    link = urlparse(smtp_server.first_link(mail))
    confirmed = client.get(link.path)
    assert confirmed.status_code == 302

    signed_in = _sign_in(client, "resident@example.cn", "a-good-password-1")
    assert signed_in.status_code == 302
    assert "王小明" in client.get("/account").get_data(as_text=True)


def test_sign_up_with_bad_input_keeps_what_was_typed(client):
    response = client.post("/register", data={
        "name": "王小明", "email": "someone@example.cn", "role": "resident",
        "password": "12345678901", "password_again": "12345678901",
    })
    html = response.get_data(as_text=True)
    assert "密码不能全是数字" in html
    assert 'value="王小明"' in html and 'value="someone@example.cn"' in html
    assert db.session.query(User).filter_by(email="someone@example.cn").count() == 0


def test_staff_roles_cannot_self_register(client):
    client.post("/register", data={
        "name": "冒充者", "email": "fake@example.cn", "role": "buyer",
        "password": "a-good-password-1", "password_again": "a-good-password-1",
    })
    assert db.session.query(User).filter_by(email="fake@example.cn").count() == 0


def test_duplicate_email_is_refused_with_a_way_out(client, make_user):
    make_user(email="taken@example.cn")
    db.session.commit()
    html = _register(client, email="Taken@Example.cn").get_data(as_text=True)
    assert "该邮箱已注册" in html


def test_password_reset_by_mailed_single_use_token(client, smtp_server, make_user):
    make_user(email="forgetful@example.cn")
    db.session.commit()
    client.post("/forgot-password", data={"email": "forgetful@example.cn"})
    path = urlparse(smtp_server.first_link(smtp_server.wait_for(1)[0])).path

    new = "a-brand-new-password"
    assert client.post(path, data={"password": new, "password_again": new}).status_code == 302
    assert _sign_in(client, "forgetful@example.cn", new).status_code == 302
    # The token was bound to the old password hash: it cannot be used twice.
    reused = client.get(path)
    assert reused.status_code == 302 and "/forgot-password" in reused.headers["Location"]


def test_unknown_email_gets_the_same_reset_answer(client, smtp_server):
    response = client.post("/forgot-password", data={"email": "nobody@example.cn"})
    assert "如果 nobody@example.cn 已注册" in response.get_data(as_text=True)
    assert smtp_server.messages == []


def test_wrong_password_is_refused(client, make_user):
    make_user(email="someone@example.cn")
    db.session.commit()
    response = _sign_in(client, "someone@example.cn", PASSWORD + "x")
    assert response.status_code == 200
    assert "邮箱或密码不正确" in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "/\t/evil.example", "https://evil.example"])
def test_sign_in_returns_only_to_this_site(client, make_user, target):
    user = make_user("resident", email="back@example.cn")
    db.session.commit()
    response = client.post("/login?" + urlencode({"next": target}),
                           data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_sign_in_returns_to_the_page_asked_for(client, make_user):
    user = make_user("resident", email="back2@example.cn")
    db.session.commit()
    response = client.post("/login?next=/projects/", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/projects/"
