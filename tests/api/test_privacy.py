"""Nothing sealed and nothing personal leaves through the open-data layer."""

import re

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.bids.models import Bid
from marketplace.extensions import db
from marketplace.needs.models import Need
from marketplace.organizations.models import Fact, Organization
from tests.api.crawl import CHANGE_ACTIONS, crawl
from tests.api.test_changes_and_downloads import PANEL_ACTIONS, public_actions

MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")
LANDLINE = re.compile(r"(?<![0-9A-Za-z-])0\d{2,3}-\d{7,8}(?![0-9])")
# A resident ID number: region, birth date, sequence, check character (not any 18-digit document number).
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
                       r"(?![0-9A-Za-z])")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
MASKED = [re.compile(r"\d{3}\*{4}\d{4}"), re.compile(r"\d{6}\*{8}\d{4}"), re.compile(r"0\d{2,3}-\*+\d{4}")]


def test_a_sealed_bid_appears_nowhere_before_opening(client, open_tender, place_bid, generous_limits):
    bid, member = place_bid(open_tender, price="246813.57")
    db.session.commit()
    org = bid.organization
    secrets = {"price": "246813.57", "price as number": "246813.5", "hash": bid.content_sha256,
               "bidder's name": org.name, "bidder's code": org.uscc, "proposal": "服务方案：", "team": "李强"}
    pages = crawl(client)
    assert not set(pages.pop(CHANGE_ACTIONS).split()) & PANEL_ACTIONS
    for url, text in pages.items():
        for what, secret in secrets.items():
            if what.startswith("bidder") and ("organizations" in url or url in ("/data/all.jsonl",)):
                continue  # the directory lists the organization itself, never its bids
            assert secret not in text, f"{what} of a sealed bid in {url}"
        if url not in ("/api/v1/openapi.json", "/api/", "/api/v1", "/data/"):  # the schema names the fields
            assert "numberOfTenderers" not in text and '"bid_count"' not in text, url
    detail = client.get(f"/api/v1/tenders/{open_tender.id}").get_json()
    assert detail["opening"] is None and detail["awards"] == [] and detail["results"] == []
    assert bid.id and db.session.get(Bid, bid.id).status.value == "submitted"


def test_no_personal_data_in_any_open_data_response(client, demo, generous_limits):
    pages = crawl(client)
    codes = set(db.session.execute(select(Organization.uscc)).scalars())
    private = set()
    for org in db.session.execute(select(Organization)).scalars():
        private |= {org.contact_phone, org.contact_email, org.contact_name, org.legal_representative}
    for user in db.session.execute(select(User)).scalars():
        private |= {user.email, user.name}
    private |= {n.contact_phone for n in db.session.execute(select(Need)).scalars() if n.contact_phone}
    private |= {f.person_name for f in db.session.execute(select(Fact)).scalars() if f.person_name}
    private |= {f.certificate_no for f in db.session.execute(select(Fact)).scalars() if f.certificate_no}
    private = {p for p in private if p and len(p) >= 2}
    # The demo's real organizations cite their sources in the public introduction ("GitHub file 17395884697").
    cited = {m for (text,) in db.session.execute(select(Organization.introduction)) for m in MOBILE.findall(text or "")}
    assert len(pages) > 50
    assert {"/feeds/projects.atom", "/projects/", "/stats/", "/stats/spend-year.csv",
            "/data/tenders.xlsx"} <= set(pages)
    assert any(re.fullmatch(r"/projects/\d+", url) for url in pages)
    actions = {line.split(" ", 1)[1] for line in pages.pop(CHANGE_ACTIONS).splitlines()}
    assert actions and not actions & PANEL_ACTIONS
    assert {a for a in actions if not a.startswith("need.")} <= public_actions(), actions
    for url, text in pages.items():
        assert set(MOBILE.findall(text)) <= cited, (url, MOBILE.findall(text))
        assert not LANDLINE.search(text), (url, LANDLINE.search(text))
        assert not EMAIL.search(text), (url, EMAIL.search(text))
        assert [m for m in ID_NUMBER.findall(text) if m not in codes] == [], url
        for pattern in MASKED:
            assert not pattern.search(text), (url, pattern.pattern)
        leaked = [p for p in private if p in text]
        assert leaked == [], (url, leaked)
