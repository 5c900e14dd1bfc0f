"""Milestone evaluations: who may rate, once; the published numbers; the quorum; the tranche."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from marketplace.common import clock
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db
from marketplace.outcomes import evaluations, scoring, services
from marketplace.outcomes.models import EvaluationStatus, Rating
from marketplace.settings.services import set_setting
from tests import factories
from tests.outcomes.conftest import accepted_evaluation, resident_of


def _rate_all(evaluation, stars_list):
    for stars in stars_list:
        evaluations.rate(evaluation, stars, f"{stars} 星", by=resident_of())


def _close(evaluation):
    clock.freeze(evaluation.rating_ends_at)
    assert evaluations.close_due() == 1
    return evaluation


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
    evaluation = accepted_evaluation(contract_parties, actual="15000")
    evaluations.adjust_g(evaluation, "76", "专家实地核查：台账完整，餐品抽检合格", by=contract_parties["buyer"])
    _rate_all(evaluation, [5, 4, 4, 5, 3, 4, 5, 4, 2, 5, 4])
    set_setting("evaluation.resident_weight", "0.75", by=None, valid_from=clock.today())
    _close(evaluation)

    published = services.public_context(contract_parties["contract"])["outcome_rows"][0]
    outcome, ratings = published["outcome"], published["ratings"]
    r = scoring.round2(Decimal(sum((row["stars"] - 1) * 25 for row in ratings)) / len(ratings))
    assert (outcome.w, outcome.r, outcome.g, outcome.count) == (Decimal("0.75"), r, Decimal("76.00"), 11)
    assert evaluation.final_score == scoring.round2(outcome.w * outcome.r + (1 - outcome.w) * outcome.g)
    assert outcome.formula() == f"0.75 × {r} + 0.25 × 76.00 = {evaluation.final_score}"
    assert not outcome.provisional and evaluation.status == EvaluationStatus.passed


def test_below_the_quorum_the_score_is_provisional(evaluation):
    _rate_all(evaluation, [5, 5, 4])
    _close(evaluation)
    assert evaluation.rating_count == 3 and evaluation.quorum == 10 and evaluation.provisional is True
    assert evaluation.final_score == scoring.final_score(Decimal("0.70"), Decimal("91.67"), Decimal("100.00"))


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


def test_the_buyer_adjusts_g_only_with_a_reason(evaluation, contract_parties):
    with pytest.raises(DomainError, match="理由"):
        evaluations.adjust_g(evaluation, "80", " ", by=contract_parties["buyer"])
    with pytest.raises(NotPermitted):
        evaluations.adjust_g(evaluation, "80", "理由", by=contract_parties["member"])


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
