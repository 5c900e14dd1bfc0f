"""A resident rates a project from a phone-sized screen (375 × 740), in a real browser."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.e2e.conftest import open_evaluation_with_resident, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def page(browser):
    """A phone: 375 × 740, touch."""
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_a_resident_rates_a_project_from_a_phone(own_live_server, page, screenshot):
    evaluation_id, title = open_evaluation_with_resident(own_live_server.app)
    sign_in(page, own_live_server, "resident.rate@example.cn", password=factories.PASSWORD)

    page.goto(f"{own_live_server.url}/outcomes/rate")
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    screenshot("outcomes-rate-list-375")
    page.get_by_role("link", name="去评价").click()
    page.get_by_label("4 星 · 满意", exact=True).check()
    page.get_by_label("留言（可选，公开显示）").fill("饭菜热乎，送餐准时")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing sideways on a phone
    screenshot("outcomes-rate-form-375")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_text("感谢您的评价")).to_be_visible()
    expect(page.get_by_text("已评价")).to_be_visible()

    page.goto(f"{own_live_server.url}/outcomes/evaluations/{evaluation_id}")
    expect(page.get_by_text("已有 1 位居民评价", exact=False)).to_be_visible()
    assert "刘秀英" not in page.locator("main").inner_text()  # her own name shows only in her account menu
