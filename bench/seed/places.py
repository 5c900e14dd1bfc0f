"""Regions, government bodies and catalogs.

The real reference data comes first, the way the demo loads it: `data/regions/divisions.csv` through the regions
import service, and the reference catalogs of `catalogs/` read by the catalog import's own parser
(`catalog.io.parse_file`), published once a year by each province-level civil-affairs bureau. Synthetic places are
added under them: communities for the real streets that have none in the file, the other Beijing districts of the
search vocabulary, and — at province scale — an invented province (江岭省, code 99…) with cities, districts,
streets and communities, so no synthetic code can collide with a real one.
"""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from bench.vocabulary import DISTRICTS
from marketplace.catalog import io as catalog_io
from marketplace.catalog.models import CatalogKind
from marketplace.catalog.services import References, default_title
from marketplace.common import clock
from marketplace.extensions import db
from marketplace.regions import services as regions
from marketplace.regions.models import Region

from . import words
from .writer import Dates, Writer

SYNTHETIC = "bench seed: synthetic (not a real division)"
REFERENCE_CATALOGS = [(CatalogKind.purchase, "purchase_central_2020.csv"),
                      (CatalogKind.qualification, "qualification_sample.csv"),
                      (CatalogKind.function, "function_transfer_sample.csv")]
INVENTED_PROVINCE = ("990000", "江岭省")
OTHER_DEPARTMENTS = ("残疾人联合会", "司法局", "妇女联合会", "退役军人事务局", "城市管理委员会")


@dataclass
class Place:
    id: int
    code: str
    name: str
    level: str
    parent: "Place | None"
    children: list = field(default_factory=list)
    bodies: list = field(default_factory=list)  # Body of this region

    @property
    def full_name(self) -> str:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node.name)
            node = node.parent
        return "".join(n for n in reversed(chain) if n != "市辖区") + self.name

    def ancestors(self) -> list["Place"]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    @property
    def district(self) -> "Place":
        node = self
        while node.level not in ("district",):
            node = node.parent
        return node


@dataclass
class Body:
    id: int
    name: str
    kind: str
    region: Place
    staff: dict = field(default_factory=dict)  # role → [(user id, email)]


