"""The API's filters answer like the web pages: a region holds the tenders that serve a place in it as well as
those bought there (as /projects/ counts them), and the grade statistics honour the region and the year."""

import re
from datetime import date, timedelta

from marketplace.common import clock
from marketplace.extensions import db
from marketplace.organizations.models import Fact, FactKind, FactStatus
from tests.api.conftest import get_json
from tests.projects.conftest import make_org, make_project


def test_a_region_filter_gives_the_same_projects_on_the_web_and_in_the_api(client, frozen_now, generous_limits):
    bought_here = make_project(title="街道自己买的", buyer_code="110101001")
    served_here = make_project(title="区里买、服务本街道社区的", buyer_code="110101", served=["110101001001"])
    make_project(title="别的街道的", buyer_code="110101002")
    db.session.commit()
    html = client.get("/projects/?region=110101001").get_data(as_text=True)
    on_the_web = {int(i) for i in re.findall(r'<h3><a href="/projects/(\d+)">', html)}
    assert on_the_web == {bought_here.tender_id, served_here.tender_id}
    for path in ("projects", "contracts"):
        rows = get_json(client, f"/api/v1/{path}?region=110101001&limit=100")["data"]
        assert {r["id"] for r in rows} == {bought_here.id, served_here.id}, path
    tenders = get_json(client, "/api/v1/tenders?region=110101001&limit=100")["data"]
    assert {t["id"] for t in tenders} == on_the_web
    feed = client.get("/feeds/tenders.atom?region=110101001").get_data(as_text=True)
    assert "别的街道的" not in feed and "街道自己买的" in feed
    awards = get_json(client, "/api/v1/awards?region=110101001&limit=100")["data"]
    assert {a["tender_id"] for a in awards} == on_the_web
    spend = get_json(client, "/api/v1/statistics?region=110101001")["spend_by_year"]
    assert sum(row["contracts"] for row in spend) == 2


def test_grade_statistics_honour_region_and_year_like_the_stats_page(client, frozen_now, generous_limits):
    here, elsewhere = make_org(region_code="110101001"), make_org(region_code="110101002")
    last_year = clock.today().year - 1
    make_project(year=last_year), make_project(year=last_year + 1)  # the page offers only years with projects
    for org, grade, start, end in ((here, "5A", date(last_year, 1, 1), date(last_year, 12, 31)),
                                   (here, "3A", date(last_year + 1, 1, 1), clock.today() + timedelta(days=900)),
                                   (elsewhere, "4A", date(last_year, 1, 1), clock.today() + timedelta(days=900))):
        db.session.add(Fact(organization_id=org.id, kind=FactKind.grade, grade=grade, valid_from=start,
                            valid_until=end, status=FactStatus.confirmed, submitted_at=clock.now()))
    db.session.commit()
    for query, expected in ((f"region=110101001&year={last_year}", {"5A": 1}), ("region=110101001", {"3A": 1}),
                            (f"year={last_year}", {"5A": 1, "4A": 1}), ("", {"3A": 1, "4A": 1}),
                            ("region=999999", {})):
        assert get_json(client, f"/api/v1/statistics?{query}")["organizations_by_grade"] == expected, query
        if "999999" in query:
            continue
        html = client.get(f"/stats/?{query}").get_data(as_text=True)
        section = html.split('aria-labelledby="organizations-grade-heading"')[1].split("</section>")[0]
        shown = dict(re.findall(r'<th scope="row">(\dA)</th><td class="num">(\d+)</td>', section))
        assert {g: int(n) for g, n in shown.items() if int(n)} == expected, query
