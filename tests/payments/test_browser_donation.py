"""A donor in a real browser: project page → donation form → PaymentIntent flow against localstripe → its
webhook → the confirmation page. The live server is single-threaded and shares the test's connection, so the
test only drives the browser while the server works."""


from marketplace.extensions import db
from tests.payments.conftest import build_payable


def test_a_donation_reaches_its_confirmation_page(frozen_now, localstripe, webhooks, page):
    project = build_payable()["contract"]
    db.session.commit()
    page.goto(f"{webhooks.base}/contracts/{project.id}")
    page.get_by_role("link", name="为该项目捐赠").click()
    page.get_by_label("捐赠金额（元）").fill("100")
    page.get_by_label("署名（可选）").fill("张三")
    page.get_by_role("button", name="继续付款").click()
    page.get_by_role("button", name="用测试支付方式付款").click()
    assert page.locator("#donation-status").inner_text() in ("处理中", "已到账")
    webhooks.wait_for("payment_intent.succeeded")
    page.reload()
    assert page.locator("#donation-status").inner_text() == "已到账"
    assert "捐赠已到账" in page.content()
    page.get_by_role("link", name="返回项目页").click()
    assert "张三" in page.content() and "¥100.00" in page.content()
