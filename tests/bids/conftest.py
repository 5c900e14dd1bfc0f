"""Bidding fixtures: eligible organizations, drafts filled through the services, and opened tenders."""


import pytest

from marketplace.common import clock
from marketplace.extensions import db
from marketplace.tenders import services as tenders
from tests.organizations.conftest import confirm_fact, make_org, manager_of, registrar  # noqa: F401 (fixtures)
from tests.tenders.conftest import (  # noqa: F401 (fixtures)
    bid_values,
    criteria,
    eligible_org,
    market,
    open_tender,
    place_bid,
    ready_tender,
)


@pytest.fixture
def opened_tender(open_tender, place_bid):  # noqa: F811
    """The open tender with bids at the given prices, moved past its deadline: bids opened for the panel."""

    def make(*prices):
        placed = [place_bid(open_tender, price)[0] for price in prices]
        db.session.commit()
        clock.freeze(open_tender.deadline_at)
        tenders.catch_up(open_tender)
        db.session.flush()
        return open_tender, placed

    return make
