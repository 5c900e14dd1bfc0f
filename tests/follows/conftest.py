"""Follow fixtures: an active contract with its parties, organizations."""

from tests.contracts.conftest import active_contract, awarded_tender, contract_parties  # noqa: F401 (fixtures)
from tests.organizations.conftest import make_org, registrar  # noqa: F401 (fixtures)
