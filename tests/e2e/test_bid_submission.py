"""An organization's staff member opens a tender, reads the checklist, fills in a bid, submits it and
downloads the receipt, in a real browser."""

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import open_tender_with_bidder, sign_in

pytestmark = pytest.mark.e2e


def test_an_organization_submits_a_bid_and_downloads_its_receipt(own_live_server, page, screenshot):
    tender_id = open_tender_with_bidder(own_live_server.app)
    sign_in(page, own_live_server, "bidder.e2e@example.cn")

    page.goto(f"{own_live_server.url}/tenders/{tender_id}")
    expect(page.get_by_text("已收到 0 份投标")).to_be_visible()
    page.get_by_role("link", name="我要投标").click()
    expect(page.get_by_text("符合全部必备条件，可以投标。")).to_be_visible()  # the checklist comes first
    screenshot("bid-checklist")
    page.get_by_label("投标报价（元）").fill("268000")
    page.get_by_label("费用项目 1").fill("人员经费")
    page.get_by_label("金额（元） 1").fill("268000")
    for label in ("服务方案", "团队与专业能力", "管理与保障"):
        page.get_by_label(label, exact=False).first.fill(f"{label}：每周两次上门探访，建立长者档案")
    page.get_by_label("持证社会工作者 1").select_option(label="王芳 E2E-SW-1")
    page.get_by_label("岗位 1").fill("项目主管")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("草稿已保存")).to_be_visible()
    expect(page.get_by_label("投标报价（元）")).to_have_value("268000.00")
    page.get_by_role("button", name="提交投标").click()
    expect(page.get_by_role("heading", name="投标回执")).to_be_visible()
    digest = page.locator("code.secret").inner_text()
    assert len(digest) == 64
    screenshot("bid-receipt")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载回执文件").click()
    receipt = json.loads(download_info.value.path().read_text(encoding="utf-8"))
    assert receipt["sha256"] == digest and receipt["received_at"]

    page.goto(f"{own_live_server.url}/tenders/{tender_id}")
    expect(page.get_by_text("已收到 1 份投标")).to_be_visible()
    assert "268,000" not in page.content() and "268000" not in page.content()
