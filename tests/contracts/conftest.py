"""Contract fixtures. `build_active_contract()` runs the whole procurement through the services — publish, two
sealed bids, opening, a two-member panel, award, the standstill — and signs the contract on both sides.
It is a plain function so browser tests can call it for their own server."""

from datetime import date, timedelta

import pytest

from marketplace import security
from marketplace.bids import services as bids
from marketplace.common import clock
from marketplace.contracts import services as contracts
from marketplace.evaluation import awards
from marketplace.evaluation import services as evaluation
from marketplace.extensions import db
from marketplace.organizations import records
from marketplace.organizations import services as organizations
from marketplace.organizations.models import FactKind, Membership, OrgAction, OrgRole
from marketplace.regions.models import BodyKind
from marketplace.tenders import services as tenders
from tests import factories
from tests.organizations.conftest import registration
from tests.tenders.conftest import bid_values, build_market, build_ready_tender


def build_eligible_org(registrar, name: str | None = None):
    """A verified organization with a manager, last year's inspection passed and a certified social worker."""
    org = organizations.record_organization(registration(**({"name": name} if name else {})),
                                            factories.region("110101001"), [], by=None)
    member = factories.user("org_member")
    db.session.add(Membership(organization=org, user_id=member.id, role=OrgRole.manager, joined_at=org.created_at))
    organizations.decide(org, OrgAction.verify, by=registrar)
    start = date(clock.today().year, 1, 1)
    for kind, values in [(FactKind.inspection, {"year": clock.today().year - 1, "inspection_result": "合格"}),
                         (FactKind.social_worker, {"worker_level": "worker", "certificate_no": f"SW-C{org.id:05d}",
                                                   "person_name": "王芳"})]:
        records.decide_fact(records.submit_fact(org, kind, values | {"valid_from": start}, None, by=member), True,
                            by=registrar)
    return org, member


def build_awarded_tender(prices=("240000", "250000")) -> dict:
    """A tender awarded to the first (cheapest, best-scored) bid, its standstill not yet over."""
    market = build_market()
    buyer = market["buyer"]
    tender = build_ready_tender(market)
    tenders.publish(tender, by=buyer)
    registrar = factories.user("registrar", body_=factories.body(BodyKind.civil_affairs, "110101"))
    placed = []
    for n, price in enumerate(prices):
        org, member = build_eligible_org(registrar, name=f"东城区合同测试社会工作服务中心{n + 1}")
        draft = bids.draft_for(tender, by=member)
        bids.save_draft(draft, tender, bid_values(tender, price), by=member)
        placed.append((bids.submit(draft, tender, by=member, idempotency_key=f"contract-{n}"), member))
    panel = [evaluation.assign(tender, factories.user("evaluator"), by=buyer) for _ in range(2)]
    clock.freeze(tender.deadline_at)
    tenders.catch_up(tender)
    criteria = [c for c in tender.criteria if not c.is_price]
    for member in panel:
        evaluation.declare(member, False, None, by=member.user)
        for rank, (bid, _member) in enumerate(placed):
            evaluation.save_scores(member, bid, {c.id: (str(c.weight - 2 - rank), "方案与指标对应") for c in criteria},
                                   by=member.user)
        evaluation.submit_scores(member, by=member.user)
    winner, winner_member = placed[0]
    award = awards.confirm_award(tender, winner, by=buyer)
    db.session.flush()
    return {"market": market, "tender": tender, "award": award, "buyer": buyer, "member": winner_member,
            "winner": winner, "losers": placed[1:]}


def build_active_contract(prices=("240000", "250000")) -> dict:
    """Past the standstill, generated and signed by both sides: an active contract."""
    parties = build_awarded_tender(prices)
    clock.freeze(clock.local_midnight(parties["award"].challenge_until + timedelta(days=1)) + timedelta(hours=9))
    awards.catch_up(parties["tender"])
    contract = contracts.generate(parties["tender"], by=parties["buyer"])
    contracts.sign(contract, by=parties["buyer"], code=security.current_totp(parties["buyer"].totp_secret))
    contracts.sign(contract, by=parties["member"])
    db.session.flush()
    return parties | {"contract": contract}


@pytest.fixture
def awarded_tender(frozen_now):
    return build_awarded_tender()


@pytest.fixture
def contract_parties(frozen_now):
    return build_active_contract()


@pytest.fixture
def active_contract(contract_parties):
    return contract_parties["contract"]
