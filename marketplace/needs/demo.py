"""Demo needs in 东城区: one in every state but planned, some overdue and escalated, some supported.

Needs go through the real services (so the audit log and notifications are real), then their dates are
moved back relative to today, so the deadlines and "超期" badges always look the same whenever the demo is
loaded. Two open needs under A1001 are the ones the demo tender links to.
"""

from datetime import timedelta

from marketplace.accounts.services import find_user
from marketplace.common import clock
from marketplace.regions.services import communities_of, region_by_code

from . import services

BUYER = "buyer@demo.zhengshe.cn"


def load() -> None:
    resident, neighbour, grid = (find_user(e) for e in ["resident@demo.zhengshe.cn", "resident2@demo.zhengshe.cn",
                                                         "grid@demo.zhengshe.cn"])
    buyer = find_user(BUYER)
    home = communities_of(region_by_code("110101001"))
    jingshan = communities_of(region_by_code("110101002"))[0]

    _submit(resident, home[0], "A1001", "社区老年人助餐服务需求", days_ago=1, phone="13812345678",
            supporters=[neighbour], description="小区 60 岁以上老人约 200 人，其中独居、高龄老人 30 多位，"
            "做饭困难。希望社区能提供午餐助餐点或送餐上门服务。")
    visits = _submit(grid, home[0], "A1001", "独居老人探访关爱", days_ago=3,
                     description="网格内有 12 位独居老人，子女不在身边。希望定期有社工上门探访、电话问候，"
                     "发现身体或生活问题及时联系。")
    _answer(services.reply, visits, "已收到。街道正在摸排独居老人名单，拟通过政府购买社会工作服务统一安排定期探访。",
            buyer, days_ago=2)
    youth = _submit(neighbour, home[1], "A1002", "青少年课后托管与心理辅导", days_ago=20,
                    description="双职工家庭多，孩子放学后无人照看，部分孩子有学习压力，希望有课后托管和心理辅导。")
    _answer(services.reply, youth, "已联系社区党群服务中心，正在协调活动室和社工资源。", buyer, days_ago=17)
    _answer(services.resolve, youth, "社区“四点半课堂”已于本周开课，由街道购买的社工服务项目提供心理辅导。",
            buyer, days_ago=10)
    parking = _submit(resident, home[0], "A1001", "小区停车位重新划线", days_ago=6,
                      description="小区停车位线已经看不清，经常因为停车发生纠纷。")
    _answer(services.decline, parking, "停车位划线属于物业管理事项，不属于政府购买服务范围；"
            "已转交小区物业服务企业办理。", buyer, days_ago=4)
    _submit(grid, home[1], "A0402", "残疾人康复上门服务", days_ago=16,
            description="网格内有 5 位行动不便的残疾人，去康复机构很难，希望有康复师定期上门做康复训练。")
    bathing = _submit(resident, home[0], "A0401", "楼内老人助浴服务", days_ago=18, supporters=[neighbour],
                      description="楼里失能、半失能老人洗澡困难，家属也不会护理，希望有专业助浴服务。")
    _answer(services.reply, bathing, "已收到，正在比选有助浴资质的养老服务机构。", buyer, days_ago=15)
    _submit(neighbour, jingshan, "A0401", "社区老年活动室开放时间延长", days_ago=2,
            description="活动室下午 4 点就关门，希望延长到晚上 8 点，方便老人晚饭后活动。")
    services.escalate_overdue(clock.now())


def _moment(days_ago: int):
    """09:30 Beijing time, `days_ago` days before today."""
    return clock.local_midnight(clock.today() - timedelta(days=days_ago)) + timedelta(hours=9, minutes=30)


def _submit(by, community, code: str, title: str, *, days_ago: int, description: str, phone: str = "",
            supporters=()):
    need = services.submit_need({"community": community, "item_code": code, "title": title,
                                 "description": description, "contact_phone": phone}, [], by=by)
    day = clock.today() - timedelta(days=days_ago)
    need.submitted_at = need.updates[0].created_at = _moment(days_ago)
    need.reply_due_on, need.close_due_on = services.due_dates(community, day)
    for user in supporters:
        services.support(need, user)
    return need


def _answer(verb, need, text: str, by, *, days_ago: int) -> None:
    update = verb(need, text, by=by)
    moment = _moment(days_ago)
    for stamp in ["replied_at", "resolved_at", "declined_at", "closed_at"]:
        if getattr(need, stamp) == update.created_at:
            setattr(need, stamp, moment)
    update.created_at = moment
