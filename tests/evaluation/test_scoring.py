"""The panel, independent scoring, price scores, ranking and qualification review."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from marketplace.bids.models import BidStatus
from marketplace.common import clock
from marketplace.errors import DomainError, NotPermitted
from marketplace.evaluation import queries, scoring, services
from marketplace.evaluation.models import BidResult
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.tenders.models import TenderStatus
from tests.evaluation.conftest import declare_and_score, score
from tests.organizations.conftest import manager_of
from tests.tenders.conftest import bid_values


def test_price_score_is_lowest_over_price_times_weight_rounded_half_up():
    assert scoring.price_score(Decimal("176500"), Decimal("182000"), 20) == Decimal("19.40")  # 19.3956…
    assert scoring.price_score(Decimal("250000"), Decimal("300000"), 20) == Decimal("16.67")  # 16.666…
    assert scoring.price_score(Decimal("100000"), Decimal("160000"), 30) == Decimal("18.75")  # exact
    assert scoring.price_score(Decimal("200000"), Decimal("240000"), 25) == Decimal("20.83")  # 20.8333…
    assert scoring.price_score(Decimal("99"), Decimal("99"), 20) == Decimal("20.00")
    # half-up, not banker's rounding (which would give 0.12)
    assert scoring.round2(Decimal("0.125")) == Decimal("0.13")


def test_technical_score_is_the_mean_of_member_sums():
    assert scoring.technical_score([Decimal("70"), Decimal("65"), Decimal("66")]) == Decimal("67.00")
    assert scoring.technical_score([Decimal("70"), Decimal("65.5")]) == Decimal("67.75")
    assert scoring.technical_score([Decimal("70"), Decimal("65"), Decimal("65")]) == Decimal("66.67")


def test_results_apply_the_price_formula_and_the_members_mean(evaluated_tender):
    tender, (cheap, dear), members = evaluated_tender("250000", "300000")
    declare_and_score(members[0], {cheap: [30, 20, 10], dear: [35, 20, 12]})
    declare_and_score(members[1], {cheap: [32, 21, 11], dear: [36, 22, 12]})
    results = {r.bid_id: r for r in queries.results_of(tender)}
    assert (results[cheap.id].price_score, results[cheap.id].technical_score, results[cheap.id].total) == (
        Decimal("20.00"), Decimal("62.00"), Decimal("82.00"))
    assert (results[dear.id].price_score, results[dear.id].technical_score, results[dear.id].total) == (
        Decimal("16.67"), Decimal("68.50"), Decimal("85.17"))
    assert [results[dear.id].rank, results[cheap.id].rank] == [1, 2]


def test_a_tie_on_total_goes_to_the_lower_price(evaluated_tender):
    tender, (cheap, dear), members = evaluated_tender("250000", "300000", panel=1)
    # 20.00 + 60.00 = 80.00 and 16.67 + 63.33 = 80.00
    declare_and_score(members[0], {cheap: [30, 20, 10], dear: [33.33, 20, 10]})
    results = {r.bid_id: r for r in queries.results_of(tender)}
    assert results[cheap.id].total == results[dear.id].total == Decimal("80.00")
    assert (results[cheap.id].rank, results[dear.id].rank) == (1, 2)


def test_a_full_tie_goes_to_the_bid_received_first_not_the_older_draft(open_tender, eligible_org, market,
                                                                        make_user):
    from marketplace.bids import services as bids
    from marketplace.tenders import services as tenders

    first_drafted, second_drafted = (manager_of(eligible_org()) for _ in range(2))
    drafts = {}
    for member in (first_drafted, second_drafted):
        drafts[member] = bids.draft_for(open_tender, by=member)
        bids.save_draft(drafts[member], open_tender, bid_values(open_tender, "250000"), by=member)
    late = bids.submit(drafts[second_drafted], open_tender, by=second_drafted, idempotency_key="b")
    clock.advance(timedelta(hours=1))
    later = bids.submit(drafts[first_drafted], open_tender, by=first_drafted, idempotency_key="a")
    assert later.id < late.id and late.submitted_at < later.submitted_at
    evaluator = services.assign(open_tender, make_user("evaluator"), by=market["buyer"])
    db.session.commit()
    clock.freeze(open_tender.deadline_at)
    tenders.catch_up(open_tender)
    declare_and_score(evaluator, {late: [30, 20, 10], later: [30, 20, 10]})
    ranks = {r.bid_id: r.rank for r in queries.results_of(open_tender)}
    assert ranks == {late.id: 1, later.id: 2}


def test_the_rank_key_orders_by_total_price_technical_then_receipt():
    t0 = datetime(2026, 3, 10, tzinfo=UTC)
    row = scoring.Standing
    rows = [row(1, Decimal("300"), t0, Decimal("10.00"), Decimal("70.00")),       # 80.00, dearer
            row(2, Decimal("200"), t0 + timedelta(1), Decimal("15.00"), Decimal("65.00")),  # 80.00, cheaper, later
            row(3, Decimal("200"), t0, Decimal("15.00"), Decimal("65.00")),       # 80.00, cheaper, earlier
            row(4, Decimal("400"), t0, Decimal("7.50"), Decimal("80.00"))]        # 87.50
    assert [s.bid_id for _rank, s in scoring.ranking(rows)] == [4, 3, 2, 1]


def test_a_conflicted_member_is_excluded_and_replaced_after_opening(evaluated_tender, market, make_user):
    tender, (a, b), (conflicted, other) = evaluated_tender("250000", "260000")
    services.declare(conflicted, True, "曾任投标机构理事", by=conflicted.user)
    assert conflicted.excluded_at == clock.now() and not conflicted.active
    assert db.session.query(Notification).filter_by(user_id=market["buyer"].id).filter(
        Notification.message.contains("声明回避")).count() == 1
    with pytest.raises(NotPermitted):
        score(conflicted, a, [30, 20, 10])
    declare_and_score(other, {a: [30, 20, 10], b: [31, 20, 10]})
    assert not queries.has_results(tender)  # the excluded member has no replacement yet
    assert any("尚未替换" in p for p in services.results_blockers(tender))
    with pytest.raises(DomainError, match="只能替换"):
        services.assign(tender, make_user("evaluator"), by=market["buyer"])
    replacement = services.assign(tender, make_user("evaluator"), by=market["buyer"], replaces=conflicted)
    assert replacement.replaces_id == conflicted.id
    declare_and_score(replacement, {a: [34, 22, 13], b: [30, 20, 10]})
    assert queries.has_results(tender)


def test_a_conflict_must_be_explained_and_a_member_must_declare_before_scoring(evaluated_tender):
    tender, (a, _b), (member, _other) = evaluated_tender("250000", "260000")
    with pytest.raises(NotPermitted):
        score(member, a, [30, 20, 10])
    with pytest.raises(DomainError, match="利害关系"):
        services.declare(member, True, "  ", by=member.user)


def test_the_panel_is_formed_before_the_deadline_by_the_buyer_only(open_tender, market, make_user, make_body):
    from marketplace.regions.models import BodyKind

    other_buyer = make_user("buyer", body_=make_body(BodyKind.street_office, "110101002"))
    with pytest.raises(NotPermitted):
        services.assign(open_tender, make_user("evaluator"), by=other_buyer)
    with pytest.raises(DomainError, match="评审专家"):
        services.assign(open_tender, make_user("resident"), by=market["buyer"])
    evaluator = make_user("evaluator")
    services.assign(open_tender, evaluator, by=market["buyer"])
    with pytest.raises(DomainError, match="已在评审小组"):
        services.assign(open_tender, evaluator, by=market["buyer"])


def test_a_member_sees_only_his_own_scores_until_he_submits(evaluated_tender):
    tender, (a, b), (first, second, third) = evaluated_tender("250000", "260000", panel=3)
    declare_and_score(first, {a: [30, 20, 10], b: [31, 20, 10]})
    declare_and_score(second, {a: [29, 21, 11]}, submit=False)
    assert {s.member_id for s in services.visible_scores(second)} == {second.id}
    declare_and_score(third, {a: [28, 20, 10], b: [30, 20, 10]})
    # after submitting: the members who submitted, never a draft still being written
    assert {s.member_id for s in services.visible_scores(third)} == {first.id, third.id}


def test_scores_are_checked_against_the_criterion_and_need_a_reason(evaluated_tender):
    tender, (a, _b), (member, _other) = evaluated_tender("250000", "260000")
    services.declare(member, False, None, by=member.user)
    plan, team, _mgmt = [c for c in tender.criteria if not c.is_price]
    with pytest.raises(DomainError, match="0 到 40"):
        services.save_scores(member, a, {plan.id: ("41", "很好")}, by=member.user)
    with pytest.raises(DomainError, match="两位小数"):
        services.save_scores(member, a, {plan.id: ("30.555", "很好")}, by=member.user)
    with pytest.raises(DomainError, match="评分理由"):
        services.save_scores(member, a, {plan.id: ("30", "")}, by=member.user)
    services.save_scores(member, a, {plan.id: ("30.5", "需求分析准确")}, by=member.user)
    with pytest.raises(DomainError, match="未评分") as error:
        services.submit_scores(member, by=member.user)
    assert team.name in error.value.message
    assert member.submitted_at is None


def test_disqualifying_below_the_minimum_makes_the_tender_unsuccessful(evaluated_tender, market):
    tender, (a, b), _members = evaluated_tender("250000", "260000")
    with pytest.raises(DomainError, match="理由"):
        services.disqualify(tender, a, " ", by=market["buyer"])
    services.disqualify(tender, a, "营业执照经营范围不含社会工作服务", by=market["buyer"])
    assert a.status == BidStatus.disqualified and a.disqualify_reason
    assert tender.status == TenderStatus.unsuccessful
    assert "有效投标 1 家" in tender.unsuccessful_reason and tender.unsuccessful_at is not None


def test_a_disqualified_bid_is_not_scored_or_ranked(evaluated_tender, market):
    tender, (a, b, c), (first, second) = evaluated_tender("250000", "260000", "200000")
    services.disqualify(tender, c, "未提供有效的社会工作者证书", by=market["buyer"])
    assert tender.status == TenderStatus.evaluation
    declare_and_score(first, {a: [30, 20, 10], b: [31, 20, 10]})
    declare_and_score(second, {a: [30, 20, 10], b: [31, 20, 10]})
    results = queries.results_of(tender)
    assert {r.bid_id for r in results} == {a.id, b.id}
    # the lowest valid price is 250000, not the disqualified 200000
    assert next(r for r in results if r.bid_id == a.id).price_score == Decimal("20.00")
    with pytest.raises(NotPermitted):
        services.disqualify(tender, a, "评审后不能再资格审查", by=market["buyer"])


def test_results_are_computed_once_and_frozen(evaluated_tender):
    tender, (a, b), (first, second) = evaluated_tender("250000", "260000")
    declare_and_score(first, {a: [30, 20, 10], b: [31, 20, 10]})
    assert db.session.query(BidResult).filter_by(tender_id=tender.id).count() == 0
    declare_and_score(second, {a: [30, 20, 10], b: [31, 20, 10]})
    assert db.session.query(BidResult).filter_by(tender_id=tender.id).count() == 2
    with pytest.raises(DomainError, match="已生成"):
        services.compute_results(tender)
