"""The one clock. Everything that needs "now" asks here, so tests can freeze and move time."""

from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

_frozen: datetime | None = None


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def today() -> date:
    """Today's date in China, which is what deadlines in working days count from."""
    return now().astimezone(LOCAL_TZ).date()


def to_local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ)


def local_midnight(day: date) -> datetime:
    """Start of a Chinese calendar day, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ).astimezone(UTC)


def freeze(moment: datetime) -> None:
    global _frozen
    if moment.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    _frozen = moment.astimezone(UTC)


def advance(delta: timedelta) -> None:
    if _frozen is None:
        raise RuntimeError("advance() only works on a frozen clock")
    freeze(_frozen + delta)


def unfreeze() -> None:
    global _frozen
    _frozen = None


def is_frozen() -> bool:
    return _frozen is not None


@contextmanager
def frozen(moment: datetime):
    previous = _frozen
    freeze(moment)
    try:
        yield
    finally:
        globals()["_frozen"] = previous
