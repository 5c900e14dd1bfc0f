"""Catalog verbs and questions: versions, inheritance by region, the negative list, budget lines."""

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, insert, select
from sqlalchemy.orm import contains_eager, selectinload

from marketplace.audit import services as audit
from marketplace.common import clock
from marketplace.common.money import yuan
from marketplace.common.states import transition
from marketplace.common.wording import join_clauses, join_items
from marketplace.errors import DomainError, InvalidTransition
from marketplace.extensions import db
from marketplace.regions import services as regions
from marketplace.regions.models import BODY_LEVELS, BodyKind, GovernmentBody, Region

from . import io as catalog_io
from .models import (
    VERSION_TRANSITIONS,
    BudgetLine,
    CatalogKind,
    CatalogVersion,
    FunctionItem,
    PurchaseItem,
    QualificationCondition,
    VersionAction,
    VersionStatus,
)
from .negative import MANDATORY_NEGATIVE


def create_draft(issuer: GovernmentBody, year: int, kind: CatalogKind, *, by, title: str | None = None,
                 note: str | None = None) -> CatalogVersion:
    number = (db.session.scalar(select(func.max(CatalogVersion.number)).where(
        CatalogVersion.issuer_id == issuer.id, CatalogVersion.year == year, CatalogVersion.kind == kind)) or 0) + 1
    version = CatalogVersion(issuer=issuer, year=year, kind=kind, number=number, status=VersionStatus.draft,
                             title=title or default_title(issuer, year, kind), note=note, created_at=clock.now(),
                             created_by_id=getattr(by, "id", None))
    db.session.add(version)
    db.session.flush()
    audit.record(by, "catalog.draft_created", version, data={"kind": kind.value, "year": year, "number": number})
    return version


def default_title(issuer: GovernmentBody, year: int, kind: CatalogKind) -> str:
    names = {CatalogKind.function: "政府职能转移目录", CatalogKind.purchase: "政府购买服务指导性目录",
             CatalogKind.qualification: "承接主体资质目录"}
    return f"{issuer.name}{year}年{names[kind]}"


def ensure_editable(version: CatalogVersion) -> None:
    """Published versions are immutable: a change needs a new draft."""
    if version.status != VersionStatus.draft:
        raise InvalidTransition(_("已发布的目录不能修改，请新建一个草稿版本"))


def publish(version: CatalogVersion, *, by) -> CatalogVersion:
    """Publish a draft; the version it replaces (same issuer, year, kind) becomes superseded."""
    ensure_editable(version)
    if not version.items:
        raise DomainError(_("空目录不能发布"))
    if version.kind == CatalogKind.purchase:
        # The conditions and functions an item points to must still be published when the item is.
        references = References.applicable_to(version.issuer, version.year)
        problems = [f"{item.code}：{problem}" for item in version.purchase_items
                    for problem in references.problems(_references_of(item))]
        if problems:
            raise DomainError(_("不能发布：%(problems)s", problems=join_clauses(problems)))
    now = clock.now()
    current = published_version(version.issuer, version.year, version.kind)
    if current is not None:
        transition(current, VersionAction.supersede, VERSION_TRANSITIONS, at=now, label="目录")
        audit.record(by, "catalog.superseded", current, data={"by_version": version.number})
        db.session.flush()  # the one-published-version index must see the old row leave first
    transition(version, VersionAction.publish, VERSION_TRANSITIONS, at=now, label="目录")
    version.published_by_id = getattr(by, "id", None)
    db.session.flush()
    audit.record(by, "catalog.published", version, data={"kind": version.kind.value, "year": version.year,
                                                         "number": version.number, "items": len(version.items)})
    return version


def published_version(issuer: GovernmentBody, year: int, kind: CatalogKind) -> CatalogVersion | None:
    return db.session.execute(select(CatalogVersion).where(
        CatalogVersion.issuer_id == issuer.id, CatalogVersion.year == year, CatalogVersion.kind == kind,
        CatalogVersion.status == VersionStatus.published)).scalar_one_or_none()


