"""Follow fixtures: an active contract with its parties."""

from tests.contracts.conftest import active_contract, awarded_tender, contract_parties  # noqa: F401 (fixtures)
