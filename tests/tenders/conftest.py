from datetime import date, timedelta
from decimal import Decimal

import pytest

from marketplace.bids import services as bids
from marketplace.catalog import services as catalog
from marketplace.catalog.models import CatalogKind
from marketplace.common import clock
from marketplace.extensions import db
from marketplace.organizations.models import FactKind
from marketplace.regions.models import BodyKind
from marketplace.tenders import rules
from marketplace.tenders import services as tenders
from marketplace.tenders.models import IndicatorKind, Method
from tests import factories
from tests.catalog.conftest import CATALOGS
from tests.organizations.conftest import confirm_fact, make_org, manager_of, registrar  # noqa: F401 (fixtures)


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture
def market(frozen_now):
    return build_market()


def build_market() -> dict:
    """City catalogs for 2026 (A0401 and A1001 purchasable, A1002 negative, A1003 without budget), budget
    lines for 东华门街道, and one of its buyers."""
    city = factories.body(BodyKind.civil_affairs, "110000", name="北京市民政局")
    street = factories.body(BodyKind.street_office, "110101001", name="东华门街道办事处")
    factories.body(BodyKind.civil_affairs, "110101", name="东城区民政局")
    community = factories.region("110101001001", name="多福巷社区")
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
    buyer = factories.user("buyer", body_=street)
    return {"city": city, "street": street, "community": community, "buyer": buyer}


@pytest.fixture
def ready_tender(market):
    return lambda **kwargs: build_ready_tender(market, **kwargs)


def build_ready_tender(market: dict, budget="300000", method=Method.consultation, enquiry_days=None, **timetable):
    """A draft for A0401 that passes every rule and can be published (deadline 15 days out)."""
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
def submitted_bid(open_tender, place_bid):
    """A live bid on the open tender by a fresh eligible organization, submitted through the services."""

    def make(tender=None):
        return place_bid(tender or open_tender)[0]

    return make


@pytest.fixture
def eligible_org(make_org, confirm_fact):  # noqa: F811
    """A verified 民办非企业单位 with last year's inspection passed and a certified social worker: it meets
    SD-R1 and TPL-R1, the required conditions of A0401 in the `market` catalog."""

    def make(**overrides):
        org = make_org(**overrides)
        confirm_fact(org, FactKind.inspection, year=clock.today().year - 1, inspection_result="合格",
                     valid_from=date(clock.today().year, 1, 1))
        confirm_fact(org, FactKind.social_worker, worker_level="worker", certificate_no=f"SW{org.id:06d}",
                     person_name="王芳", valid_from=date(2020, 1, 1))
        return org

    return make


def bid_values(tender, price="250000", text="服务方案", **overrides) -> dict:
    values = {"price": price, "breakdown": [{"item": "人员经费", "amount": price}],
              "proposals": {str(c.id): f"{text}：{c.name}的具体安排" for c in tender.criteria if not c.is_price},
              "team": [{"name": "李强", "role": "项目主管", "fact_id": None}]}
    return values | overrides


@pytest.fixture
def place_bid(eligible_org):
    """An eligible organization drafts and submits a bid through the services; returns (bid, member)."""

    def place(tender, price="250000", org=None, text="服务方案", key=None):
        org = org or eligible_org()
        member = manager_of(org)
        draft = bids.draft_for(tender, by=member)
        bids.save_draft(draft, tender, bid_values(tender, price, text), by=member)
        bid = bids.submit(draft, tender, by=member, idempotency_key=key or f"key-{draft.id}")
        db.session.flush()
        return bid, member

    return place


