"""Browser tests: Debian's Chromium driven by Playwright against a live server on 127.0.0.1."""

import json
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from marketplace.cli import reset_database
from marketplace.extensions import db
from tests.conftest import make_test_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")  # axe-core, MPL-2.0


@pytest.fixture(autouse=True)
def _transaction():
    """The live server owns its own database; there is no per-test transaction to roll back."""
    yield


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


def _serve(path):
    app = make_test_app(f"sqlite:///{path}")
    with app.app_context():
        reset_database()
    server = LiveServer(app)
    server.start()
    return server


def _stop(server) -> None:
    server.stop()
    with server.app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    server = _serve(tmp_path_factory.mktemp("live") / "live.db")
    yield server
    _stop(server)


@pytest.fixture
def own_live_server(tmp_path):
    """A server with a database of its own, for a story whose reference data would collide with others'."""
    server = _serve(tmp_path / "own.db")
    yield server
    _stop(server)


@pytest.fixture
def screenshot(request):
    """`screenshot(name)` saves the test's page as test-artifacts/<name>.png; `of=` another page (a second browser
    context), `folder=` a subfolder of test-artifacts."""

    def take(name: str, *, of=None, folder: str | None = None) -> Path:
        target = of if of is not None else request.getfixturevalue("page")
        directory = ARTIFACTS / folder if folder else ARTIFACTS
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{name}.png"
        target.screenshot(path=str(path), full_page=True)
        return path

    return take


