"""OCDS 1.1: every demo contracting process validates against the official schemas and passes the reference
checks; releases never change once published; the compiled release follows the merge rules."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace import security
from marketplace.api.jsonvalues import dumps
from marketplace.api.ocds import packages
from marketplace.api.ocds.releases import ocid_of
from marketplace.common import clock
from marketplace.contracts import services as contracts
from marketplace.evaluation import awards
from marketplace.extensions import db
from marketplace.tenders import amendments
from marketplace.tenders import services as tenders
from marketplace.tenders.models import PUBLIC_STATES, Tender
from tests.api.conftest import get_json
from tests.api.ocds_checks import SCHEMA_DIR, package_problems, reference_problems, schema_errors
from tests.contracts.conftest import build_awarded_tender
from tests.tenders.conftest import build_market, build_ready_tender


@pytest.fixture(autouse=True)
def _schemas_present():
    # Never skipped: a missing schema directory would let every validation here pass unseen.
    assert (SCHEMA_DIR / "release-package-schema.json").is_file(), \
        f"OCDS 1.1 schemas not found in {SCHEMA_DIR} (set OCDS_SCHEMA_DIR, or restore tests/api/ocds_schemas)"

DATE_KEYS = {"date", "startDate", "endDate", "dueDate", "dateMet", "dateSigned", "datePublished", "publishedDate"}
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")


def _bad_dates(node) -> list[str]:
    if isinstance(node, dict):
        return [f"{k}={v}" for k, v in node.items() if k in DATE_KEYS and not DATE_TIME.match(str(v))] + \
            [bad for v in node.values() for bad in _bad_dates(v)]
    if isinstance(node, list):
        return [bad for v in node for bad in _bad_dates(v)]
    return []


def test_every_demo_process_validates_and_passes_the_reference_checks(client, demo, generous_limits):
    tenders = db.session.execute(select(Tender).where(Tender.published_at.is_not(None))).scalars().all()
    assert {t.status for t in tenders} == PUBLIC_STATES  # the demo has a tender in every public state
    tags = set()
    for tender in tenders:
        ocid = ocid_of(tender)
        assert re.fullmatch(r"ocds-[a-z0-9]{6}-\S+", ocid)
        package = get_json(client, f"/api/ocds/releases/{ocid}.json")
        assert schema_errors(package, "release-package") == [], ocid
        assert package_problems(package) == [], ocid
        assert _bad_dates(package) == []
        record = get_json(client, f"/api/ocds/records/{ocid}.json")
        assert schema_errors(record, "record-package") == [], ocid
        compiled = record["records"][0]["compiledRelease"]
        assert reference_problems(compiled) == [], ocid
        assert [r["url"].rsplit("#", 1)[1] for r in record["records"][0]["releases"]] == \
            [r["id"] for r in package["releases"]]
        tags |= {t for r in package["releases"] for t in r["tag"]}
    assert {"tender", "tenderAmendment", "tenderUpdate", "tenderCancellation", "award", "contract",
            "implementation", "contractTermination"} <= tags
    bulk = get_json(client, "/api/ocds/releases.json?from=2000-01-01&to=2000-01-31", buffered=True)
    assert bulk["releases"] == []
    month_releases = []
    for first, last in months_around_today():
        bulk = get_json(client, f"/api/ocds/releases.json?from={first}&to={last}", buffered=True)
        if bulk["releases"]:  # the schema wants at least one release in a package
            assert schema_errors(bulk, "release-package") == [], first
        assert [p for r in bulk["releases"] for p in reference_problems(r)] == []
        by_process: dict = {}
        for r in bulk["releases"]:
            by_process.setdefault(r["ocid"], []).append(r["date"])
            assert first <= clock.to_local(_when(r["date"])).date().isoformat() <= last
        assert all(dates == sorted(dates) for dates in by_process.values())
        month_releases += [r["id"] for r in bulk["releases"]]
    assert month_releases and len(month_releases) == len(set(month_releases))


def months_around_today() -> list[tuple[str, str]]:
    """The calendar months from a year before today to a month after, as (first day, last day)."""
    today = clock.today()
    first = today.replace(year=today.year - 1, day=1)
    months = []
    while first <= today + timedelta(days=31):
        following = (first + timedelta(days=32)).replace(day=1)
        months.append((first.isoformat(), (following - timedelta(days=1)).isoformat()))
        first = following
    return months


def _when(text):
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_the_bulk_package_streams_and_refuses_long_ranges(app, client, demo, generous_limits):
    from flask.testing import FlaskClient

    assert client.get("/api/ocds/releases.json?from=2026-01-01&to=2026-02-01").status_code == 400
    assert "31" in client.get("/api/ocds/releases.json?from=2026-01-01&to=2026-12-31").get_json()["error"]["message"]
    today = clock.today()
    url = f"/api/ocds/releases.json?from={(today - timedelta(days=30)).isoformat()}&to={today.isoformat()}"
    streamed = FlaskClient(app, app.response_class).get(url)
    assert streamed.status_code == 200 and streamed.is_streamed
    package = json.loads(streamed.get_data(as_text=True))
    assert package["releases"] and package["publishedDate"] == max(r["date"] for r in package["releases"])


def test_the_demo_maps_methods_parties_and_indicators(client, demo):
    tender = db.session.execute(select(Tender).where(Tender.contracted_at.is_not(None))
                                .order_by(Tender.id)).scalars().first()
    compiled = get_json(client, f"/api/ocds/records/{ocid_of(tender)}.json")["records"][0]["compiledRelease"]
    assert compiled["tender"]["procurementMethod"] == "limited"
    assert compiled["tender"]["procurementMethodDetails"] == "竞争性磋商"
    assert compiled["tender"]["items"][0]["classification"]["id"] == tender.item_code
    (supplier,) = compiled["awards"][-1]["suppliers"]
    assert re.fullmatch(r"CN-USCC-[0-9A-HJ-NPQRTUWXY]{18}", supplier["id"])
    assert compiled["contracts"][0]["metrics"] and compiled["tender"]["metrics"]
    assert packages.METRIC_EXTENSION in get_json(client, f"/api/ocds/releases/{ocid_of(tender)}.json")["extensions"]


def test_an_unknown_or_draft_process_is_not_found(client, ready_tender):
    draft = ready_tender()
    db.session.commit()
    assert client.get(f"/api/ocds/releases/{ocid_of(draft)}.json").status_code == 404
    assert client.get("/api/ocds/records/ocds-zzzzzz-nothing.json").status_code == 404


def _releases(tender) -> dict[str, str]:
    return {r["id"]: dumps(r) for r in packages.releases_for(tender)}


def test_releases_never_change_once_published(frozen_now):
    """Each release is rebuilt from facts dated at or before it: later events (an amendment, the award, the
    contract, a contract amendment) add releases and leave the earlier ones byte for byte as they were."""
    market = build_market()
    tender = build_ready_tender(market)
    tenders.publish(tender, by=market["buyer"])
    first = _releases(tender)
    original_title, original_budget = tender.title, tender.budget
    clock.advance(timedelta(days=1))
    amendments.amend(tender, {"title": "东华门街道长者助餐服务项目（调整）", "budget": "290000"}, "预算调整",
                     by=market["buyer"])
    clock.advance(timedelta(hours=2))
    amendments.amend(tender, {"deliverables": tender.deliverables + "\n节假日不停供"}, "补充服务内容",
                     by=market["buyer"])
    after = _releases(tender)
    assert {k: after[k] for k in first} == first
    published = json.loads(after[f"{ocid_of(tender)}-tender"])["tender"]
    assert (published["title"], published["value"]["amount"]) == (original_title, int(original_budget))
    amended = json.loads(after[f"{ocid_of(tender)}-amendment-1"])["tender"]
    assert (amended["title"], amended["value"]["amount"]) == ("东华门街道长者助餐服务项目（调整）", 290000)
    assert len(json.loads(after[f"{ocid_of(tender)}-amendment-2"])["tender"]["amendments"]) == 2


def test_award_and_contract_releases_keep_their_bytes(frozen_now):
    parties = build_awarded_tender()
    tender = parties["tender"]
    before = _releases(tender)
    assert any(k.endswith(f"award-{parties['award'].id}") for k in before)
    clock.freeze(clock.local_midnight(parties["award"].challenge_until + timedelta(days=1)) + timedelta(hours=9))
    awards.catch_up(tender)
    contract = contracts.generate(tender, by=parties["buyer"])
    contracts.sign(contract, by=parties["buyer"], code=security.current_totp(parties["buyer"].totp_secret))
    assert not any("contract" in k for k in _releases(tender))  # awaiting a signature: not public yet
    contracts.sign(contract, by=parties["member"])
    clock.advance(timedelta(days=3))
    contracts.amend(contract, {"deliverables": contract.deliverables + "\n增加一场活动"}, "补充", by=parties["buyer"])
    after = _releases(tender)
    assert {k: after[k] for k in before} == before
    signed = json.loads(after[f"{ocid_of(tender)}-contract-{contract.id}"])["contracts"][0]
    assert "增加一场活动" not in signed["description"] and signed["status"] == "active"
    record = packages.record_package(tender)
    compiled = record["records"][0]["compiledRelease"]
    assert "增加一场活动" in compiled["contracts"][0]["description"]
    assert [a["id"] for a in compiled["contracts"][0]["amendments"]] == ["1"]
    assert schema_errors(record, "record-package") == []


def test_merging_follows_the_ocds_rules():
    releases = [
        {"ocid": "o", "id": "1", "date": "2026-01-01T00:00:00Z", "tag": ["tender"],
         "parties": [{"id": "a", "name": "A", "roles": ["buyer"]}], "tender": {"title": "x", "status": "active"}},
        {"ocid": "o", "id": "2", "date": "2026-01-02T00:00:00Z", "tag": ["award"],
         "parties": [{"id": "a", "roles": ["buyer", "payer"]}, {"id": "b", "name": "B", "roles": ["supplier"]}],
         "tender": {"status": "complete"}, "awards": [{"id": "9", "status": "active"}]},
    ]
    compiled = packages.compile_releases(releases)
    assert compiled["parties"] == [{"id": "a", "name": "A", "roles": ["buyer", "payer"]},
                                   {"id": "b", "name": "B", "roles": ["supplier"]}]
    assert compiled["tender"] == {"title": "x", "status": "complete"}
    assert compiled["tag"] == ["compiled"] and compiled["date"] == "2026-01-02T00:00:00Z"


def _last(tender) -> dict:
    return packages.releases_for(tender)[-1]


def test_an_award_is_pending_through_its_standstill_and_active_once_final(frozen_now):
    parties = build_awarded_tender()
    tender, award = parties["tender"], parties["award"]
    noticed = _last(tender)
    assert noticed["tag"] == ["award"] and noticed["awards"][0]["status"] == "pending"
    clock.freeze(clock.local_midnight(award.challenge_until + timedelta(days=1)) + timedelta(hours=9))
    awards.catch_up(tender)
    assert award.final_at is not None
    releases = {r["id"]: r for r in packages.releases_for(tender)}
    final = releases[f"{ocid_of(tender)}-award-{award.id}-final"]
    assert final["tag"] == ["awardUpdate"] and final["awards"][0]["status"] == "active"
    assert releases[noticed["id"]] == noticed  # the notice's release still says pending
    assert schema_errors(packages.release_package(tender), "release-package") == []


def test_a_tender_whose_every_award_was_cancelled_is_not_complete(frozen_now):
    parties = build_awarded_tender()
    tender, award = parties["tender"], parties["award"]
    assert _last(tender)["tender"]["status"] == "complete"
    clock.advance(timedelta(days=1))
    award.status, award.cancelled_at, award.cancel_reason = awards.AwardStatus.cancelled, clock.now(), "质疑成立"
    db.session.flush()
    cancelled = _last(tender)
    assert cancelled["tag"] == ["awardCancellation"] and cancelled["awards"][0]["status"] == "cancelled"
    assert cancelled["tender"]["status"] == "active"


def test_a_contract_period_runs_through_its_last_day(frozen_now):
    parties = build_awarded_tender()
    tender = parties["tender"]
    clock.freeze(clock.local_midnight(parties["award"].challenge_until + timedelta(days=1)) + timedelta(hours=9))
    awards.catch_up(tender)
    contract = contracts.generate(tender, by=parties["buyer"])
    contracts.sign(contract, by=parties["buyer"], code=security.current_totp(parties["buyer"].totp_secret))
    contracts.sign(contract, by=parties["member"])
    period = _last(tender)["contracts"][0]["period"]
    assert period == {"startDate": f"{contract.starts_on.isoformat()}T00:00:00+08:00",
                      "endDate": f"{contract.ends_on.isoformat()}T23:59:59+08:00"}


def test_an_inquiry_is_awarded_on_price_only(frozen_now):
    from marketplace.tenders.models import Method

    market = build_market()
    tender = build_ready_tender(market)
    tenders.publish(tender, by=market["buyer"])
    assert packages.releases_for(tender)[0]["tender"]["awardCriteria"] == "ratedCriteria"
    tender.method = Method.inquiry  # 询价: the lowest price among qualified quotes wins
    assert packages.releases_for(tender)[0]["tender"]["awardCriteria"] == "priceOnly"
