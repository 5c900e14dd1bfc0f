"""Contracts: generated after the standstill, signed by both sides (the buyer with 2FA), term and tranche rules."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from marketplace import security
from marketplace.common import clock, jobs
from marketplace.contracts import services as contracts
from marketplace.contracts.models import ContractStatus, MilestoneKind
from marketplace.errors import DomainError, NotPermitted
from marketplace.evaluation import awards
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.settings.services import set_setting
from marketplace.tenders.models import TenderStatus


def _after_standstill(parties):
    clock.freeze(clock.local_midnight(parties["award"].challenge_until + timedelta(days=1)) + timedelta(hours=9))
    awards.catch_up(parties["tender"])


def test_no_contract_before_the_standstill_ends(awarded_tender):
    with pytest.raises(DomainError) as error:
        contracts.generate(awarded_tender["tender"], by=awarded_tender["buyer"])
    assert "公示期至" in error.value.message


def test_a_contract_is_generated_from_the_award_and_signed_by_both(awarded_tender):
    parties = awarded_tender
    _after_standstill(parties)
    contract = contracts.generate(parties["tender"], by=parties["buyer"])
    assert contract.value == parties["award"].amount == Decimal("240000.00")
    assert contract.organization_id == parties["winner"].organization_id and contract.term_months == 12
    assert [m.kind for m in contract.milestones] == list(MilestoneKind)
    assert [m.tranche_percent for m in contract.milestones] == [40, 40, 20]
    assert sum(m.tranche_amount for m in contract.milestones) == contract.value
    assert sum(i.weight for i in contract.indicators) == 100 and contract.indicators[0].name == "助餐服务人次"
    assert "服务方案" in contract.proposal_summary
    with pytest.raises(DomainError):  # the buyer signs with a second-factor code
        contracts.sign(contract, by=parties["buyer"], code="000000")
    contracts.sign(contract, by=parties["buyer"], code=security.current_totp(parties["buyer"].totp_secret))
    assert contract.status == ContractStatus.awaiting_signatures
    contracts.sign(contract, by=parties["member"])
    assert contract.status == ContractStatus.active and contract.active_at == clock.now()
    assert parties["tender"].status == TenderStatus.contracted


def test_a_loser_or_stranger_cannot_sign(awarded_tender, make_user):
    _after_standstill(awarded_tender)
    contract = contracts.generate(awarded_tender["tender"], by=awarded_tender["buyer"])
    for user in (awarded_tender["losers"][0][1], make_user("buyer", body_=awarded_tender["market"]["city"])):
        with pytest.raises(NotPermitted):
            contracts.sign(contract, by=user)


def test_tranches_must_sum_to_100():
    assert contracts.split_value(Decimal("100000.01"), [40, 40, 20]) == [Decimal("40000.00"), Decimal("40000.00"),
                                                                        Decimal("20000.01")]
    with pytest.raises(DomainError) as error:
        set_setting("contract.tranches", "50/40/20", by=None, valid_from=date(2026, 1, 1))
    assert "之和须为 100" in error.value.message
    set_setting("contract.tranches", "30/50/20", by=None, valid_from=date(2026, 1, 1))
    assert contracts.tranches(None) == [30, 50, 20]


def test_term_rules_on_amendment(contract_parties):
    contract, buyer = contract_parties["contract"], contract_parties["buyer"]
    with pytest.raises(DomainError) as error:
        contracts.amend(contract, {"ends_on": contract.starts_on + timedelta(days=500)}, "延期", by=buyer)
    assert "超过 1 年须写明理由" in error.value.message
    with pytest.raises(DomainError):
        contracts.amend(contract, {"ends_on": contract.starts_on + timedelta(days=1200)}, "延期三年多", by=buyer)
    amendment = contracts.amend(contract, {"ends_on": contract.starts_on + timedelta(days=500),
                                           "term_justification": "服务对象稳定，需连续服务"}, "延期", by=buyer)
    assert amendment.number == 1 and contract.version == 2 and 12 < contract.term_months <= 18


def test_the_buyer_is_warned_once_when_signing_is_late(awarded_tender):
    _after_standstill(awarded_tender)
    contract = contracts.generate(awarded_tender["tender"], by=awarded_tender["buyer"])
    db.session.commit()
    clock.freeze(clock.local_midnight(contract.sign_by + timedelta(days=1)) + timedelta(hours=9))
    jobs.tick("contracts.warn_unsigned")
    jobs.tick("contracts.warn_unsigned")
    notes = db.session.query(Notification).filter(Notification.user_id == awarded_tender["buyer"].id,
                                                  Notification.message.like("%仍未签署%")).all()
    assert len(notes) == 1


def test_termination_needs_a_reason(contract_parties):
    contract, buyer = contract_parties["contract"], contract_parties["buyer"]
    with pytest.raises(DomainError):
        contracts.end(contract, False, " ", by=buyer)
    contracts.end(contract, False, "服务机构主要人员离职，无法继续履行", by=buyer)
    assert contract.status == ContractStatus.terminated and contract.terminated_at == clock.now()


def test_the_signed_contract_is_public(client, contract_parties):
    db.session.commit()
    contract = contract_parties["contract"]
    html = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert contract.title in html and "¥240,000.00" in html and "40%" in html
    assert contract.title in client.get("/contracts/").get_data(as_text=True)


def test_the_demo_has_contracts_in_every_state(app):
    from marketplace import demo
    from marketplace.contracts.models import Contract

    demo.load(echo=lambda *_: None)
    contracts_by_state = {c.status: c for c in db.session.query(Contract)}
    assert set(contracts_by_state) == set(ContractStatus)
    assert contracts_by_state[ContractStatus.awaiting_signatures].sign_warning_at is not None
    for contract in contracts_by_state.values():
        assert sum(m.tranche_amount for m in contract.milestones) == contract.value


def test_the_demo_delivers_reports_ratings_scores_and_beneficiaries(app):
    from marketplace import demo
    from marketplace.beneficiaries.models import BeneficiaryRecord
    from marketplace.outcomes.models import Evaluation

    demo.load(echo=lambda *_: None)
    evaluations = db.session.query(Evaluation).all()
    closed = [e for e in evaluations if e.closed_at is not None]
    assert {e.provisional for e in closed} == {True, False}  # one below the quorum, one above
    assert {e.extensions for e in closed if e.provisional} == {1}  # lengthened once before it was scored
    assert all(e.closed_at < clock.now() for e in closed)
    assert all(e.reviewer_count == 2 and e.government_score != e.computed_g for e in closed)  # expert + buyer
    assert any(e.closed_at is None and e.rating_ends_at > clock.now() for e in evaluations)  # open for rating
    assert db.session.query(BeneficiaryRecord).count() == 3


def test_the_buyer_sets_indicator_weights_and_rules_before_signing(client, awarded_tender):
    from marketplace.contracts.models import ScoringRule

    _after_standstill(awarded_tender)
    contract = contracts.generate(awarded_tender["tender"], by=awarded_tender["buyer"])
    contracts.sign(contract, by=awarded_tender["member"])
    (only,) = contract.indicators
    with pytest.raises(DomainError) as error:
        contracts.set_indicator_terms(contract, {only.id: (90, ScoringRule.pass_fail)}, by=awarded_tender["buyer"])
    assert "合计须为 100，当前为 90" in error.value.message
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = str(awarded_tender["buyer"].id), True
    response = client.post(f"/contracts/{contract.id}/indicators", data={f"weight-{only.id}": "100",
                                                                         f"rule-{only.id}": "pass_fail"})
    assert response.status_code == 302
    db.session.expire_all()
    contract = db.session.get(type(contract), contract.id)
    assert contract.indicators[0].rule == ScoringRule.pass_fail
    assert contract.organization_signed_at is None  # what was signed changed: the organization signs again


def test_complete_needs_every_milestone_passed(contract_parties):
    contract, buyer = contract_parties["contract"], contract_parties["buyer"]
    with pytest.raises(DomainError) as error:
        contracts.end(contract, True, "完成", by=buyer)
    assert "未通过评价" in error.value.message and contract.status == ContractStatus.active


def test_a_never_signed_contract_owes_no_report_and_pays_nothing(awarded_tender):
    from marketplace.outcomes import services as outcomes
    from tests.outcomes.conftest import report_values

    _after_standstill(awarded_tender)
    contract = contracts.generate(awarded_tender["tender"], by=awarded_tender["buyer"])
    contracts.end(contract, False, "中标机构放弃签约", by=awarded_tender["buyer"])
    milestone = contract.milestones[0]
    with pytest.raises(NotPermitted):
        outcomes.save_draft(milestone, report_values(contract), by=awarded_tender["member"])
    milestone.evaluation_passed_at = clock.now()
    assert not milestone.payable


def test_a_term_counts_its_months_the_way_it_was_set():
    start = date(2026, 4, 1)
    assert contracts.term_months(start, contracts.add_months(start, 12) - timedelta(days=1)) == 12
    assert contracts.term_months(start, contracts.add_months(start, 12)) == 13
    assert contracts.term_months(start, contracts.add_months(start, 36) - timedelta(days=1)) == 36


def test_the_milestone_set_follows_the_setting(awarded_tender):
    set_setting("contract.tranches", "30/20/20/30", by=None, valid_from=date(2026, 1, 1))
    _after_standstill(awarded_tender)
    contract = contracts.generate(awarded_tender["tender"], by=awarded_tender["buyer"])
    assert [m.kind for m in contract.milestones] == [MilestoneKind.start, MilestoneKind.midterm,
                                                     MilestoneKind.midterm, MilestoneKind.final]
    assert [m.tranche_percent for m in contract.milestones] == [30, 20, 20, 30]
    assert sum(m.tranche_amount for m in contract.milestones) == contract.value
    dues = [m.due_on for m in contract.milestones]
    assert dues == sorted(dues) and dues[-1] == contract.ends_on
    with pytest.raises(DomainError):
        set_setting("contract.tranches", "100", by=None, valid_from=date(2026, 1, 1))


def test_the_winning_proposal_is_for_the_parties_only(client, contract_parties):
    from tests.conftest import sign_in

    contract = contract_parties["contract"]
    db.session.commit()
    assert "中标方案摘要" not in client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    sign_in(client, contract_parties["member"])
    assert "中标方案摘要" in client.get(f"/contracts/{contract.id}").get_data(as_text=True)
