"""Reading and changing dated settings, and the administrators' working-day calendar."""

import json
from datetime import date
from decimal import Decimal

from flask import g, has_app_context, has_request_context
from sqlalchemy import select

from marketplace.audit import services as audit
from marketplace.common import clock
from marketplace.common.workdays import WorkdayCalendar
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.regions.models import PREFIX_LENGTH, Region

from .models import CalendarDay, Setting
from .registry import BY_KEY


def _encode(value) -> str:
    return json.dumps(str(value) if isinstance(value, Decimal) else value, ensure_ascii=False)


def get_setting(key: str, *, region: Region | None = None, on: date | None = None):
    """The value in force on `on` (default today) for `region`: the nearest region up the tree with a
    row wins, then the national row, then the default from DESIGN.md."""
    spec = BY_KEY[key]
    on = on or clock.today()
    # A row's region holds `region` when its code is a prefix of region's (Region.contains): no walk up the tree.
    in_force = [row for row in _rows(key) if row.valid_from <= on and (
        row.code is None or (region is not None and region.code.startswith(row.code[:PREFIX_LENGTH[row.level]])))]
    if not in_force:
        return spec.default
    nearest = max(in_force, key=lambda row: (PREFIX_LENGTH[row.level] if row.code else 0, row.valid_from, row.id))
    return spec.parse(json.loads(nearest.value))


def _rows(key: str) -> list:
    """The dated rows of `key` with their region's code and level. In a request, every key's rows are read once:
    a page that shows a deadline or a weight for each of its cards then costs one statement, not one per card.
    Outside a request (jobs, the shell) they are read each time, so a long-running worker sees a change."""
    columns = select(Setting.key, Setting.value, Setting.valid_from, Setting.id, Region.code, Region.level) \
        .outerjoin(Region, Region.id == Setting.region_id)
    if not has_request_context():
        return db.session.execute(columns.where(Setting.key == key)).all()
    if "setting_rows" not in g:
        g.setting_rows = {}
        for row in db.session.execute(columns).all():
            g.setting_rows.setdefault(row.key, []).append(row)
    return g.setting_rows.get(key, [])


def set_setting(key: str, raw, *, by, region: Region | None = None, valid_from: date, note=None) -> Setting:
    spec = BY_KEY.get(key)
    if spec is None:
        raise DomainError(f"unknown setting {key}", field="key")
    try:
        value = spec.parse(raw)
    except ValueError as exc:
        raise DomainError(str(exc), field="value") from exc
    row = db.session.execute(
        select(Setting).where(Setting.key == key, Setting.valid_from == valid_from,
                              Setting.region_id == (region.id if region else None))
    ).scalar_one_or_none()
    if row is None:
        row = Setting(key=key, region_id=region.id if region else None, valid_from=valid_from,
                      created_at=clock.now())
        db.session.add(row)
    row.value, row.note, row.created_by_id = _encode(value), note, getattr(by, "id", None)
    db.session.flush()
    g.pop("setting_rows", None)
    audit.record(by, "setting.changed", row, data={
        "key": key, "value": _encode(value), "region": region.code if region else None,
        "valid_from": valid_from.isoformat(),
    })
    return row


def load_calendar() -> WorkdayCalendar:
    """The calendar with administrators' rows, loaded once per request."""
    if has_app_context() and "workday_calendar" in g:
        return g.workday_calendar
    rows = db.session.execute(select(CalendarDay.day, CalendarDay.is_working_day)).all()
    cal = WorkdayCalendar({day: working for day, working in rows})
    if has_app_context():
        g.workday_calendar = cal
    return cal


def set_calendar_day(day: date, is_working_day: bool, name: str, *, by) -> CalendarDay:
    row = db.session.get(CalendarDay, day) or CalendarDay(day=day)
    row.is_working_day, row.name, row.created_by_id = is_working_day, name, getattr(by, "id", None)
    db.session.add(row)
    db.session.flush()
    g.pop("workday_calendar", None)
    audit.record(by, "calendar.day_set", ("calendar_day", day.isoformat()),
                 data={"working": is_working_day, "name": name})
    return row


def remove_calendar_day(day: date, *, by) -> None:
    row = db.session.get(CalendarDay, day)
    if row is not None:
        db.session.delete(row)
        db.session.flush()
        g.pop("workday_calendar", None)
        audit.record(by, "calendar.day_removed", ("calendar_day", day.isoformat()))
