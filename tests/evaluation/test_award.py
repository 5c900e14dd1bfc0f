"""Award confirmation, the public notice, challenges, the standstill and the contract gate."""

from datetime import date, datetime, timedelta

import pytest

from marketplace.common import clock
from marketplace.common.jobs import tick
from marketplace.errors import DomainError, NotPermitted
from marketplace.evaluation import awards, policies
from marketplace.evaluation.models import Award, AwardStatus
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.tenders import services as tenders
from marketplace.tenders.models import TenderStatus
from tests.evaluation.conftest import declare_and_score
from tests.organizations.conftest import PDF, manager_of

GROUNDS = "成交供应商的项目主管不具备社会工作者职业资格，与招标文件要求不符"


@pytest.fixture
def ranked(evaluated_tender):
    """Three bids ranked 1 (b), 2 (a), 3 (c) by one panel of two; the clock at the deadline (Tue 2026-03-17)."""

    def make():
        tender, (a, b, c), members = evaluated_tender("250000", "240000", "260000")
        for member in members:
            declare_and_score(member, {a: [30, 20, 10], b: [31, 20, 10], c: [25, 15, 8]})
        return tender, {1: b, 2: a, 3: c}

    return make


def at_beijing(day: date, hour: int = 10) -> datetime:
    return clock.local_midnight(day) + timedelta(hours=hour)


def test_confirming_the_recommended_bid_publishes_the_notice_at_once(ranked, market):
    tender, by_rank = ranked()
    winner = by_rank[1]
    award = awards.confirm_award(tender, winner, by=market["buyer"])
    assert (award.rank, award.amount, award.status, award.deviation_reason) == (1, winner.price, AwardStatus.noticed,
                                                                               None)
    assert tender.status == TenderStatus.awarded and tender.awarded_at == clock.now()
    assert award.noticed_at == award.confirmed_at == clock.now()
    assert clock.today() == date(2026, 3, 17)
    assert award.notice_due_on == date(2026, 3, 19)    # 2 working days
    assert award.challenge_until == date(2026, 3, 26)  # 7 working days after the notice day
    told = {n.user_id for n in db.session.query(Notification).filter(Notification.message.contains("成交结果公示"))}
    assert {manager_of(bid.organization).id for bid in by_rank.values()} <= told


def test_another_bid_needs_a_written_reason(ranked, market):
    tender, by_rank = ranked()
    with pytest.raises(DomainError, match="理由") as error:
        awards.confirm_award(tender, by_rank[2], "  ", by=market["buyer"])
    assert error.value.field == "deviation_reason" and tender.status == TenderStatus.evaluation
    award = awards.confirm_award(tender, by_rank[2], "第一名的服务场地不在服务区域内", by=market["buyer"])
    assert award.rank == 2 and award.deviation_reason == "第一名的服务场地不在服务区域内"


def test_only_the_buyer_confirms_and_only_once_results_exist(evaluated_tender, market, make_user):
    tender, (a, b), (first, _second) = evaluated_tender("250000", "260000")
    with pytest.raises(NotPermitted):
        awards.confirm_award(tender, a, by=market["buyer"])  # the panel has not finished
    declare_and_score(first, {a: [30, 20, 10], b: [31, 20, 10]})
    declare_and_score(_second, {a: [30, 20, 10], b: [31, 20, 10]})
    with pytest.raises(NotPermitted):
        awards.confirm_award(tender, a, by=first.user)


def _challenge(tender, bid, grounds=GROUNDS, document=None):
    return awards.file_challenge(tender, grounds, document, by=manager_of(bid.organization))


def test_an_upheld_challenge_moves_the_award_to_the_next_ranked_bid_with_a_new_notice(ranked, market):
    tender, by_rank = ranked()
    first = awards.confirm_award(tender, by_rank[1], by=market["buyer"])
    challenge = _challenge(tender, by_rank[3], document=("证明.pdf", PDF))
    assert challenge.answer_due_on == date(2026, 3, 26) and challenge.document_sha256
    clock.freeze(at_beijing(date(2026, 3, 20)))
    awards.answer_challenge(challenge, "经核实，项目主管证书已过期，质疑成立", True, by=market["buyer"])
    assert first.status == AwardStatus.cancelled and first.cancelled_at == clock.now()
    assert "质疑成立" in first.cancel_reason
    second = policies.award_in_force(tender)
    assert second.bid_id == by_rank[2].id and second.rank == 2 and "递补" in second.deviation_reason
    assert second.noticed_at == clock.now() and second.challenge_until == date(2026, 3, 31)
    assert tender.status == TenderStatus.awarded


def test_a_rejected_challenge_keeps_the_award(ranked, market):
    tender, by_rank = ranked()
    award = awards.confirm_award(tender, by_rank[1], by=market["buyer"])
    challenge = _challenge(tender, by_rank[2])
    with pytest.raises(DomainError, match="答复内容"):
        awards.answer_challenge(challenge, "", False, by=market["buyer"])
    awards.answer_challenge(challenge, "证书在有效期内，质疑不成立", False, by=market["buyer"])
    assert challenge.upheld is False and challenge.answered_at == clock.now()
    assert award.status == AwardStatus.noticed
    with pytest.raises(NotPermitted):  # answered once
        awards.answer_challenge(challenge, "再答复", True, by=market["buyer"])


