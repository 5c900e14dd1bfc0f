"""Outcome fixtures: an active contract (from the contracts fixtures), served residents, an accepted report."""

from decimal import Decimal

import pytest

from marketplace.outcomes import services
from tests import factories
from tests.contracts.conftest import active_contract, contract_parties  # noqa: F401, F811 (fixtures used here)

SERVED = "110101001001"  # 多福巷社区, the community the contract's tender serves


def resident_of(code: str = SERVED):
    return factories.user("resident", verified_community=factories.region(code))


def report_values(contract, actual="20000", narrative="每日助餐，长者食堂运营正常") -> dict:
    return {"actuals": {i.id: Decimal(actual) for i in contract.indicators},
            "beneficiaries": {"elderly": 86, "disabled": 4}, "activities": [], "narrative": narrative}


def accepted_evaluation(parties, actual="20000"):
    """The first milestone's report saved, submitted and accepted: its evaluation is open for rating."""
    contract = parties["contract"]
    milestone = contract.milestones[0]
    report = services.save_draft(milestone, report_values(contract, actual), by=parties["member"])
    services.submit_report(report, by=parties["member"])
    return services.accept_report(report, by=parties["buyer"])


@pytest.fixture
def served_resident():
    return resident_of


@pytest.fixture
def evaluation(contract_parties):  # noqa: F811
    return accepted_evaluation(contract_parties)
