"""The qualification rule language: small, typed, parsed (never eval'd) and validated on import.

    rule    := "manual" | clause ("and" clause)*
    clause  := FIELD | "not" FIELD | FIELD OP VALUE | FIELD "in" "{" VALUE ("," VALUE)* "}"
    OP      := ">=" | "<=" | ">" | "<" | "==" | "!="

Examples: `grade >= 3A`, `registered_type in {社会团体, 民办非企业单位}`, `last_annual_inspection == 合格`,
`annual_report_filed and not on_abnormal_list`, `certified_social_workers >= 7`. `manual` marks a condition
that a person must judge (e.g. governance documents); the engine reports it as "unknown".
"""

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

GRADES = ["1A", "2A", "3A", "4A", "5A"]
REGISTERED_TYPES = ["社会团体", "民办非企业单位", "社会服务机构", "基金会", "其他"]
INSPECTION_RESULTS = ["合格", "基本合格", "不合格"]
NUMERIC_OPS = {">=", "<=", ">", "<", "==", "!="}
EQUALITY_OPS = {"==", "!=", "in"}


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # "int", "bool", "grade" or "enum"
    label: object
    choices: tuple[str, ...] = ()

    @property
    def operators(self) -> set[str]:
        if self.kind == "bool":
            return set()
        if self.kind == "enum":
            return EQUALITY_OPS
        return NUMERIC_OPS | {"in"} if self.kind == "grade" else NUMERIC_OPS


FIELDS = {f.name: f for f in [
    Field("registered_type", "enum", _l("登记类型"), tuple(REGISTERED_TYPES)),
    Field("years_since_registration", "int", _l("成立年限")),
    Field("grade", "grade", _l("社会组织评估等级"), tuple(GRADES)),
    Field("last_annual_inspection", "enum", _l("最近一次年检结论"), tuple(INSPECTION_RESULTS)),
    Field("annual_report_filed", "bool", _l("已按时报送年度工作报告")),
    Field("on_abnormal_list", "bool", _l("列入活动异常名录")),
    Field("on_serious_violation_list", "bool", _l("列入严重违法失信名单")),
    Field("years_without_major_violation", "int", _l("连续无重大违法违规记录年数")),
    Field("fulltime_staff", "int", _l("专职工作人员数")),
    Field("certified_social_workers", "int", _l("持证社会工作者人数")),
    Field("tax_exempt", "bool", _l("具有非营利组织免税资格")),
]}


class RuleError(ValueError):
    pass


@dataclass(frozen=True)
class Clause:
    field: str
    op: str          # an OP, "in", "is" (bare boolean) or "not"
    value: object = None

    def text(self) -> str:
        if self.op == "is":
            return self.field
        if self.op == "not":
            return f"not {self.field}"
        if self.op == "in":
            return f"{self.field} in {{{', '.join(self.value)}}}"
        return f"{self.field} {self.op} {self.value}"


@dataclass(frozen=True)
class Rule:
    clauses: tuple[Clause, ...]
    manual: bool = False

    def text(self) -> str:
        return "manual" if self.manual else " and ".join(c.text() for c in self.clauses)


_CLAUSE = re.compile(
    r"^(?P<field>[a-z_]+)\s*(?:(?P<op>>=|<=|==|!=|>|<)\s*(?P<value>\S+)|\s+in\s*\{(?P<set>[^{}]*)\})?$"
)


def parse(text: str) -> Rule:
    """Parse and type-check a rule; RuleError says exactly what is wrong."""
    text = (text or "").strip()
    if not text:
        raise RuleError(str(_l("规则不能为空（需要人工审核的条件请写 manual）")))
    if text == "manual":
        return Rule((), manual=True)
    return Rule(tuple(_parse_clause(part.strip()) for part in re.split(r"\s+and\s+", text)))


def _parse_clause(part: str) -> Clause:
    negated = part.startswith("not ")
    if negated:
        part = part[4:].strip()
    match = _CLAUSE.match(part)
    if not match:
        raise RuleError(str(_l("无法识别的条件 “%(part)s”", part=part)))
    name = match["field"]
    field = FIELDS.get(name)
    if field is None:
        raise RuleError(str(_l("未知字段 “%(name)s”（可用：%(known)s）", name=name, known=", ".join(FIELDS))))
    op = "in" if match["set"] is not None else match["op"]
    if op is None or negated:
        if field.kind != "bool" or (negated and op is not None):
            raise RuleError(str(_l("字段 “%(name)s” 需要比较运算符", name=name)))
        return Clause(name, "not" if negated else "is")
    if op not in field.operators:
        raise RuleError(str(_l("字段 “%(name)s” 不支持运算符 “%(op)s”", name=name, op=op)))
    if op == "in":
        values = tuple(v.strip() for v in match["set"].split(",") if v.strip())
        return Clause(name, "in", tuple(_check_value(field, v) for v in values))
    return Clause(name, op, _check_value(field, match["value"]))


def _check_value(field: Field, raw: str):
    if field.kind == "int":
        if not raw.isdigit():
            raise RuleError(str(_l("“%(name)s” 的值应为非负整数，而不是 “%(raw)s”", name=field.name, raw=raw)))
        return int(raw)
    if raw.upper() in field.choices and field.kind == "grade":
        return raw.upper()
    if raw in field.choices:
        return raw
    raise RuleError(str(_l("“%(name)s” 的值应为 %(choices)s 之一，而不是 “%(raw)s”", name=field.name,
                           choices="/".join(field.choices), raw=raw)))


def normalize(text: str) -> str:
    """The canonical spelling of a valid rule (what is stored)."""
    return parse(text).text()
