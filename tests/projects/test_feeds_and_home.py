"""Atom feeds (parsed as XML, with the elements RFC 4287 requires) and the home page."""

from xml.etree import ElementTree as ET

import pytest

from marketplace.contracts.models import ContractStatus
from tests.projects.conftest import make_project

ATOM = "{http://www.w3.org/2005/Atom}"


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.get_data())
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert feed.find(f"{ATOM}{name}").text, name
    assert any(link.get("rel") == "self" and link.get("href", "").startswith("http")
               for link in feed.findall(f"{ATOM}link"))
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    entries = feed.findall(f"{ATOM}entry")
    for entry in entries:
        assert entry.find(f"{ATOM}id").text.startswith(("tag:", "http"))
        for name in ("title", "updated", "summary"):
            assert entry.find(f"{ATOM}{name}").text, name
        assert entry.find(f"{ATOM}link").get("href").startswith("http")
    return feed, entries


@pytest.mark.parametrize("name", ["tenders", "awards", "projects"])
def test_each_feed_is_valid_atom(client, project, name):
    make_project(title="多福巷助餐", served=["110101001001"])
    feed, entries = parse(client, f"/feeds/{name}.atom")
    assert len(entries) == 1
    assert "多福巷助餐" in entries[0].find(f"{ATOM}title").text


def test_feeds_filter_by_region_and_category(client, project):
    make_project(title="多福巷助餐", served=["110101001001"], item_code="A0401")
    make_project(title="别的街道治理", buyer_code="110101002", item_code="A1001")
    make_project(title="未签署", status=ContractStatus.awaiting_signatures)

    def titles(url):
        return {e.find(f"{ATOM}title").text for e in parse(client, url)[1]}

    assert titles("/feeds/projects.atom") == {"多福巷助餐", "别的街道治理"}  # signed ones only
    assert titles("/feeds/projects.atom?region=110101001001") == {"多福巷助餐"}
    assert titles("/feeds/tenders.atom?category=A10") == {"别的街道治理"}
    assert titles("/feeds/awards.atom?region=110101002&category=A10") == {"成交结果：别的街道治理"}
    assert titles("/feeds/tenders.atom?region=999999") == {"多福巷助餐", "别的街道治理", "未签署"}  # unknown: all


def test_the_project_list_links_its_feed(client, project):
    make_project(item_code="A0401")
    html = client.get("/projects/?category=A04").get_data(as_text=True)
    assert 'rel="alternate" type="application/atom+xml" href="/feeds/projects.atom?category=A04"' in html


def test_the_home_page_shows_what_is_open_awarded_ending_and_the_numbers(client, project):
    from datetime import timedelta

    from marketplace.common import clock

    make_project(title="即将结束的项目", value="300000", ends_on=clock.today() + timedelta(days=20))
    make_project(title="已完成的项目", value="100000", status=ContractStatus.completed)
    html = client.get("/").get_data(as_text=True)
    assert '<form class="home-search" method="get" action="/search" role="search">' in html
    assert 'name="q"' in html and '<label for="home-q">' in html
    assert "即将结束的项目" in html.split('id="ending-heading"')[1]
    assert "成交结果" in html and "即将结束的项目" in html.split('id="awards-heading"')[1]
    numbers = html.split('id="numbers-heading"')[1]
    assert "<dd>2</dd>" in numbers and "¥400,000.00" in numbers
    assert "目前没有正在接受投标的项目" in html
    from tests import factories

    factories.region("110101002", name="景山街道")
    region = client.get("/?region=110101002").get_data(as_text=True).split('id="numbers-heading"')[1]
    assert "景山街道 概况" in region and "<dd>0</dd>" in region and "¥0.00" in region


@pytest.mark.parametrize("target, expected", [
    ("/projects/?year=2026", "/projects/?year=2026"),
    ("//evil.example", "/"),
    ("/\\evil.example", "/"),
    ("/\\/evil.example", "/"),
    ("/\t/evil.example", "/"),
    ("/\n/evil.example", "/"),
    ("https://evil.example/", "/"),
    ("/a\\b", "/"),
])
def test_the_language_switch_returns_only_to_a_path_of_this_site(client, target, expected):
    response = client.post("/language", data={"lang": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == expected
