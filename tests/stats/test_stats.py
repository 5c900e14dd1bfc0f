"""Statistics: each chart's table (and CSV) shows what the rows this test created add up to."""

import csv
import io
import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal

from marketplace.common import clock
from marketplace.contracts.models import ContractStatus
from marketplace.extensions import db
from marketplace.needs.models import Need, NeedStatus
from marketplace.organizations.models import Fact, FactKind, FactStatus, OrgType
from tests import factories
from tests.projects.conftest import make_org
from tests.projects.test_projects import _deliver


def table(html: str, key: str) -> dict[str, str]:
    section = re.search(rf'<section class="chart-block" aria-labelledby="{key}-heading".*?</section>', html, re.S)
    assert section, key
    assert "<svg" in section.group(0) and "<caption>" in section.group(0)
    return dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td class="num">([^<]+)</td></tr>', section.group(0)))


def cny(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


def _world():
    """Five projects in two streets, two categories and two years; organizations with grades; reports with
    beneficiaries and scores; needs answered on time, late and not at all."""
    a = make_org(org_type=OrgType.social_service)
    b = make_org(org_type=OrgType.social_group, region_code="110101002")
    projects = [
        dict(value="200000", item_code="A0401", year=2026, org=a),
        dict(value="150000", item_code="A1001", year=2026, org=a, status=ContractStatus.completed),
        dict(value="120000", item_code="A0401", year=2025, org=b, buyer_code="110101002"),
        dict(value="80000", item_code="A1001", year=2025, org=b, buyer_code="110101002",
             status=ContractStatus.terminated),
        dict(value="999999", item_code="A0401", year=2026, org=a, status=ContractStatus.awaiting_signatures),
    ]
    from tests.projects.conftest import make_project

    contracts = [make_project(**p) for p in projects]
    _deliver(contracts[0], contracts[0].milestones[0], "10", {"elderly": 30, "youth": 4})
    _deliver(contracts[2], contracts[2].milestones[0], "10", {"elderly": 7})
    today = clock.today()
    db.session.add(Fact(organization_id=a.id, kind=FactKind.grade, grade="4A", valid_from=today - timedelta(days=30),
                        valid_until=today + timedelta(days=1000), status=FactStatus.confirmed,
                        submitted_at=clock.now()))
    return projects, contracts, [a, b]


def test_every_chart_table_matches_the_database(client, project):
    projects, contracts, orgs = _world()
    _needs()
    html = client.get("/stats/").get_data(as_text=True)
    signed = [p for p in projects if p.get("status", ContractStatus.active) != ContractStatus.awaiting_signatures]

    by_category = Counter()
    for p in signed:
        by_category[p["item_code"][:3]] += Decimal(p["value"])
    assert {k.split()[0]: v for k, v in table(html, "spend-category").items()} == \
        {k: cny(v) for k, v in by_category.items()}

    by_year = Counter()
    for p in signed:
        by_year[str(p["year"])] += Decimal(p["value"])
    assert table(html, "spend-year") == {k: cny(v) for k, v in by_year.items()}

    assert sorted(table(html, "spend-region").values()) == sorted(
        [cny(Decimal("350000")), cny(Decimal("200000"))])

    statuses = Counter(p.get("status", ContractStatus.active) for p in projects)
    assert table(html, "projects-status") == {"待签署": str(statuses[ContractStatus.awaiting_signatures]),
                                              "履行中": str(statuses[ContractStatus.active]),
                                              "已完成": str(statuses[ContractStatus.completed]),
                                              "已终止": str(statuses[ContractStatus.terminated])}

    served = table(html, "beneficiaries")
    assert served["老年人"] == "37" and served["儿童青少年"] == "4" and served["残疾人"] == "0"

    grades = table(html, "organizations-grade")
    assert grades["4A"] == "1" and grades["未评级或已过期"] == "1" and grades["5A"] == "0"
    assert table(html, "organizations-type") == {"民办非企业单位（社会服务机构）": "1", "社会团体": "1"}

    scores = table(html, "scores")  # both evaluations: final 83, residents 80, government 90
    assert scores == {"综合得分": "83.00", "居民评价得分": "80.00", "政府评价得分": "90.00"}

    assert table(html, "needs-sla") == {"按时答复": "2", "超时答复": "1", "已超时未答复": "1", "未到期待答复": "1"}


def test_filters_by_region_and_year(client, project):
    _world()
    html = client.get("/stats/?region=110101002&year=2025").get_data(as_text=True)
    assert table(html, "spend-year") == {"2025": cny(Decimal("200000"))}
    assert table(html, "organizations-type") == {"社会团体": "1"}
    assert re.search(r'<option selected value="110101002"', html)  # the filter keeps its value


def test_each_chart_downloads_as_csv_with_the_same_numbers(client, project):
    _world()
    response = client.get("/stats/spend-year.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["年度", "合同金额（元）"]
    assert dict(rows[1:]) == {"2025": "200000.00", "2026": "350000.00"}
    assert client.get("/stats/nothing.csv").status_code == 404


def _needs():
    """Two answered on time, one late, one overdue without answer, one still within its time."""
    street = factories.body(region_code="110101001")
    community = factories.region("110101001001")
    author = factories.user("resident")
    today = clock.today()
    now = clock.now()
    for replied_days, due_offset in [(0, 2), (-1, 0), (3, 0), (None, -1), (None, 3)]:
        due = today + timedelta(days=due_offset)
        replied = None if replied_days is None else clock.local_midnight(due + timedelta(days=replied_days)) \
            + timedelta(hours=10)
        db.session.add(Need(community_id=community.id, office_id=street.id, item_code="A0401", item_name="养老",
                            title="需求", description="需求", submitted_by_id=author.id,
                            status=NeedStatus.replied if replied else NeedStatus.submitted, submitted_at=now,
                            replied_at=replied, reply_due_on=due, close_due_on=due + timedelta(days=30)))
    db.session.flush()



def test_beneficiaries_come_from_each_contracts_latest_accepted_report(client, project):
    """A report counts everyone served so far: two stages of 30 and then 45 elderly people served 45, not 75."""
    from tests.projects.conftest import make_project

    first, second = make_project(), make_project()
    _deliver(first, first.milestones[0], "10", {"elderly": 30, "youth": 5})
    _deliver(first, first.milestones[1], "20", {"elderly": 45})
    _deliver(second, second.milestones[0], "10", {"elderly": 7})
    served = table(client.get("/stats/").get_data(as_text=True), "beneficiaries")
    assert served["老年人"] == "52" and served["儿童青少年"] == "0"


def test_the_reply_deadline_is_the_end_of_the_beijing_due_day(client, project, count_queries):
    """Answered at 23:59 Beijing time on the due day is on time; a minute past midnight is late. Counted in one
    statement, whatever the number of needs."""
    street = factories.body(region_code="110101001")
    community = factories.region("110101001001")
    author = factories.user("resident")
    due = clock.today() - timedelta(days=5)
    for replied in (clock.local_midnight(due + timedelta(days=1)) - timedelta(minutes=1),
                    clock.local_midnight(due + timedelta(days=1)) + timedelta(minutes=1)):
        db.session.add(Need(community_id=community.id, office_id=street.id, item_code="A0401", item_name="养老",
                            title="需求", description="需求", submitted_by_id=author.id, status=NeedStatus.replied,
                            submitted_at=clock.now() - timedelta(days=10), replied_at=replied, reply_due_on=due,
                            close_due_on=due + timedelta(days=30)))
    db.session.flush()
    from marketplace.stats.queries import needs_within_sla

    with count_queries() as counter:
        chart = needs_within_sla({})
    assert dict(chart.rows) == {"按时答复": 1, "超时答复": 1, "已超时未答复": 0, "未到期待答复": 0}
    assert counter.count == 1
