"""Demo contracts, one per state, each from a full procurement modelled on a real example (T07, T08, T10, T11):
published, bid by the two demo agencies, opened, scored by the demo experts, awarded, past the standstill,
then generated and — depending on the state — signed, completed or terminated. Every step runs the real
services on a clock set back to when it would have happened."""

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace import security
from marketplace.accounts.services import find_user
from marketplace.common import clock
from marketplace.evaluation import awards, queries
from marketplace.evaluation import services as evaluation
from marketplace.extensions import db
from marketplace.organizations.models import Membership
from marketplace.tenders import demo as tenders_demo
from marketplace.tenders import services as tenders

from . import services

EVALUATORS = ["evaluator@demo.zhengshe.cn", "evaluator2@demo.zhengshe.cn", "evaluator3@demo.zhengshe.cn"]
BIDDERS = [("org@demo.zhengshe.cn", 0.96), ("org2@demo.zhengshe.cn", 0.98)]  # price as a share of the budget
# example, days ago it was published, what happens to its contract
PLAN = [("T07", 200, "active"), ("T08", 330, "completed"), ("T10", 260, "terminated"), ("T11", 70, "unsigned")]


def load(street_office, buyer) -> None:
    now = clock.now().replace(microsecond=0)
    for example, days_ago, outcome in PLAN:
        start = now - timedelta(days=days_ago)
        tender = tenders_demo.published(example, street_office, buyer, start, deadline_days=12)
        budget = tender.budget
        for n, (email, share) in enumerate(BIDDERS):
            price = (budget * Decimal(str(share))).quantize(Decimal("1"))
            tenders_demo.demo_bid(tender, email, str(price), start + timedelta(days=3 + n))
        _evaluate(tender, buyer, start)
        award = awards.awards_of(tender)[-1]
        after = clock.local_midnight(award.challenge_until + timedelta(days=1)) + timedelta(hours=9)
        with clock.frozen(after):
            awards.catch_up(tender)
            contract = services.generate(tender, by=buyer)
        if outcome == "unsigned":
            continue
        _sign(contract, buyer, after + timedelta(days=2))
        if outcome == "completed":
            with clock.frozen(after + timedelta(days=300)):
                services.end(contract, True, "三个节点均已完成并通过评价，合同履行完毕", by=buyer)
        elif outcome == "terminated":
            with clock.frozen(after + timedelta(days=120)):
                services.end(contract, False, "【演示】服务机构项目团队调整，经双方协商提前终止", by=buyer)
    services.warn_unsigned()
    db.session.flush()


def _evaluate(tender, buyer, start: datetime) -> None:
    deadline = tender.deadline_at
    experts = [find_user(email) for email in EVALUATORS]
    with clock.frozen(deadline - timedelta(days=1)):
        members = [evaluation.assign(tender, user, by=buyer) for user in experts]
    tenders.catch_up(tender, deadline)
    criteria = [c for c in tender.criteria if not c.is_price]
    bids = queries.valid_bids(tender)
    for index, member in enumerate(members):
        with clock.frozen(deadline + timedelta(hours=1 + index)):
            evaluation.declare(member, False, None, by=member.user)
            for rank, bid in enumerate(bids):
                rows = {c.id: (str(c.weight - 3 - rank - index % 2), "方案与绩效指标对应，团队与管理符合要求")
                        for c in criteria}
                evaluation.save_scores(member, bid, rows, by=member.user)
            evaluation.submit_scores(member, by=member.user)
    with clock.frozen(deadline + timedelta(days=1)):
        awards.confirm_award(tender, queries.results_of(tender)[0].bid, by=buyer)


def _sign(contract, buyer, at: datetime) -> None:
    with clock.frozen(at):
        buyer.totp_last_step = None  # each demo signature uses the code of its own (set-back) moment
        services.sign(contract, by=buyer, code=security.current_totp(buyer.totp_secret))
        member = db.session.execute(select(Membership).where(
            Membership.organization_id == contract.organization_id)).scalars().first().user
        services.sign(contract, by=member)
