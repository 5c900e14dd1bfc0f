"""The whole loop in a real browser, through the pages only: a finance bureau publishes its purchase catalog and
funds a street office; a resident asks for meals for the elderly; the street office answers with a tender; two
organizations register, are verified, ask, bid; an evaluator scores; the award stands; both sides sign; the mid-term
report is accepted; residents rate; the tranche is paid through localstripe; and the public reads the project, finds
it in a Chinese search and downloads its OCDS record, which validates against the official schema.

Only what no page does is set up directly: the staff accounts, the region tree, the evaluator and residents (verified
to their community), the buyer's saved card (a platform administrator's Stripe setting). The clock is the app's:
the live server runs in this process, so `clock.freeze/advance` moves its time too. The story starts about nine
months ago, so that the last step, paid at the real time localstripe signs its webhooks with, comes after it.
Screenshots land in test-artifacts/story/, and a few in docs/screenshots/ for the README."""

import json
import re
import shutil
import threading
from datetime import UTC, datetime, timedelta

import pytest
from flask import request, request_finished
from playwright.sync_api import expect

from marketplace.common import clock
from marketplace.contracts.models import Contract
from marketplace.evaluation.policies import award_in_force
from marketplace.extensions import db
from marketplace.organizations import uscc
from marketplace.organizations.demo import DEMO_PDF
from marketplace.outcomes.models import Evaluation
from marketplace.payments.models import PayerMethod
from marketplace.regions.models import BodyKind, GovernmentBody
from marketplace.regions.services import import_divisions_file, region_by_code
from marketplace.search import services as search
from marketplace.security import current_totp
from marketplace.tenders.models import Tender
from tests import factories
from tests.api.ocds_checks import reference_problems, schema_errors
from tests.e2e.conftest import ARTIFACTS, PASSWORD, assert_accessible, docs_screenshot, fill_registration, sign_in
from tests.payments.conftest import SECRET_KEY, WEBHOOK_SECRET, LocalStripe
from tests.regions.test_regions import DIVISIONS

pytestmark = pytest.mark.e2e

TITLE = "东华门街道长者助餐服务项目"
NEED = "多福巷社区独居老人助餐需求"
ORGS = ("东城区晨光社会工作服务中心", "东城区和煦社区服务中心")
RESIDENTS = 10  # the default quorum of ratings (evaluation.rating_quorum)


def nav(page, name: str) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=name).click()


def flashed(page, text: str) -> None:
    """The page opened with a message that says `text`."""
    expect(page.locator(".flash", has_text=text)).to_be_visible()


def _story_start() -> datetime:
    """A Monday, 10:00 in Beijing, some 280 days ago: the bidding period, the standstill, half a year of service and
    the residents' month all fit before today."""
    day = datetime.now(clock.LOCAL_TZ).date() - timedelta(days=280)
    day -= timedelta(days=day.weekday())
    return datetime(day.year, day.month, day.day, 10, tzinfo=clock.LOCAL_TZ)


