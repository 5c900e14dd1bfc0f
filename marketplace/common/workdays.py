"""Working-day arithmetic with China's official holidays and make-up working days (调休).

The `chinesecalendar` package knows the State Council's schedule for the years it covers; for later
years (and for corrections) administrators enter calendar rows, which always win. Outside both, the
plain rule applies: Monday to Friday are working days.
"""

from collections.abc import Callable, Mapping
from datetime import date, timedelta

import chinese_calendar

_covered_years = range(
    min(chinese_calendar.constants.holidays).year, max(chinese_calendar.constants.holidays).year + 1
)


class WorkdayCalendar:
    def __init__(self, overrides: Mapping[date, bool] | None = None):
        self.overrides = dict(overrides or {})

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year in _covered_years:
            return chinese_calendar.is_workday(day)
        return day.weekday() < 5

    def holiday_name(self, day: date) -> str | None:
        if day.year in _covered_years and day not in self.overrides:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            return name if on_holiday else None
        return None

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after start (start itself never counts). n=0 returns start."""
        if n < 0:
            raise ValueError("n must not be negative")
        day, left = start, n
        while left:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: how many working days have passed since start by end."""
        if end <= start:
            return 0
        return sum(
            1 for offset in range(1, (end - start).days + 1)
            if self.is_working_day(start + timedelta(days=offset))
        )

    def next_working_day(self, day: date) -> date:
        return day if self.is_working_day(day) else self.add_working_days(day, 1)


def covered_years() -> range:
    return _covered_years


# The application installs a provider that adds the administrators' calendar rows.
_provider: Callable[[], WorkdayCalendar] = WorkdayCalendar


def set_calendar_provider(provider: Callable[[], WorkdayCalendar]) -> None:
    global _provider
    _provider = provider


def calendar() -> WorkdayCalendar:
    return _provider()


def is_working_day(day: date) -> bool:
    return calendar().is_working_day(day)


def add_working_days(start: date, n: int) -> date:
    return calendar().add_working_days(start, n)


def working_days_between(start: date, end: date) -> int:
    return calendar().working_days_between(start, end)
