import io
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from marketplace.common import clock, workdays
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db
from marketplace.needs.models import Need, NeedStatus
from marketplace.settings.services import set_setting

from .conftest import JPG, PNG


def test_deadlines_skip_national_day_and_count_the_makeup_saturday(make_need):
    clock.freeze(datetime(2026, 9, 30, 2, 0, tzinfo=UTC))  # Wednesday before the 2026 National Day holiday
    need = make_need()
    # 10-01…10-07 are holidays; Sat 10-10 is a make-up working day (调休), so it counts.
    assert date(2026, 10, 10).weekday() == 5 and workdays.is_working_day(date(2026, 10, 10))
    assert need.reply_due_on == date(2026, 10, 10)   # 10-08, 10-09, 10-10
    assert need.close_due_on == date(2026, 10, 15)   # … 10-12, 10-13, 10-14, 10-15
    assert need.status == NeedStatus.submitted and need.office.name == "东华门街道办事处"


def test_deadlines_follow_the_regional_setting(make_need, place):
    set_setting("need.reply_working_days", 5, by=None, region=place.district.region, valid_from=date(2026, 1, 1))
    need = make_need()  # Monday 2026-03-02
    assert need.reply_due_on == date(2026, 3, 9)
    assert need.close_due_on == date(2026, 3, 11)


def test_a_negative_list_item_is_refused_with_its_reason(make_need):
    with pytest.raises(DomainError, match="负面清单.*劳务派遣方式用工") as refused:
        make_need(item_code="A1004")
    assert refused.value.field == "item_code"


def test_an_item_outside_the_communitys_catalog_is_refused(make_need):
    with pytest.raises(DomainError, match="不在 2026 年本社区适用的购买服务目录中"):
        make_need(item_code="B0101")


def test_a_community_whose_street_has_no_office_is_refused(make_need, make_region):
    lonely = make_region("110101002001", name="交道口社区")
    with pytest.raises(DomainError, match="还没有在平台上开通") as refused:
        make_need(community=lonely)
    assert refused.value.field == "community"


@pytest.mark.parametrize("role", ["buyer", "org_member", "catalog_admin"])
def test_only_residents_and_grid_workers_submit(make_need, make_user, role):
    with pytest.raises(NotPermitted):
        make_need(by=make_user(role))


def test_a_grid_worker_records_a_need(make_need, make_user):
    assert make_need(by=make_user("grid_worker")).submitted_by.role.value == "grid_worker"


def test_the_phone_must_be_a_chinese_mobile_or_landline(make_need):
    with pytest.raises(DomainError, match="有效的手机号") as refused:
        make_need(contact_phone="12345")
    assert refused.value.field == "contact_phone"
    assert make_need(contact_phone="(010) 6500 1234").contact_phone == "010-65001234"


def test_up_to_three_jpg_or_png_photos(make_need):
    need = make_need(photos=[("a.png", PNG), ("b.jpg", JPG)])
    assert [(p.original_name, p.content_type) for p in need.photos] == [("a.png", "image/png"),
                                                                         ("b.jpg", "image/jpeg")]
    with pytest.raises(DomainError, match="最多上传 3 张"):
        make_need(photos=[("a.png", PNG)] * 4)
    with pytest.raises(DomainError, match="不是 JPG 或 PNG"):
        make_need(photos=[("scan.pdf", b"%PDF-1.4 fake")])


def test_the_office_is_told_about_a_new_need(make_need, make_user):
    from marketplace.notifications.models import Notification

    buyer = make_user("buyer")
    need = make_need()
    notes = db.session.execute(select(Notification).where(Notification.user_id == buyer.id)).scalars().all()
    assert [n.link for n in notes] == [f"/needs/{need.id}"]


# -- the form ----------------------------------------------------------------------------------------------

def _post(client, data, files=()):
    data = dict(data, csrf_token=client.csrf_token("/needs/new"))
    if files:
        data["photos"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post("/needs/new", data=data, content_type="multipart/form-data")


def test_the_form_keeps_everything_typed_and_the_chosen_photo_on_error(client, login_as, place):
    login_as("resident", verified_community=place.community)
    typed = {"community": place.community.code, "item_code": "A0401", "title": "楼道里需要助老扶手和送餐",
             "description": "3 号楼 12 位独居老人，行动不便。", "contact_phone": "1381234"}
    response = _post(client, typed, files=[("stairs.png", PNG)])
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "有效的手机号" in html
    for value in ["楼道里需要助老扶手和送餐", "3 号楼 12 位独居老人，行动不便。", 'value="1381234"', "stairs.png"]:
        assert value in html
    assert re.search(r'<option selected value="A0401">', html)
    token = re.search(r'name="photo_tokens" type="hidden" value="([0-9a-f]+)"', html).group(1)

    response = _post(client, dict(typed, contact_phone="13812341234", photo_tokens=token))
    assert response.status_code == 302
    need = db.session.execute(select(Need).where(Need.title == typed["title"])).scalar_one()
    assert [p.original_name for p in need.photos] == ["stairs.png"]
    assert response.headers["Location"].endswith(f"/needs/{need.id}")


def test_the_community_defaults_to_the_residents_verified_one(client, login_as, place):
    login_as("resident", verified_community=place.other)
    html = client.get("/needs/new").get_data(as_text=True)
    assert f'<option selected value="{place.other.code}">' in html


def test_the_form_is_for_residents_and_grid_workers(client, login_as, place):
    login_as("org_member")
    assert client.get("/needs/new").status_code == 403
