"""The organization's public track record: its signed contracts, on-time reports and the value it delivered."""

from datetime import timedelta
from decimal import Decimal

from marketplace.common import clock
from marketplace.contracts import services as contracts
from marketplace.contracts.track_record import track_record
from marketplace.evaluation import awards
from marketplace.extensions import db
from marketplace.outcomes.models import OutcomeReport, ReportStatus


def _report(milestone, *, late: bool) -> None:
    now = clock.now()
    db.session.add(OutcomeReport(milestone_id=milestone.id, contract_id=milestone.contract_id, late=late,
                                 status=ReportStatus.submitted, narrative="", created_at=now, updated_at=now,
                                 submitted_at=now))
    db.session.flush()


def test_the_profile_lists_the_contract_with_its_buyer_and_value(client, contract_parties):
    contract = contract_parties["contract"]
    db.session.commit()
    html = client.get(f"/organizations/{contract.organization_id}").get_data(as_text=True)
    assert "履约记录" in html and contract.title in html and contract.buyer.name in html
    assert "暂无到期报告" in html


def test_a_report_past_due_and_never_submitted_counts_as_late(contract_parties):
    contract = contract_parties["contract"]
    first, second = contract.milestones[0], contract.milestones[1]
    assert track_record(contract.organization)["reports_due"] == 0
    _report(first, late=False)
    record = track_record(contract.organization, second.report_due_on + timedelta(days=1))
    assert (record["on_time"], record["reports_due"], record["on_time_rate"]) == (1, 2, Decimal("50.0"))


def test_value_delivered_counts_completed_contracts_only(contract_parties):
    contract = contract_parties["contract"]
    assert track_record(contract.organization)["value_delivered"] == Decimal("0")
    for milestone in contract.milestones:  # every stage evaluated and passed (the outcomes domain's job)
        milestone.evaluation_passed_at = clock.now()
    contracts.end(contract, True, "全部里程碑已完成", by=contract_parties["buyer"])
    record = track_record(contract.organization)
    assert record["value_delivered"] == contract.value and record["completed"] == 1


def test_contracts_awaiting_signatures_are_not_listed(awarded_tender):
    clock.freeze(clock.local_midnight(awarded_tender["award"].challenge_until + timedelta(days=1)) + timedelta(hours=9))
    awards.catch_up(awarded_tender["tender"])
    contract = contracts.generate(awarded_tender["tender"], by=awarded_tender["buyer"])
    assert track_record(contract.organization)["contracts"] == []


def test_final_scores_come_from_the_closed_evaluations(client, contract_parties):
    from marketplace.outcomes import evaluations
    from tests.outcomes.conftest import accepted_evaluation, resident_of

    contract = contract_parties["contract"]
    evaluation = accepted_evaluation(contract_parties)
    for stars in (5, 4, 4):  # three ratings, below the quorum of 10: provisional
        evaluations.rate(evaluation, stars, None, by=resident_of())
    while not evaluation.closed:  # below the quorum the window is lengthened once before scoring
        clock.freeze(evaluation.rating_ends_at + timedelta(hours=1))
        evaluations.close_evaluation(evaluation)
    db.session.commit()
    html = client.get(f"/organizations/{contract.organization_id}").get_data(as_text=True)
    assert f"{evaluation.final_score:.2f}（暂定）" in html
    assert track_record(contract.organization)["contracts"][0]["scores"][0].value == evaluation.final_score
