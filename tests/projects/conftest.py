"""Project fixtures. `make_project` writes the rows of a contracted tender straight into the tables (tender,
opened bid, award, contract, milestones) so that a test can have fifty projects in a second; the procurement
rules themselves are tested in their own domains. The timeline tests use the demo instead, where every step ran
through the services."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest

from marketplace.bids.models import Bid, BidStatus
from marketplace.common import clock
from marketplace.contracts.models import Contract, ContractStatus, Milestone, MilestoneKind
from marketplace.evaluation.models import Award, AwardStatus
from marketplace.extensions import db
from marketplace.organizations.models import Organization, OrgStatus, OrgType
from marketplace.regions.models import BodyKind
from marketplace.tenders.models import Method, Tender, TenderRegion, TenderStatus
from tests import factories

_serial = itertools.count(1)


def make_org(region_code="110101001", org_type=OrgType.social_service, name=None, status=OrgStatus.verified):
    n = next(_serial)
    now = clock.now()
    org = Organization(name=name or f"项目测试社工服务中心{n}", uscc=f"52110101MJ{n:08d}", org_type=org_type,
                       registering_authority="北京市东城区民政局", registered_on=date(2018, 5, 1),
                       region=factories.region(region_code), address="东城区某路 1 号", legal_representative="王芳",
                       contact_name="孙悦", contact_phone="010-65000000", contact_email="c@example.org",
                       status=status, created_at=now, verified_at=now if status == OrgStatus.verified else None)
    db.session.add(org)
    db.session.flush()
    return org


def make_project(*, value="200000", status=ContractStatus.active, item_code="A0401", year=2026, org=None,
                 buyer_code="110101001", served=(), milestones=3, title=None, ends_on=None):
    """A tender contracted to `org` (a fresh one by default) for `value`, with `milestones` equal tranches."""
    n = next(_serial)
    now = clock.now()
    kind = BodyKind.street_office if len(buyer_code) == 9 else BodyKind.civil_affairs
    buyer = factories.body(kind, buyer_code)
    org = org or make_org()
    value = Decimal(value)
    tender = Tender(reference=f"ZS-T-{n:05d}", buyer_id=buyer.id, year=year, item_code=item_code,
                    item_name="居家和社区养老服务", title=title or f"测试项目{n}", budget=value + 10000,
                    method=Method.consultation, term_months=12, status=TenderStatus.contracted, version=1,
                    created_at=now - timedelta(days=60), published_at=now - timedelta(days=59),
                    awarded_at=now - timedelta(days=40), contracted_at=now - timedelta(days=20))
    tender.regions = [TenderRegion(region_id=factories.region(code).id) for code in served]
    db.session.add(tender)
    db.session.flush()
    bid = Bid(tender_id=tender.id, organization_id=org.id, status=BidStatus.opened, sealed_content=b"x",
              content_sha256="0" * 64, tender_version=1, price=value, submitted_at=now - timedelta(days=50))
    db.session.add(bid)
    db.session.flush()
    award = Award(tender_id=tender.id, bid_id=bid.id, rank=1, amount=value, status=AwardStatus.final,
                  confirmed_at=now - timedelta(days=40), noticed_at=now - timedelta(days=40),
                  notice_due_on=clock.today(), challenge_until=clock.today() - timedelta(days=30),
                  final_at=now - timedelta(days=29))
    db.session.add(award)
    db.session.flush()
    signed = status != ContractStatus.awaiting_signatures
    starts = clock.today() - timedelta(days=10)
    contract = Contract(
        reference=f"ZS-C-{n:05d}", tender_id=tender.id, award_id=award.id, buyer_id=buyer.id, organization_id=org.id,
        title=tender.title, value=value, term_months=12, starts_on=starts,
        ends_on=ends_on or starts + timedelta(days=360),
        service_area="东华门街道", deliverables="助餐", status=status, created_at=now - timedelta(days=20),
        sign_by=clock.today(), buyer_signed_at=now - timedelta(days=15) if signed else None,
        organization_signed_at=now - timedelta(days=15) if signed else None,
        active_at=now - timedelta(days=15) if signed else None,
        completed_at=now - timedelta(days=1) if status == ContractStatus.completed else None,
        terminated_at=now - timedelta(days=1) if status == ContractStatus.terminated else None,
        termination_reason="测试终止" if status == ContractStatus.terminated else None)
    share = (value / milestones).quantize(Decimal("0.01")) if milestones else Decimal(0)
    kinds = [MilestoneKind.start, *[MilestoneKind.midterm] * max(milestones - 2, 0), MilestoneKind.final]
    kinds = kinds[-milestones:] if milestones else []
    contract.milestones = [
        Milestone(position=i + 1, kind=k, due_on=starts + timedelta(days=100 * (i + 1)),
                  report_due_on=starts + timedelta(days=100 * (i + 1) + 10), tranche_percent=100 // milestones,
                  tranche_amount=share if i < milestones - 1 else value - share * (milestones - 1))
        for i, k in enumerate(kinds)]
    db.session.add(contract)
    db.session.flush()
    return contract


@pytest.fixture
def project(frozen_now):
    return make_project


@pytest.fixture
def organization(frozen_now):
    return make_org


@pytest.fixture
def demo(app):
    from marketplace import demo as demo_data

    demo_data.load(echo=lambda *_: None)
    db.session.commit()
