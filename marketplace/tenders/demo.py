"""Demo tenders for 东城区, one per state, each modelled on a real procurement in shared/data/tender_examples.csv.

Titles say 【演示】 and `demo_source` names the real example (id and URL), so nobody mistakes them for
real tenders in Beijing. Earlier states are reached by running the real services on a clock set back
in time, so every stamp, audit row and notice is what the platform would have produced.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace.catalog import services as catalog
from marketplace.common import clock
from marketplace.extensions import db
from marketplace.needs.models import Need
from marketplace.organizations.models import Membership, OrgStatus

from . import amendments, questions, rules, services
from .models import IndicatorKind, Method

YEAR = 2026
EXTRA_BUDGET = [("A1002", "2600000"), ("A1003", "300000"), ("B07", "60000")]
DISTRICT_BUDGET = [("A1003", "2500000")]
SOURCE = "tender_examples.csv {id}: {url}"

# id, item, title, budget, method, term months, deliverables, indicators (kind, name, target, unit)
EXAMPLES = {
    "T06": ("A0401", "【演示】东华门街道“温馨夕阳暖空巢”老年人关爱服务项目", "280000", Method.consultation, 12,
            "为辖区 300 名空巢、独居老人建立以社区为依托的支持网络\n每周探访独居老人并建立档案\n长者食堂助餐服务",
            [(IndicatorKind.output_quantity, "建档空巢老人", "300", "人"),
             (IndicatorKind.output_quantity, "探访服务", "2400", "人次"),
             (IndicatorKind.satisfaction, "服务对象满意度", "90", "%")],
            "http://haoyan66.com/html/gongyizixun/5424.html"),
    "T19": ("A1002", "【演示】东华门街道民政服务站购买社会工作服务项目（征求意见）", "450000", Method.consultation, 24,
            "困难群众救助帮扶\n老年人关爱\n残疾人帮扶\n社区治理服务（邻里互助、志愿服务培育、矛盾调解）",
            [(IndicatorKind.output_quantity, "困难群众走访", "600", "户次"),
             (IndicatorKind.output_quantity, "志愿者培育", "150", "人")],
            "http://www.tinghu.gov.cn/"),
    "T18": ("B07", "【演示】2026 年度“一户一策”关爱服务第三方评价项目", "50000", Method.inquiry, 9,
            "按季度电话回访不少于 120 户并报送季度回访报告\n中期、终期评价报告",
            [(IndicatorKind.output_quantity, "季度电话回访", "120", "户"),
             (IndicatorKind.output_timeliness, "评价报告按期提交", "100", "%")],
            "http://women.huaian.gov.cn/tzgg/content/17592480/1760500677836F94D0ymE.html"),
    "T16": ("A1001", "【演示】东华门街道“五社联动”示范社会工作服务项目", "190000", Method.consultation, 12,
            "建设示范街道社工站及社区社工室\n链接项目金额 10% 的社会资源",
            [(IndicatorKind.output_quantity, "受益人数", "6000", "人"),
             (IndicatorKind.output_cost, "链接社会资源", "19000", "元")],
            "（采购人被屏蔽，四川省某区）"),
    "T14": ("A1002", "【演示】东华门街道禁毒社会工作服务项目", "420000", Method.consultation, 12,
            "社区戒毒社区康复人员帮扶\n禁毒宣传进社区",
            [(IndicatorKind.output_quantity, "帮扶服务对象", "40", "人")],
            "https://cgwenjian.com/"),
    "T17": ("A1002", "【演示】东华门街道社区社工项目（为老领域）", "100000", Method.consultation, 12,
            "配备全职社工 5 名（主任 1 名持中级以上社工师证）\n兼职督导 1 名",
            [(IndicatorKind.output_quantity, "个案服务", "30", "个")],
            "（东莞，项目编号 hx2025qy0007a）"),
    "T07": ("A1002", "【演示】东华门街道“回巢行动”流浪未成年人关爱服务项目", "554000", Method.consultation, 12,
            "为救助管理站的流浪未成年人提供关爱服务\n个案辅导、家庭探访与返乡护送",
            [(IndicatorKind.output_quantity, "个案服务", "40", "个"),
             (IndicatorKind.output_quantity, "家庭探访", "80", "次"),
             (IndicatorKind.satisfaction, "服务对象满意度", "90", "%")],
            "http://haoyan66.com/html/gongyizixun/5424.html"),
    "T08": ("A1002", "【演示】东华门街道“同一片蓝天”寄养儿童关爱服务项目", "573500", Method.consultation, 9,
            "为寄养儿童及寄养家庭提供服务\n寄养家庭培训与支持小组",
            [(IndicatorKind.output_quantity, "服务寄养家庭", "165", "户"),
             (IndicatorKind.output_quantity, "寄养家庭培训", "12", "场")],
            "http://haoyan66.com/html/gongyizixun/5424.html"),
    "T10": ("A1002", "【演示】东华门街道贫困群体救助服务项目", "129150", Method.consultation, 12,
            "困难群众需求评估与帮扶\n链接社会救助资源",
            [(IndicatorKind.output_quantity, "帮扶困难家庭", "60", "户")],
            "http://fsou.com/html/text/lar/174126/17412676.html"),
    "T11": ("A1002", "【演示】东华门街道宜居社区建设社会治理服务项目", "596800", Method.consultation, 12,
            "社区议事会培育\n银龄文体关爱活动\n传统文化进社区",
            [(IndicatorKind.output_quantity, "社区议事会议", "24", "场"),
             (IndicatorKind.output_quantity, "大型社区活动", "7", "场")],
            "（上海市长宁区北新泾街道）"),
    "T20": ("A1002", "【演示】东华门街道“幸福社区与你‘益’起来”社区自治项目", "260000", Method.consultation, 12,
            "社区自治项目培育\n老旧小区治理议事\n社工节主题活动",
            [(IndicatorKind.output_quantity, "培育社区自治项目", "9", "个"),
             (IndicatorKind.output_quantity, "居民议事会议", "12", "场")],
            "（南京市鼓楼区凤凰街道）"),
    "T13": ("A1003", "【演示】东城区 2026 年司法社会工作项目", "2215000", Method.open, 12,
            "社区矫正对象教育帮扶\n刑满释放人员安置帮教\n最低服务工时 39,192 小时",
            [(IndicatorKind.output_quantity, "服务工时", "39192", "小时"),
             (IndicatorKind.output_quantity, "在册社区矫正对象覆盖", "2200", "人")],
            "https://cgwenjian.com/"),
}
CRITERIA = [rules.CriterionRow("价格", 20, "满足要求且价格最低的为评标基准价，价格分=基准价/投标报价×20", True),
            rules.CriterionRow("服务方案", 45, "需求分析准确、目标与指标对应、活动设计可行"),
            rules.CriterionRow("团队与专业能力", 25, "持证社会工作者人数、督导配备、同类项目经验"),
            rules.CriterionRow("管理与保障", 10, "项目管理、档案与风险预案")]


def load(street_office, district_bureau, buyer, district_buyer) -> None:
    for code, amount in EXTRA_BUDGET:
        catalog.set_budget_line(street_office, YEAR, code, amount, "2026年区级财政预算（演示）", by="demo")
    for code, amount in DISTRICT_BUDGET:
        catalog.set_budget_line(district_bureau, YEAR, code, amount, "2026年区级财政预算（演示）", by="demo")
    now = clock.now().replace(microsecond=0)
    needs = db.session.execute(select(Need).where(Need.title.in_(["社区老年人助餐服务需求", "独居老人探访关爱"]))
                               ).scalars().all()
    org_user = _org_member()

    # tendering, with Q&A and an amendment, answering two residents' needs
    tender = _draft("T06", street_office, buyer, now - timedelta(days=4), deadline_days=14)
    with clock.frozen(now - timedelta(days=4)):
        services.link_needs(tender, [n.id for n in needs], by=buyer)
        services.publish(tender, by=buyer)
    if org_user is not None:
        with clock.frozen(now - timedelta(days=2)):
            asked = questions.ask(tender, "请问“探访服务”是否包括电话探访？电话探访如何计入人次？", by=org_user,
                                 membership=_membership(org_user))
            questions.answer(asked, "电话探访可以计入，但每位老人每月至少一次上门探访。", by=buyer)
        with clock.frozen(now - timedelta(days=1)):
            questions.ask(tender, "长者食堂的场地和厨房设备由街道提供吗？", by=org_user,
                         membership=_membership(org_user))
    with clock.frozen(now - timedelta(days=1)):
        amendments.amend(tender, {"deliverables": tender.deliverables + "\n节假日助餐不停供"},
                       "根据社区反馈，补充节假日助餐要求", by=buyer)

    # enquiry: a two-year plan published for comment first
    published("T19", street_office, buyer, now - timedelta(days=1), deadline_days=20, enquiry_days=5,
               justification="民政服务站需保持社工队伍稳定，参照原方案服务期 2 年")

    # draft, still being written
    _draft("T18", street_office, buyer, now, deadline_days=12)

    # evaluation: two demo agencies bid (sealed), the deadline passed and the bids were opened
    tender = published("T16", street_office, buyer, now - timedelta(days=20), deadline_days=12)
    for email, price, days_ago in [("org@demo.zhengshe.cn", "182000", 15), ("org2@demo.zhengshe.cn", "176500", 12)]:
        demo_bid(tender, email, price, now - timedelta(days=days_ago))
    services.catch_up(tender, now)

    # evaluation: bids opened three days ago, the buyer still has to form the panel
    tender = published("T20", street_office, buyer, now - timedelta(days=15), deadline_days=12)
    for email, price, days_ago in [("org@demo.zhengshe.cn", "251000", 10), ("org2@demo.zhengshe.cn", "248500", 8)]:
        demo_bid(tender, email, price, now - timedelta(days=days_ago))
    services.catch_up(tender, now)

    # cancelled, with its public reason
    tender = published("T14", street_office, buyer, now - timedelta(days=10), deadline_days=15)
    with clock.frozen(now - timedelta(days=3)):
        services.cancel(tender, "区禁毒办统一采购全区禁毒社工服务，本街道项目终止，预算调剂使用", by=buyer)

    # unsuccessful: one valid response where 磋商 needs two (the real example was a second round)
    tender = published("T17", street_office, buyer, now - timedelta(days=30), deadline_days=12)
    demo_bid(tender, "org@demo.zhengshe.cn", "98000", now - timedelta(days=25))
    services.catch_up(tender, now - timedelta(days=17))

    # open tender at the district: above the ¥2,000,000 threshold
    published("T13", district_bureau, district_buyer, now - timedelta(days=2), deadline_days=25)
    db.session.flush()


def demo_bid(tender, email: str, price: str, at: datetime) -> None:
    """A demo agency's bid, drafted and submitted through the sealed-bid services at `at`."""
    from marketplace.accounts.services import find_user
    from marketplace.bids import services as bids

    member = find_user(email)
    team = [{"fact_id": fact.id, "role": role} for fact, role in
            zip(bids.social_workers(_membership(member).organization, at.date()), ["项目主管", "社工", "社工"],
                strict=False)]
    values = {"price": price, "breakdown": [{"item": "人员经费", "amount": str(Decimal(price) * 7 / 10)},
                                            {"item": "活动经费", "amount": str(Decimal(price) * 3 / 10)}],
              "proposals": {str(c.id): f"【演示】{c.name}：{c.description}" for c in tender.criteria if not c.is_price},
              "team": team}
    with clock.frozen(at):
        draft = bids.draft_for(tender, by=member)
        bids.save_draft(draft, tender, values, by=member)
        bids.submit(draft, tender, by=member, idempotency_key=f"demo-{tender.id}-{member.id}")