@dataclass
class EffectiveItem:
    code: str
    name: str
    level: int
    parent_code: str | None
    negative: bool
    negative_reason: str | None
    source: str                      # who put the item (or its negative mark) there
    item: PurchaseItem | None = None
    inherited: bool = False


@dataclass
class EffectiveCatalog:
    region: Region
    year: int
    items: dict[str, EffectiveItem] = field(default_factory=dict)
    versions: list[CatalogVersion] = field(default_factory=list)

    def get(self, code: str) -> EffectiveItem | None:
        return self.items.get(code)

    @property
    def negative_list(self) -> list[EffectiveItem]:
        return [item for item in self.items.values() if item.negative]


def effective_catalog(region: Region, year: int) -> EffectiveCatalog:
    """What bodies in `region` may buy in `year`: published purchase catalogs from the top of the tree down.

    A lower level may add items, describe them more closely or put them on the negative list; it can
    never take an item off a higher level's negative list, nor off the mandatory list.
    """
    result = EffectiveCatalog(region, year)
    for entry in MANDATORY_NEGATIVE:
        result.items[entry.code] = EffectiveItem(entry.code, str(entry.name), 1, None, True, str(entry.reason),
                                                 _("财政部令第102号"))
    for version in applicable_versions(region, year, CatalogKind.purchase):
        result.versions.append(version)
        for item in version.purchase_items:
            _merge(result, item, version, inherited=version.issuer.region_id != region.id)
    return result


def _merge(result: EffectiveCatalog, item: PurchaseItem, version: CatalogVersion, *, inherited: bool) -> None:
    above = result.items.get(item.code)
    if above is not None and above.negative and not item.negative:
        return  # a lower level cannot re-allow what is negative above
    result.items[item.code] = EffectiveItem(
        item.code, item.name, item.level, item.parent_code, item.negative, item.negative_reason,
        version.issuer.name, item=item, inherited=inherited)


@dataclass
class Check:
    name: str
    passed: bool
    message: str