class Story:
    """Each person's own browser (a context, signed in through the form once), the numbered screenshots."""

    def __init__(self, browser, server, screenshot):
        self.browser, self.server, self.take = browser, server, screenshot
        shutil.rmtree(ARTIFACTS / "story", ignore_errors=True)  # no picture left over from an earlier run
        self.people, self.pages, self.contexts, self.shots = {}, {}, [], 0
        self.checked_sign_in = False

    def url(self, path: str) -> str:
        return self.server.url + path

    def browse(self):
        # bypass_csp only lets the test inject axe-core; the pages send their policy all the same.
        context = self.browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", bypass_csp=True)
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    def signed_in(self, who: str, landing: str | None = None):
        """`who`'s browser, signed in on first use (and left on `landing`); later, as that person left it. A second
        factor moves the clock to the next 30-second code first: a code is accepted once, and a frozen clock would
        otherwise offer the one just used."""
        if who not in self.pages:
            email, secret = self.people[who]
            if secret:
                clock.advance(timedelta(seconds=31))
            page = self.pages[who] = self.browse()
            # The sign-in forms are checked once, with the second step: by the first member of staff.
            check = assert_accessible if secret and not self.checked_sign_in else None
            self.checked_sign_in = self.checked_sign_in or bool(check)
            sign_in(page, self.server, email, secret=secret, landing=landing, check=check)
            flashed(page, "欢迎回来")
        return self.pages[who]

    def leave(self, who: str) -> None:
        context = self.pages.pop(who).context
        self.contexts.remove(context)
        context.close()

    def code(self, who: str) -> str:
        """A second-factor code of the next 30-second step, for a form that asks for one."""
        clock.advance(timedelta(seconds=31))
        return current_totp(self.people[who][1])

    def shot(self, page, name: str) -> None:
        self.shots += 1
        self.take(f"{self.shots:02d}-{name}", of=page, folder="story")

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def _setup(app, story: Story) -> None:
    """What no page does: the region tree, staff accounts of three bodies, the evaluator pool, residents verified to
    多福巷社区 and the organizations' staff accounts."""
    with app.app_context():
        import_divisions_file(DIVISIONS)
        finance = factories.body(BodyKind.finance, "110101", name="东城区财政局")
        bureau = factories.body(BodyKind.civil_affairs, "110101", name="东城区民政局")
        street = factories.body(BodyKind.street_office, "110101001", name="东华门街道办事处")
        community = region_by_code("110101001001")
        staff = {"finance": ("catalog_admin", finance, "刘洋"), "registrar": ("registrar", bureau, "陈晨"),
                 "buyer": ("buyer", street, "李娜")}
        for who, (role, body, name) in staff.items():
            user = factories.user(role, email=f"{who}@story.example.cn", name=name, password=PASSWORD, body_=body)
            story.people[who] = (user.email, user.totp_secret)
        others = [("evaluator", "evaluator", "周敏", {}), ("org1", "org_member", "孙悦", {}),
                  ("org2", "org_member", "赵磊", {}),
                  *((f"resident{n}", "resident", f"居民{n}", {"verified_community": community})
                    for n in range(RESIDENTS))]
        for who, role, name, fields in others:
            factories.user(role, email=f"{who}@story.example.cn", name=name, password=PASSWORD, **fields)
            story.people[who] = (f"{who}@story.example.cn", None)
        db.session.commit()


def _read(app, question):
    """Ask the database something the test needs to move the clock to (a deadline it set through the pages)."""
    with app.app_context():
        return question()


def catalog_and_budget(story: Story, tmp_path) -> None:
    """1. The district finance bureau publishes its purchase catalog and funds the street office's item."""
    page = story.signed_in("finance")
    nav(page, "目录管理")
    upload = tmp_path / "东城区政府购买服务目录.csv"
    upload.write_text("code,name,negative,negative_reason\nA,公共服务,否,\nA04,社会保障服务,否,\n"
                      "A0401,居家和社区养老服务,否,\nA10,社会治理服务,否,\n"
                      "A1002,社区网格员劳务派遣,是,政府只买服务不养人\n", encoding="utf-8")
    page.get_by_label("目录类型").select_option("purchase")
    page.get_by_label("文件（.xlsx 或 .csv）").set_input_files(str(upload))
    assert_accessible(page)
    page.get_by_role("button", name="检查并预览").click()
    expect(page.get_by_text("检查通过，共 5 行")).to_be_visible()
    assert_accessible(page)
    story.shot(page, "catalog-import-preview")
    page.get_by_role("button", name="确认导入").click()
    flashed(page, "已导入为草稿")
    page.get_by_role("link", name="发布…").click()
    expect(page.get_by_role("button", name="确认发布")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="确认发布").click()
    flashed(page, "目录已发布")
    story.shot(page, "catalog-published")

    nav(page, "目录管理")
    page.get_by_role("link", name="预算安排").click()
    page.get_by_label("预算单位").select_option(label="东华门街道办事处")
    page.get_by_label("目录事项编码").fill("A0401")
    page.get_by_label("预算金额（元）").fill("300000")
    page.get_by_label("资金来源").fill("区级财政预算")
    assert_accessible(page)
    page.get_by_role("button", name="保存预算").click()
    flashed(page, "预算已保存")
    expect(page.locator("tr", has_text="东华门街道办事处")).to_contain_text("¥300,000.00")
    story.shot(page, "budget-line")


