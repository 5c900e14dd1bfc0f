"""The benchmark seeder, `flask --app app bench seed`: the small profile through the CLI on every database, checked
the way the services would have left the data (every state reached, codes valid, ledger balanced, the audit chain
intact, sealed bids that open to what was published, scores that recompute, nothing left for the jobs to do, the
public pages and the API answering); and the same seed giving the same bytes in two fresh databases."""

import hashlib
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, text

from marketplace.audit.services import verify_chain
from marketplace.bids import sealing
from marketplace.bids.models import Bid, BidStatus, Opening
from marketplace.common import jobs
from marketplace.contracts.models import Contract, ContractStatus
from marketplace.evaluation.models import BidResult
from marketplace.extensions import db
from marketplace.needs.models import Need
from marketplace.organizations import uscc
from marketplace.organizations.models import CODE_PREFIX, Organization
from marketplace.outcomes import scoring
from marketplace.outcomes.models import Evaluation, EvaluationStatus, Rating, ReviewerMark
from marketplace.payments import ledger
from marketplace.payments.models import LedgerEntry
from marketplace.search import services as search
from marketplace.tenders.models import Tender, TenderStatus
from tests.api.ocds_checks import package_problems, schema_errors

ROOT = Path(__file__).resolve().parents[2]
ANCHOR = "2026-03-02"  # the day `frozen_now` freezes: pages and jobs see the data at the seeder's NOW


def _seed(app, tmp_path):
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "index")
    app.extensions.pop("search_backend", None)
    return app.test_cli_runner().invoke(args=["bench", "seed", "--profile", "small", "--docs", "40",
                                              "--anchor", ANCHOR])


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_small_profile_is_a_complete_and_consistent_platform(app, client, tmp_path, frozen_now):
    original_index = app.config["SEARCH_INDEX_DIR"]
    try:
        result = _seed(app, tmp_path)
        assert result.exit_code == 0, result.output
        assert "Password of every account" in result.output and "Time per phase" in result.output
        _counts_follow_the_profile()
        _every_state_is_reached()
        _credit_codes_pass_gb_32100()
        _the_ledger_balances()
        assert verify_chain().ok
        _sealed_bids_open_to_what_was_published()
        _scores_recompute()
        _nothing_is_left_for_the_jobs()
        _public_pages_answer(client)
        assert search.documents_in_index() == 40
        again = app.test_cli_runner().invoke(args=["bench", "seed", "--profile", "small", "--anchor", ANCHOR])
        assert again.exit_code == 1 and "not empty" in again.output
    finally:
        app.config["SEARCH_INDEX_DIR"] = original_index
        app.extensions.pop("search_backend", None)


def _counts_follow_the_profile():
    assert _count(Organization) == 300
    assert 240 <= _count(Contract) <= 360
    assert _count(Tender) > _count(Contract)
    assert _count(Need) >= 60
    assert _count(Rating) > _count(Contract)


def _every_state_is_reached():
    tenders = set(db.session.scalars(select(Tender.status).distinct()))
    contracts = set(db.session.scalars(select(Contract.status).distinct()))
    assert tenders == set(TenderStatus) and contracts == set(ContractStatus)


def _credit_codes_pass_gb_32100():
    rows = db.session.execute(select(Organization.uscc, Organization.org_type)).all()
    for code, org_type in rows:
        assert uscc.validate(code) == code and code[:2] == CODE_PREFIX[org_type]
    assert len({code for code, _type in rows}) == len(rows)


def _the_ledger_balances():
    assert ledger.unbalanced_postings() == []
    debit, credit = db.session.execute(select(func.sum(LedgerEntry.debit), func.sum(LedgerEntry.credit))).one()
    assert debit == credit and debit > 0
    for contract in db.session.scalars(select(Contract).where(Contract.active_at.is_not(None))):
        assert Decimal(0) <= ledger.tranches_paid(contract) <= contract.value


def _sealed_bids_open_to_what_was_published():
    opened = db.session.scalars(select(Bid).where(Bid.status.in_([BidStatus.opened, BidStatus.disqualified]))).all()
    assert opened
    for bid in opened[:60]:
        text = sealing.unseal(bid.tender_id, bid.sealed_content, purpose=sealing.OPENED).decode()
        assert text == bid.opened_content and hashlib.sha256(text.encode()).hexdigest() == bid.content_sha256
        assert Decimal(json.loads(text)["price"]) == bid.price
    for opening in db.session.scalars(select(Opening)):
        entries = json.loads(opening.entries)
        assert len(entries) == opening.bid_count
    sealed = db.session.scalars(select(Bid).join(Tender).where(Tender.status == TenderStatus.tendering)).all()
    assert sealed and all(b.price is None and b.opened_content is None for b in sealed)
    for bid in sealed:  # drafts and submissions alike: ciphertext only, readable with the tender's key
        assert json.loads(sealing.unseal(bid.tender_id, bid.sealed_content, purpose=sealing.OWN_BID))["price"]


