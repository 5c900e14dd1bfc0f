"""A street-office buyer creates a tender from a catalog item in the browser, fixes a refusal, and publishes it."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from marketplace.accounts.models import Role
from marketplace.accounts.services import create_user
from marketplace.catalog import services as catalog
from marketplace.catalog.models import CatalogKind
from marketplace.common import clock
from marketplace.extensions import db
from marketplace.regions.models import BodyKind
from marketplace.regions.services import create_body, import_divisions_file, region_by_code
from marketplace.security import new_totp_secret
from tests.catalog.conftest import CATALOGS
from tests.e2e.conftest import sign_in
from tests.regions.test_regions import DIVISIONS

pytestmark = pytest.mark.e2e
PASSWORD = "a-good-password-1"


def _buyer(app) -> str:
    secret = new_totp_secret()
    with app.app_context():
        if region_by_code("110101") is None:
            import_divisions_file(DIVISIONS)
        city = create_body("北京市民政局（浏览器测试·采购）", BodyKind.civil_affairs, region_by_code("110000"))
        street = region_by_code("110101001")
        office = create_body("东华门街道办事处（浏览器测试）", BodyKind.street_office, street)
        catalog.import_catalog(city, 2026, CatalogKind.qualification,
                               (CATALOGS / "qualification_sample.csv").read_bytes(), "q.csv", by=None,
                               publish_now=True)
        catalog.import_catalog(city, 2026, CatalogKind.purchase, (
            "code,name,negative,negative_reason,required_conditions\nA,公共服务,否,,\nA04,社会保障服务,否,,\n"
            "A0401,居家和社区养老服务,否,,SD-R1\n").encode(), "p.csv", by=None, publish_now=True)
        catalog.set_budget_line(office, 2026, "A0401", "300000", "2026年区级财政预算", by=None)
        user = create_user("buyer.e2e@example.cn", "李娜", PASSWORD, Role.buyer, body=office, confirmed=True)
        user.totp_secret, user.totp_enabled_at = secret, clock.now()
        db.session.commit()
    return secret


def test_buyer_creates_and_publishes_a_tender_from_a_catalog_item(live_server, page, screenshot):
    secret = _buyer(live_server.app)
    sign_in(page, live_server, "buyer.e2e@example.cn", secret=secret)

    page.get_by_role("link", name="我的采购项目").first.click()
    page.get_by_role("link", name="从目录新建采购项目").click()
    page.get_by_label("购买服务事项").select_option("A0401")
    page.get_by_label("项目名称").fill("东华门街道长者助餐服务项目")
    page.get_by_label("预算金额（元）").fill("350000")
    page.get_by_role("button", name="创建草稿").click()
    # Refused with the reason, and nothing typed is lost.
    expect(page.get_by_text("超出该事项预算安排的剩余额度 ¥300,000.00")).to_be_visible()
    expect(page.get_by_label("项目名称")).to_have_value("东华门街道长者助餐服务项目")
    screenshot("tender-over-budget")
    page.get_by_label("预算金额（元）").fill("280000")
    page.get_by_role("button", name="创建草稿").click()
    expect(page.get_by_text("草稿已创建")).to_be_visible()

    page.get_by_label("多福巷社区", exact=False).first.check()
    page.get_by_label("服务内容与交付成果").fill("长者食堂运营\n每日助餐不少于 80 人次")
    page.get_by_role("button", name="保存，下一步").click()
    expect(page.get_by_role("heading", name="采购方式")).to_be_visible()
    page.get_by_label("竞争性磋商").check()
    page.get_by_role("button", name="保存，下一步").click()
    page.get_by_label("指标 1").fill("助餐服务人次")
    page.get_by_label("目标值 1").fill("20000")
    page.get_by_label("单位 1").fill("人次")
    page.get_by_role("button", name="保存，下一步").click()
    expect(page.get_by_role("heading", name="资质条件")).to_be_visible()
    page.get_by_role("button", name="保存，下一步").click()
    # The default scoring template is offered; a price weight of 35 is refused for services.
    page.get_by_label("分值 1").fill("35")
    page.get_by_label("分值 2").fill("25")
    page.get_by_role("button", name="保存，下一步").click()
    expect(page.get_by_text("价格分权重须在 10–30 之间，当前为 35")).to_be_visible()
    page.get_by_label("分值 1").fill("20")
    page.get_by_label("分值 2").fill("40")
    page.get_by_role("button", name="保存，下一步").click()
    expect(page.get_by_role("heading", name="时间安排")).to_be_visible()
    local = clock.to_local(clock.now())
    page.get_by_label("提问截止").fill((local + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("投标截止（开标时间）").fill((local + timedelta(days=15)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="保存，下一步").click()
    expect(page.get_by_role("heading", name="文件与需求")).to_be_visible()
    page.get_by_role("button", name="保存，下一步").click()

    expect(page.get_by_text("全部检查通过")).to_be_visible()
    screenshot("tender-preview")
    page.get_by_role("link", name="去发布").click()
    page.get_by_role("button", name="确认发布").click()
    expect(page.get_by_text("已发布：东华门街道长者助餐服务项目")).to_be_visible()
    expect(page.locator(".status-tendering")).to_be_visible()
    screenshot("tender-published")

    # The public sees it in the list without signing in.
    page.context.clear_cookies()
    page.goto(live_server.url + "/tenders/")
    expect(page.get_by_role("link", name="东华门街道长者助餐服务项目")).to_be_visible()
