"""Reading CSV for importers: every bad row is reported with its line number, nothing half-way."""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _


@dataclass
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return _("第 %(line)d 行：%(message)s", line=self.line, message=self.message)


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportRejected(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def read_table(content: bytes | str, filename: str = "data.csv") -> tuple[list[str], list[tuple[int, dict]]]:
    """Header and (line, row) pairs from CSV (UTF-8, BOM allowed) or the first sheet of an .xlsx file.

    Line numbers are what the person sees in their editor or spreadsheet (header = line 1).
    """
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [_cell(c) for c in next(rows, [])]
        pairs = [(line, {h: _cell(v) for h, v in zip(header, values, strict=False) if h})
                 for line, values in enumerate(rows, start=2) if any(_cell(v) for v in values)]
        return header, pairs
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    reader = csv.DictReader(io.StringIO(text))
    pairs = [(reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}) for row in reader]
    return list(reader.fieldnames or []), pairs


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def read_csv(source, required: list[str]) -> list[tuple[int, dict]]:
    """Rows as (line number in the file, dict). Missing columns reject the whole file at line 1."""
    header, rows = read_table(source)
    missing = [name for name in required if name not in header]
    if missing:
        raise ImportRejected([RowError(1, _("缺少列：%(columns)s", columns=", ".join(missing)))])
    return rows
