from datetime import date, timedelta
from decimal import Decimal

import pytest

from marketplace.common import clock, workdays
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.settings.services import get_setting, set_calendar_day, set_setting


def test_defaults_come_from_the_design():
    assert get_setting("need.reply_working_days") == 3
    assert get_setting("need.close_working_days") == 7
    assert get_setting("procurement.open_tender_threshold") == Decimal("2000000")
    assert get_setting("evaluation.resident_weight") == Decimal("0.70")


def test_dated_rows_take_effect_on_their_date(frozen_now):
    set_setting("procurement.open_tender_threshold", "4000000", by=None,
                valid_from=clock.today() + timedelta(days=10))
    assert get_setting("procurement.open_tender_threshold") == Decimal("2000000")
    assert get_setting("procurement.open_tender_threshold", on=clock.today() + timedelta(days=10)) == Decimal("4000000")


def test_the_nearest_region_wins(make_region):
    district, street = make_region("110101"), make_region("110101001")
    other = make_region("310105")
    set_setting("need.reply_working_days", 5, by=None, valid_from=date(2026, 1, 1))
    set_setting("need.reply_working_days", 2, by=None, region=district, valid_from=date(2026, 1, 1))
    on = date(2026, 6, 1)
    assert get_setting("need.reply_working_days", region=street, on=on) == 2
    assert get_setting("need.reply_working_days", region=other, on=on) == 5


def test_resident_weight_below_seventy_percent_is_refused():
    with pytest.raises(DomainError, match="0.70"):
        set_setting("evaluation.resident_weight", "0.69", by=None, valid_from=date(2026, 1, 1))


def test_calendar_rows_change_working_day_arithmetic(make_user):
    admin = make_user("platform_admin")
    set_calendar_day(date(2031, 1, 23), False, "春节", by=admin)
    db.session.flush()
    assert not workdays.is_working_day(date(2031, 1, 23))
    assert workdays.add_working_days(date(2031, 1, 22), 1) == date(2031, 1, 24)


def test_admin_changes_a_setting_through_the_page(client, login_as):
    login_as("platform_admin")
    response = client.post("/admin/settings/", data={
        "key": "need.reply_working_days", "value": "abc", "region_code": "", "valid_from": "2026-01-01"})
    assert response.status_code == 400 and "不是有效的值" in response.get_data(as_text=True)
    assert 'value="abc"' in response.get_data(as_text=True)
    ok = client.post("/admin/settings/", data={
        "key": "need.reply_working_days", "value": "4", "region_code": "", "valid_from": "2026-01-01"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert get_setting("need.reply_working_days", on=date(2026, 2, 1)) == 4