def resident_need(story: Story) -> None:
    """2. A resident of 多福巷社区 asks for meals for the elderly living alone."""
    page = story.signed_in("resident0")
    nav(page, "群众需求")
    page.get_by_role("link", name="提交需求").click()
    expect(page.get_by_label("所在社区")).to_have_value("110101001001")  # her verified community
    page.get_by_label("需求类别").select_option("A0401")
    page.get_by_label("需求标题").fill(NEED)
    page.get_by_label("具体描述").fill("小区里独居老人有二十多位，做饭困难，希望社区有长者食堂或送餐服务。")
    assert_accessible(page)
    story.shot(page, "need-form")
    page.get_by_role("button", name="提交需求").click()
    flashed(page, "需求已提交")
    docs_screenshot(page, "need")
    story.leave("resident0")


def buyer_tender(story: Story) -> int:
    """3. The street office answers the need, drafts a tender from its catalog item, links the need, publishes,
    and forms the evaluation panel before the deadline."""
    page = story.signed_in("buyer")
    nav(page, "需求处理")
    page.get_by_role("link", name=NEED).click()
    page.get_by_label("答复内容（公开）").fill("已收到。街道将通过政府购买服务为多福巷社区引入长者助餐服务。")
    assert_accessible(page)
    page.get_by_role("button", name="发布答复").click()
    flashed(page, "答复已发布")

    page.get_by_role("link", name="按此需求的类别（A0401）新建采购项目").click()
    expect(page.get_by_label("购买服务事项")).to_have_value("A0401")
    page.get_by_label("项目名称").fill(TITLE)
    page.get_by_label("预算金额（元）").fill("280000")
    assert_accessible(page)
    page.get_by_role("button", name="创建草稿").click()
    flashed(page, "草稿已创建")
    page.get_by_label("多福巷社区", exact=False).first.check()
    page.get_by_label("服务内容与交付成果").fill("长者食堂运营\n每日助餐不少于 80 人次")
    assert_accessible(page)
    page.get_by_role("button", name="保存，下一步").click()
    page.get_by_label("竞争性磋商").check()
    assert_accessible(page)
    page.get_by_role("button", name="保存，下一步").click()
    page.get_by_label("指标 1").fill("助餐服务人次")
    page.get_by_label("目标值 1").fill("20000")
    page.get_by_label("单位 1").fill("人次")
    assert_accessible(page)
    page.get_by_role("button", name="保存，下一步").click()
    expect(page.get_by_role("heading", name="资质条件")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="保存，下一步").click()
    expect(page.get_by_label("分值 1")).to_have_value("20")  # the default scoring template: price 20, the rest 80
    assert_accessible(page)
    page.get_by_role("button", name="保存，下一步").click()
    local = clock.to_local(clock.now())
    page.get_by_label("提问截止").fill((local + timedelta(days=10)).strftime("%Y-%m-%dT10:00"))
    page.get_by_label("投标截止（开标时间）").fill((local + timedelta(days=15)).strftime("%Y-%m-%dT10:00"))
    assert_accessible(page)
    page.get_by_role("button", name="保存，下一步").click()
    page.get_by_label(NEED, exact=False).check()
    assert_accessible(page)
    page.get_by_role("button", name="保存，下一步").click()
    expect(page.get_by_text("全部检查通过")).to_be_visible()
    story.shot(page, "tender-preview")
    page.get_by_role("link", name="去发布").click()
    expect(page.get_by_role("button", name="确认发布")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="确认发布").click()
    flashed(page, f"已发布：{TITLE}")
    tender_id = int(re.search(r"/tenders/(\d+)", page.url).group(1))
    expect(page.get_by_role("link", name=NEED)).to_be_visible()

    page.get_by_role("link", name="组建评审小组").click()
    page.get_by_label("评审专家").select_option(label="周敏")
    assert_accessible(page)
    page.get_by_role("button", name="指派").click()
    flashed(page, "已指派评审专家")
    return tender_id