def _scores_recompute():
    for evaluation in db.session.scalars(select(Evaluation).where(Evaluation.status != EvaluationStatus.rating)):
        stars = db.session.scalars(select(Rating.stars).where(Rating.evaluation_id == evaluation.id)).all()
        marks = tuple(db.session.scalars(select(ReviewerMark.score).where(
            ReviewerMark.evaluation_id == evaluation.id, ReviewerMark.score.is_not(None)).order_by(ReviewerMark.id)))
        g = scoring.GovernmentScore(indicators=evaluation.computed_g, marks=marks, m=evaluation.reviewer_weight).g
        r = scoring.resident_score([scoring.stars_to_score(s) for s in stars])
        assert (evaluation.government_score, evaluation.resident_score, evaluation.rating_count) == (g, r, len(stars))
        assert evaluation.final_score == scoring.final_score(evaluation.resident_weight, r, g)
        assert (evaluation.status == EvaluationStatus.passed) == (evaluation.final_score >= evaluation.pass_score)
    for tender_id in db.session.scalars(select(BidResult.tender_id).distinct()):
        results = db.session.scalars(select(BidResult).where(BidResult.tender_id == tender_id)
                                     .order_by(BidResult.rank)).all()
        assert [r.total for r in results] == sorted((r.total for r in results), reverse=True)


def _nothing_is_left_for_the_jobs():
    """At NOW every time-driven move is already made: each job finds nothing to do (the planner statistics are
    upkeep of the database, not of the data: a scheduler process refreshes them at its first tick)."""
    done = jobs.tick()
    assert {name: outcome for name, outcome in done.items() if outcome and name != "database.refresh_statistics"} == {}
    assert not isinstance(done["database.refresh_statistics"], Exception)


def _public_pages_answer(client):
    contracted = db.session.scalar(select(Contract).where(Contract.status == ContractStatus.completed).limit(1))
    need = db.session.scalar(select(Need).limit(1))
    evaluation = db.session.scalar(select(Evaluation).where(Evaluation.status == EvaluationStatus.passed).limit(1))
    pages = ["/", "/projects/", "/organizations/", "/tenders/", "/stats/", "/needs/", "/catalogs/", "/contracts/",
             "/search?q=养老服务", f"/projects/{contracted.tender_id}", f"/contracts/{contracted.id}",
             f"/organizations/{contracted.organization_id}", f"/needs/{need.id}",
             f"/outcomes/evaluations/{evaluation.id}", "/api/v1/tenders", "/api/v1/awards", "/api/v1/contracts",
             "/api/v1/projects", "/api/v1/milestones", "/api/v1/scores", "/api/v1/organizations", "/api/v1/needs",
             "/api/v1/catalogs", "/api/v1/statistics", "/api/v1/changes", "/feeds/projects.atom",
             "/api/ocds/releases.json?from=2026-01-01&to=2026-01-31"]
    for status in TenderStatus:
        if status != TenderStatus.draft:
            tender_id = db.session.scalar(select(Tender.id).where(Tender.status == status).limit(1))
            pages.append(f"/tenders/{tender_id}")
    ocid = f"ocds-{client.application.config['OCDS_PREFIX']}-{contracted.tender.reference}"
    for page in pages:
        assert client.get(page, buffered=True).status_code == 200, page
    record = client.get(f"/api/ocds/records/{ocid}.json").get_json()
    releases = client.get(f"/api/ocds/releases/{ocid}.json").get_json()
    assert schema_errors(record, "record-package") == [] and package_problems(releases) == []


# -- determinism -----------------------------------------------------------------------------------------------

@pytest.fixture
def fresh_databases(app, tmp_path):
    """Two empty databases of the kind under test: SQLite files, or PostgreSQL databases named after the test
    database (`…_seed_a`, `…_seed_b`), created for the test and dropped after it."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        yield [f"sqlite:///{tmp_path / name}.db" for name in ("a", "b")]
        return
    import psycopg

    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    names = [f"{url.database}_seed_a", f"{url.database}_seed_b"]
    with psycopg.connect(admin, autocommit=True) as connection:
        for name in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    yield [url.set(drivername="postgresql", database=name).render_as_string(hide_password=False) for name in names]
    with psycopg.connect(admin, autocommit=True) as connection:
        for name in names:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _flask(url: str, index: Path, *args: str) -> subprocess.Popen:
    env = os.environ | {"DATABASE_URL": url, "APP_ENV": "development", "SEARCH_INDEX_DIR": str(index),
                        "MAIL_SERVER": ""}
    env.pop("TEST_DATABASE_URL", None)
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _contents(url: str) -> tuple[str, int]:
    """A digest of every table, every row and every column in primary-key order; and the organizations."""
    digest, engine = hashlib.sha256(), create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            for table in sorted(inspect(connection).get_table_names()):
                digest.update(table.encode())
                for row in connection.execute(text(f'SELECT * FROM "{table}" ORDER BY 1')):
                    digest.update(repr(tuple(row)).encode())
            return digest.hexdigest(), connection.scalar(text("SELECT COUNT(*) FROM organization"))
    finally:
        engine.dispose()


def test_the_same_seed_gives_byte_identical_databases(fresh_databases, tmp_path):
    runs = [_flask(url, tmp_path / f"index-{n}", "bench", "seed", "--reset", "--orgs", "60", "--projects", "60",
                   "--docs", "0", "--seed", "7", "--anchor", "2025-06-30") for n, url in enumerate(fresh_databases)]
    for process in runs:
        _out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err[-3000:]
    first, second = (_contents(url) for url in fresh_databases)
    assert first == second and first[1] == 60
