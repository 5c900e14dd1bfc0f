"""Someone who copies the database file learns no price and no proposal text before opening.

This runs on its own SQLite file with real commits (the other tests roll back inside one transaction,
so their data never reaches the disk)."""

from datetime import date, datetime
from pathlib import Path

import pytest

from marketplace.bids import services as bids
from marketplace.cli import reset_database
from marketplace.common import clock
from marketplace.extensions import db
from marketplace.organizations import records
from marketplace.organizations import services as organizations
from marketplace.organizations.models import FactKind, Membership, OrgAction, OrgRole
from marketplace.regions.models import BodyKind
from marketplace.tenders import services as tenders
from tests import factories
from tests.conftest import make_test_app
from tests.organizations.conftest import registration
from tests.tenders.conftest import bid_values, build_market, build_ready_tender

PRICE = "271828.18"
PROPOSAL = "独家方案：长者食堂与志愿者积分联动模式"


@pytest.fixture(autouse=True)
def _transaction():
    """This module owns its database file; there is no shared transaction to roll back."""
    yield


def test_the_database_file_holds_no_price_or_proposal_before_opening(tmp_path):
    path = tmp_path / "sealed.db"
    app = make_test_app(f"sqlite:///{path}")
    with app.app_context(), app.test_request_context(), clock.frozen(datetime(2026, 3, 2, 2, 0, tzinfo=clock.UTC)):
        reset_database()
        market = build_market()
        tender = build_ready_tender(market)
        tenders.publish(tender, by=market["buyer"])
        registrar = factories.user("registrar", body_=factories.body(BodyKind.civil_affairs, "110101"))
        org = organizations.record_organization(registration(name="东城区封存测试社会工作服务中心"),
                                                factories.region("110101001"), [], by=None)
        member = factories.user("org_member")
        db.session.add(Membership(organization=org, user_id=member.id, role=OrgRole.manager, joined_at=org.created_at))
        organizations.decide(org, OrgAction.verify, by=registrar)
        fact = records.submit_fact(org, FactKind.inspection, {"year": 2025, "inspection_result": "合格",
                                                             "valid_from": date(2026, 1, 1)}, None, by=member)
        records.decide_fact(fact, True, by=registrar)
        draft = bids.draft_for(tender, by=member)
        bids.save_draft(draft, tender, bid_values(tender, PRICE, PROPOSAL), by=member)
        bid = bids.submit(draft, tender, by=member, idempotency_key="file-test")
        db.session.commit()
        sha = bid.content_sha256
        db.session.remove()
        db.engine.dispose()
    raw = b"".join(p.read_bytes() for p in Path(tmp_path).glob("sealed.db*"))
    assert "东城区封存测试社会工作服务中心".encode() in raw and sha.encode() in raw  # the control: data is there
    for secret in (PRICE, "271,828", PROPOSAL, "志愿者积分"):
        assert secret.encode() not in raw
