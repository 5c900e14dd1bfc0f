"""Searching in Chinese from the home page and opening a result, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.search import services as search
from tests.contracts.conftest import build_active_contract

pytestmark = pytest.mark.e2e


def test_search_in_chinese_and_open_a_result(own_live_server, page, screenshot, tmp_path):
    app = own_live_server.app
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "index")
    with app.app_context(), app.test_request_context():
        organization = build_active_contract()["contract"].organization
        organization.introduction = "专业社会工作者团队，服务独居老人"
        db.session.commit()
        with search.writer_lock():
            search.rebuild()
        name = organization.name

    page.goto(own_live_server.url + "/")
    page.get_by_role("searchbox").first.fill("社会工作")
    page.get_by_role("searchbox").first.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q="))
    result = page.get_by_role("link", name=name)
    expect(result).to_be_visible()
    expect(page.locator("mark.hl").first).to_contain_text("社会工作")
    screenshot("search-results")
    result.click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
