"""Working days with the 2025 National Day / Mid-Autumn holiday: 1–8 October off, with make-up
working days on Sunday 28 September and Saturday 11 October (国办发明电〔2024〕12号)."""

from datetime import date

import pytest

from marketplace.common.workdays import WorkdayCalendar

cal = WorkdayCalendar()


def test_holiday_and_make_up_days_2025():
    assert not cal.is_working_day(date(2025, 10, 1))
    assert not cal.is_working_day(date(2025, 10, 8))
    assert cal.is_working_day(date(2025, 9, 28))    # Sunday, make-up working day
    assert cal.is_working_day(date(2025, 10, 11))   # Saturday, make-up working day
    assert not cal.is_working_day(date(2025, 10, 12))


def test_three_working_days_across_national_day():
    # Submitted Tuesday 30 Sep: Oct 1–8 are off, Oct 9 (Thu), 10 (Fri), 11 (make-up Sat) count.
    assert cal.add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)


def test_seven_working_days_across_national_day():
    # From Friday 26 Sep: 28 (Sun, make-up), 29, 30, then 9, 10, 11 (Sat, make-up), 13.
    assert cal.add_working_days(date(2025, 9, 26), 7) == date(2025, 10, 13)


def test_counting_working_days_between_dates():
    assert cal.working_days_between(date(2025, 9, 30), date(2025, 10, 11)) == 3
    assert cal.working_days_between(date(2025, 10, 1), date(2025, 10, 8)) == 0
    assert cal.working_days_between(date(2025, 10, 8), date(2025, 10, 1)) == 0


def test_zero_days_is_the_start_and_negative_is_refused():
    assert cal.add_working_days(date(2025, 10, 3), 0) == date(2025, 10, 3)
    with pytest.raises(ValueError):
        cal.add_working_days(date(2025, 10, 3), -1)


def test_administrator_rows_win_over_the_builtin_schedule():
    corrected = WorkdayCalendar({date(2025, 10, 11): False, date(2025, 10, 4): True})
    assert not corrected.is_working_day(date(2025, 10, 11))
    assert corrected.is_working_day(date(2025, 10, 4))


def test_years_beyond_the_package_fall_back_to_weekdays_plus_rows():
    assert cal.is_working_day(date(2031, 3, 3))       # a Monday
    assert not cal.is_working_day(date(2031, 3, 1))   # a Saturday
    spring_festival = WorkdayCalendar({date(2031, 1, 23): False})
    assert not spring_festival.is_working_day(date(2031, 1, 23))