def published(example: str, body, buyer, at: datetime, **timetable):
    tender = _draft(example, body, buyer, at, **timetable)
    with clock.frozen(at):
        services.publish(tender, by=buyer)
    return tender


def _draft(example: str, body, buyer, at: datetime, *, deadline_days: int, enquiry_days: int | None = None,
           justification: str | None = None):
    item, title, budget, method, term, deliverables, indicators, url = EXAMPLES[example]
    by = buyer
    with clock.frozen(at):
        tender = services.create_tender(body, item, title, budget, by=buyer, year=YEAR)
        tender.demo_source = SOURCE.format(id=example, url=url)
        streets = _service_regions(body)[:3]
        services.save_basics(tender, {"title": title, "description": tender.description, "budget": budget,
                                      "term_months": term, "term_start": None, "term_justification": justification,
                                      "deliverables": deliverables}, [r.id for r in streets], by=by)
        services.save_method(tender, method, None, by=by)
        services.save_indicators(tender, [{"kind": kind, "name": name, "comparison": ">=", "target": Decimal(target),
                                           "unit": unit} for kind, name, target, unit in indicators], by=by)
        services.save_criteria(tender, CRITERIA, by=by)
        opens = at + timedelta(days=enquiry_days) if enquiry_days else None
        start = opens or at
        services.save_timetable(tender, opens, start + timedelta(days=deadline_days - 3),
                                start + timedelta(days=deadline_days), by=by)
    return tender


def _service_regions(body):
    from marketplace.regions.models import Region, RegionLevel

    level = RegionLevel.community if body.region.level == RegionLevel.street else RegionLevel.street
    return db.session.execute(select(Region).where(Region.code.startswith(body.region.code_prefix),
                                                   Region.level == level).order_by(Region.code)).scalars().all()


def _org_member():
    from marketplace.accounts.services import find_user

    user = find_user("org@demo.zhengshe.cn")
    membership = _membership(user) if user else None
    return user if membership and membership.organization.status == OrgStatus.verified else None


def _membership(user):
    return db.session.execute(select(Membership).where(Membership.user_id == user.id)).scalar_one_or_none()
