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
from marketplace.organizations.models import Membership, OrgRole
from marketplace.tenders import demo as tenders_demo
from marketplace.tenders import services as tenders

from . import services
from .models import Contract

EVALUATORS = ["evaluator@demo.zhengshe.cn", "evaluator2@demo.zhengshe.cn", "evaluator3@demo.zhengshe.cn"]
BIDDERS = [("org@demo.zhengshe.cn", 0.96), ("org2@demo.zhengshe.cn", 0.98)]  # price as a share of the budget
# example, days ago it was published, what happens to its contract
PLAN = [("T07", 200, "active"), ("T08", 420, "completed"), ("T10", 260, "terminated"), ("T11", 70, "unsigned")]


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
        if outcome == "terminated":
            with clock.frozen(after + timedelta(days=120)):
                services.end(contract, False, "【演示】服务机构项目团队调整，经双方协商提前终止", by=buyer)
    services.warn_unsigned()
    db.session.flush()
    _deliver(buyer)


# Residents of the served community who rate (invented, marked demo); with resident@ they reach the quorum of 10.
DEMO_RESIDENTS = [f"resident{n:02d}@demo.zhengshe.cn" for n in range(3, 14)]
STARS = [5, 4, 5, 4, 3, 5, 4, 4, 5, 3, 4, 5]
COMMENTS = ["社工每周都来，老人很认可", "活动安排得好", None, "希望增加周末活动", None, "服务很细心", None, None,
            "孩子们很喜欢", None, "材料公示清楚", None]


DEMO_QUORUM = 10  # the seeded evaluation.rating_quorum
MARKS = [Decimal("86"), Decimal("82"), Decimal("88")]  # the expert's mark per stage; the buyer's is 4 lower


def _deliver(buyer) -> None:
    """Reports, ratings, reviewers' marks, scores and beneficiary records on the demo contracts: the completed
    one has closed evaluations (one above the quorum, one below it: lengthened once, then 暂定), the active one a
    report returned and resubmitted, an evaluation open for rating with an expert still to mark, and its
    beneficiary records."""
    from marketplace.beneficiaries import demo as beneficiaries_demo
    from marketplace.outcomes import evaluations
    from marketplace.outcomes import services as outcomes
    from marketplace.outcomes.models import ReviewerKind

    contracts = {("completed" if c.tender.demo_source.startswith("tender_examples.csv T08") else c.status.value): c
                 for c in db.session.execute(select(Contract)).scalars()}
    residents = _residents(contracts["active"])
    now = clock.now().replace(microsecond=0)
    for contract, stages in [(contracts["completed"], [(0, 12, True), (1, 4, True), (2, 11, True)]),
                             (contracts["active"], [(0, 3, False)])]:
        member = _member(contract)
        for position, raters, close in stages:
            milestone = contract.milestones[position]
            # Closed stages lie well in the past; the open one is recent, so its rating window is still open. A
            # stage below the quorum has its window lengthened once before it is scored, so it starts earlier.
            lead = timedelta(days=40 if raters >= DEMO_QUORUM else 75)
            at = (min(clock.local_midnight(milestone.due_on) + timedelta(days=3, hours=10), now - lead)
                  if close else now - timedelta(days=6))
            with clock.frozen(at):
                values = {"actuals": {i.id: i.target * Decimal("0.95") for i in contract.indicators},
                          "beneficiaries": {"elderly": 64, "youth": 18, "disabled": 5},
                          "activities": [{"held_on": milestone.due_on - timedelta(days=10),
                                          "title": "【演示】社区集中服务日", "participants": 120}],
                          "narrative": "【演示】按计划完成本阶段服务，详见活动记录与签到表。"}
                report = outcomes.save_draft(milestone, values, by=member)
                outcomes.submit_report(report, by=member)
            if position == 0 and contract.status.value == "active":
                with clock.frozen(at + timedelta(days=1)):
                    outcomes.return_report(report, "请补充活动签到表和照片说明", by=buyer)
                with clock.frozen(at + timedelta(days=2)):
                    outcomes.save_draft(milestone, values | {"narrative": values["narrative"] + "已补充签到表。"},
                                        by=member)
                    outcomes.submit_report(report, by=member)
                at = at + timedelta(days=2)
            with clock.frozen(at + timedelta(days=1)):
                evaluation = outcomes.accept_report(report, by=buyer)
            with clock.frozen(at + timedelta(days=1, hours=2)):
                expert = find_user(EVALUATORS[position % len(EVALUATORS)])
                evaluations.invite_reviewer(evaluation, expert, ReviewerKind.expert, by=buyer)
            for n, user in enumerate(residents[:raters]):
                with clock.frozen(at + timedelta(days=2, hours=n)):
                    evaluations.rate(evaluation, STARS[n], COMMENTS[n], by=user)
            if close:
                with clock.frozen(at + timedelta(days=5)):
                    evaluations.mark(evaluation, MARKS[position], "【演示】查阅台账和签到表，抽访 8 位服务对象", True,
                                     by=expert)
                    evaluations.mark(evaluation, MARKS[position] - 4, "【演示】街道实地查看两次集中服务", True,
                                     by=buyer)
                while not evaluation.closed:  # below the quorum the window is lengthened once first
                    with clock.frozen(evaluation.rating_ends_at + timedelta(hours=1)):
                        evaluations.close_evaluation(evaluation)
    completed = contracts["completed"]
    with clock.frozen(evaluation_end(completed) + timedelta(days=5)):
        services.end(completed, True, "三个节点均已完成并通过评价，合同履行完毕", by=buyer)
    active = contracts["active"]
    with clock.frozen(clock.local_midnight(active.starts_on) + timedelta(days=5, hours=10)):
        beneficiaries_demo.load(active, manager=_member(active), worker=find_user("social@demo.zhengshe.cn"),
                                officer=buyer, colleague=find_user("buyer2@demo.zhengshe.cn"))
    db.session.flush()


def evaluation_end(contract) -> datetime:
    from marketplace.outcomes import evaluations

    return max(evaluations.evaluation_of(m).closed_at for m in contract.milestones)


def _residents(contract) -> list:
    """resident@demo plus invented residents verified to the first community the contract serves."""
    from marketplace.accounts.models import Role
    from marketplace.accounts.services import create_user

    community = contract.tender.regions[0].region
    users = [find_user("resident@demo.zhengshe.cn")]
    for email in DEMO_RESIDENTS:
        user = find_user(email) or create_user(email, f"【演示】居民{email[8:10]}", "zhengshe-demo-2026", Role.resident,
                                               confirmed=True)
        user.verified_community = community
        users.append(user)
    db.session.flush()
    return users


def _member(contract):
    return db.session.execute(select(Membership).where(
        Membership.organization_id == contract.organization_id, Membership.role == OrgRole.manager)
        .order_by(Membership.id)).scalars().first().user


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
        services.sign(contract, by=_member(contract))