def register(story: Story, who: str, name: str, code: str, tmp_path, *, wrong_first: bool = False) -> None:
    """An organization registers through its member's account; a wrong check character is refused with the
    expected one, and nothing typed (nor the certificate) is lost."""
    page = story.signed_in(who)
    nav(page, "我的机构")
    certificate = tmp_path / "登记证书.pdf"
    certificate.write_bytes(DEMO_PDF)
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    fill_registration(page, name, wrong if wrong_first else code, certificate)
    if wrong_first:  # the same pages as the second organization's: checked once
        assert_accessible(page)
    page.get_by_role("button", name="提交登记").click()
    if wrong_first:
        expect(page.get_by_text(f"第 18 位应为 “{code[17]}”，而不是 “{wrong[17]}”")).to_be_visible()
        expect(page.get_by_label("机构名称")).to_have_value(name)
        expect(page.get_by_text("已收到您上传的证书文件")).to_be_visible()
        assert_accessible(page)
        story.shot(page, "organization-wrong-credit-code")
        page.get_by_label("统一社会信用代码").fill(code)
        page.get_by_role("button", name="提交登记").click()
    flashed(page, "机构已提交登记，请等待登记管理机关审核")
    if wrong_first:
        assert_accessible(page)  # 我的机构: its facts and team forms


def organizations(story: Story, tender_id: int, tmp_path) -> None:
    """4. Two organizations register and are verified; one asks a question, the buyer answers it."""
    for n, (who, name) in enumerate(zip(("org1", "org2"), ORGS, strict=True)):
        register(story, who, name, uscc.with_check_character(f"52110101MJ765432{n}"), tmp_path, wrong_first=n == 0)
    page = story.signed_in("registrar")
    for name in ORGS:
        nav(page, "登记审核")
        page.get_by_role("link", name=name).click()
        expect(page.get_by_role("button", name="通过认证")).to_be_visible()
        if name == ORGS[0]:
            assert_accessible(page)
        page.get_by_role("button", name="通过认证").click()
        flashed(page, f"已处理：{name}")
    story.shot(page, "registrar-verified")

    page = story.signed_in("org1")
    page.goto(story.url(f"/tenders/{tender_id}"))
    page.get_by_label("问题", exact=True).fill("助餐服务是否包括为行动不便的老人送餐上门？")
    assert_accessible(page)
    page.get_by_role("button", name="提交问题").click()
    flashed(page, "问题已提交")

    page = story.signed_in("buyer")
    nav(page, "我的采购项目")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_label("答复（向所有人公开）").fill("包括。送餐上门的人次计入助餐服务人次。")
    assert_accessible(page)
    page.get_by_role("button", name="发布答复").click()
    flashed(page, "答复已发布")
    story.shot(page, "question-answered")


def bid(story: Story, who: str, tender_id: int, price: str, *, receipt: bool = False) -> None:
    """5. An organization bids: the checklist first, then price, breakdown, a proposal per criterion and the team;
    the receipt's hash is the one in the downloaded receipt file."""
    page = story.signed_in(who)
    page.goto(story.url(f"/tenders/{tender_id}"))
    page.get_by_role("link", name="我要投标").click()
    expect(page.get_by_text("符合全部必备条件，可以投标。")).to_be_visible()
    page.get_by_label("投标报价（元）").fill(price)
    page.get_by_label("费用项目 1").fill("人员经费")
    page.get_by_label("金额（元） 1").fill(price)
    for label in ("服务方案", "团队与专业能力", "管理与保障"):
        page.get_by_label(label, exact=False).first.fill(f"{label}：长者食堂每日两餐，行动不便者送餐上门，建立长者档案")
    page.get_by_label("姓名（非持证人员） 1").fill("王芳")
    page.get_by_label("岗位 1").fill("项目主管")
    if receipt:
        assert_accessible(page)
        story.shot(page, "bid-form")
        docs_screenshot(page, "bid")
    page.get_by_role("button", name="提交投标").click()
    expect(page.get_by_role("heading", name="投标回执")).to_be_visible()
    if receipt:
        digest = page.locator("code.secret").inner_text()
        with page.expect_download() as download:
            page.get_by_role("link", name="下载回执文件").click()
        assert json.loads(download.value.path().read_text(encoding="utf-8"))["sha256"] == digest
        story.shot(page, "bid-receipt")


