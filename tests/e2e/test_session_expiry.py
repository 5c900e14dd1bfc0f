"""A bid typed into a session that expired meanwhile is not lost: after signing in again the person finds it restored
and saved as the draft, in a real browser. The live server runs in a thread of this process, so moving the one
clock here moves it for the server too."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.bids import services as bids
from marketplace.bids.models import Bid, BidStatus
from marketplace.common import clock
from marketplace.extensions import db
from tests.e2e.conftest import PASSWORD, open_tender_with_bidder, sign_in

pytestmark = pytest.mark.e2e
PROPOSAL = "每周两次上门探访，为独居长者建立健康档案"


def test_a_bid_typed_before_the_session_expired_is_restored_and_saved_as_the_draft(own_live_server, page,
                                                                                   monkeypatch, screenshot):
    app = own_live_server.app
    monkeypatch.setitem(app.config, "ENFORCE_IDLE_TIMEOUT", True)
    tender_id = open_tender_with_bidder(app, email="expiry.bidder@example.cn")
    clock.freeze(clock.now())
    sign_in(page, own_live_server, "expiry.bidder@example.cn")
    expect(page.get_by_text("欢迎回来", exact=False)).to_be_visible()

    page.goto(f"{own_live_server.url}/bids/tender/{tender_id}")
    page.get_by_label("投标报价（元）").fill("268000")
    page.get_by_label("费用项目 1").fill("人员经费")
    page.get_by_label("金额（元） 1").fill("268000")
    page.get_by_label("服务方案", exact=False).first.fill(PROPOSAL)
    clock.advance(timedelta(minutes=61))  # an hour on the phone: longer than the idle timeout
    page.get_by_role("button", name="保存草稿").click()

    expect(page.get_by_text("您的登录已过期，填写的内容已保存，请重新登录后继续")).to_be_visible()
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    screenshot("session-expired-input-kept")
    page.get_by_label("电子邮箱").fill("expiry.bidder@example.cn")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_text("您登录过期前填写的内容已恢复，并已保存为草稿")).to_be_visible()
    expect(page.get_by_label("投标报价（元）")).to_have_value("268000.00")
    expect(page.get_by_label("费用项目 1")).to_have_value("人员经费")
    expect(page.get_by_label("服务方案", exact=False).first).to_have_value(PROPOSAL)
    screenshot("session-expired-input-restored")
    with app.app_context():
        draft = db.session.scalars(select(Bid).where(Bid.tender_id == tender_id,
                                                     Bid.status == BidStatus.draft)).one()
        content = bids.own_content(draft, db.session.get(User, draft.created_by_id))
    assert content["price"] == "268000.00" and PROPOSAL in {p["text"] for p in content["proposals"]}
