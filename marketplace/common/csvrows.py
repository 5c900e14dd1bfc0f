"""Reading CSV for importers: every bad row is reported with its line number, nothing half-way."""

import csv
import io
from dataclasses import dataclass, field

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


def read_csv(source, required: list[str]) -> list[tuple[int, dict]]:
    """Rows as (line number in the file, dict). Missing columns reject the whole file at line 1."""
    if isinstance(source, bytes):
        source = source.decode("utf-8-sig")
    if isinstance(source, str):
        source = io.StringIO(source)
    reader = csv.DictReader(source)
    missing = [name for name in required if name not in (reader.fieldnames or [])]
    if missing:
        raise ImportRejected([RowError(1, _("缺少列：%(columns)s", columns=", ".join(missing)))])
    return [(reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}) for row in reader]