class Places:
    def __init__(self, writer: Writer, dates: Dates, rng):
        self.w, self.dates, self.rng = writer, dates, rng
        self.by_code: dict[str, Place] = {}
        self.districts: list[Place] = []      # the districts in use (bodies, organizations, tenders)
        self.bodies: list[Body] = []
        self.provincial: list[Body] = []      # province-level bureaus: catalog issuers and registrars
        self.items_by_year: dict[int, list[str]] = {}

    # -- the real reference data -----------------------------------------------------------------------------

    def import_reference(self) -> None:
        """The divisions file through the regions import (one audit row, dated before all history)."""
        path = Path(current_app.config["DEMO_DATA_DIR"]) / "regions" / "divisions.csv"
        with clock.frozen(self.dates.reference):
            regions.import_divisions_file(path)
        db.session.flush()
        rows = db.session.execute(select(Region.id, Region.code, Region.name, Region.level, Region.parent_id)
                                  .order_by(Region.code)).all()
        by_id = {}
        for rid, code, name, level, _parent in rows:
            by_id[rid] = self.by_code[code] = Place(rid, code, name, level.value, None)
        for rid, _code, _name, _level, parent_id in rows:
            if parent_id is not None:
                by_id[rid].parent = by_id[parent_id]
                by_id[parent_id].children.append(by_id[rid])

    # -- synthetic regions -----------------------------------------------------------------------------------

    def _add(self, code: str, name: str, level: str, parent: Place | None) -> Place:
        place = Place(self.w.id("region"), code, name, level, parent)
        self.w.add("region", {"id": place.id, "code": code, "name": name, "level": level,
                              "parent_id": parent.id if parent else None, "source": SYNTHETIC})
        self.by_code[code] = place
        if parent is not None:
            parent.children.append(place)
        return place

    def _communities(self, street: Place, count: int) -> None:
        names = set()
        for j in range(1, count + 1):
            name = words.community_name(self.rng)
            while name in names:
                name = words.community_name(self.rng)
            names.add(name)
            self._add(f"{street.code}{j:03d}", name, "community", street)

    def _streets(self, district: Place, names: list[str]) -> None:
        street_no, town_no = 1, 101
        for name in names:
            town = name.endswith(("镇", "乡"))
            number = town_no if town else street_no
            town_no, street_no = (town_no + 1, street_no) if town else (town_no, street_no + 1)
            street = self._add(f"{district.code}{number:03d}", name, "street", district)
            self._communities(street, self.rng.randint(6, 14))

    def build(self, target_streets: int) -> None:
        """Districts in use, in this order, until they hold `target_streets` streets: 东城区 (real streets;
        synthetic communities where the file has none), 长宁区, the other Beijing districts, then 江岭省."""
        rng = self.rng
        for code in ("110101", "310105"):
            district = self.by_code[code]
            for street in district.children:
                if not street.children:
                    self._communities(street, rng.randint(6, 14))
            self.districts.append(district)
            if self._street_count() >= target_streets:
                return
        beijing = self.by_code["110100"]
        for name, (code, street_names) in DISTRICTS.items():
            if code in self.by_code:
                continue
            district = self._add(code, name, "district", beijing)
            self._streets(district, street_names.split())
            self.districts.append(district)
            if self._street_count() >= target_streets:
                return
        province = self._add(*INVENTED_PROVINCE, "province", None)
        stems = list(words.CITY_STEMS)
        rng.shuffle(stems)
        city_no = 0
        while self._street_count() < target_streets:
            city_no += 1
            city_name = stems[(city_no - 1) % len(stems)] + rng.choice("州阳川宁江原") + "市"
            city = self._add(f"99{city_no:02d}00", city_name, "city", province)
            used = set()
            for district_no in range(1, rng.randint(6, 10) + 1):
                name = rng.choice(words.PLACE_STEMS) + rng.choice(("区", "区", "县"))
                while name in used:
                    name = rng.choice(words.PLACE_STEMS) + rng.choice(("区", "区", "县"))
                used.add(name)
                district = self._add(f"99{city_no:02d}{district_no:02d}", name, "district", city)
                street_names, seen = [], set()
                for _ in range(rng.randint(9, 18)):
                    street = words.street_name(rng, town=rng.random() < 0.3)
                    if street not in seen:
                        seen.add(street)
                        street_names.append(street)
                self._streets(district, street_names)
                self.districts.append(district)
                if self._street_count() >= target_streets:
                    return

    def _street_count(self) -> int:
        return sum(len(d.children) for d in self.districts)

    @property
    def streets(self) -> list[Place]:
        return [s for d in self.districts for s in d.children]

    # -- government bodies ------------------------------------------------------------------------------------

    def _body(self, name: str, kind: str, region: Place) -> Body:
        body = Body(self.w.id("government_body"), name, kind, region)
        self.w.add("government_body", {"id": body.id, "name": name, "kind": kind, "region_id": region.id})
        region.bodies.append(body)
        self.bodies.append(body)
        return body

    def create_bodies(self, audit) -> None:
        """A civil-affairs bureau for each province in use; per district a civil-affairs and a finance bureau and
        one or two other departments; per street its office (街道办事处) or town government (镇人民政府)."""
        provinces = []
        for district in self.districts:
            top = district.ancestors()[-1]
            if top not in provinces:
                provinces.append(top)
        for province in provinces:
            suffix = "民政厅" if province.name.endswith("省") else "民政局"
            self.provincial.append(self._body(f"{province.name}{suffix}", "civil_affairs", province))
        for district in self.districts:
            full = district.full_name
            self._body(f"{full}民政局", "civil_affairs", district)
            self._body(f"{full}财政局", "finance", district)
            for department in self.rng.sample(OTHER_DEPARTMENTS, self.rng.randint(1, 2)):
                self._body(f"{full}{department}", "other_department", district)
            for street in district.children:
                town = street.name.endswith(("镇", "乡"))
                kind, suffix = ("township", "人民政府") if town else ("street_office", "办事处")
                self._body(f"{full}{street.name}{suffix}", kind, street)
        for body in self.bodies:
            audit.record(self.dates.reference, "body.created", "government_body", body.id, None,
                         {"name": body.name, "region": body.region.code, "kind": body.kind})

    def body_of(self, region: Place, kind: str) -> Body:
        return next(b for b in region.bodies if b.kind == kind)

    # -- catalogs ---------------------------------------------------------------------------------------------

    def create_catalogs(self, audit) -> None:
        """Every year: the reference catalogs from each province-level bureau (1 December of the year before),
        and each district's third-level purchase items with its negative list (15 December). In the latest year
        some districts revised their catalog in March (version 1 superseded) and a few hold a draft."""
        folder = Path(current_app.root_path).parent / "catalogs"
        parsed = {kind: catalog_io.parse_file(kind, (folder / name).read_bytes(), name)
                  for kind, name in REFERENCE_CATALOGS}
        central_codes = frozenset(row["code"] for row in parsed[CatalogKind.purchase])
        references = References({row["code"]: row for row in parsed[CatalogKind.qualification]},
                                {row["code"]: row for row in parsed[CatalogKind.function]})
        district_rows = self._district_rows(central_codes, references)
        for year in self.dates.years:
            for issuer in self.provincial:
                for kind, name in REFERENCE_CATALOGS:
                    self._version(issuer, year, kind, parsed[kind], date(year - 1, 12, 1), name, audit)
            for district in self.districts:
                issuer = self.body_of(district, "civil_affairs")
                published = date(year - 1, 12, 15)
                if year == self.dates.anchor.year and self.rng.random() < 0.3:
                    revised = date(year, 3, 1)
                    if self.dates.at(revised) < self.dates.now:
                        first = self._version(issuer, year, CatalogKind.purchase, district_rows, published,
                                              "district.csv", audit, superseded=revised)
                        self._version(issuer, year, CatalogKind.purchase, self._revised(district_rows), revised,
                                      "district-revised.csv", audit, number=first + 1)
                        continue
                self._version(issuer, year, CatalogKind.purchase, district_rows, published, "district.csv", audit)
                if year == self.dates.anchor.year and self.rng.random() < 0.1:
                    self._version(issuer, year, CatalogKind.purchase, self._revised(district_rows), None,
                                  "draft.csv", audit, number=2)
        self.items_by_year = {year: list(words.PURCHASABLE) for year in self.dates.years}

    def _district_rows(self, central_codes, references) -> list[dict]:
        """The district items written as an import file and read back by the import's parser, so they pass
        every check an administrator's upload would (tree, prices, conditions, negative-list reasons)."""
        header = ",".join(catalog_io.COLUMNS[CatalogKind.purchase])
        lines = [header]
        for code, name, unit, low, high, required, preferred, services, _indicators, _groups in words.ITEMS:
            description = "；".join(s for s, _w in services) + "等服务"
            functions = "F001" if code == "A1001" else ""
            lines.append(f"{code},{name},{description},{unit},{low},{high},否,,{required},{preferred},{functions}")
        for code, name, reason in words.NEGATIVE_ITEMS:
            lines.append(f"{code},{name},{name}（负面清单）,项目/年,,,是,{reason},,,")
        content = ("\n".join(lines) + "\n").encode("utf-8")
        return catalog_io.parse_file(CatalogKind.purchase, content, "district.csv", known_codes=central_codes,
                                     check=references.problems)

    @staticmethod
    def _revised(rows: list[dict]) -> list[dict]:
        revised = []
        for row in rows:
            row = dict(row)
            if row["price_max"] is not None:
                row["price_max"] = row["price_max"] * 11 / 10
            revised.append(row)
        return revised

    def _version(self, issuer: Body, year: int, kind: CatalogKind, rows: list[dict], published_on: date | None,
                 filename: str, audit, *, superseded: date | None = None, number: int = 1) -> int:
        vid = self.w.id("catalog_version")
        published = self.dates.at(published_on) if published_on else None
        created = (published or self.dates.now) - timedelta(days=2)
        gone = self.dates.at(superseded) if superseded else None
        status = "superseded" if gone else "published" if published else "draft"
        author = issuer.staff.get("catalog_admin", [None])[0]
        self.w.add("catalog_version", {
            "id": vid, "issuer_id": issuer.id, "year": year, "kind": kind.value, "number": number,
            "title": default_title(_Named(issuer.name), year, kind), "status": status,
            "note": f"由文件 {filename} 导入", "created_at": created, "created_by_id": author and author[0],
            "published_at": published, "published_by_id": author and author[0] if published else None,
            "superseded_at": gone})
        table = {CatalogKind.purchase: "purchase_item", CatalogKind.function: "function_item",
                 CatalogKind.qualification: "qualification_condition"}[kind]
        for values in rows:
            row = {"id": self.w.id(table), "version_id": vid, **values}
            for key, value in row.items():
                if hasattr(value, "value") and not isinstance(value, str | int):
                    row[key] = value.value
            self.w.add(table, row)
        if published:
            audit.record(published, "catalog.published", "catalog_version", vid, author,
                         {"kind": kind.value, "year": year, "number": number, "items": len(rows)})
        if gone:
            audit.record(gone, "catalog.superseded", "catalog_version", vid, author, {"by_version": number + 1})
        return number


class _Named:
    """`default_title` reads only the issuer's name."""

    def __init__(self, name: str):
        self.name = name


def target_streets(organizations: int) -> int:
    return max(17, math.ceil(organizations / 130))
