"""The read API: fixed statement counts, cursors stable under inserts, ETags, CORS, the OpenAPI document matching
the routes, keys and rate limits."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.api.keys import create_key, revoke_key
from marketplace.api.v1_meta import openapi_document
from marketplace.common import clock
from marketplace.extensions import db
from marketplace.tenders.models import Method, Tender, TenderStatus
from tests.api.conftest import get_json

LISTS = ["tenders", "awards", "contracts", "projects", "milestones", "scores", "catalogs", "organizations", "needs"]


@pytest.mark.parametrize("name", LISTS)
def test_each_list_costs_the_same_number_of_statements_for_1_and_50_rows(client, demo, count_queries, name):
    counts = []
    for limit in (1, 50):
        with count_queries() as counter:
            body = get_json(client, f"/api/v1/{name}?limit={limit}")
        assert body["data"], name
        counts.append(counter.count)
    assert counts[0] == counts[1], (name, counts)
    assert len(get_json(client, f"/api/v1/{name}?limit=50")["data"]) > 1 or name == "scores"


def _all_ids(client, url, cursor=None):
    ids = []
    while True:
        body = get_json(client, url + (f"&cursor={cursor}" if cursor else ""))
        ids += [row["id"] for row in body["data"]]
        if not body["next_cursor"]:
            return ids
        cursor = body["next_cursor"]


def _insert_tender(reference: str, published_at) -> Tender:
    model = db.session.execute(select(Tender).order_by(Tender.id)).scalars().first()
    tender = Tender(reference=reference, buyer_id=model.buyer_id, year=model.year, item_code=model.item_code,
                    item_name=model.item_name, title=f"新增项目 {reference}", budget=Decimal("100000"),
                    method=Method.consultation, term_months=12, created_at=published_at, published_at=published_at,
                    status=TenderStatus.tendering, deadline_at=published_at + timedelta(days=20))
    db.session.add(tender)
    db.session.commit()
    return tender


def test_a_cursor_page_never_shifts_when_rows_are_added(client, demo):
    before = _all_ids(client, "/api/v1/tenders?limit=3")
    first = get_json(client, "/api/v1/tenders?limit=3")
    newest = _insert_tender("NEW-1", clock.now() + timedelta(minutes=1))
    oldest = _insert_tender("OLD-1", clock.now() - timedelta(days=3650))
    rest = _all_ids(client, "/api/v1/tenders?limit=3", first["next_cursor"])
    assert [row["id"] for row in first["data"]] + rest == before + [oldest.id]
    assert newest.id not in rest
    assert client.get("/api/v1/tenders?cursor=not-a-cursor").status_code == 400
    awards_cursor = get_json(client, "/api/v1/awards?limit=1")["next_cursor"]
    assert client.get(f"/api/v1/tenders?cursor={awards_cursor}").status_code == 400  # another list's cursor


def test_etag_answers_304_and_cors_is_open_for_get(client, demo):
    response = client.get("/api/v1/tenders?limit=2")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    etag = response.headers["ETag"]
    again = client.get("/api/v1/tenders?limit=2", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert client.get("/api/v1/tenders?limit=3", headers={"If-None-Match": etag}).status_code == 200
    # The ETag is of the data: once a listed tender changes, the old one no longer matches.
    listed = db.session.get(Tender, response.get_json()["data"][0]["id"])
    listed.title += "（更正）"
    db.session.commit()
    changed = client.get("/api/v1/tenders?limit=2", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.get_json()["data"][0]["title"].endswith("（更正）")
    preflight = client.options("/api/v1/tenders", headers={"Origin": "https://example.org",
                                                          "Access-Control-Request-Method": "GET"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in preflight.headers["Access-Control-Allow-Headers"]


def test_the_openapi_document_lists_exactly_the_routes(app, client):
    document = get_json(client, "/api/v1/openapi.json")
    assert document["openapi"].startswith("3.1")
    routes = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              and rule.endpoint != "api.documentation"}
    documented = {path.replace("{", "<").replace("}", ">") for path in document["paths"]}
    as_rules = {r.replace("<int:", "<") for r in routes}
    assert documented == as_rules
    assert document == openapi_document()
    page = client.get("/api/").get_data(as_text=True)
    assert all(f"/api{path[4:]}" in page or path in page for path in document["paths"])


def test_filters_narrow_the_lists(client, demo):
    tendering = get_json(client, "/api/v1/tenders?status=tendering&limit=100")["data"]
    assert tendering and {t["status"] for t in tendering} == {"tendering"}
    assert get_json(client, "/api/v1/tenders?region=999999")["data"] == []
    assert {t["year"] for t in get_json(client, f"/api/v1/tenders?year={clock.today().year}&limit=100")["data"]} \
        <= {clock.today().year}
    assert client.get("/api/v1/tenders?status=nonsense").status_code == 400
    assert client.get("/api/v1/tenders?limit=0").status_code == 400
    assert client.get("/api/v1/tenders/999999").get_json()["error"]["status"] == 404


def test_a_key_raises_the_limit_and_anonymous_callers_are_limited(app, client):
    key, raw = create_key("mirror")
    db.session.commit()
    previous = app.config["API_RATE_LIMIT"], app.config["API_KEY_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"], app.config["API_KEY_RATE_LIMIT"] = "3 per minute", "50 per minute"
    try:
        statuses = [client.get("/api/v1/catalogs").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = client.get("/api/v1/catalogs", headers={"X-API-Key": raw})
        assert response.status_code == 200 and response.headers["X-RateLimit-Limit"] == "50"
        revoke_key(key)
        db.session.commit()
        assert client.get("/api/v1/catalogs", headers={"X-API-Key": raw}).status_code == 429
    finally:
        app.config["API_RATE_LIMIT"], app.config["API_KEY_RATE_LIMIT"] = previous


def test_the_cli_creates_a_key_that_is_stored_only_as_a_hash(app):
    from marketplace.api.models import ApiKey

    result = app.test_cli_runner().invoke(args=["api", "keys", "create", "统计局镜像"])
    assert result.exit_code == 0, result.output
    raw = result.output.split(": ", 1)[1].split()[0]
    key = db.session.execute(select(ApiKey).where(ApiKey.name == "统计局镜像")).scalar_one()
    assert raw.startswith("zs_") and raw not in (key.key_hash, key.prefix) and raw.startswith(key.prefix)


def test_every_documented_example_answers(client, demo, generous_limits):
    from marketplace.api.registry import OPERATIONS

    tender = get_json(client, "/api/v1/tenders?limit=1")["data"][0]
    for op in OPERATIONS:
        url = op.example.replace("{ocid}", tender["ocid"])
        if "/1" in url and "/v1/" in url:  # an example id: use one that exists
            kind = url.split("/")[3]
            url = url.replace(f"/{kind}/1", f"/{kind}/{get_json(client, f'/api/v1/{kind}?limit=1')['data'][0]['id']}")
        assert client.get(url, buffered=True).status_code == 200, url  # buffered: the bulk package streams


def test_one_rate_limit_covers_every_open_data_endpoint(app, client):
    """Calls spread over the API and the downloads draw on one allowance: the fourth is refused."""
    previous = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [client.get(url).status_code for url in
                    ("/api/v1/catalogs", "/api/v1/organizations", "/data/", "/api/v1/tenders")]
        assert statuses == [200, 200, 200, 429]
        assert client.get("/data/tenders.csv").status_code == 429
    finally:
        app.config["API_RATE_LIMIT"] = previous


def test_a_need_names_its_tender_only_once_the_tender_is_published(client, ready_tender):
    from marketplace.needs.models import Need, NeedStatus
    from marketplace.tenders import services as tender_services
    from tests import factories

    draft = ready_tender()
    need = Need(community_id=factories.region("110101001001").id, office_id=factories.body(region_code="110101001").id,
                item_code=draft.item_code, item_name=draft.item_name, title="助餐需求", description="希望有助餐点",
                submitted_by_id=factories.user("resident").id, status=NeedStatus.planned, tender_id=draft.id,
                submitted_at=clock.now(), reply_due_on=clock.today(), close_due_on=clock.today())
    db.session.add(need)
    db.session.commit()
    assert get_json(client, f"/api/v1/needs/{need.id}")["tender_id"] is None
    assert [n["tender_id"] for n in get_json(client, "/api/v1/needs")["data"] if n["id"] == need.id] == [None]
    tender_services.publish(draft, by=db.session.get(type(factories.user("resident")), draft.created_by_id))
    db.session.commit()
    assert get_json(client, f"/api/v1/needs/{need.id}")["tender_id"] == draft.id
    assert [n["tender_id"] for n in get_json(client, "/api/v1/needs")["data"] if n["id"] == need.id] == [draft.id]
