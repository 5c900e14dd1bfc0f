import re
from datetime import timedelta

import pyotp

from marketplace.accounts.models import User
from marketplace.common import clock
from marketplace.extensions import db
from tests.factories import PASSWORD


def _sign_in(client, email, password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def test_buyer_must_enrol_then_signs_in_with_totp(client, make_user, frozen_now):
    buyer = make_user("buyer", email="buyer@example.cn", with_2fa=False)
    db.session.commit()

    # Password accepted, but every page leads to enrolment until 2FA is on.
    assert _sign_in(client, "buyer@example.cn").status_code == 302
    forced = client.get("/account")
    assert forced.status_code == 302 and forced.headers["Location"].endswith("/account/2fa/setup")

    setup = client.get("/account/2fa/setup").get_data(as_text=True)
    assert "<svg" in setup
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', setup).group(1)

    wrong = client.post("/account/2fa/setup", data={"code": "000000"}).get_data(as_text=True)
    assert "验证码不正确" in wrong
    done = client.post("/account/2fa/setup", data={"code": pyotp.TOTP(secret).at(clock.now())})
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.get_data(as_text=True))
    assert len(codes) == 10
    assert client.get("/account").status_code == 200

    client.post("/logout")
    clock.advance(timedelta(seconds=90))  # a new TOTP step
    first_step = _sign_in(client, "buyer@example.cn")
    assert first_step.headers["Location"].startswith("/login/verify")
    assert client.get("/account").status_code == 302  # not signed in before the second factor

    assert "验证码不正确" in client.post("/login/verify", data={"code": "123456"}).get_data(as_text=True)
    assert client.post("/login/verify", data={"code": pyotp.TOTP(secret).at(clock.now())}).status_code == 302
    assert client.get("/account").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, buyer.id).totp_enabled_at is not None


def test_a_totp_code_cannot_be_replayed(client, make_user, frozen_now):
    user = make_user("buyer", email="replay@example.cn")
    db.session.commit()
    code = pyotp.TOTP(user.totp_secret).at(clock.now())
    _sign_in(client, "replay@example.cn")
    assert client.post("/login/verify", data={"code": code}).status_code == 302
    client.post("/logout")
    _sign_in(client, "replay@example.cn")
    assert "验证码不正确或已使用" in client.post("/login/verify", data={"code": code}).get_data(as_text=True)


def test_recovery_code_works_once(client, make_user):
    from marketplace.accounts.services import replace_recovery_codes

    user = make_user("registrar", email="lost-phone@example.cn")
    codes = replace_recovery_codes(user)
    db.session.commit()
    _sign_in(client, "lost-phone@example.cn")
    assert client.post("/login/verify", data={"code": codes[0]}).status_code == 302
    client.post("/logout")
    _sign_in(client, "lost-phone@example.cn")
    assert client.post("/login/verify", data={"code": codes[0]}).status_code == 200


def test_residents_may_skip_2fa(client, make_user):
    make_user("resident", email="resident@example.cn")
    db.session.commit()
    assert _sign_in(client, "resident@example.cn").headers["Location"] == "/"
    assert client.get("/account").status_code == 200
