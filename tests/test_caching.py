"""Response caching of anonymous public pages (real Redis on 127.0.0.1) and versioned static files."""

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event

from marketplace.common import cache, clock
from marketplace.extensions import db
from tests.organizations.conftest import make_org, registrar  # noqa: F401 (fixtures)
from tests.tenders.conftest import market, open_tender, ready_tender  # noqa: F401 (fixtures)


@pytest.fixture
def page_cache(app, redis_url, frozen_now):
    # The clock is frozen: the key holds a clock bucket, and two visits straddling its edge would miss each other.
    prefix = f"test-{uuid.uuid4().hex}:"
    app.config.update(REDIS_URL=redis_url, RESPONSE_CACHE_SECONDS=60, CACHE_KEY_PREFIX=prefix)
    app.extensions.pop("redis", None)
    try:
        yield prefix
    finally:
        from marketplace.common.queue import redis_connection

        connection = redis_connection()
        for key in connection.scan_iter(prefix + "*"):
            connection.delete(key)
        app.config.update(REDIS_URL=None, RESPONSE_CACHE_SECONDS=0, CACHE_KEY_PREFIX="zs:")
        app.extensions.pop("redis", None)


@pytest.fixture
def district(make_region):
    region = make_region("110101", "东城区")
    db.session.commit()
    return region


def test_a_second_anonymous_visit_is_served_from_the_cache_without_sql(client, page_cache, district):
    first = client.get("/regions/110101")
    assert first.status_code == 200 and first.headers["X-Cache"] == "MISS"
    statements = []
    record = lambda *args: statements.append(args[2])  # noqa: E731 — before_cursor_execute's statement
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        second = client.get("/regions/110101")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert second.headers["X-Cache"] == "HIT" and second.data == first.data
    assert not [s for s in statements if "SAVEPOINT" not in s.upper()]  # the test harness's savepoints aside
    assert second.headers["Content-Security-Policy"]  # headers added per response are still there


def test_a_committed_change_is_visible_on_the_next_visit(client, page_cache, district):
    client.get("/regions/110101")
    assert client.get("/regions/110101").headers["X-Cache"] == "HIT"
    district.name = "东城区（新名称）"
    db.session.commit()  # bumps the data version
    fresh = client.get("/regions/110101")
    assert fresh.headers["X-Cache"] == "MISS" and "东城区（新名称）" in fresh.get_data(as_text=True)


def test_a_write_in_another_process_invalidates_too(app, client, page_cache, district):
    client.get("/regions/110101")
    # What another web worker, the jobs process or the search writer does after its commit:
    with app.app_context():
        cache.bump_data_version()
    assert client.get("/regions/110101").headers["X-Cache"] == "MISS"


def test_time_alone_moves_to_a_new_entry(client, page_cache, district, frozen_now):
    client.get("/regions/110101")
    assert client.get("/regions/110101").headers["X-Cache"] == "HIT"
    clock.advance(timedelta(seconds=60))  # deadlines may have passed: the page is rendered again
    assert client.get("/regions/110101").headers["X-Cache"] == "MISS"


def test_each_language_has_its_own_entry(client, page_cache, district):
    chinese = client.get("/regions/110101")
    client.post("/language", data={"lang": "en", "next": "/"})
    client.get("/regions/")  # Flask-Login marks this session on its first visit (not stored: the session changed)
    english = client.get("/regions/110101")
    assert english.headers["X-Cache"] == "MISS" and english.data != chinese.data
    assert client.get("/regions/110101").headers["X-Cache"] == "HIT"


def test_signed_in_visitors_are_never_served_or_stored(client, page_cache, district, login_as):
    client.get("/regions/110101")
    login_as("resident")
    for _ in range(2):
        response = client.get("/regions/110101")
        assert "X-Cache" not in response.headers
        assert "退出登录" in response.get_data(as_text=True)


def test_pages_outside_the_public_list_are_not_cached(client, page_cache):
    assert "X-Cache" not in client.get("/login").headers


def test_a_response_that_rendered_a_csrf_token_is_not_stored(app, page_cache):
    from flask import g, make_response

    with app.test_request_context("/regions/"):
        app.preprocess_request()
        g.csrf_token = "someone's token"
        response = cache.store(make_response("<form>…</form>"))
        assert response.headers["X-Cache"] == "MISS"
    with app.test_request_context("/regions/"):
        assert cache.serve_cached() is None


