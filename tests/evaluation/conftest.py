"""Evaluation fixtures: a tender with bids and a panel assigned before the deadline, then opened."""

from datetime import timedelta

import pytest

from marketplace.common import clock
from marketplace.evaluation import services
from marketplace.extensions import db
from marketplace.tenders import services as tenders
from tests.bids.conftest import opened_tender  # noqa: F401 (fixtures)
from tests.organizations.conftest import confirm_fact, make_org, manager_of, registrar  # noqa: F401 (fixtures)
from tests.tenders.conftest import (  # noqa: F401 (fixtures)
    bid_values,
    eligible_org,
    market,
    open_tender,
    place_bid,
    ready_tender,
)


@pytest.fixture
def evaluated_tender(open_tender, place_bid, market, make_user):  # noqa: F811
    """Bids at the given prices and `panel` evaluators assigned before the deadline; the clock then stands at
    the deadline and the bids are opened. Returns (tender, bids, members)."""

    def make(*prices, panel=2):
        placed = []
        for price in prices:
            placed.append(place_bid(open_tender, price)[0])
            clock.advance(timedelta(minutes=1))  # each bid received a little later than the one before
        members = [services.assign(open_tender, make_user("evaluator"), by=market["buyer"]) for _ in range(panel)]
        db.session.commit()
        clock.freeze(open_tender.deadline_at)
        tenders.catch_up(open_tender)
        db.session.flush()
        return open_tender, placed, members

    return make



def non_price(tender):
    return [c for c in tender.criteria if not c.is_price]


def score(member, bid, points, reason="方案与指标对应，活动设计可行"):
    """Save one member's points for one bid, one figure per non-price criterion in template order."""
    criteria = non_price(member.tender)
    rows = {c.id: (str(p), f"{reason}（{c.name}）") for c, p in zip(criteria, points, strict=True)}
    return services.save_scores(member, bid, rows, by=member.user)


def declare_and_score(member, points_by_bid: dict, *, submit=True):
    """Declare no conflict, score every bid given (bid → points per criterion), and submit."""
    services.declare(member, False, None, by=member.user)
    for bid, points in points_by_bid.items():
        score(member, bid, points)
    if submit:
        services.submit_scores(member, by=member.user)
    db.session.flush()
    return member


