import enum

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db


class RegionLevel(enum.Enum):
    province = "province"
    city = "city"
    district = "district"
    street = "street"
    community = "community"


LEVEL_LABELS = {
    RegionLevel.province: _l("省级"),
    RegionLevel.city: _l("市级"),
    RegionLevel.district: _l("区县级"),
    RegionLevel.street: _l("街道/乡镇级"),
    RegionLevel.community: _l("社区级"),
}

# Division codes: GB/T 2260 gives 6 digits down to the district; statistical codes add
# 3 digits for streets/towns and 3 more for communities.
CODE_LENGTH = {
    RegionLevel.province: 6,
    RegionLevel.city: 6,
    RegionLevel.district: 6,
    RegionLevel.street: 9,
    RegionLevel.community: 12,
}
# How many leading digits a region shares with everything beneath it (110000 北京市 → "11").
PREFIX_LENGTH = {
    RegionLevel.province: 2,
    RegionLevel.city: 4,
    RegionLevel.district: 6,
    RegionLevel.street: 9,
    RegionLevel.community: 12,
}
LEVEL_ORDER = list(RegionLevel)


class Region(db.Model):
    __tablename__ = "region"
    __table_args__ = (
        CheckConstraint("length(code) IN (6, 9, 12)", name="code_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[RegionLevel] = mapped_column(Enum(RegionLevel, native_enum=False, length=16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    source: Mapped[str | None] = mapped_column(String(500))

    parent: Mapped["Region | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Region"]] = relationship(back_populates="parent", order_by="Region.code")

    def ancestors(self) -> list["Region"]:
        """From the root down to the parent."""
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))

    @property
    def code_prefix(self) -> str:
        """The leading digits every region inside this one starts with; query subtrees with it."""
        return self.code[:PREFIX_LENGTH[self.level]]

    def contains(self, other: "Region") -> bool:
        return other.code.startswith(self.code_prefix)

    @property
    def full_name(self) -> str:
        return "".join(r.name for r in self.ancestors() if r.name != "市辖区") + self.name

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"


class BodyKind(enum.Enum):
    civil_affairs = "civil_affairs"   # 民政局
    finance = "finance"               # 财政局
    street_office = "street_office"   # 街道办事处
    township = "township"             # 镇政府
    other_department = "other_department"


BODY_KIND_LABELS = {
    BodyKind.civil_affairs: _l("民政局"),
    BodyKind.finance: _l("财政局"),
    BodyKind.street_office: _l("街道办事处"),
    BodyKind.township: _l("镇政府"),
    BodyKind.other_department: _l("其他部门"),
}

# Street offices and township governments govern a street/town; bureaus sit at district level or above.
BODY_LEVELS = {
    BodyKind.civil_affairs: {RegionLevel.province, RegionLevel.city, RegionLevel.district},
    BodyKind.finance: {RegionLevel.province, RegionLevel.city, RegionLevel.district},
    BodyKind.other_department: {RegionLevel.province, RegionLevel.city, RegionLevel.district},
    BodyKind.street_office: {RegionLevel.street},
    BodyKind.township: {RegionLevel.street},
}


class GovernmentBody(db.Model):
    __tablename__ = "government_body"
    __table_args__ = (UniqueConstraint("region_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[BodyKind] = mapped_column(Enum(BodyKind, native_enum=False, length=32))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)

    region: Mapped[Region] = relationship()

    def __repr__(self) -> str:
        return f"<GovernmentBody {self.name}>"
