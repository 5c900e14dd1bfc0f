"""The short path in English, in a real browser: switch language, sign in, browse funded projects, search, open a
project. The page chrome (navigation, headings, labels, buttons) carries no Chinese; only data may."""

import re

import pytest
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.search import services as search
from tests import factories
from tests.contracts.conftest import build_active_contract
from tests.test_i18n import ALLOWED_CHINESE, CJK

pytestmark = pytest.mark.e2e


def _chinese_in_chrome(page, selector="nav#site-nav, h1, h2, label, button, th, .pager") -> list[str]:
    """Lines of page chrome (navigation, headings, labels, buttons, table headers) still in Chinese — except the
    language switch's own "中文", which names the language in itself."""
    lines = "\n".join(page.locator(selector).all_inner_texts()).splitlines()
    return [line for line in lines if CJK.search(line) and line.strip() not in ALLOWED_CHINESE]


def test_an_english_visitor_signs_in_browses_searches_and_opens_a_project(own_live_server, page, screenshot,
                                                                         tmp_path):
    app = own_live_server.app
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "index")
    with app.app_context(), app.test_request_context():
        contract = build_active_contract()["contract"]
        factories.user("resident", email="reader@example.cn", name="Reader")
        db.session.commit()
        with search.writer_lock():
            search.rebuild()
        tender_id, title = contract.tender_id, contract.title

    page.goto(own_live_server.url + "/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(own_live_server.url + "/login")
    page.get_by_label("Email").fill("reader@example.cn")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))

    page.goto(own_live_server.url + "/projects/")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Funded projects"))
    assert _chinese_in_chrome(page) == []
    page.get_by_role("link", name="Search").first.click()
    page.get_by_role("searchbox").first.fill("长者助餐")
    page.get_by_role("searchbox").first.press("Enter")
    # result titles are data; the facet headings, labels and buttons are chrome
    assert _chinese_in_chrome(page, "nav#site-nav, h1, .facets h2, label, button, .pager, [role=status]") == []
    screenshot("english-search")
    page.locator(f'a[href="/projects/{tender_id}"]').first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    # indicator names in row headers are data; the column headers are chrome
    assert _chinese_in_chrome(page, "nav#site-nav, h2, thead th, .follow-form button") == []
    screenshot("english-project")
