import pytest
from playwright.sync_api import expect

from marketplace.accounts.models import Role
from marketplace.accounts.services import create_user
from marketplace.catalog import services
from marketplace.catalog.models import CatalogKind
from marketplace.common import clock
from marketplace.extensions import db
from marketplace.regions.models import BodyKind
from marketplace.regions.services import create_body, import_divisions_file, region_by_code
from marketplace.security import new_totp_secret
from tests.e2e.conftest import sign_in
from tests.regions.test_regions import DIVISIONS

pytestmark = pytest.mark.e2e


def _catalog_admin(app, email: str, body_name: str, kind: BodyKind, draft: bytes | None = None) -> str:
    secret = new_totp_secret()
    with app.app_context():
        if region_by_code("110101") is None:
            import_divisions_file(DIVISIONS)
        bureau = create_body(body_name, kind, region_by_code("110101"))
        user = create_user(email, "刘洋", "a-good-password-1", Role.catalog_admin, body=bureau, confirmed=True)
        user.totp_secret, user.totp_enabled_at = secret, clock.now()
        if draft:
            services.import_catalog(bureau, 2026, CatalogKind.purchase, draft, "draft.csv", by=None)
        db.session.commit()
    return secret


def test_catalog_administrator_publishes_a_draft(live_server, page, screenshot):
    secret = _catalog_admin(live_server.app, "catalog.e2e@example.cn", "东城区民政局（浏览器测试）",
                            BodyKind.civil_affairs, "code,name,negative,negative_reason\nA,公共服务,否,\n"
                            "A10,社会治理服务,否,\nA1001,社区网格员劳务派遣,是,政府只买服务不养人\n".encode())
    sign_in(page, live_server, "catalog.e2e@example.cn", secret=secret)

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


def test_administrator_uploads_with_progress_then_edits_and_moves_rows(live_server, page, screenshot, tmp_path):
    secret = _catalog_admin(live_server.app, "finance.e2e@example.cn", "东城区财政局（浏览器测试）", BodyKind.finance)
    sign_in(page, live_server, "finance.e2e@example.cn", secret=secret)
    upload = tmp_path / "catalog.csv"
    rows = ["code,name", "A,公共服务", "A04,养老服务", "A10,社会治理服务", "A1003,社区矫正社会工作",
            *(f"A10{n:02d},社区服务事项{n}" for n in range(4, 100))]
    upload.write_text("\n".join(rows) + "\n", encoding="utf-8")

    page.get_by_role("link", name="目录管理").click()
    page.get_by_label("年度").fill("2026")
    page.get_by_label("文件（.xlsx 或 .csv）").set_input_files(str(upload))
    with page.expect_request(lambda r: r.url.endswith("/catalogs/manage/import")) as sent:
        page.get_by_role("button", name="检查并预览").click()
    assert sent.value.resource_type == "xhr"  # sent by the progress script, not a plain form post
    # The page is replaced by the server's answer once the upload and the row checks finish.
    expect(page.get_by_text("检查通过，共 100 行")).to_be_visible()
    page.get_by_role("button", name="确认导入").click()
    assert page.get_by_text("已导入为草稿").is_visible()

    page.get_by_role("link", name="修改 A1003").click()
    page.get_by_label("名称").fill("社区矫正社会工作服务")
    page.get_by_role("button", name="保存修改").click()
    assert page.get_by_text("已保存事项 A1003").is_visible()
    page.get_by_role("link", name="修改 A1003").click()
    page.get_by_label("移动到上级事项").select_option("A04")
    page.get_by_role("button", name="移动").click()
    assert page.get_by_text("已将 A1003 移动为 A0401").is_visible()
    row = page.locator("#draft-items tr", has_text="A0401")
    assert "社区矫正社会工作服务" in row.inner_text()
    screenshot("catalog-draft-row-moved")