def evaluation(story: Story, tender_id: int) -> None:
    """7. The evaluator declares no conflict of interest and scores both bids, the first one better."""
    page = story.signed_in("evaluator")
    nav(page, "评审任务")
    page.get_by_role("link", name=TITLE).click()
    page.get_by_label("与以上投标机构均无利害关系").check()
    assert_accessible(page)
    page.get_by_role("button", name="提交声明").click()
    flashed(page, "声明已记录")
    for name, points in zip(ORGS, ((36, 22, 13), (30, 18, 10)), strict=True):
        card = page.locator("article.card", has=page.get_by_role("heading", name=name))
        for field, (score, reason) in enumerate(zip(points, ("方案与需求对应", "持证社工充足", "制度健全"),
                                                    strict=True)):
            card.get_by_label(re.compile(r"^分数")).nth(field).fill(str(score))
            card.get_by_label("评分理由").nth(field).fill(reason)
        if name == ORGS[0]:
            assert_accessible(page)
        card.get_by_role("button", name="保存草稿").click()
        flashed(page, "评分已保存（草稿）")
    story.shot(page, "scoring")
    page.get_by_role("link", name="提交评分…").click()
    expect(page.get_by_role("button", name="确认提交")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="确认提交").click()
    flashed(page, "评分已提交")


def award(story: Story, tender_id: int) -> None:
    """8. The buyer confirms the recommended bid; the notice goes public and the standstill starts."""
    page = story.signed_in("buyer")
    page.goto(story.url(f"/tenders/{tender_id}"))
    page.get_by_role("link", name="评审与定标").click()
    expect(page.locator("tr", has_text="推荐成交")).to_contain_text(ORGS[0])
    page.get_by_role("link", name="确认成交结果…").click()
    expect(page.get_by_label(ORGS[0])).to_be_checked()
    assert_accessible(page)
    page.get_by_role("button", name="确认并公示").click()
    flashed(page, "成交结果已确认并公示")
    story.shot(page, "award-notice")


def contract(story: Story, tender_id: int) -> int:
    """9. After the standstill the buyer generates the contract; both sides sign it, the buyer with a code."""
    page = story.signed_in("buyer")
    page.goto(story.url(f"/tenders/{tender_id}"))
    assert_accessible(page)
    page.get_by_role("button", name="公示期已满，生成合同").click()
    flashed(page, "合同已生成，请双方签署")
    contract_id = int(re.search(r"/contracts/(\d+)", page.url).group(1))
    page.get_by_role("link", name="签署合同").click()
    page.get_by_label("验证码").fill(story.code("buyer"))
    assert_accessible(page)
    story.shot(page, "contract-sign-buyer")
    page.get_by_role("button", name="确认签署（甲方）").click()
    flashed(page, "已签署")

    page = story.signed_in("org1")
    page.goto(story.url(f"/contracts/{contract_id}"))
    page.get_by_role("link", name="签署合同").click()
    expect(page.get_by_role("button", name="确认签署（乙方）")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="确认签署（乙方）").click()
    flashed(page, "已签署")
    expect(page.get_by_text("履行中", exact=False).first).to_be_visible()
    story.shot(page, "contract-active")
    return contract_id


def report(story: Story) -> None:
    """10. At the mid-term the organization reports what was delivered; the buyer accepts, opening the ratings."""
    page = story.signed_in("org1")
    nav(page, "绩效报告")
    page.locator("tr", has_text="中期").get_by_role("link", name="填写报告").click()
    page.get_by_label("助餐服务人次（人次）").fill("21000")
    page.get_by_label("老年人").fill("86")
    page.get_by_label("工作总结").fill("长者食堂运营正常，每日助餐约 110 人次，其中送餐上门 20 人次。")
    assert_accessible(page)
    story.shot(page, "report-form")
    page.get_by_role("button", name="提交报告").click()
    flashed(page, "报告已提交，等待采购人审核")

    page = story.signed_in("buyer")
    nav(page, "绩效审核")
    page.get_by_role("link", name=re.compile(f"{TITLE} · 中期")).click()
    expect(page.get_by_role("button", name="通过，开放居民评价")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="通过，开放居民评价").click()
    flashed(page, "报告已通过，居民评价已开放")


