"""Every policy setting, its type, its default (from DESIGN.md) and its allowed range."""

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class SettingSpec:
    key: str
    kind: type  # int, Decimal, bool or str
    default: object
    label: object
    unit: object = ""
    minimum: object = None
    maximum: object = None
    check: object = None  # a function raising ValueError when the value breaks a rule of its own

    def parse(self, raw) -> object:
        """Turn user or stored input into the typed value; ValueError with a readable message."""
        try:
            if self.kind is bool:
                value = raw if isinstance(raw, bool) else str(raw).strip().lower() in {"1", "true", "yes", "是"}
            elif self.kind is int:
                value = int(str(raw).strip())
            elif self.kind is Decimal:
                value = Decimal(str(raw).strip())
            else:
                value = str(raw).strip()
        except (ArithmeticError, ValueError) as exc:
            raise ValueError(str(_l("“%(raw)s”不是有效的值", raw=raw))) from exc
        if self.minimum is not None and value < self.minimum:
            raise ValueError(str(_l("不能小于 %(minimum)s", minimum=self.minimum)))
        if self.maximum is not None and value > self.maximum:
            raise ValueError(str(_l("不能大于 %(maximum)s", maximum=self.maximum)))
        if self.check is not None:
            self.check(value)
        return value


def _tranches(value: str) -> None:
    """The milestones and their payment percentages: start, any mid-term stages, final — 2 to 5 whole numbers
    adding up to 100 ("40/40/20" is start / mid-term / final)."""
    try:
        parts = [int(p) for p in value.split("/")]
    except ValueError as exc:
        raise ValueError(str(_l("请按“40/40/20”的格式填写各节点的百分比"))) from exc
    if not 2 <= len(parts) <= 5 or any(p < 0 for p in parts):
        raise ValueError(str(_l("须为 2 到 5 个节点，每个节点的比例不能为负")))
    if sum(parts) != 100:
        raise ValueError(str(_l("各节点付款比例之和须为 100，当前为 %(total)d", total=sum(parts))))


SPECS = [
    SettingSpec("need.reply_working_days", int, 3, _l("群众需求答复时限"), _l("个工作日"), 1, 30),
    SettingSpec("need.close_working_days", int, 7, _l("群众需求办结时限"), _l("个工作日"), 1, 60),
    SettingSpec("procurement.open_tender_threshold", Decimal, Decimal("2000000"),
                _l("公开招标数额标准"), _l("元"), Decimal("0")),
    SettingSpec("tender.min_period_days", int, 10, _l("磋商最短招标期"), _l("日"), 1, 60),
    SettingSpec("tender.min_period_days_open", int, 20, _l("公开招标最短等标期"), _l("日"), 1, 90),
    SettingSpec("tender.min_bids_consultation", int, 2, _l("竞争性磋商最少有效响应"), _l("家"), 1, 10),
    SettingSpec("tender.min_bids_open", int, 3, _l("公开招标最少有效投标"), _l("家"), 1, 10),
    SettingSpec("tender.amendment_min_days", int, 3, _l("变更后距截止最少天数"), _l("日"), 1, 30),
    SettingSpec("award.notice_working_days", int, 2, _l("结果公告时限"), _l("个工作日"), 1, 10),
    SettingSpec("award.challenge_working_days", int, 7, _l("质疑期"), _l("个工作日"), 1, 30),
    SettingSpec("award.challenge_answer_working_days", int, 7, _l("质疑答复时限"), _l("个工作日"), 1, 30),
    SettingSpec("contract.sign_within_days", int, 30, _l("中标后签约时限"), _l("日"), 1, 90),
    SettingSpec("evaluation.resident_weight", Decimal, Decimal("0.70"), _l("居民评价权重 w"), "",
                Decimal("0.70"), Decimal("1")),
    SettingSpec("evaluation.rating_quorum", int, 10, _l("居民评价最低人数"), _l("人"), 1, 1000),
    SettingSpec("evaluation.rating_window_days", int, 30, _l("居民评价开放期"), _l("日"), 1, 180),
    SettingSpec("evaluation.rating_extensions", int, 1, _l("评价人数不足时延长评价期的次数"), _l("次"), 0, 3),
    SettingSpec("evaluation.reviewer_weight", Decimal, Decimal("0.50"), _l("评审打分在政府评分 G 中的权重 m"), "",
                Decimal("0"), Decimal("1")),
    SettingSpec("evaluation.pass_score", Decimal, Decimal("60"), _l("绩效评价合格分"), _l("分"),
                Decimal("0"), Decimal("100")),
    SettingSpec("contract.tranches", str, "40/40/20", _l("履约节点与付款比例（启动/中期…/结项）"), "%",
                check=_tranches),
    SettingSpec("accounts.lockout_threshold", int, 5, _l("连续登录失败锁定次数"), _l("次"), 3, 20),
    SettingSpec("accounts.lockout_minutes", int, 15, _l("账号锁定时长"), _l("分钟"), 1, 1440),
    # The minimum (5) is accounts.sessions.SHORTEST_IDLE: below it the setting is not even read.
    SettingSpec("accounts.idle_timeout_minutes", int, 60, _l("工作人员和社会组织账号无操作自动退出时间"), _l("分钟"),
                5, 720),
    SettingSpec("accounts.resident_idle_timeout_minutes", int, 7 * 24 * 60, _l("居民账号无操作自动退出时间"),
                _l("分钟"), 5, 30 * 24 * 60),
]
BY_KEY = {spec.key: spec for spec in SPECS}
