import pyotp
import pytest

from marketplace.accounts.models import Role
from marketplace.accounts.services import create_user
from marketplace.catalog import services
from marketplace.catalog.models import CatalogKind
from marketplace.common import clock
from marketplace.extensions import db
from marketplace.regions.models import BodyKind
from marketplace.regions.services import create_body, import_divisions_file, region_by_code
from marketplace.security import new_totp_secret
from tests.regions.test_regions import DIVISIONS

pytestmark = pytest.mark.e2e


def _catalog_admin_with_a_draft(app) -> str:
    secret = new_totp_secret()
    with app.app_context():
        if region_by_code("110101") is None:
            import_divisions_file(DIVISIONS)
        bureau = create_body("东城区民政局（浏览器测试）", BodyKind.civil_affairs, region_by_code("110101"))
        user = create_user("catalog.e2e@example.cn", "刘洋", "a-good-password-1", Role.catalog_admin, body=bureau,
                           confirmed=True)
        user.totp_secret, user.totp_enabled_at = secret, clock.now()
        services.import_catalog(bureau, 2026, CatalogKind.purchase,
                                "code,name,negative,negative_reason\nA,公共服务,否,\nA10,社会治理服务,否,\n"
                                "A1001,社区网格员劳务派遣,是,政府只买服务不养人\n".encode(), "draft.csv", by=None)
        db.session.commit()
    return secret


def test_catalog_administrator_publishes_a_draft(live_server, page, screenshot):
    secret = _catalog_admin_with_a_draft(live_server.app)
    page.goto(live_server.url + "/login")
    page.get_by_label("电子邮箱").fill("catalog.e2e@example.cn")
    page.get_by_label("密码").fill("a-good-password-1")
    page.get_by_role("button", name="登录").click()
    page.get_by_label("验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="验证并登录").click()

    page.get_by_role("link", name="目录管理").click()
    page.get_by_role("link", name="东城区民政局（浏览器测试）2026年政府购买服务指导性目录").click()
    page.get_by_role("link", name="发布…").click()
    screenshot("catalog-publish-confirm")
    page.get_by_role("button", name="确认发布").click()

    assert page.get_by_text("目录已发布").is_visible()
    row = page.locator("tr.negative")
    assert "社区网格员劳务派遣" in row.inner_text() and "负面清单" in row.inner_text()
    page.get_by_label("筛选").fill("社会治理")
    assert page.locator("#items tbody tr:not([hidden])").count() == 1
    screenshot("catalog-published")