def ratings(story: Story) -> None:
    """11. Residents of the served community rate the stage: as many as the quorum asks."""
    for n in range(RESIDENTS):
        page = story.signed_in(f"resident{n}", landing="/outcomes/rate")
        page.get_by_role("link", name="去评价").click()
        page.get_by_label("5 星 · 很满意" if n % 3 else "4 星 · 满意", exact=True).check()
        if n == 0:
            page.get_by_label("留言（可选，公开显示）").fill("饭菜热乎，送餐准时")
            assert_accessible(page)
            story.shot(page, "rating-form")
        page.get_by_role("button", name="提交评价").click()
        flashed(page, "感谢您的评价")
        story.leave(f"resident{n}")


def close_evaluation(story: Story) -> None:
    """11. After the window the buyer closes the evaluation; the public score page shows R, G and w."""
    page = story.signed_in("buyer")
    nav(page, "绩效审核")
    expect(page.get_by_role("button", name="结束评价并计分")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="结束评价并计分").click()
    flashed(page, "评价已结束并计分")
    evaluation_id = int(re.search(r"/evaluations/(\d+)", page.url).group(1))
    page = story.browse()  # what the public reads
    page.goto(story.url(f"/outcomes/evaluations/{evaluation_id}"))
    # R: four 4-star ratings (75 points each) and six 5-star ones (100) average 90; G: the target was met, 100.
    expect(page.locator("[data-r]")).to_have_text("90.00")
    expect(page.locator("[data-g]")).to_have_text("100.00")
    expect(page.locator("[data-w]")).to_have_text("0.70")
    expect(page.locator("[data-count]")).to_have_text(str(RESIDENTS))
    story.shot(page, "score-page")
    docs_screenshot(page, "score")


def release_tranche(story: Story, contract_id: int) -> None:
    """12. The buyer releases the mid-term tranche with a code; localstripe charges the saved card, and its webhook
    (to the live server) confirms the payment."""
    confirmed = threading.Event()

    def on_webhook(sender, response, **extra):
        if request.path == "/payments/stripe/webhook" and response.status_code == 200:
            confirmed.set()

    page = story.signed_in("buyer")
    page.goto(story.url(f"/contracts/{contract_id}"))
    page.locator("#payments tr", has_text="中期").get_by_role("link", name="支付合同款").click()
    page.get_by_label("验证码").fill(story.code("buyer"))
    assert_accessible(page)
    story.shot(page, "release-tranche")
    request_finished.connect(on_webhook, story.server.app)
    try:
        page.get_by_role("button", name="确认付款").click()
        flashed(page, "付款已提交，到账确认后会通知双方")
        assert confirmed.wait(30), "localstripe's payment_intent.succeeded webhook never reached the live server"
    finally:
        request_finished.disconnect(on_webhook, story.server.app)
    page.reload()
    expect(page.locator("#payments tr", has_text="中期")).to_contain_text("已到账")
    story.shot(page, "tranche-paid")


def public(story: Story, tender_id: int) -> None:
    """13. Signed out: the home page, the project with its whole timeline, a Chinese search, the OCDS record."""
    page = story.browse()
    page.goto(story.url("/"))
    assert_accessible(page)  # its search form
    story.shot(page, "home")
    docs_screenshot(page, "home")
    page.goto(story.url(f"/tenders/{tender_id}"))
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    docs_screenshot(page, "tender")

    page.goto(story.url("/"))
    page.get_by_role("searchbox").first.fill("长者助餐")
    page.get_by_role("searchbox").first.press("Enter")
    expect(page).to_have_url(re.compile(r"/search\?q="))
    result = page.locator(f'a[href="/projects/{tender_id}"]').first
    expect(result).to_be_visible()
    expect(page.locator("mark.hl").first).to_be_visible()
    assert_accessible(page)
    story.shot(page, "search")
    docs_screenshot(page, "search")
    result.click()

    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    timeline = page.locator("ol.timeline.story")
    for step in (f"居民提出需求：{NEED}", "发布采购公告", "答复提问方 1 的问题", "开标：共 2 份有效投标",
                 f"成交结果公示：{ORGS[0]}", "双方签署，合同生效", "中期阶段报告通过审核", "中期阶段评价合格",
                 "居民评价 90.00 分（10 人）", "拨付中期款 ¥102,400.00"):
        expect(timeline).to_contain_text(step)
    story.shot(page, "project-timeline")
    docs_screenshot(page, "project")

    href = page.get_by_role("link", name="开放数据（OCDS 记录）").get_attribute("href")
    record = page.request.get(story.url(href)).json()
    assert schema_errors(record, "record-package") == []
    compiled = record["records"][0]["compiledRelease"]
    assert reference_problems(compiled) == []
    assert compiled["tender"]["title"] == TITLE and compiled["awards"][0]["suppliers"][0]["name"] == ORGS[0]


