"""Milestone evaluations: who may rate, once; the published numbers; the quorum; the tranche."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from marketplace.audit.models import AuditEvent
from marketplace.common import clock
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db
from marketplace.outcomes import evaluations, scoring, services
from marketplace.outcomes.models import EvaluationStatus, Rating, ReviewerKind, ReviewerMark
from marketplace.settings.services import set_setting
from tests import factories
from tests.outcomes.conftest import accepted_evaluation, resident_of


def _rate_all(evaluation, stars_list):
    for stars in stars_list:
        evaluations.rate(evaluation, stars, f"{stars} 星", by=resident_of())


def _close(evaluation):
    """Close at the window's end; a window below the quorum is lengthened once first (the setting's default)."""
    clock.freeze(evaluation.rating_ends_at)
    assert evaluations.close_due() == 1
    if not evaluation.closed:
        clock.freeze(evaluation.rating_ends_at)
        assert evaluations.close_due() == 1
    return evaluation


def _expert(evaluation, buyer, kind=ReviewerKind.expert):
    expert = factories.user("evaluator")
    evaluations.invite_reviewer(evaluation, expert, kind, by=buyer)
    return expert


def test_accepting_the_report_opens_rating_with_g_from_the_indicators(contract_parties):
    evaluation = accepted_evaluation(contract_parties, actual="15000")   # 15000 of 20000 people, weight 100
    assert evaluation.status == EvaluationStatus.rating
    assert evaluation.computed_g == Decimal("75.00")
    assert evaluation.rating_ends_at - evaluation.rating_opened_at == timedelta(days=30)


def test_a_resident_of_another_community_cannot_rate(evaluation):
    elsewhere = resident_of("110101002001")
    with pytest.raises(NotPermitted):
        evaluations.rate(evaluation, 5, None, by=elsewhere)
    assert evaluations.open_for(elsewhere) == []
    assert evaluations.open_for(resident_of()) == [evaluation]


def test_a_resident_without_a_verified_community_cannot_rate(evaluation):
    with pytest.raises(NotPermitted):
        evaluations.rate(evaluation, 5, None, by=factories.user("resident"))


def test_a_second_rating_is_refused_with_a_friendly_message(evaluation):
    resident = resident_of()
    evaluations.rate(evaluation, 4, None, by=resident)
    with pytest.raises(DomainError, match="只能评价一次"):
        evaluations.rate(evaluation, 1, None, by=resident)
    assert len(evaluation.ratings) == 1


def test_a_second_rating_is_refused_by_the_database(evaluation):
    resident = resident_of()
    first = evaluations.rate(evaluation, 4, None, by=resident)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(Rating(evaluation_id=evaluation.id, milestone_id=evaluation.milestone_id, user_id=resident.id,
                              pseudonym_id=first.pseudonym_id, stars=1, created_at=clock.now()))


def test_rating_closes_with_the_window(evaluation):
    clock.freeze(evaluation.rating_ends_at)
    with pytest.raises(DomainError, match="已结束"):
        evaluations.rate(evaluation, 5, None, by=resident_of())


def test_a_resident_weight_below_070_is_refused_by_the_settings(frozen_now):
    with pytest.raises(DomainError, match="0.70"):
        set_setting("evaluation.resident_weight", "0.69", by=None, valid_from=clock.today())
    set_setting("evaluation.resident_weight", "0.70", by=None, valid_from=clock.today())


def test_the_published_numbers_recompute_the_final_score_exactly(contract_parties):
    buyer = contract_parties["buyer"]
    evaluation = accepted_evaluation(contract_parties, actual="15000")                 # I = 75
    expert = _expert(evaluation, buyer)
    evaluations.mark(evaluation, "80", "实地核查：台账完整，餐品抽检合格", True, by=expert)
    evaluations.mark(evaluation, "76.5", "抽访 12 位老人，满意度较高", True, by=buyer)
    _rate_all(evaluation, [5, 4, 4, 5, 3, 4, 5, 4, 2, 5, 4])
    set_setting("evaluation.resident_weight", "0.75", by=None, valid_from=clock.today())
    _close(evaluation)

    published = services.public_context(contract_parties["contract"])["outcome_rows"][0]
    outcome, ratings, marks = published["outcome"], published["ratings"], published["marks"]
    r = scoring.round2(Decimal(sum((row["stars"] - 1) * 25 for row in ratings)) / len(ratings))
    m_mean = scoring.round2(sum(row["score"] for row in marks) / len(marks))              # 78.25
    g = scoring.round2(Decimal("0.5") * evaluation.computed_g + Decimal("0.5") * m_mean)  # 76.63 (half up)
    assert [row["reviewer"] for row in marks] == ["评审专家 1", "采购人"]                    # kinds, never names
    assert (outcome.w, outcome.r, outcome.g, outcome.count) == (Decimal("0.75"), r, g, 11)
    assert outcome.government.formula() == f"0.50 × 75.00 + 0.50 × {m_mean} = {g}"
    assert (m_mean, g) == (Decimal("78.25"), Decimal("76.63"))
    assert evaluation.final_score == scoring.round2(outcome.w * outcome.r + (1 - outcome.w) * outcome.g)
    assert outcome.formula() == f"0.75 × {r} + 0.25 × {g} = {evaluation.final_score}"
    assert (evaluation.government_score, evaluation.reviewer_count, evaluation.reviewer_score) == (g, 2, m_mean)
    assert not outcome.provisional and evaluation.status == EvaluationStatus.passed


def test_below_the_quorum_the_window_is_lengthened_once_then_the_score_is_provisional(evaluation):
    _rate_all(evaluation, [5, 5, 4])
    first_end = evaluation.rating_ends_at
    clock.freeze(first_end)
    evaluations.close_due()
    assert evaluation.status == EvaluationStatus.rating and evaluation.extensions == 1
    assert evaluation.rating_ends_at == first_end + timedelta(days=30)
    evaluations.rate(evaluation, 4, None, by=resident_of())  # residents can still rate in the extra time
    clock.freeze(evaluation.rating_ends_at)
    evaluations.close_due()
    assert evaluation.closed and evaluation.extensions == 1
    assert evaluation.rating_count == 4 and evaluation.quorum == 10 and evaluation.provisional is True
    assert evaluation.final_score == scoring.final_score(Decimal("0.70"), Decimal("87.50"), Decimal("100.00"))
    assert db.session.query(AuditEvent).filter_by(action="evaluation.extended").count() == 1


def test_a_lengthened_window_is_announced_to_the_buyer_and_the_reviewers_still_to_mark(evaluation, contract_parties):
    from marketplace.notifications.models import Notification

    buyer = contract_parties["buyer"]
    waiting, done = _expert(evaluation, buyer), _expert(evaluation, buyer)
    evaluations.mark(evaluation, "80", "已核查", True, by=done)
    clock.freeze(evaluation.rating_ends_at)
    evaluations.close_due()
    told = {n.user_id for n in db.session.query(Notification).filter(Notification.message.contains("延长"))}
    assert told == {buyer.id, waiting.id}


def test_no_extension_when_the_setting_allows_none(evaluation):
    set_setting("evaluation.rating_extensions", "0", by=None, valid_from=clock.today())
    clock.freeze(evaluation.rating_ends_at)
    evaluations.close_due()
    assert evaluation.closed and evaluation.rating_count == 0 and evaluation.resident_score == Decimal("0.00")


def test_the_tranche_is_payable_only_after_a_passing_evaluation(contract_parties):
    evaluation = accepted_evaluation(contract_parties)
    milestone = evaluation.milestone
    _rate_all(evaluation, [4] * 10)
    assert not milestone.payable
    with pytest.raises(DomainError, match="尚未结束"):
        evaluations.close_evaluation(evaluation)
    _close(evaluation)
    assert evaluation.status == EvaluationStatus.passed and milestone.payable


def test_a_failing_evaluation_leaves_the_tranche_unpaid(contract_parties):
    evaluation = accepted_evaluation(contract_parties, actual="10000")   # G = 50
    _rate_all(evaluation, [2] * 10)                                       # R = 25
    _close(evaluation)
    assert evaluation.final_score == Decimal("32.50") and evaluation.status == EvaluationStatus.failed
    assert not evaluation.milestone.payable


def test_without_marks_g_is_the_indicator_score(contract_parties):
    evaluation = accepted_evaluation(contract_parties, actual="15000")
    _rate_all(evaluation, [4] * 10)
    _close(evaluation)
    assert evaluation.government_score == Decimal("75.00") and evaluation.reviewer_count == 0
    assert evaluation.reviewer_score is None


def test_only_invited_reviewers_and_the_buyer_mark_with_reasons_and_no_conflict(evaluation, contract_parties):
    buyer, member = contract_parties["buyer"], contract_parties["member"]
    with pytest.raises(NotPermitted):
        evaluations.mark(evaluation, "80", "理由", True, by=factories.user("evaluator"))  # not invited
    with pytest.raises(NotPermitted):
        evaluations.mark(evaluation, "80", "理由", True, by=member)
    with pytest.raises(NotPermitted):
        evaluations.invite_reviewer(evaluation, factories.user("evaluator"), ReviewerKind.expert, by=member)
    with pytest.raises(DomainError, match="评审专家库"):
        evaluations.invite_reviewer(evaluation, factories.user("org_member"), ReviewerKind.expert, by=buyer)
    agency = _expert(evaluation, buyer, ReviewerKind.third_party)
    with pytest.raises(DomainError, match="理由"):
        evaluations.mark(evaluation, "80", " ", True, by=agency)
    with pytest.raises(DomainError, match="回避"):
        evaluations.mark(evaluation, "80", "理由", False, by=agency)
    with pytest.raises(DomainError, match="0 到 100"):
        evaluations.mark(evaluation, "101", "理由", True, by=agency)
    evaluations.mark(evaluation, "70", "第三方评估报告结论", True, by=agency)
    evaluations.mark(evaluation, "72", "复核后调整", True, by=agency)  # revised before the close
    assert [(m.kind, m.score) for m in evaluation.marks] == [(ReviewerKind.third_party, Decimal("72.00"))]


def test_one_mark_speaks_for_the_buyer(evaluation, contract_parties):
    buyer = contract_parties["buyer"]
    colleague = factories.user("buyer", body_=buyer.body)
    evaluations.mark(evaluation, "80", "实地查看", True, by=buyer)
    with pytest.raises(DomainError, match="其他工作人员"):
        evaluations.mark(evaluation, "60", "另一种看法", True, by=colleague)
    with pytest.raises(IntegrityError), db.session.begin_nested():  # the database holds the line as well
        db.session.add(ReviewerMark(evaluation_id=evaluation.id, reviewer_id=colleague.id, kind=ReviewerKind.buyer,
                                    invited_by_id=colleague.id, invited_at=clock.now()))


def test_marks_close_with_the_evaluation(evaluation, contract_parties):
    expert = _expert(evaluation, contract_parties["buyer"])
    _rate_all(evaluation, [4] * 10)
    _close(evaluation)
    with pytest.raises(NotPermitted):
        evaluations.mark(evaluation, "90", "迟到的打分", True, by=expert)


def test_a_resident_keeps_one_pseudonym_per_contract(contract_parties):
    evaluation = accepted_evaluation(contract_parties)
    first, second = resident_of(), resident_of()
    a = evaluations.rate(evaluation, 5, None, by=first)
    b = evaluations.rate(evaluation, 3, None, by=second)
    assert (a.pseudonym.number, b.pseudonym.number) == (1, 2)
    assert evaluations.pseudonym_for(contract_parties["contract"], first).id == a.pseudonym_id


def test_the_job_closes_ended_windows_once(evaluation):
    from marketplace.common import jobs

    _rate_all(evaluation, [5] * 10)
    clock.freeze(evaluation.rating_ends_at + timedelta(hours=1))
    assert jobs.tick(only="outcomes.remind_reports") == {"outcomes.remind_reports": 1}
    assert jobs.tick(only="outcomes.remind_reports") == {"outcomes.remind_reports": 0}
    assert evaluation.status == EvaluationStatus.passed and evaluation.milestone.payable
