"""Procurement rules as pure functions: method by amount, contract term, scoring template, timetable.

Each returns a list of problems (field, message); an empty list means the rule holds. Numbers come in
as arguments (read from the dated settings by the caller), never as constants here.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _

from marketplace.common.money import format_cny

from .models import METHOD_LABELS, Method

Problem = tuple[str, str]
PRICE_WEIGHT_RANGE = (10, 30)   # services (服务类): price 10–30 of 100 (财库〔2017〕87号 / 87号令)
MAX_TERM_MONTHS, LONG_TERM_MONTHS = 36, 12
# Methods under a bidding regime that counts valid bids the way open tendering does.
OPEN_LIKE = {Method.open, Method.invited, Method.negotiation, Method.inquiry}


@dataclass(frozen=True)
class Limits:
    """The settings that apply to one buyer on one day."""
    open_threshold: Decimal
    min_period_days: int         # 磋商 and other non-tender methods
    min_period_days_open: int    # 公开招标 / 邀请招标
    min_bids_consultation: int
    min_bids_open: int

    def min_period(self, method: Method) -> int:
        return self.min_period_days_open if method in (Method.open, Method.invited) else self.min_period_days

    def min_bids(self, method: Method) -> int:
        if method == Method.single_source:
            return 1
        return self.min_bids_consultation if method == Method.consultation else self.min_bids_open


def method_problems(method: Method | None, budget: Decimal | None, justification: str | None,
                    limits: Limits) -> list[Problem]:
    if method is None:
        return [("method", _("请选择采购方式"))]
    problems = []
    if budget is not None and budget >= limits.open_threshold and method != Method.open:
        problems.append(("method", _("预算 %(budget)s 达到公开招标数额标准 %(threshold)s，"
                                     "必须采用公开招标（不能采用%(method)s）",
                                     budget=format_cny(budget), threshold=format_cny(limits.open_threshold),
                                     method=str(METHOD_LABELS[method]))))
    if method == Method.single_source and not (justification or "").strip():
        problems.append(("method_justification", _("单一来源采购须写明理由，并随公告公示")))
    return problems


def term_problems(term_months: int | None, justification: str | None) -> list[Problem]:
    if term_months is None:
        return [("term_months", _("请填写服务期限"))]
    if term_months < 1 or term_months > MAX_TERM_MONTHS:
        return [("term_months", _("服务期限应在 1 到 %(max)d 个月之间", max=MAX_TERM_MONTHS))]
    if term_months > LONG_TERM_MONTHS and not (justification or "").strip():
        return [("term_justification", _("服务期限超过 1 年（最长 3 年）须写明理由"))]
    return []


@dataclass
class CriterionRow:
    name: str
    weight: int
    description: str
    is_price: bool = False


def scoring_problems(rows: list[CriterionRow]) -> list[Problem]:
    if not rows:
        return [("criteria", _("请至少填写价格和一项技术/商务评分因素"))]
    problems = []
    total = sum(row.weight for row in rows)
    if total != 100:
        problems.append(("criteria", _("各评分因素权重合计须为 100，当前为 %(total)d", total=total)))
    prices = [row for row in rows if row.is_price]
    low, high = PRICE_WEIGHT_RANGE
    if len(prices) != 1:
        problems.append(("criteria", _("评分办法须有且只有一项价格分")))
    elif not low <= prices[0].weight <= high:
        problems.append(("criteria", _("服务类项目价格分权重须在 %(low)d–%(high)d 之间，当前为 %(weight)d",
                                       low=low, high=high, weight=prices[0].weight)))
    names = [row.name.strip() for row in rows]
    if len(set(names)) != len(names):
        problems.append(("criteria", _("评分因素名称不能重复")))
    for row in rows:
        if row.weight < 1:
            problems.append(("criteria", _("“%(name)s” 的权重须为正整数", name=row.name)))
        if not row.is_price and not row.description.strip():
            problems.append(("criteria", _("请写明“%(name)s”如何得分", name=row.name)))
    return problems


def timetable_problems(method: Method | None, opens_at: datetime, enquiry_until: datetime | None,
                       questions_close_at: datetime | None, deadline_at: datetime | None,
                       limits: Limits) -> list[Problem]:
    """`opens_at` is when the tender would go public (now, for a draft about to be published)."""
    if deadline_at is None:
        return [("deadline_at", _("请填写投标截止时间"))]
    problems = []
    bidding_opens = opens_at
    if enquiry_until is not None:
        if enquiry_until <= opens_at:
            problems.append(("enquiry_until", _("需求征询截止时间须晚于发布时间")))
        else:
            bidding_opens = enquiry_until
    days = limits.min_period(method) if method else limits.min_period_days
    if deadline_at < bidding_opens + timedelta(days=days):
        problems.append(("deadline_at", _("自开始接受投标至截止不得少于 %(days)d 日（%(method)s）", days=days,
                                          method=str(METHOD_LABELS[method]) if method else "")))
    if questions_close_at is None:
        problems.append(("questions_close_at", _("请填写提问截止时间")))
    elif questions_close_at > deadline_at:
        problems.append(("questions_close_at", _("提问截止时间不能晚于投标截止时间")))
    elif questions_close_at <= opens_at:
        problems.append(("questions_close_at", _("提问截止时间须晚于发布时间")))
    return problems


def extended_deadline(deadline_at: datetime, now: datetime, min_days: int) -> datetime:
    """After an amendment at least `min_days` must remain before the deadline."""
    return max(deadline_at, now + timedelta(days=min_days))