@pytest.mark.parametrize("path", ["/", "/projects/", "/tenders/", "/organizations/", "/regions/110101",
                                  "/needs/", "/catalogs/", "/stats/", "/search?q=养老"])
def test_anonymous_public_pages_carry_no_csrf_token(app, client, page_cache, district, monkeypatch, path):
    """A page that rendered a token is never stored, so one that always does would silently never be cached."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # as in production: forms make tokens
    response = client.get(path)
    assert response.status_code == 200 and "csrf_token" not in response.get_data(as_text=True)
    assert response.headers["X-Cache"] == "MISS" and client.get(path).headers["X-Cache"] == "HIT"


def test_each_host_gets_its_own_cached_pages(client, page_cache, district):
    """Feeds carry absolute links built from the Host header: a forged one must not reach other visitors."""
    forged = client.get("/feeds/projects.atom", base_url="http://evil.example")
    assert forged.headers["X-Cache"] == "MISS" and "evil.example" in forged.get_data(as_text=True)
    real = client.get("/feeds/projects.atom")
    assert real.headers["X-Cache"] == "MISS" and "evil.example" not in real.get_data(as_text=True)


def test_pages_still_work_when_redis_is_down(app, client, district):
    app.config.update(REDIS_URL="redis://127.0.0.1:1/0", RESPONSE_CACHE_SECONDS=60)
    app.extensions.pop("redis", None)
    try:
        response = client.get("/regions/110101")
        assert response.status_code == 200 and "X-Cache" not in response.headers
    finally:
        app.config.update(REDIS_URL=None, RESPONSE_CACHE_SECONDS=0)
        app.extensions.pop("redis", None)


def test_without_redis_nothing_is_cached(client, district):
    client.get("/regions/110101")
    assert "X-Cache" not in client.get("/regions/110101").headers


def test_static_urls_carry_a_content_version_and_are_cached_for_a_year(client):
    html = client.get("/about").get_data(as_text=True)
    url = re.search(r'/static/css/app\.css\?v=([0-9a-f]{12})', html)
    assert url, "the stylesheet link has no version"
    versioned = client.get(url.group(0))
    assert versioned.status_code == 200 and "immutable" in versioned.headers["Cache-Control"]
    assert "immutable" not in client.get("/static/css/app.css?v=000000000000").headers.get("Cache-Control", "")
    assert "immutable" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")


def test_the_tender_page_is_cached_for_anonymous_visitors(app, client, page_cache, open_tender,  # noqa: F811
                                                           monkeypatch):
    """It used to build its question and follow forms for everybody, which made a CSRF token: never stored."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # as in production: forms make tokens
    assert client.get(f"/tenders/{open_tender.id}").headers["X-Cache"] == "MISS"
    second = client.get(f"/tenders/{open_tender.id}")
    assert second.headers["X-Cache"] == "HIT" and "csrf_token" not in second.get_data(as_text=True)


def test_list_totals_and_place_counts_are_shared_by_every_page_until_the_next_write(app, client, page_cache,
                                                                                       count_queries, frozen_now):
    """Pages and orders of /projects/ differ (so the response cache keeps each apart) but share their total, filter
    choices and place counts: only the first computes them, and a committed write makes them fresh again."""
    from tests.projects.conftest import make_project

    for n in range(3):
        make_project(title=f"P{n}", served=["110101001001"])
    db.session.commit()
    total = re.compile(r"共 (\d+) 个项目")
    counted = lambda statements: [s for s in statements if "count(" in s.lower()]  # noqa: E731
    with count_queries() as first:
        html = client.get("/projects/?region=110101").get_data(as_text=True)
    assert total.search(html).group(1) == "3" and len(counted(first.statements)) == 2  # the total, the places
    with count_queries() as other_order:
        client.get("/projects/?region=110101&sort=value&page=2")
    assert counted(other_order.statements) == [] and len(other_order.statements) < len(first.statements)
    make_project(title="P3", served=["110101001001"])
    db.session.commit()
    html = client.get("/projects/?region=110101&sort=value").get_data(as_text=True)
    assert total.search(html).group(1) == "4"
    assert re.search(r'region=110101001[^"]*">[^<]+</a>\s*<span class="count">4 个项目', html)