@dataclass
class Verdict:
    """The answer to "may this body buy this item this year?", with every check that led to it."""
    checks: list[Check]
    budget: BudgetLine | None = None

    @property
    def ok(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def reason(self) -> str:
        return join_clauses(check.message for check in self.checks if not check.passed)


def is_purchasable(item_code: str, body: GovernmentBody, year: int) -> Verdict:
    catalog = effective_catalog(body.region, year)
    item = catalog.get(item_code)
    checks = []
    if item is None:
        checks.append(Check("in_catalog", False, _("“%(code)s” 不在 %(year)d 年适用于%(body)s的购买服务目录中",
                                                     code=item_code, year=year, body=body.name)))
    else:
        checks.append(Check("in_catalog", True, _("“%(code)s %(name)s” 在目录中（%(source)s）",
                                                    code=item.code, name=item.name, source=item.source)))
        if item.negative:
            checks.append(Check("not_negative", False, _("“%(name)s” 列入负面清单：%(reason)s",
                                                          name=item.name, reason=item.negative_reason)))
        else:
            checks.append(Check("not_negative", True, _("不在负面清单上")))
    line = budget_line(body, year, item_code)
    if line is None:
        checks.append(Check("budget", False, _("%(body)s %(year)d 年没有 “%(code)s” 的预算安排",
                                               body=body.name, year=year, code=item_code)))
    else:
        checks.append(Check("budget", True, _("有预算安排：¥%(amount)s（%(source)s）",
                                              amount=f"{line.amount:,.2f}", source=line.source)))
    return Verdict(checks, budget=line)


def budget_line(body: GovernmentBody, year: int, item_code: str) -> BudgetLine | None:
    return db.session.execute(select(BudgetLine).where(
        BudgetLine.body_id == body.id, BudgetLine.year == year, BudgetLine.item_code == item_code)
    ).scalar_one_or_none()


def budget_bodies(user) -> list[GovernmentBody]:
    """The bodies whose budget lines the user sets: the own body first, then, for a finance bureau, every body in
    its region (the policy lets the finance bureau over a body allocate its budget)."""
    from . import policies

    own = user.body if user.is_authenticated else None
    if own is None or not policies.can_set_budget(user, own):
        return []
    if own.kind != BodyKind.finance:
        return [own]
    inside = db.session.execute(
        select(GovernmentBody).join(Region, Region.id == GovernmentBody.region_id)
        .where(Region.code.startswith(own.region.code_prefix), GovernmentBody.id != own.id)
        .options(contains_eager(GovernmentBody.region)).order_by(Region.code, GovernmentBody.name)).scalars()
    return [own, *(body for body in inside if policies.can_set_budget(user, body))]


def set_budget_line(body: GovernmentBody, year: int, item_code: str, amount, source: str, *, by) -> BudgetLine:
    amount = yuan(amount)
    if amount <= Decimal("0"):
        raise DomainError(_("预算金额必须大于零"), field="amount")
    catalog = effective_catalog(body.region, year)
    item = catalog.get(item_code)
    if item is None:
        raise DomainError(_("“%(code)s” 不在适用的购买服务目录中", code=item_code), field="item_code")
    if item.negative:
        raise DomainError(_("“%(name)s” 列入负面清单，不能安排购买服务预算", name=item.name), field="item_code")
    line = budget_line(body, year, item_code)
    if line is None:
        line = BudgetLine(body=body, year=year, item_code=item_code, created_at=clock.now(),
                          created_by_id=getattr(by, "id", None), amount=amount, source=source)
        db.session.add(line)
    line.amount, line.source = amount, source
    db.session.flush()
    audit.record(by, "budget.line_set", line, data={"body": body.name, "year": year, "item": item_code,
                                                    "amount": str(amount), "source": source})
    return line


def import_catalog(issuer: GovernmentBody, year: int, kind: CatalogKind, content: bytes, filename: str, *,
                   by, publish_now: bool = False, progress=None) -> CatalogVersion:
    """Validate the whole file, then write it as a new draft (and publish it if asked). All or nothing."""
    parsed = check_file(issuer, year, kind, content, filename, progress=progress)
    version = create_draft(issuer, year, kind, by=by, note=_("由文件 %(name)s 导入", name=filename))
    # One executemany INSERT rather than an ORM object per row: 10,000 rows took 6.3 s as objects on PostgreSQL and
    # 1.2 s this way (bench/import_bench.py). The draft's own search-queue entry stands for all its items.
    db.session.execute(insert(catalog_io.MODELS[kind]), [{**values, "version_id": version.id} for values in parsed])
    db.session.expire(version)  # its item collection is read back from the database when asked for
    audit.record(by, "catalog.imported", version, data={"file": filename, "rows": len(parsed)})
    if publish_now:
        publish(version, by=by)
    return version


@dataclass
class Change:
    code: str
    name: str
    fields: dict[str, tuple[object, object]]

    @property
    def negative_move(self) -> str | None:
        if "negative" not in self.fields:
            return None
        return "onto" if self.fields["negative"][1] else "off"


@dataclass
class Diff:
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)

    @property
    def moved_to_negative(self) -> list[Change]:
        return [c for c in self.changed if c.negative_move == "onto"]

    @property
    def moved_off_negative(self) -> list[Change]:
        return [c for c in self.changed if c.negative_move == "off"]


_COMPARED = {
    CatalogKind.purchase: ["name", "description", "unit_standard", "price_min", "price_max", "negative",
                           "negative_reason", "required_conditions", "preferred_conditions", "function_codes"],
    CatalogKind.function: ["department", "function_name", "transfer_mode", "undertaker_type", "agreement_start",
                           "agreement_end", "guidance_years", "status", "taken_back_reason"],
    CatalogKind.qualification: ["text", "requirement", "rule"],
}


def diff_versions(old: CatalogVersion, new: CatalogVersion) -> Diff:
    """Added, removed and changed items between two versions of the same kind of catalog."""
    if old.kind != new.kind:
        raise DomainError(_("只能比较同一种目录的两个版本"))
    before = {item.code: item for item in old.items}
    after = {item.code: item for item in new.items}
    result = Diff(added=[after[c] for c in sorted(after.keys() - before.keys())],
                  removed=[before[c] for c in sorted(before.keys() - after.keys())])
    for code in sorted(before.keys() & after.keys()):
        fields = {name: (getattr(before[code], name), getattr(after[code], name)) for name in _COMPARED[new.kind]
                  if getattr(before[code], name) != getattr(after[code], name)}
        if fields:
            result.changed.append(Change(code, _item_name(after[code]), fields))
    return result


