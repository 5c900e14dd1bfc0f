"""The three catalogs, versioned per issuing body, year and kind."""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.common.money import MoneyColumn
from marketplace.common.types import UTCDateTime, enum_column
from marketplace.extensions import db
from marketplace.regions.models import GovernmentBody


class CatalogKind(enum.Enum):
    function = "function"            # 政府职能转移目录
    purchase = "purchase"            # 政府购买服务指导性目录
    qualification = "qualification"  # 承接主体资质目录


class VersionStatus(enum.Enum):
    draft = "draft"
    published = "published"
    superseded = "superseded"


class VersionAction(enum.Enum):
    publish = "publish"
    supersede = "supersede"


VERSION_TRANSITIONS = {
    (VersionStatus.draft, VersionAction.publish): VersionStatus.published,
    (VersionStatus.published, VersionAction.supersede): VersionStatus.superseded,
}


class CatalogVersion(db.Model):
    __tablename__ = "catalog_version"
    __table_args__ = (
        UniqueConstraint("issuer_id", "year", "kind", "number"),
        # At most one published version per issuer, year and kind.
        Index("uq_catalog_version_one_published", "issuer_id", "year", "kind", unique=True,
              sqlite_where=text("status = 'published'"), postgresql_where=text("status = 'published'")),
        CheckConstraint("(status = 'draft') = (published_at IS NULL)", name="published_stamp"),
        CheckConstraint("(status = 'superseded') = (superseded_at IS NOT NULL)", name="superseded_stamp"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("government_body.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    kind: Mapped[CatalogKind] = mapped_column(enum_column(CatalogKind))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … per issuer, year and kind
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[VersionStatus] = mapped_column(enum_column(VersionStatus), default=VersionStatus.draft)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    issuer: Mapped[GovernmentBody] = relationship()
    purchase_items: Mapped[list["PurchaseItem"]] = relationship(
        back_populates="version", order_by="PurchaseItem.code", cascade="all, delete-orphan")
    function_items: Mapped[list["FunctionItem"]] = relationship(
        back_populates="version", order_by="FunctionItem.code", cascade="all, delete-orphan")
    conditions: Mapped[list["QualificationCondition"]] = relationship(
        back_populates="version", order_by="QualificationCondition.code", cascade="all, delete-orphan")

    @property
    def items(self) -> list:
        # By name: a dict of the three collections would load all three to return one.
        return getattr(self, {CatalogKind.purchase: "purchase_items", CatalogKind.function: "function_items",
                              CatalogKind.qualification: "conditions"}[self.kind])


class PurchaseItem(db.Model):
    """A node of the purchase-service tree: A › A05 › A0503 (› A050301)."""

    __tablename__ = "purchase_item"
    __table_args__ = (
        UniqueConstraint("version_id", "code"),
        CheckConstraint("level BETWEEN 1 AND 4", name="level_range"),
        CheckConstraint("NOT negative OR negative_reason IS NOT NULL", name="negative_has_reason"),
        CheckConstraint("price_min IS NULL OR price_max IS NULL OR price_min <= price_max", name="price_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("catalog_version.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    parent_code: Mapped[str | None] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    unit_standard: Mapped[str | None] = mapped_column(String(200))
    price_min: Mapped[Decimal | None] = mapped_column(MoneyColumn)
    price_max: Mapped[Decimal | None] = mapped_column(MoneyColumn)
    negative: Mapped[bool] = mapped_column(default=False)
    negative_reason: Mapped[str | None] = mapped_column(String(500))
    # Codes in the qualification and function-transfer catalogs, ";"-separated as in the import files.
    required_conditions: Mapped[str] = mapped_column(String(500), default="")
    preferred_conditions: Mapped[str] = mapped_column(String(500), default="")
    function_codes: Mapped[str] = mapped_column(String(500), default="")

    version: Mapped[CatalogVersion] = relationship(back_populates="purchase_items")


class TransferStatus(enum.Enum):
    planned = "planned"
    transferred = "transferred"
    taken_back = "taken_back"


class FunctionItem(db.Model):
    __tablename__ = "function_item"
    __table_args__ = (
        UniqueConstraint("version_id", "code"),
        CheckConstraint("status != 'taken_back' OR taken_back_reason IS NOT NULL", name="taken_back_has_reason"),
        CheckConstraint("guidance_years BETWEEN 1 AND 10", name="guidance_years_range"),
        CheckConstraint("agreement_start IS NULL OR agreement_end IS NULL OR agreement_start <= agreement_end",
                        name="agreement_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("catalog_version.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    department: Mapped[str] = mapped_column(String(200))
    function_name: Mapped[str] = mapped_column(String(500))
    transfer_mode: Mapped[str] = mapped_column(String(200))
    undertaker_type: Mapped[str] = mapped_column(String(200))
    agreement_start: Mapped[date | None] = mapped_column(Date)
    agreement_end: Mapped[date | None] = mapped_column(Date)
    guidance_years: Mapped[int] = mapped_column(Integer, default=3)
    status: Mapped[TransferStatus] = mapped_column(enum_column(TransferStatus), default=TransferStatus.planned)
    taken_back_reason: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)

    version: Mapped[CatalogVersion] = relationship(back_populates="function_items")


class Requirement(enum.Enum):
    required = "required"
    preferred = "preferred"


class QualificationCondition(db.Model):
    __tablename__ = "qualification_condition"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("catalog_version.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(String(1000))
    requirement: Mapped[Requirement] = mapped_column(enum_column(Requirement))
    rule: Mapped[str] = mapped_column(String(500))  # canonical text of catalog.rules
    source: Mapped[str | None] = mapped_column(String(1000))

    version: Mapped[CatalogVersion] = relationship(back_populates="conditions")


class BudgetLine(db.Model):
    """A body's budget for one purchase item in one year: without it the item cannot be tendered."""

    __tablename__ = "budget_line"
    __table_args__ = (
        UniqueConstraint("body_id", "year", "item_code"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("government_body.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    item_code: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(MoneyColumn)
    source: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    body: Mapped[GovernmentBody] = relationship()
