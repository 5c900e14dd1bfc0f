"""Catalog files in and out: CSV and Excel (.xlsx), one documented column layout per kind.

Import checks every row first and reports each bad row with its line number; only a file without
errors is written, into a new draft version. Line numbers are the spreadsheet's (header = line 1).
"""

import csv
import io
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook

from marketplace.common.csvrows import ImportRejected, RowError, read_table
from marketplace.common.money import MoneyError, yuan

from . import rules
from .models import (
    CatalogKind,
    CatalogVersion,
    FunctionItem,
    PurchaseItem,
    QualificationCondition,
    Requirement,
    TransferStatus,
)

COLUMNS = {
    CatalogKind.purchase: ["code", "name", "description", "unit_standard", "price_min", "price_max", "negative",
                           "negative_reason", "required_conditions", "preferred_conditions", "functions"],
    CatalogKind.function: ["code", "department", "function_name", "transfer_mode", "undertaker_type",
                           "agreement_start", "agreement_end", "guidance_years", "status", "taken_back_reason",
                           "notes"],
    CatalogKind.qualification: ["code", "condition", "kind", "rule", "source"],
}
REQUIRED_COLUMNS = {
    CatalogKind.purchase: ["code", "name"],
    CatalogKind.function: ["code", "department", "function_name", "transfer_mode", "undertaker_type"],
    CatalogKind.qualification: ["code", "condition", "kind", "rule"],
}
PURCHASE_CODE = re.compile(r"^[A-Z](\d{2}){0,3}$")
YES = {"1", "yes", "y", "true", "是", "√"}
NO = {"", "0", "no", "n", "false", "否"}
MAX_ROWS = 50_000


def parse_file(kind: CatalogKind, content: bytes, filename: str, *, known_codes: frozenset[str] = frozenset(),
               check: Callable[[dict], list[str]] | None = None,
               progress: Callable[[int, int], None] | None = None):
    """Validate a whole file; returns model-ready dicts or raises ImportRejected with every bad row.

    `known_codes` are the purchase codes inherited from higher levels: a lower level may hang its own
    items under them without repeating them. `check` adds the caller's own per-row problems (such as
    references to conditions that no applicable catalog defines).
    """
    try:
        header, rows = read_table(content, filename)
    except (UnicodeDecodeError, csv.Error, ValueError, KeyError, OSError) as exc:
        raise ImportRejected([RowError(1, _("无法读取文件：%(error)s", error=type(exc).__name__))]) from exc
    missing = [c for c in REQUIRED_COLUMNS[kind] if c not in header]
    if missing:
        raise ImportRejected([RowError(1, _("缺少列：%(columns)s", columns=", ".join(missing)))])
    if len(rows) > MAX_ROWS:
        raise ImportRejected([RowError(1, _("文件超过 %(n)d 行，请拆分后导入", n=MAX_ROWS))])
    parser = PARSERS[kind]
    errors, parsed, seen = [], [], {}
    for index, (line, row) in enumerate(rows, start=1):
        code = row.get("code", "")
        if code in seen:
            errors.append(RowError(line, _("编码 “%(code)s” 重复（第 %(first)d 行已有）", code=code, first=seen[code])))
            continue
        seen[code] = line
        try:
            values = parser(row)
        except ValueError as exc:
            errors.append(RowError(line, str(exc)))
        else:
            parsed.append((line, values))
            errors.extend(RowError(line, problem) for problem in (check(values) if check else []))
        if progress and index % 500 == 0:
            progress(index, len(rows))
    if kind == CatalogKind.purchase:
        errors.extend(_check_tree(parsed, known_codes))
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.line))
    if not parsed:
        raise ImportRejected([RowError(1, _("文件中没有数据行"))])
    return [values for _line, values in parsed]


def item_values(kind: CatalogKind, row: dict) -> dict:
    """One item from a form, checked exactly as a file row is; raises ValueError with the reason."""
    clean = {k: ("" if v is None or v is False else "是" if v is True else str(v).strip()) for k, v in row.items()}
    clean.setdefault("code", "")
    return PARSERS[kind](clean)


def _purchase_row(row: dict) -> dict:
    code = row["code"].upper()
    if not PURCHASE_CODE.match(code):
        raise ValueError(_("编码 “%(code)s” 格式不对：应为一个大写字母加 0–3 组两位数字，如 A、A05、A0503",
                           code=row["code"]))
    if not row.get("name"):
        raise ValueError(_("名称不能为空"))
    negative = _flag(row.get("negative", ""), "negative")
    if negative and not row.get("negative_reason"):
        raise ValueError(_("列入负面清单的事项必须写明原因（negative_reason）"))
    price_min, price_max = _money(row.get("price_min")), _money(row.get("price_max"))
    if price_min is not None and price_max is not None and price_min > price_max:
        raise ValueError(_("参考价格下限大于上限"))
    level = (len(code) - 1) // 2 + 1
    return {"code": code, "name": row["name"], "level": level, "parent_code": code[:-2] if level > 1 else None,
            "description": row.get("description") or None, "unit_standard": row.get("unit_standard") or None,
            "price_min": price_min, "price_max": price_max, "negative": negative,
            "negative_reason": row.get("negative_reason") or None,
            "required_conditions": _codes(row.get("required_conditions")),
            "preferred_conditions": _codes(row.get("preferred_conditions")),
            "function_codes": _codes(row.get("functions"))}


def _check_tree(parsed: list[tuple[int, dict]], known_codes: frozenset[str]) -> list[RowError]:
    codes = {values["code"] for _line, values in parsed} | known_codes
    return [RowError(line, _("上级编码 “%(parent)s” 不存在", parent=values["parent_code"]))
            for line, values in parsed if values["parent_code"] and values["parent_code"] not in codes]