def docs_screenshot(page, name: str, *, max_height: int = 1600) -> Path:
    """A picture for the README, produced by the tests: docs/screenshots/<name>.png, 1280 px wide (the page's
    viewport), the top of the page down to `max_height` px."""
    DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    height = min(max_height, page.evaluate("document.documentElement.scrollHeight"))
    path = DOCS_SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height})
    return path


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical WCAG 2.1 A/AA violations on the page as it stands. The page's browser
    context needs `bypass_csp=True`, only so the test can inject axe."""
    page.wait_for_load_state()
    page.add_script_tag(content=AXE)
    return page.evaluate("""async () => {
        const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
        return r.violations.filter(v => ['serious', 'critical'].includes(v.impact)).map(v => ({
            id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")


def assert_accessible(page) -> None:
    found = serious_violations(page)
    assert found == [], f"{page.url}\n" + json.dumps(found, ensure_ascii=False, indent=1)


PASSWORD = "a-good-password-1"


def sign_in(page, server, email: str, *, secret: str | None = None, password: str = PASSWORD,
            landing: str | None = None, check=None) -> None:
    """Sign in through the form, with the second step when the account has a TOTP secret (the code of the app's
    clock, so a test that moved the clock signs in at its time); then on to `landing` (the form's `next`).
    `check(page)` runs on each form page on the way (e.g. `assert_accessible`)."""
    from urllib.parse import urlencode

    from marketplace.security import current_totp

    page.goto(server.url + "/login" + (f"?{urlencode({'next': landing})}" if landing else ""))
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill(password)
    if check:
        check(page)
    page.get_by_role("button", name="登录").click()
    if secret:
        page.get_by_label("验证码").fill(current_totp(secret))
        if check:
            check(page)
        page.get_by_role("button", name="验证并登录").click()


# -- people and data that several browser stories start from (each builds in the live server's database) ----------

def make_buyer(app, email: str, name: str = "李娜") -> str:
    """A buyer with two-factor sign-in turned on; returns the TOTP secret."""
    from marketplace.accounts.models import Role
    from marketplace.accounts.services import create_user
    from marketplace.common import clock
    from marketplace.security import new_totp_secret

    secret = new_totp_secret()
    with app.app_context():
        user = create_user(email, name, PASSWORD, Role.buyer, confirmed=True)
        user.totp_secret, user.totp_enabled_at = secret, clock.now()
        db.session.commit()
    return secret


def open_tender_with_bidder(app, email: str = "bidder.e2e@example.cn") -> int:
    """A published tender open for bids, and an organization member (`email`, PASSWORD) whose verified organization
    meets its conditions, with a certified social worker (王芳 E2E-SW-1); returns the tender id."""
    from datetime import date

    from marketplace.accounts.models import Role
    from marketplace.accounts.services import create_user
    from marketplace.common import clock
    from marketplace.organizations import records
    from marketplace.organizations import services as organizations
    from marketplace.organizations.models import FactKind, Membership, OrgAction, OrgRole
    from marketplace.regions.models import BodyKind
    from marketplace.regions.services import create_body, import_divisions_file, region_by_code
    from marketplace.tenders import services as tenders
    from tests.organizations.conftest import registration
    from tests.regions.test_regions import DIVISIONS
    from tests.tenders.conftest import build_market, build_ready_tender

    with app.app_context():
        import_divisions_file(DIVISIONS)
        market = build_market()
        tender = build_ready_tender(market)
        tenders.publish(tender, by=market["buyer"])
        bureau = create_body("东城区民政局（浏览器测试·投标）", BodyKind.civil_affairs, region_by_code("110101"))
        registrar = create_user("registrar.bid@example.cn", "陈晨", PASSWORD, Role.registrar, body=bureau,
                                confirmed=True)
        org = organizations.record_organization(registration(name="东城区浏览器投标社会工作服务中心"),
                                                region_by_code("110101001"), [], by=None)
        member = create_user(email, "孙悦", PASSWORD, Role.org_member, confirmed=True)
        db.session.add(Membership(organization=org, user_id=member.id, role=OrgRole.manager, joined_at=clock.now()))
        organizations.decide(org, OrgAction.verify, by=registrar)
        for kind, values in [(FactKind.inspection, {"year": clock.today().year - 1, "inspection_result": "合格"}),
                             (FactKind.social_worker, {"worker_level": "worker", "certificate_no": "E2E-SW-1",
                                                       "person_name": "王芳"})]:
            fact = records.submit_fact(org, kind, values | {"valid_from": date(clock.today().year, 1, 1)}, None,
                                       by=member)
            records.decide_fact(fact, True, by=registrar)
        db.session.commit()
        return tender.id


def open_evaluation_with_resident(app, email: str = "resident.rate@example.cn") -> tuple[int, str]:
    """A contract whose first report was accepted, so residents may rate it, and a resident it serves (`email`,
    tests.factories.PASSWORD); returns the evaluation id and the contract's title. The clock stays where
    build_active_contract left it (after the standstill), for the server too."""
    from marketplace.regions.services import import_divisions_file
    from tests import factories
    from tests.contracts.conftest import build_active_contract
    from tests.outcomes.conftest import accepted_evaluation
    from tests.regions.test_regions import DIVISIONS

    with app.app_context():
        import_divisions_file(DIVISIONS)
        parties = build_active_contract()
        evaluation = accepted_evaluation(parties)
        factories.user("resident", email=email, name="刘秀英", verified_community=factories.region("110101001001"))
        db.session.commit()
        return evaluation.id, parties["contract"].title


def fill_registration(page, name: str, code: str, certificate) -> None:
    """The organization registration form, as a 东城区 social-service agency would fill it in."""
    page.get_by_label("机构名称").fill(name)
    page.get_by_label("统一社会信用代码").fill(code)
    page.get_by_label("机构类型").select_option("social_service")
    page.get_by_label("登记管理机关").fill("北京市东城区民政局")
    page.get_by_label("成立登记日期").fill("2018-05-01")
    page.get_by_label("所在区县 / 街道").select_option("110101001")
    page.get_by_label("地址").fill("东城区东华门大街 1 号")
    page.get_by_label("法定代表人").fill("王芳")
    page.get_by_label("联系人", exact=True).fill("孙悦")
    page.get_by_label("联系电话").fill("010-65000000")
    page.get_by_label("联系邮箱").fill("contact@example.org")
    page.get_by_label("登记证书（PDF、JPG 或 PNG，不超过 10 MB）").set_input_files(str(certificate))
