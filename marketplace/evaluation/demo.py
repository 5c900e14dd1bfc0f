"""Demo evaluation: the tender modelled on T16 (in evaluation with two opened bids) gets a panel of three demo
experts, assigned before its deadline, who declare no conflict and score; the buyer confirms the first-ranked
bid two days ago, so the award notice is in its standstill (公示期) and open to challenges.

Like the tenders demo, each step runs the real services on a clock set back to when it would have happened.
"""

from datetime import timedelta

from sqlalchemy import select

from marketplace.accounts.services import find_user
from marketplace.common import clock
from marketplace.extensions import db
from marketplace.tenders.models import Tender, TenderStatus

from . import awards, queries, services

EVALUATORS = ["evaluator@demo.zhengshe.cn", "evaluator2@demo.zhengshe.cn", "evaluator3@demo.zhengshe.cn"]
# Per expert, per bidder (by demo account): points for 服务方案 (45), 团队与专业能力 (25), 管理与保障 (10).
POINTS = {
    "org@demo.zhengshe.cn": [(40, 22, 9), (38, 21, 9), (39, 23, 8)],
    "org2@demo.zhengshe.cn": [(35, 20, 8), (36, 19, 9), (34, 21, 8)],
}
REASONS = {
    "服务方案": "需求分析结合辖区“五社联动”现状，目标与绩效指标一一对应，活动安排可行",
    "团队与专业能力": "持证社会工作者配备与督导安排符合要求，有同类街道社工站运营经验",
    "管理与保障": "项目管理、档案与风险预案较完整，财务制度清楚",
}


def load(buyer) -> None:
    tender = db.session.execute(select(Tender).where(Tender.demo_source.like("%T16%"))).scalar_one_or_none()
    if tender is None or tender.status != TenderStatus.evaluation or len(queries.valid_bids(tender)) < 2:
        return
    experts = [user for user in (find_user(email) for email in EVALUATORS) if user is not None]
    deadline, now = tender.deadline_at, clock.now().replace(microsecond=0)
    with clock.frozen(deadline - timedelta(days=2)):
        members = [services.assign(tender, user, by=buyer) for user in experts]
    bids_by_account = _bids_by_account(tender)
    for index, member in enumerate(members):
        with clock.frozen(deadline + timedelta(hours=1, minutes=10 * index)):
            services.declare(member, False, None, by=member.user)
        with clock.frozen(deadline + timedelta(days=1, hours=index)):
            for account, bid in bids_by_account.items():
                criteria = [c for c in tender.criteria if not c.is_price]
                rows = {c.id: (str(points), REASONS.get(c.name, "符合评分标准"))
                        for c, points in zip(criteria, POINTS[account][index], strict=False)}
                services.save_scores(member, bid, rows, by=member.user)
            services.submit_scores(member, by=member.user)
    first = queries.results_of(tender)[0]
    with clock.frozen(now - timedelta(days=2)):
        awards.confirm_award(tender, first.bid, by=buyer)
    db.session.flush()


def _bids_by_account(tender) -> dict:
    from marketplace.organizations.models import Membership

    bids = {bid.organization_id: bid for bid in queries.valid_bids(tender)}
    result = {}
    for account in POINTS:
        user = find_user(account)
        membership = db.session.execute(select(Membership).where(Membership.user_id == user.id)).scalar_one()
        if membership.organization_id in bids:
            result[account] = bids[membership.organization_id]
    return result
