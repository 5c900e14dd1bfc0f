import pyotp
import pytest

from tests.e2e.conftest import ARTIFACTS, make_buyer

pytestmark = pytest.mark.e2e


def test_buyer_signs_in_with_two_factor_in_a_real_browser(live_server, page, screenshot):
    secret = make_buyer(live_server.app, "browser.buyer@example.cn")
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="登录").first.click()
    page.get_by_label("电子邮箱").fill("browser.buyer@example.cn")
    page.get_by_label("密码").fill("a-good-password-1")
    screenshot("sign-in")
    page.get_by_role("button", name="登录").click()

    page.get_by_label("验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="验证并登录").click()
    assert page.get_by_text("欢迎回来，李娜").is_visible()
    page.get_by_text("李娜").first.click()
    page.get_by_role("link", name="我的账号").click()
    assert page.get_by_role("heading", name="我的账号").is_visible()
    assert page.get_by_text("已开启").is_visible()
    assert screenshot("signed-in-account").stat().st_size > 10_000


def test_sign_in_errors_keep_the_email_and_are_announced(live_server, page):
    page.goto(live_server.url + "/login")
    page.get_by_label("电子邮箱").fill("nobody@example.cn")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("alert").inner_text().strip() == "邮箱或密码不正确"
    assert page.get_by_label("电子邮箱").input_value() == "nobody@example.cn"


def test_home_page_fits_a_375_pixel_phone(browser, live_server):
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
    phone = context.new_page()
    phone.goto(live_server.url + "/")
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    phone.get_by_role("button", name="菜单").click()
    assert phone.get_by_role("link", name="平台说明").is_visible()
    phone.screenshot(path=str(ARTIFACTS / "home-375.png"), full_page=True)
    context.close()