def _item_name(item) -> str:
    return getattr(item, "name", None) or getattr(item, "function_name", None) or item.text


def item_counts(versions: list[CatalogVersion]) -> dict[int, int]:
    """Items per version in three grouped queries, however many versions are listed (no N+1)."""
    ids, counts = [v.id for v in versions], {}
    for model in (PurchaseItem, FunctionItem, QualificationCondition):
        counts.update(db.session.execute(select(model.version_id, func.count()).where(model.version_id.in_(ids))
                                         .group_by(model.version_id)).all())
    return counts


def versions_of(issuer: GovernmentBody | None = None, *, published_only: bool = False):
    query = select(CatalogVersion).order_by(CatalogVersion.year.desc(), CatalogVersion.kind, CatalogVersion.number)
    if issuer is not None:
        query = query.where(CatalogVersion.issuer_id == issuer.id)
    if published_only:
        query = query.where(CatalogVersion.status == VersionStatus.published)
    return query


def find_issuer(region: Region) -> GovernmentBody | None:
    """The civil-affairs bureau of a region, which issues its catalogs."""
    return db.session.execute(select(GovernmentBody).where(
        GovernmentBody.region_id == region.id, GovernmentBody.kind == BodyKind.civil_affairs)).scalar_one_or_none()


def issuer_for_region(region_code: str, *, by=None) -> GovernmentBody:
    """The issuing bureau for a region, created if the region has none yet (imports on a fresh database).

    An unknown region is looked up in the shipped division codes.
    """
    region = regions.region_by_code(region_code)
    if region is None:
        regions.import_divisions_file(Path(current_app.config["DEMO_DATA_DIR"]) / "regions" / "divisions.csv",
                                      by=by)
        region = regions.region_by_code(region_code)
    if region is None:
        raise DomainError(_("没有代码为 %(code)s 的区划", code=region_code))
    if region.level not in BODY_LEVELS[BodyKind.civil_affairs]:
        raise DomainError(_("目录只能由区县级及以上的民政部门发布"))
    return find_issuer(region) or regions.create_body(f"{region.full_name}民政局", BodyKind.civil_affairs,
                                                      region, by=by)


def save_item(version: CatalogVersion, values: dict, *, by, item=None):
    """Add or change one item of a draft, with the same checks as a file row so the rules hold for both."""
    ensure_editable(version)
    try:
        clean = catalog_io.item_values(version.kind, values)
    except ValueError as exc:
        raise DomainError(str(exc)) from None
    if item is not None and clean["code"] != item.code:
        raise DomainError(_("修改事项时不能改编码；购买服务事项请用“移动”"), field="code")
    if any(i.code == clean["code"] and i is not item for i in version.items):
        raise DomainError(_("编码 “%(code)s” 已存在", code=clean["code"]), field="code")
    if version.kind == CatalogKind.purchase:
        codes = {i.code for i in version.purchase_items} | inherited_codes(version.issuer, version.year)
        if clean["parent_code"] and clean["parent_code"] not in codes:
            raise DomainError(_("上级编码 “%(parent)s” 不存在", parent=clean["parent_code"]), field="code")
        problems = References.applicable_to(version.issuer, version.year).problems(clean)
        if problems:
            raise DomainError(join_clauses(problems))
    if item is None:
        item = catalog_io.MODELS[version.kind](version=version)
        db.session.add(item)
    for name, value in clean.items():
        setattr(item, name, value)
    db.session.flush()
    audit.record(by, "catalog.item_saved", version, data={"code": item.code,
                                                          "negative": getattr(item, "negative", False)})
    return item


