from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace.catalog import services as catalog
from marketplace.catalog.models import CatalogKind
from marketplace.common import clock
from marketplace.extensions import db
from marketplace.regions.models import BodyKind
from marketplace.tenders import rules
from marketplace.tenders import services as tenders
from marketplace.tenders.models import IndicatorKind, Method
from tests.catalog.conftest import CATALOGS
from tests.organizations.conftest import confirm_fact, make_org, registrar  # noqa: F401  (fixtures)


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture
def market(make_body, make_user, make_region, frozen_now):
    """City catalogs for 2026 (A0401 and A1001 purchasable, A1002 negative, A1003 without budget), budget
    lines for 东华门街道, and one of its buyers."""
    city = make_body(BodyKind.civil_affairs, "110000", name="北京市民政局")
    street = make_body(BodyKind.street_office, "110101001", name="东华门街道办事处")
    make_body(BodyKind.civil_affairs, "110101", name="东城区民政局")
    community = make_region("110101001001", name="多福巷社区")
    catalog.import_catalog(city, 2026, CatalogKind.qualification,
                           (CATALOGS / "qualification_sample.csv").read_bytes(), "q.csv", by=None, publish_now=True)
    catalog.import_catalog(city, 2026, CatalogKind.purchase, _csv(
        "code,name,negative,negative_reason,required_conditions,preferred_conditions",
        "A,公共服务,否,,,",
        "A04,养老服务,否,,,",
        "A0401,居家和社区养老服务,否,,SD-R1;TPL-R1,SD-P1",
        "A10,社会治理服务,否,,,",
        "A1001,社区治理服务,否,,SD-R1,",
        "A1002,网格员劳务派遣,是,以劳务派遣方式用工属于负面清单,,",
        "A1003,社区矫正社会工作服务,否,,,",
    ), "city.csv", by=None, publish_now=True)
    catalog.set_budget_line(street, 2026, "A0401", "500000", "2026年区级财政预算", by=None)
    catalog.set_budget_line(street, 2026, "A1001", "5000000", "2026年区级财政预算", by=None)
    buyer = make_user("buyer", body_=street)
    return {"city": city, "street": street, "community": community, "buyer": buyer}


@pytest.fixture
def ready_tender(market):
    """A draft for A0401 that passes every rule and can be published (deadline 15 days out)."""

    def make(budget="300000", method=Method.consultation, enquiry_days=None, **timetable):
        buyer, street = market["buyer"], market["street"]
        tender = tenders.create_tender(street, "A0401", "东华门街道长者助餐服务项目", budget, by=buyer)
        tenders.save_basics(tender, {"title": tender.title, "description": "为辖区老人提供助餐服务", "budget": budget,
                                     "term_months": 12, "term_start": None, "term_justification": "",
                                     "deliverables": "长者食堂运营；每日助餐≥80人次"},
                            [market["community"].id], by=buyer)
        tenders.save_method(tender, method, "", by=buyer)
        tenders.save_indicators(tender, [{"kind": IndicatorKind.output_quantity, "name": "助餐服务人次",
                                          "comparison": ">=", "target": Decimal("20000"), "unit": "人次"}], by=buyer)
        now = clock.now()
        opens = now + timedelta(days=enquiry_days) if enquiry_days else None
        start = opens or now
        tenders.save_timetable(tender, opens, timetable.get("questions_close_at", start + timedelta(days=10)),
                               timetable.get("deadline_at", start + timedelta(days=15)), by=buyer)
        return tender

    return make


@pytest.fixture
def open_tender(market, ready_tender):
    tender = ready_tender()
    tenders.publish(tender, by=market["buyer"])
    db.session.commit()
    return tender


@pytest.fixture
def criteria():
    def rows(price=20, others=(("服务方案", 50), ("团队", 30))):
        return [rules.CriterionRow("价格", price, "", True),
                *(rules.CriterionRow(name, weight, f"{name}的得分标准") for name, weight in others)]
    return rows


@pytest.fixture
def submitted_bid(open_tender, make_org):  # noqa: F811 (the fixture, not the import)
    """A live bid on the open tender by a fresh verified organization (its content comes with the bid workflow)."""
    from marketplace.bids.models import Bid, BidStatus

    def make(tender=None):
        bid = Bid(tender_id=(tender or open_tender).id, organization_id=make_org().id, status=BidStatus.submitted,
                  submitted_at=clock.now(), tender_version=(tender or open_tender).version)
        db.session.add(bid)
        db.session.flush()
        return bid

    return make
