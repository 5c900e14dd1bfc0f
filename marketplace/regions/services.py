"""The region tree and the government bodies attached to it."""

from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.audit import services as audit
from marketplace.common.csvrows import ImportRejected, ImportReport, RowError, read_csv
from marketplace.errors import DomainError
from marketplace.extensions import db

from .models import (
    BODY_KIND_LABELS,
    BODY_LEVELS,
    CODE_LENGTH,
    LEVEL_LABELS,
    LEVEL_ORDER,
    BodyKind,
    GovernmentBody,
    Region,
    RegionLevel,
)


def region_by_code(code: str) -> Region | None:
    return db.session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()


def load_ancestors(regions) -> None:
    """Read every ancestor of `regions` into the session in one statement, so that `ancestors()` and `full_name`
    then walk up without a query per level — a page naming twenty places in twenty streets costs one statement,
    not twenty. Codes nest (110101001 lies in 110101, 110100 and 110000), so the codes say whom to read; a parent
    off that pattern is still found, by the walk's own look-up."""
    regions = list(regions)
    codes = {region.code[:length].ljust(6, "0") for region in regions for length in (2, 4, 6, 9)
             if length < len(region.code)} - {region.code for region in regions}
    if not codes:
        return
    found = {r.id: r for r in [*regions, *db.session.execute(select(Region).where(Region.code.in_(sorted(codes))))
                               .scalars()]}
    for region in found.values():  # linked, not just read: the session forgets rows nobody holds on to
        if region.parent_id in found:
            set_committed_value(region, "parent", found[region.parent_id])


def _check_row(row: dict, known: dict[str, RegionLevel]) -> str | None:
    code, name, level_text, parent = row["code"], row["name"], row["level"], row.get("parent_code", "")
    try:
        level = RegionLevel(level_text)
    except ValueError:
        return _("未知层级 “%(level)s”（应为 %(allowed)s）", level=level_text,
                 allowed="/".join(lv.value for lv in RegionLevel))
    if not code.isdigit() or len(code) != CODE_LENGTH[level]:
        return _("区划代码 “%(code)s” 应为 %(n)d 位数字（%(level)s）", code=code, n=CODE_LENGTH[level],
                 level=LEVEL_LABELS[level])
    if not name:
        return _("名称不能为空")
    if level == RegionLevel.province:
        return _("省级区划不应有上级") if parent else None
    if parent not in known:
        return _("上级区划 “%(parent)s” 不存在（须在文件前面的行或已导入）", parent=parent)
    if LEVEL_ORDER.index(known[parent]) != LEVEL_ORDER.index(level) - 1:
        return _("上级 “%(parent)s” 是%(parent_level)s区划，不能直接包含%(level)s区划", parent=parent,
                 parent_level=LEVEL_LABELS[known[parent]], level=LEVEL_LABELS[level])
    if len(code) > 6 and not code.startswith(parent):
        return _("代码 “%(code)s” 应以上级代码 “%(parent)s” 开头", code=code, parent=parent)
    return None


def import_divisions(source, *, by=None) -> ImportReport:
    """Load a divisions CSV (code, name, level, parent_code[, source]); all rows or none."""
    rows = read_csv(source, ["code", "name", "level", "parent_code"])
    existing = {r.code: r for r in db.session.execute(select(Region)).scalars()}
    known = {code: region.level for code, region in existing.items()}
    errors, seen = [], set()
    for line, row in rows:
        if row["code"] in seen:
            errors.append(RowError(line, _("区划代码 “%(code)s” 在文件中重复", code=row["code"])))
            continue
        problem = _check_row(row, known)
        if problem:
            errors.append(RowError(line, problem))
            continue
        seen.add(row["code"])
        known[row["code"]] = RegionLevel(row["level"])
    if errors:
        raise ImportRejected(errors)
    report = ImportReport()
    for _line, row in rows:
        region = existing.get(row["code"])
        if region is None:
            region = Region(code=row["code"])
            db.session.add(region)
            existing[row["code"]] = region
            report.created += 1
        else:
            report.updated += 1
        region.name, region.level = row["name"], RegionLevel(row["level"])
        region.parent = existing.get(row["parent_code"]) if row.get("parent_code") else None
        region.source = row.get("source") or None
    db.session.flush()
    audit.record(by, "regions.imported", None, data={"created": report.created, "updated": report.updated})
    return report


def import_divisions_file(path: Path, *, by=None) -> ImportReport:
    return import_divisions(Path(path).read_bytes(), by=by)


def create_body(name: str, kind: BodyKind, region: Region, *, by=None) -> GovernmentBody:
    if region.level not in BODY_LEVELS[kind]:
        raise DomainError(_("%(kind)s不能设在%(level)s区划", kind=BODY_KIND_LABELS[kind],
                            level=LEVEL_LABELS[region.level]), field="region")
    body = GovernmentBody(name=name, kind=kind, region=region)
    db.session.add(body)
    db.session.flush()
    audit.record(by, "body.created", body, data={"name": name, "region": region.code, "kind": kind.value})
    return body


def communities_of(region: Region) -> list[Region]:
    return db.session.execute(
        select(Region).where(Region.level == RegionLevel.community,
                             Region.code.startswith(region.code_prefix)).order_by(Region.code)
    ).scalars().all()


def all_communities() -> list[Region]:
    return db.session.execute(
        select(Region).where(Region.level == RegionLevel.community).order_by(Region.code)
    ).scalars().all()


def bodies() -> list[GovernmentBody]:
    return db.session.execute(
        select(GovernmentBody).join(GovernmentBody.region).order_by(Region.code, GovernmentBody.name)
    ).scalars().all()


def body_by_id(body_id: int) -> GovernmentBody | None:
    return db.session.get(GovernmentBody, body_id)
