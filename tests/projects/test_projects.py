"""Funded projects: the list with its filters, drill-down and pagination, and the project page's story."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.common import clock
from marketplace.contracts.models import Contract, ContractStatus
from marketplace.extensions import db
from marketplace.outcomes.models import (
    BeneficiaryCount,
    BeneficiaryGroup,
    Evaluation,
    EvaluationStatus,
    OutcomeReport,
    ReportActual,
    ReportStatus,
)
from marketplace.payments.models import Payment, PaymentKind, PaymentStatus
from tests.projects.conftest import make_org


def total(html: str) -> int:
    return int(re.search(r"共 (\d+) 个项目", html).group(1))


def titles(html: str) -> set[str]:
    return set(re.findall(r'<h3><a href="/projects/\d+">([^<]+)</a></h3>', html))


def test_every_contracted_project_is_listed_with_a_total(client, project):
    for status in ContractStatus:
        project(status=status, title=f"项目-{status.value}")
    html = client.get("/projects/").get_data(as_text=True)
    assert total(html) == 4
    assert titles(html) == {f"项目-{s.value}" for s in ContractStatus}


@pytest.mark.parametrize("query, expected", [
    ("status=completed", {"已完成的"}),
    ("category=A10", {"社区治理"}),
    ("year=2025", {"去年的"}),
    ("amount_min=500000", {"大额的"}),
    ("amount_max=100000", {"小额的"}),
    ("amount_min=100000&amount_max=200000&status=active", {"普通的", "去年的", "社区治理"}),
])
def test_each_filter_narrows_the_list(client, project, query, expected):
    project(title="普通的")
    project(title="已完成的", status=ContractStatus.completed)
    project(title="社区治理", item_code="A1001")
    project(title="去年的", year=2025)
    project(title="大额的", value="600000")
    project(title="小额的", value="90000")
    html = client.get(f"/projects/?{query}").get_data(as_text=True)
    assert titles(html) == expected
    assert total(html) == len(expected)


def test_filters_keep_their_values_in_the_form(client, project):
    org = make_org(name="阳光社工")
    project(title="甲", org=org, item_code="A1001", year=2025)
    html = client.get("/projects/?category=A10&year=2025&status=active&organization=阳光"
                      "&amount_min=1000&amount_max=900000&sort=value").get_data(as_text=True)
    assert re.search(r'<option selected value="A10">', html)
    assert re.search(r'<option selected value="2025">', html)
    assert re.search(r'<option selected value="active">', html)
    assert re.search(r'<input [^>]*name="organization"[^>]*value="阳光"', html)
    assert 'value="1000"' in html and 'value="900000"' in html
    assert re.search(r'<option selected value="value">', html)
    assert titles(html) == {"甲"}


def test_the_organization_filter_finds_projects_by_a_part_of_the_name_or_the_credit_code(client, project):
    org = make_org(name="东城区阳光社会工作服务中心")
    project(title="它的", org=org)
    project(title="别人的", org=make_org(name="东城区明天养老服务中心"))
    project(title="第三家的", org=make_org(name="百分_之百 服务社"))
    find = lambda text: titles(client.get("/projects/", query_string={"organization": text}).get_data(as_text=True))  # noqa: E731
    assert find("阳光社会工作") == {"它的"}
    assert find(f" {org.uscc.lower()} ") == {"它的"}  # pasted with spaces, in lower case
    assert find("服务中心") == {"它的", "别人的"}
    assert find("%") == set() and find("_") == {"第三家的"}  # wildcards are taken literally
    assert find("不存在的机构") == set()


def test_sorting_by_value_and_by_end_date(client, project):
    project(title="中", value="200000", ends_on=clock.today() + timedelta(days=30))
    project(title="大", value="300000", ends_on=clock.today() + timedelta(days=90))
    project(title="小", value="100000", ends_on=clock.today() + timedelta(days=10))
    order = lambda html: re.findall(r'<h3><a href="/projects/\d+">([^<]+)</a></h3>', html)  # noqa: E731
    assert order(client.get("/projects/?sort=value").get_data(as_text=True)) == ["大", "中", "小"]
    assert order(client.get("/projects/?sort=ends").get_data(as_text=True)) == ["小", "中", "大"]


def test_region_drill_down_goes_to_the_community_with_counts(client, project):
    project(title="多福巷", served=["110101001001"])
    project(title="东华门街道全域")  # the street office buys for its whole street
    project(title="另一个街道", buyer_code="110101002", served=["110101002001"])
    html = client.get("/projects/?region=110101").get_data(as_text=True)
    assert total(html) == 3
    streets = dict(re.findall(r'region=(1101010\d\d)[^"]*">[^<]+</a>\s*<span class="count">(\d+) 个项目', html))
    assert streets == {"110101001": "2", "110101002": "1"}
    html = client.get("/projects/?region=110101001").get_data(as_text=True)
    assert titles(html) == {"多福巷", "东华门街道全域"}
    assert re.findall(r'region=(\d{12})[^"]*">[^<]+</a>\s*<span class="count">(\d+) 个项目', html) == \
        [("110101001001", "1")]
    html = client.get("/projects/?region=110101001001").get_data(as_text=True)
    assert titles(html) == {"多福巷"}
    assert 'name="region" type="hidden" value="110101001001"' in html or \
        'type="hidden" name="region" value="110101001001"' in html or 'value="110101001001"' in html


def test_pagination_counts_every_project(app, client, project):
    for n in range(5):
        project(title=f"P{n}")
    app.config["PER_PAGE"], before = 2, app.config["PER_PAGE"]
    try:
        first = client.get("/projects/").get_data(as_text=True)
        last = client.get("/projects/?page=3").get_data(as_text=True)
    finally:
        app.config["PER_PAGE"] = before
    assert total(first) == 5 and len(titles(first)) == 2 and len(titles(last)) == 1
    assert "第 1 / 3 页，共 5 条" in first


@pytest.mark.parametrize("sort", ["newest", "value", "ends"])
def test_pages_read_from_the_end_hold_the_same_projects_in_the_same_order(app, client, project, sort):
    """Back-half pages are read in the reverse order (the last of 10,000 pages skips a few rows, not all): seven
    projects, ties in value and end date broken by the id, must come out exactly as one long page lists them."""
    for n in range(7):
        project(title=f"P{n}", value=str(100000 + 50000 * (n % 3)), ends_on=clock.today() + timedelta(days=n % 2))
    order = lambda html: re.findall(r'<h3><a href="/projects/\d+">([^<]+)</a></h3>', html)  # noqa: E731
    everything = order(client.get(f"/projects/?sort={sort}").get_data(as_text=True))
    app.config["PER_PAGE"], before = 3, app.config["PER_PAGE"]
    try:
        pages = [order(client.get(f"/projects/?sort={sort}&page={n}").get_data(as_text=True)) for n in (1, 2, 3, 4)]
    finally:
        app.config["PER_PAGE"] = before
    assert len(everything) == 7 and [len(p) for p in pages] == [3, 3, 1, 0]
    assert pages[0] + pages[1] + pages[2] == everything


def test_the_last_page_is_read_backwards_without_skipping_the_list(app, client, project, count_queries):
    for n in range(7):
        project(title=f"P{n}")
    app.config["PER_PAGE"], before = 3, app.config["PER_PAGE"]
    try:
        with count_queries() as counter:
            client.get("/projects/?page=3")
    finally:
        app.config["PER_PAGE"] = before
    [listing] = [s for s in counter.statements if "ORDER BY contract.created_at" in s]
    assert "ORDER BY contract.created_at ASC, contract.id ASC" in listing  # newest first, read from the oldest


def test_an_unsigned_contract_shows_the_award_but_not_the_contract(client, project):
    contract = project(status=ContractStatus.awaiting_signatures)
    html = client.get(f"/projects/{contract.tender_id}").get_data(as_text=True)
    assert "待签署" in html and "合同尚待双方签署" in html
    assert f"/contracts/{contract.id}" not in html
    assert "预算与拨付" not in html


def test_a_project_page_links_its_ocds_record(client, project):
    contract = project()
    db.session.commit()
    html = client.get(f"/projects/{contract.tender_id}").get_data(as_text=True)
    [link] = re.findall(r'href="(/api/ocds/records/[^"]+\.json)"', html)
    record = client.get(link).get_json()
    assert record["records"][0]["ocid"].endswith(contract.tender.reference)


def test_a_tender_without_a_contract_is_not_a_project(client, project):
    contract = project()
    assert client.get(f"/projects/{contract.tender_id + 1000}").status_code == 404


# -- the story of a demo project ------------------------------------------------------------------------------

def _events(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<li class="event event-(\w+)[^"]*">\s*<time datetime="([^"]+)"', html)


def test_the_demo_projects_story_has_every_step_in_order(client, demo):
    """The completed demo contract ran through the services: publish, opening, award, standstill, signatures,
    three reports, ratings and scores, the end. Payments are added here the way the webhook leaves them."""
    contract = next(c for c in db.session.execute(select(Contract)).scalars() if c.status == ContractStatus.completed)
    _pay(contract)
    html = client.get(f"/projects/{contract.tender_id}").get_data(as_text=True)
    events = _events(html)
    kinds = [k for k, _at in events]
    for kind in ["tender", "opening", "award", "contract", "milestone", "report", "rating", "score", "payment",
                 "donation", "end"]:
        assert kind in kinds, kind
    moments = [at for _k, at in events]
    assert moments == sorted(moments)
    assert kinds.index("tender") < kinds.index("opening") < kinds.index("award") < kinds.index("contract") \
        < kinds.index("report") < kinds.index("score")
    assert kinds.count("report") == 3 and kinds.count("score") == 3
    assert re.search(r"<code class=\"data\">[0-9a-f]{64}</code>", html)  # the opening hashes
    assert "/outcomes/evaluations/" in html
    assert "¥10,000.00" in html  # the donation in the budget table


def _pay(contract):
    first = contract.milestones[0]
    at = clock.local_midnight(first.due_on) + timedelta(days=20)
    db.session.add_all([
        Payment(kind=PaymentKind.tranche, status=PaymentStatus.succeeded, amount=first.tranche_amount,
                contract_id=contract.id, milestone_id=first.id, idempotency_key=f"t-{first.id}", created_at=at,
                updated_at=at, succeeded_at=at),
        Payment(kind=PaymentKind.donation, status=PaymentStatus.succeeded, amount=Decimal("10000"),
                contract_id=contract.id, idempotency_key=f"d-{contract.id}", donor_name="爱心企业", created_at=at,
                updated_at=at, succeeded_at=at + timedelta(hours=1)),
        Payment(kind=PaymentKind.donation, status=PaymentStatus.failed, amount=Decimal("999"),
                contract_id=contract.id, idempotency_key=f"f-{contract.id}", created_at=at, updated_at=at)])
    db.session.commit()


def test_the_page_shows_budget_paid_indicators_and_beneficiaries(client, project):
    contract = project(value="300000")
    _deliver(contract, contract.milestones[0], actual="1200", people={"elderly": 40, "disabled": 3})
    _deliver(contract, contract.milestones[1], actual="2500", people={"elderly": 50})
    _pay(contract)
    html = client.get(f"/projects/{contract.tender_id}").get_data(as_text=True)
    assert "¥100,000.00" in html and "¥200,000.00" in html  # one tranche paid, two to go
    # A report counts everyone served so far: the latest accepted one gives the figure, stages are not added up.
    assert re.search(r"老年人</th><td class=\"num\">50<", html)
    assert "残疾人</th>" not in html
    assert "2500 人次" in html  # the latest accepted report's figure


def _deliver(contract, milestone, actual, people):
    from marketplace.contracts.models import ContractIndicator
    from marketplace.tenders.models import IndicatorKind

    if not contract.indicators:
        contract.indicators.append(ContractIndicator(
            position=1, kind=IndicatorKind.output_quantity, name="助餐服务人次", comparison=">=",
            target=Decimal("3000"), unit="人次", weight=100))
        db.session.flush()
    now = clock.now()
    report = OutcomeReport(milestone_id=milestone.id, contract_id=contract.id, status=ReportStatus.accepted,
                           created_at=now, updated_at=now, submitted_at=now, accepted_at=now, late=False)
    report.actuals = [ReportActual(indicator_id=contract.indicators[0].id, actual=Decimal(actual))]
    report.beneficiaries = [BeneficiaryCount(group=BeneficiaryGroup(g), people=n) for g, n in people.items()]
    db.session.add(report)
    db.session.add(Evaluation(milestone_id=milestone.id, contract_id=contract.id, status=EvaluationStatus.passed,
                              rating_opened_at=now, rating_ends_at=now + timedelta(days=7), computed_g=Decimal("90"),
                              government_score=Decimal("90"), resident_weight=Decimal("0.7"),
                              resident_score=Decimal("80"), final_score=Decimal("83"), rating_count=12,
                              closed_at=now + timedelta(days=7), passed_at=now + timedelta(days=7)))
    db.session.flush()
    return report


# -- a constant number of statements ------------------------------------------------------------------------

def test_the_list_costs_the_same_statements_for_1_or_50_projects_per_page(app, client, project, count_queries):
    for n in range(50):
        project(title=f"P{n}", served=["110101001001"] if n % 2 else ())
    db.session.commit()
    counts = {}
    before = app.config["PER_PAGE"]
    try:
        for size in (1, 50):
            app.config["PER_PAGE"] = size
            with count_queries() as counter:
                html = client.get("/projects/?region=110101001&sort=value").get_data(as_text=True)
            assert len(titles(html)) == size
            counts[size] = counter.count
    finally:
        app.config["PER_PAGE"] = before
    assert counts[1] == counts[50], counts


def test_a_project_page_costs_the_same_statements_for_1_or_3_milestones(client, project, count_queries):
    small, large = project(milestones=1), project(milestones=3)
    for contract in (small, large):
        for milestone in contract.milestones:
            _deliver(contract, milestone, actual="100", people={"elderly": 5, "youth": 2})
        _pay(contract)
    pages = {len(c.milestones): f"/projects/{c.tender_id}" for c in (small, large)}  # read before counting
    counts = {}
    for milestones, url in pages.items():
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200
        counts[milestones] = counter.count
    assert counts[1] == counts[3], counts
