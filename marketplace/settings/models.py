from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.common.types import UTCDateTime
from marketplace.extensions import db
from marketplace.regions.models import Region


class Setting(db.Model):
    """A dated policy value: from valid_from on, for a region and everything below it (or everywhere)."""

    __tablename__ = "setting"
    __table_args__ = (UniqueConstraint("key", "region_id", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    value: Mapped[str] = mapped_column(Text)  # JSON-encoded, typed by the registry
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    valid_from: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    region: Mapped[Region | None] = relationship()


class CalendarDay(db.Model):
    """An administrator's entry in the working-day calendar; it wins over the built-in schedule."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_working_day: Mapped[bool]
    name: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
