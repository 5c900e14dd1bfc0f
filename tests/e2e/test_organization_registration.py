import pytest
from playwright.sync_api import expect

from marketplace.accounts.models import Role
from marketplace.accounts.services import create_user
from marketplace.extensions import db
from marketplace.organizations import uscc
from marketplace.organizations.demo import DEMO_PDF
from marketplace.regions.services import import_divisions_file, region_by_code
from tests.e2e.conftest import fill_registration, sign_in
from tests.regions.test_regions import DIVISIONS

pytestmark = pytest.mark.e2e


def test_registration_with_a_wrong_check_character_shows_the_expected_one(live_server, page, screenshot, tmp_path):
    with live_server.app.app_context():
        if region_by_code("110101") is None:
            import_divisions_file(DIVISIONS)
        create_user("ngo.e2e@example.cn", "孙悦", "a-good-password-1", Role.org_member, confirmed=True)
        db.session.commit()
    good = uscc.with_check_character("52110101MJ7654321")
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    certificate = tmp_path / "登记证书.pdf"
    certificate.write_bytes(DEMO_PDF)

    sign_in(page, live_server, "ngo.e2e@example.cn")
    page.get_by_role("link", name="我的机构").click()
    fill_registration(page, "东城区晨光社会工作服务中心", wrong, certificate)
    page.get_by_role("button", name="提交登记").click()

    expect(page.get_by_text(f"第 18 位应为 “{good[17]}”，而不是 “{wrong[17]}”")).to_be_visible()
    expect(page.get_by_label("机构名称")).to_have_value("东城区晨光社会工作服务中心")
    expect(page.get_by_text("已收到您上传的证书文件")).to_be_visible()
    screenshot("organization-registration-check-character")

    page.get_by_label("统一社会信用代码").fill(good)
    page.get_by_role("button", name="提交登记").click()
    expect(page.get_by_text("机构已提交登记，请等待登记管理机关审核")).to_be_visible()
    expect(page.get_by_text("正在等待登记管理机关审核")).to_be_visible()
    screenshot("organization-pending")