def _function_row(row: dict) -> dict:
    if not row["code"]:
        raise ValueError(_("编码不能为空"))
    for column in REQUIRED_COLUMNS[CatalogKind.function][1:]:
        if not row.get(column):
            raise ValueError(_("“%(column)s” 不能为空", column=column))
    status_text = row.get("status") or "planned"
    try:
        status = TransferStatus(status_text)
    except ValueError:
        allowed = "planned / transferred / taken_back"
        raise ValueError(_("状态 “%(status)s” 无效（%(allowed)s）", status=status_text, allowed=allowed)) from None
    if status == TransferStatus.taken_back and not row.get("taken_back_reason"):
        raise ValueError(_("收回的职能必须写明原因（taken_back_reason）"))
    start, end = _date(row.get("agreement_start")), _date(row.get("agreement_end"))
    if start and end and start > end:
        raise ValueError(_("协议开始日期晚于结束日期"))
    years = row.get("guidance_years") or "3"
    if not years.isdigit() or not 1 <= int(years) <= 10:
        raise ValueError(_("指导期 “%(years)s” 应为 1–10 的整数（年）", years=years))
    return {"code": row["code"], "department": row["department"], "function_name": row["function_name"],
            "transfer_mode": row["transfer_mode"], "undertaker_type": row["undertaker_type"],
            "agreement_start": start, "agreement_end": end, "guidance_years": int(years), "status": status,
            "taken_back_reason": row.get("taken_back_reason") or None, "notes": row.get("notes") or None}


def _qualification_row(row: dict) -> dict:
    if not row["code"] or not row.get("condition"):
        raise ValueError(_("编码和条件内容不能为空"))
    try:
        requirement = Requirement(row.get("kind", ""))
    except ValueError:
        raise ValueError(_("类型 “%(kind)s” 无效（required / preferred）", kind=row.get("kind", ""))) from None
    try:
        rule = rules.normalize(row.get("rule", ""))
    except rules.RuleError as exc:
        raise ValueError(_("规则有误：%(error)s", error=str(exc))) from None
    return {"code": row["code"], "text": row["condition"], "requirement": requirement, "rule": rule,
            "source": row.get("source") or None}


def _flag(raw: str, column: str) -> bool:
    value = raw.strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise ValueError(_("“%(column)s” 应为 是/否，而不是 “%(raw)s”", column=column, raw=raw))


def _money(raw: str | None) -> Decimal | None:
    if not raw:
        return None
    try:
        return yuan(raw)
    except MoneyError:
        raise ValueError(_("“%(raw)s” 不是有效金额", raw=raw)) from None


def _date(raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise ValueError(_("日期 “%(raw)s” 应写作 YYYY-MM-DD", raw=raw)) from None


def _codes(raw: str | None) -> str:
    return ";".join(part.strip() for part in re.split(r"[;；,，\s]+", raw or "") if part.strip())


PARSERS = {CatalogKind.purchase: _purchase_row, CatalogKind.function: _function_row,
           CatalogKind.qualification: _qualification_row}
MODELS = {CatalogKind.purchase: PurchaseItem, CatalogKind.function: FunctionItem,
          CatalogKind.qualification: QualificationCondition}


def item_row(kind: CatalogKind, i) -> list:
    """One item in its kind's column layout (the inverse of the row parsers)."""
    if kind == CatalogKind.purchase:
        return [i.code, i.name, i.description, i.unit_standard, i.price_min, i.price_max, "是" if i.negative else "否",
                i.negative_reason, i.required_conditions, i.preferred_conditions, i.function_codes]
    if kind == CatalogKind.function:
        return [i.code, i.department, i.function_name, i.transfer_mode, i.undertaker_type, i.agreement_start,
                i.agreement_end, i.guidance_years, i.status.value, i.taken_back_reason, i.notes]
    return [i.code, i.text, i.requirement.value, i.rule, i.source]


def item_form_data(kind: CatalogKind, item) -> dict:
    """An item as form data keyed by column name, so the edit form shows what is stored."""
    data = dict(zip(COLUMNS[kind], item_row(kind, item), strict=True))
    if kind == CatalogKind.purchase:
        data["negative"] = item.negative
    return data


def export_rows(version: CatalogVersion) -> list[list]:
    """Rows in the import layout, so an export can be edited and imported again."""
    return [COLUMNS[version.kind],
            *([("" if v is None else v) for v in item_row(version.kind, item)] for item in version.items)]


def to_csv(rows: list[list]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 CSV correctly


def to_xlsx(rows: list[list]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("catalog")
    for row in rows:
        sheet.append([str(v) if isinstance(v, Decimal | date) else v for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_rows(kind: CatalogKind) -> list[list]:
    examples = {
        CatalogKind.purchase: [["A", "公共服务", "", "", "", "", "否", "", "", "", ""],
                               ["A10", "社会治理服务", "", "", "", "", "否", "", "", "", ""],
                               ["A1001", "社区治理服务", "社区营造、居民议事", "项目", "50000", "500000", "否", "",
                                "Q01;Q02", "Q03", "F001"]],
        CatalogKind.function: [["F001", "区民政局", "社会组织等级评估的组织实施", "购买", "社会组织",
                                "2026-01-01", "2026-12-31", "3", "transferred", "", ""]],
        CatalogKind.qualification: [["Q01", "依法登记的社会团体、社会服务机构或基金会", "required",
                                     "registered_type in {社会团体, 民办非企业单位, 社会服务机构, 基金会}", ""],
                                    ["Q02", "上年度年检合格", "required", "last_annual_inspection == 合格", ""],
                                    ["Q03", "评估等级 3A 及以上", "preferred", "grade >= 3A", ""]],
    }
    return [COLUMNS[kind], *examples[kind]]