@pytest.fixture
def stripe_for_the_story(own_live_server):
    """localstripe in its own process for this story (no other test's late webhooks), the live server's app
    pointed at it, and its webhooks sent to the live server."""
    server = LocalStripe()
    app = own_live_server.app
    app.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                      STRIPE_API_BASE=server.url, STRIPE_HTTP_CLIENT=None, PAYMENTS_DONATION_FLOW="payment_intent")
    server.post("/_config/webhooks/story", {"url": own_live_server.url + "/payments/stripe/webhook",
                                            "secret": WEBHOOK_SECRET, "events[0]": "payment_intent.succeeded",
                                            "events[1]": "payment_intent.payment_failed"})
    yield server
    server.stop()


def _saved_card(app, server) -> None:
    """The street office pays with a card saved at localstripe: what a platform administrator records on the
    payments accounts page after setting it up with Stripe."""
    customer = server.client.v1.customers.create({"name": "东华门街道办事处"})
    method = server.client.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})
    with app.app_context():
        street = db.session.query(GovernmentBody).filter_by(name="东华门街道办事处").one()
        db.session.add(PayerMethod(body_id=street.id, stripe_customer_id=customer.id,
                                   stripe_payment_method_id=method.id, updated_at=clock.now()))
        db.session.commit()


def test_the_whole_loop_through_the_browser(own_live_server, stripe_for_the_story, browser, screenshot, tmp_path):
    app = own_live_server.app
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "index")
    clock.freeze(_story_start())
    story = Story(browser, own_live_server, screenshot)
    _setup(app, story)
    _saved_card(app, stripe_for_the_story)
    try:
        catalog_and_budget(story, tmp_path)
        resident_need(story)
        tender_id = buyer_tender(story)
        organizations(story, tender_id, tmp_path)
        bid(story, "org1", tender_id, "256000", receipt=True)  # 5. both bid; the first keeps its receipt
        bid(story, "org2", tender_id, "268000")

        # 6. The deadline passes: the next page load opens the bids.
        deadline = _read(app, lambda: db.session.get(Tender, tender_id).deadline_at)
        clock.freeze(deadline + timedelta(minutes=5))
        evaluation(story, tender_id)
        award(story, tender_id)

        # 8. The standstill ends without a challenge: the morning after the last day to challenge.
        last_day = _read(app, lambda: award_in_force(db.session.get(Tender, tender_id)).challenge_until)
        clock.freeze(clock.local_midnight(last_day + timedelta(days=1)) + timedelta(hours=9))
        contract_id = contract(story, tender_id)

        # 10. Half the term later, the mid-term stage falls due.
        due = _read(app, lambda: db.session.get(Contract, contract_id).milestones[1].due_on)
        clock.freeze(clock.local_midnight(due) + timedelta(hours=9))
        report(story)
        ratings(story)
        # 11. The residents' window ends.
        ends = _read(app, lambda: db.session.query(Evaluation).one().rating_ends_at)
        clock.freeze(ends + timedelta(hours=1))
        close_evaluation(story)

        # 12. Today, at the time localstripe signs its webhook with.
        assert clock.now() < datetime.now(UTC), "the story must end before today for the webhook's timestamp"
        clock.freeze(datetime.now(UTC))
        release_tranche(story, contract_id)

        # 13. The search writer (its own process in production) brings the index up to date.
        with app.app_context(), search.writer_lock():
            search.drain_all()
        public(story, tender_id)
    finally:
        story.close()