def delete_item(version: CatalogVersion, item, *, by) -> None:
    ensure_editable(version)
    children = [i.code for i in version.purchase_items if i.parent_code == item.code]
    if children:
        raise DomainError(_("请先删除或移走下级事项：%(codes)s", codes=join_items(children)))
    version.items.remove(item)
    db.session.flush()
    audit.record(by, "catalog.item_deleted", version, data={"code": item.code})


def move_targets(version: CatalogVersion, item: PurchaseItem) -> list[str]:
    """Parents an item may move under: not inside its own subtree, and its deepest child stays within 4 levels."""
    depth = max(i.level for i in version.purchase_items if i.code.startswith(item.code)) - item.level
    codes = {i.code for i in version.purchase_items} | inherited_codes(version.issuer, version.year)
    return sorted(code for code in codes if not code.startswith(item.code) and code != item.parent_code
                  and _level(code) + 1 + depth <= 4)


def move_purchase_item(version: CatalogVersion, item: PurchaseItem, parent_code: str, *, by) -> str:
    """Hang an item (and its subtree) under another parent; it takes the parent's next free code.

    Children are re-coded with it (A1003 › A100301 becomes A0405 › A040501), so the tree stays one
    coding scheme. Returns the new code.
    """
    ensure_editable(version)
    if parent_code not in move_targets(version, item):
        raise DomainError(_("不能移动到 “%(parent)s” 下", parent=parent_code), field="parent_code")
    taken = {i.code for i in version.purchase_items} | inherited_codes(version.issuer, version.year)
    new_code = next((f"{parent_code}{n:02d}" for n in range(1, 100) if f"{parent_code}{n:02d}" not in taken), None)
    if new_code is None:
        raise DomainError(_("“%(parent)s” 下已没有空闲编码", parent=parent_code), field="parent_code")
    old_code, renamed = item.code, {}
    for node in [i for i in version.purchase_items if i.code.startswith(old_code)]:
        renamed[node.code] = node.code = new_code + node.code[len(old_code):]
        node.level = _level(node.code)
        node.parent_code = node.code[:-2] if node.level > 1 else None
    db.session.flush()
    audit.record(by, "catalog.item_moved", version, data={"from": old_code, "to": new_code, "renamed": renamed})
    return new_code


def _level(code: str) -> int:
    return (len(code) - 1) // 2 + 1


def inherited_codes(issuer: GovernmentBody, year: int) -> frozenset[str]:
    """Purchase codes a body's own catalog can hang items under: everything effective one level up."""
    if issuer.region.parent is None:
        return frozenset()
    return frozenset(effective_catalog(issuer.region.parent, year).items)


def applicable_versions(region: Region, year: int, kind: CatalogKind) -> list[CatalogVersion]:
    """Published catalogs of one kind that apply in a region: its own and its ancestors', top first."""
    chain = [*region.ancestors(), region]
    depth = {r.id: i for i, r in enumerate(chain)}
    # The items come with them, each holding its version (pages name the issuer of a condition they cite).
    items = {CatalogKind.purchase: (CatalogVersion.purchase_items, PurchaseItem.version),
             CatalogKind.function: (CatalogVersion.function_items, FunctionItem.version),
             CatalogKind.qualification: (CatalogVersion.conditions, QualificationCondition.version)}[kind]
    versions = db.session.execute(
        select(CatalogVersion).join(CatalogVersion.issuer)
        .where(GovernmentBody.region_id.in_(depth), CatalogVersion.year == year, CatalogVersion.kind == kind,
               CatalogVersion.status == VersionStatus.published)
        .options(contains_eager(CatalogVersion.issuer), selectinload(items[0]).joinedload(items[1]))).scalars().all()
    return sorted(versions, key=lambda v: depth[v.issuer.region_id])