def test_with_no_ranked_bid_left_the_tender_is_unsuccessful(evaluated_tender, market):
    tender, (a, b), members = evaluated_tender("250000", "260000")
    for member in members:
        declare_and_score(member, {a: [30, 20, 10], b: [31, 20, 10]})
    awards.confirm_award(tender, b, by=market["buyer"])  # 19.23 + 61 beats 20.00 + 60
    awards.answer_challenge(_challenge(tender, a), "质疑成立", True, by=market["buyer"])
    assert policies.award_in_force(tender).bid_id == a.id
    awards.answer_challenge(_challenge(tender, b), "质疑成立", True, by=market["buyer"])
    assert policies.award_in_force(tender) is None
    assert tender.status == TenderStatus.unsuccessful and "没有排名在后" in tender.unsuccessful_reason
    assert db.session.query(Award).filter_by(tender_id=tender.id, status=AwardStatus.cancelled).count() == 2


def test_a_challenge_is_accepted_on_the_last_day_and_refused_after_it(ranked, market):
    tender, by_rank = ranked()
    awards.confirm_award(tender, by_rank[1], by=market["buyer"])
    clock.freeze(at_beijing(date(2026, 3, 26), hour=23) + timedelta(minutes=59))
    _challenge(tender, by_rank[2])
    clock.freeze(at_beijing(date(2026, 3, 27), hour=0))
    with pytest.raises(NotPermitted, match="质疑期已于 2026-03-26 结束"):
        _challenge(tender, by_rank[3])


def test_only_a_losing_bidder_may_challenge_with_grounds(ranked, market, make_org):
    tender, by_rank = ranked()
    awards.confirm_award(tender, by_rank[1], by=market["buyer"])
    with pytest.raises(NotPermitted, match="成交机构"):
        _challenge(tender, by_rank[1])
    with pytest.raises(NotPermitted, match="参加本项目投标"):
        awards.file_challenge(tender, GROUNDS, by=manager_of(make_org()))
    with pytest.raises(DomainError, match="质疑事项"):
        _challenge(tender, by_rank[2], grounds="不服")


def test_the_contract_waits_for_the_standstill_and_every_answer(ranked, market, app):
    tender, by_rank = ranked()
    award = awards.confirm_award(tender, by_rank[1], by=market["buyer"])
    assert "公示期至 2026-03-26" in policies.why_not_sign(tender, clock.now())
    with pytest.raises(DomainError, match="公示期至"):
        tenders.mark_contracted(tender, by=market["buyer"])
    challenge = _challenge(tender, by_rank[2])
    db.session.commit()
    clock.freeze(at_beijing(date(2026, 3, 27)))  # the day after the last day to challenge
    assert tick("evaluation.finalize_awards")["evaluation.finalize_awards"] == 0
    assert award.status == AwardStatus.noticed
    assert policies.why_not_sign(tender, clock.now()) == "有未答复的质疑"
    with pytest.raises(DomainError, match="未答复的质疑"):
        tenders.mark_contracted(tender, by=market["buyer"])
    awards.answer_challenge(challenge, "证书在有效期内，质疑不成立", False, by=market["buyer"])
    db.session.commit()
    assert tick("evaluation.finalize_awards")["evaluation.finalize_awards"] == 1
    db.session.refresh(award)
    assert award.status == AwardStatus.final and award.final_at == clock.now()
    assert policies.can_sign_contract(tender, clock.now())
    tenders.mark_contracted(tender, by=market["buyer"])
    assert tender.status == TenderStatus.contracted and tender.contracted_at == clock.now()


def test_the_standstill_ends_the_day_after_the_last_day_to_challenge(ranked, market):
    tender, by_rank = ranked()
    award = awards.confirm_award(tender, by_rank[1], by=market["buyer"])
    assert not awards.finalize_if_due(award, at_beijing(date(2026, 3, 26), hour=23))
    assert not policies.can_sign_contract(tender, at_beijing(date(2026, 3, 26), hour=23))
    assert awards.catch_up(tender, at_beijing(date(2026, 3, 27), hour=0))  # the lazy twin of the job
    assert award.status == AwardStatus.final


def test_the_public_notice_shows_winner_amount_dates_ranking_and_answers(ranked, market, app):
    from flask import render_template_string

    tender, by_rank = ranked()
    awards.confirm_award(tender, by_rank[1], by=market["buyer"])
    challenge = _challenge(tender, by_rank[3])
    awards.answer_challenge(challenge, "经核实，评分符合招标文件，质疑不成立", False, by=market["buyer"])
    html = render_template_string('{% include "evaluation/_award_notice.html" %}', tender=tender,
                                  **awards.public_award_context(tender))
    assert by_rank[1].organization.name in html and "¥240,000.00" in html
    assert "2026-03-26" in html and "2026-03-19" in html
    assert GROUNDS in html and "质疑不成立" in html
    assert all(bid.organization.name in html for bid in by_rank.values())


def test_no_notice_before_an_award(ranked):
    tender, _by_rank = ranked()
    assert awards.public_award_context(tender)["award"] is None


def test_an_upheld_challenge_after_a_deviated_award_goes_back_to_the_first_ranked(ranked, market):
    tender, by_rank = ranked()
    awards.confirm_award(tender, by_rank[2], "第一名的服务场地不在服务区域内", by=market["buyer"])
    challenge = _challenge(tender, by_rank[1])
    awards.answer_challenge(challenge, "经核实，第一名场地符合要求，质疑成立", True, by=market["buyer"])
    assert policies.award_in_force(tender).bid_id == by_rank[1].id


def test_cancelling_an_awarded_tender_cancels_its_award(ranked, market):
    tender, by_rank = ranked()
    award = awards.confirm_award(tender, by_rank[1], by=market["buyer"])
    tenders.cancel(tender, "上级部门统一采购", by=market["buyer"])
    assert award.status == AwardStatus.cancelled and "上级部门统一采购" in award.cancel_reason
    assert policies.award_in_force(tender) is None
    with pytest.raises((DomainError, NotPermitted)):
        _challenge(tender, by_rank[3])
