"""Open-data fixtures: the demo district, a generous rate limit for tests that read a lot, and the builders of
tenders and contracts from the other domains' fixtures."""

import pytest

from marketplace.extensions import db
from tests.contracts.conftest import build_active_contract, build_awarded_tender  # noqa: F401
from tests.organizations.conftest import confirm_fact, make_org, manager_of, registrar  # noqa: F401 (fixtures)
from tests.tenders.conftest import (  # noqa: F401 (fixtures)
    eligible_org,
    market,
    open_tender,
    place_bid,
    ready_tender,
)


@pytest.fixture
def demo(app):
    """The whole demo district: tenders in every state, contracts in every state with reports and ratings."""
    from marketplace import demo as demo_loader

    demo_loader.load(echo=lambda *_: None)
    db.session.commit()


def get_json(client, url, status=200, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == status, (url, response.status_code, response.get_data(as_text=True)[:500])
    return response.get_json()