@dataclass
class References:
    """The qualification conditions and function-transfer items a region's purchase items may point to."""
    conditions: dict[str, QualificationCondition]
    functions: dict[str, FunctionItem]

    @classmethod
    def applicable_to(cls, issuer: GovernmentBody, year: int) -> "References":
        conditions, functions = {}, {}
        for version in applicable_versions(issuer.region, year, CatalogKind.qualification):
            conditions.update((c.code, c) for c in version.conditions)  # a lower level may restate a condition
        for version in applicable_versions(issuer.region, year, CatalogKind.function):
            functions.update((f.code, f) for f in version.function_items)
        return cls(conditions, functions)

    def problems(self, values: dict) -> list[str]:
        missing_conditions = [code for column in ("required_conditions", "preferred_conditions")
                              for code in split_codes(values[column]) if code not in self.conditions]
        missing_functions = [code for code in split_codes(values["function_codes"]) if code not in self.functions]
        problems = []
        if missing_conditions:
            problems.append(_("资质条件 %(codes)s 不在适用的已发布资质目录中", codes=join_items(missing_conditions)))
        if missing_functions:
            problems.append(_("职能事项 %(codes)s 不在适用的已发布职能转移目录中", codes=join_items(missing_functions)))
        return problems


def _references_of(item: PurchaseItem) -> dict:
    return {column: getattr(item, column) for column in ("required_conditions", "preferred_conditions",
                                                        "function_codes")}


def split_codes(joined: str | None) -> list[str]:
    return [code for code in (joined or "").split(";") if code]


def check_file(issuer: GovernmentBody, year: int, kind: CatalogKind, content: bytes, filename: str, *,
               progress=None) -> list[dict]:
    """Every check an import makes, without writing: the web preview and the import itself share it."""
    if kind != CatalogKind.purchase:
        return catalog_io.parse_file(kind, content, filename, progress=progress)
    references = References.applicable_to(issuer, year)
    return catalog_io.parse_file(kind, content, filename, known_codes=inherited_codes(issuer, year),
                                 check=references.problems, progress=progress)


# Other domains (tenders, projects) tell item pages where an item was used, without catalog importing them.
# Each provider is called as provider(item_code, region, year) and returns a list of objects with
# `title`, `url` and `label` attributes.
ITEM_USAGE_PROVIDERS: list = []


def item_usages(item_code: str, region: Region, year: int) -> list:
    return [usage for provider in ITEM_USAGE_PROVIDERS for usage in provider(item_code, region, year)]


def budget_lines_for_item(region: Region, year: int, item_code: str) -> list[BudgetLine]:
    """Budget set aside for an item by any body in the region and below (public: every yuan is followed)."""
    return db.session.execute(
        select(BudgetLine).join(BudgetLine.body).join(GovernmentBody.region)
        .where(BudgetLine.year == year, BudgetLine.item_code == item_code, Region.code.startswith(region.code_prefix))
        .options(contains_eager(BudgetLine.body)).order_by(BudgetLine.amount.desc())).scalars().all()


def items_referring_to(version: CatalogVersion, code: str) -> list[PurchaseItem]:
    """Purchase items of the same year, in the issuer's region and below, that point to a condition or function."""
    column = "function_codes" if version.kind == CatalogKind.function else None
    items = db.session.execute(
        select(PurchaseItem).join(PurchaseItem.version).join(CatalogVersion.issuer).join(GovernmentBody.region)
        .where(CatalogVersion.year == version.year, CatalogVersion.kind == CatalogKind.purchase,
               CatalogVersion.status == VersionStatus.published,
               Region.code.startswith(version.issuer.region.code_prefix))
        .order_by(PurchaseItem.code)).scalars().all()
    columns = [column] if column else ["required_conditions", "preferred_conditions"]
    return [item for item in items if any(code in split_codes(getattr(item, c)) for c in columns)]


def item_choices(year: int) -> list[tuple[str, str]]:
    """Purchase items (level 2 and below, not negative) published anywhere this year, one per code, for pickers."""
    rows = db.session.execute(
        select(PurchaseItem.code, PurchaseItem.name).join(PurchaseItem.version)
        .where(CatalogVersion.year == year, CatalogVersion.status == VersionStatus.published,
               CatalogVersion.kind == CatalogKind.purchase, PurchaseItem.level >= 2, PurchaseItem.negative.is_(False))
        .order_by(PurchaseItem.code)).all()
    return list({code: (code, f"{code} {name}") for code, name in rows}.values())
