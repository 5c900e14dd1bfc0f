"""Kept forms: the bid workspace and the outcome report, with the idle timeout switched on."""

import pytest

from tests.contracts.conftest import active_contract, contract_parties  # noqa: F401 (fixtures)
from tests.organizations.conftest import confirm_fact, make_org, registrar  # noqa: F401 (fixtures)
from tests.tenders.conftest import criteria, eligible_org, market, open_tender, ready_tender  # noqa: F401 (fixtures)


@pytest.fixture
def idle_timeout(app, monkeypatch):
    """The idle timeout as in production (TestingConfig leaves it off: other tests move the clock by days)."""
    monkeypatch.setitem(app.config, "ENFORCE_IDLE_TIMEOUT", True)
