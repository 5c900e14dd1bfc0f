"""Every public page and open-data answer costs a fixed number of SQL statements — the same for 3 rows as for 25,
on a page of 3 as on a page of 25, and at most 10 — so that no page reads its rows one at a time (no N+1).

The endpoints come from the app's url_map: every GET endpoint is measured here, or sends an anonymous visitor to
the sign-in page (checked), or is excluded below with the reason. A new public page fails
`test_every_get_endpoint_is_measured_or_accounted_for` until it is measured or excluded."""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from marketplace.api.ocds.releases import ocid_of
from marketplace.extensions import db
from marketplace.opendata.datasets import DATASETS
from marketplace.search import services as search
from marketplace.stats.queries import CHARTS
from tests.public_world import ITEM, World

LIMIT = 10
SMALL, LARGE = 3, 25


@dataclass(frozen=True)
class Page:
    """An address of an endpoint, made from the world's current subject.

    paged: how the page size is set, if the endpoint has one ("per_page": the PER_PAGE setting of HTML lists,
    "limit": the open-data query parameter). budget: the most statements allowed, LIMIT unless the entry gives
    the reason. varies: why the count may differ with the data (then only the budget is held). fixed: the answer
    shows nothing that grows with the world (otherwise the test checks that it does, so that it counts the
    statements of a page that really lists 25 rows)."""

    url: Callable[[World], str]
    paged: str | None = None
    budget: int = LIMIT
    varies: str = ""
    fixed: bool = False


def _at(url: str, **options) -> list[Page]:
    return [Page(lambda _w: url, **options)]


def _of(pattern: str, **options) -> list[Page]:
    """An address naming the current subject: "/tenders/{tender.id}"."""
    return [Page(lambda w: pattern.format(**w.subject, w=w), **options)]


# A page that tells a whole procurement shows one kind of row per statement — the tender's own seven lists (places,
# indicators, criteria, conditions, documents, questions, amendments), the opening, the award notice with its
# ranking and challenges, the contract with its milestones, reports, ratings and payments — so it needs more than
# LIMIT statements, however many rows each kind has. Their budgets (below) are what they cost now: more fails.

MEASURED: dict[str, list[Page]] = {
    "portal.home": _at("/"),
    "portal.about": _at("/about", fixed=True),
    "portal.healthz": _at("/healthz", fixed=True),
    "regions.index": _at("/regions/"),
    "regions.detail": _at("/regions/110101"),
    "catalog.index": _at("/catalogs/", paged="per_page"),
    "catalog.version": _of("/catalogs/{catalog.id}"),
    "catalog.item": _of("/catalogs/{catalog.id}/items/" + ITEM)
    + _of("/catalogs/{w.city_qualifications.id}/items/{w.conditions[0]}"),
    "catalog.effective": _at("/catalogs/effective/110101001?year=2026"),
    "catalog.diff": _of("/catalogs/diff/{w.diff_base.id}/{catalog.id}"),
    "catalog.download": _of("/catalogs/{catalog.id}.csv") + _of("/catalogs/{catalog.id}.xlsx"),
    "catalog.template": _at("/catalogs/template/purchase.csv", fixed=True),
    "organizations.directory": _at("/organizations/", paged="per_page"),
    "organizations.profile": _of("/organizations/{org.id}"),
    "tenders.index": _at("/tenders/", paged="per_page",
                         varies="a page where the open tenders end and the rest begin reads both parts: one more"),
    "tenders.show": _of("/tenders/{tender.id}", budget=19) + _of("/tenders/{open_tender.id}", budget=15),
    "needs.index": _at("/needs/", paged="per_page"),
    # The second: a need the subject tender answers (such needs are made with one row of each kind).
    "needs.show": _of("/needs/{need.id}") + _of("/needs/{linked_needs[0].id}", fixed=True),
    "contracts.index": _at("/contracts/", paged="per_page"),
    "contracts.show": _of("/contracts/{contract.id}", budget=13),
    "outcomes.evaluation": _of("/outcomes/evaluations/{evaluation.id}"),
    "payments.donate": _of("/payments/contracts/{contract.id}/donate", fixed=True),
    "payments.donation": _of("/payments/donations/{donation.public_token}", fixed=True),
    "projects.index": _at("/projects/", paged="per_page"),
    "projects.show": _of("/projects/{tender.id}", budget=17),
    "search.index": _at("/search?q=计数测试"),
    # Statistics are sums: as many rows for 3 projects as for 25. One statement per chart (nine of them).
    "stats.index": _at("/stats/", budget=14, fixed=True),
    "stats.download": [Page(lambda _w, key=key: f"/stats/{key}.csv", fixed=True) for key in CHARTS],
    "feeds.tenders": _at("/feeds/tenders.atom"),
    "feeds.awards": _at("/feeds/awards.atom"),
    "feeds.projects": _at("/feeds/projects.atom"),
    "opendata.index": _at("/data/", fixed=True),
    "opendata.csv_file": [Page(lambda _w, name=name: f"/data/{name}.csv") for name in DATASETS],
    # all.jsonl streams every dataset in turn, each in batches: two statements per dataset.
    "opendata.jsonl_file": [Page(lambda _w, name=name: f"/data/{name}.jsonl") for name in DATASETS]
    + _at("/data/all.jsonl", budget=2 * len(DATASETS)),
    "opendata.xlsx_file": _at("/data/tenders.xlsx"),
    "opendata.dictionary": _at("/data/tenders.dictionary.csv", fixed=True),
    "opendata.dictionary_json": _at("/data/tenders.dictionary.json", fixed=True),
    "api.documentation": _at("/api/", fixed=True),
    "api.index": _at("/api/v1", fixed=True),
    "api.openapi": _at("/api/v1/openapi.json", fixed=True),
    "api.statistics": _at("/api/v1/statistics", fixed=True),
    "api.audit_roots": _at("/api/v1/audit/roots", fixed=True),  # one root a day, and the clock stands still
    "api.changes": _at("/api/v1/changes?since=0", paged="limit",
                       varies="one grouped look-up per kind of object among the events read (tenders, contracts, "
                              "catalogs …), never one per event"),
    **{f"api.{name}": _at(f"/api/v1/{name}", paged="limit") for name in
       ("tenders", "awards", "contracts", "projects", "milestones", "scores", "catalogs", "organizations", "needs")},
    "api.catalog_items": _of("/api/v1/catalogs/{catalog.id}/items", paged="limit"),
    "api.tender": _of("/api/v1/tenders/{tender.id}", budget=12) + _of("/api/v1/tenders/{open_tender.id}"),
    "api.contract": _of("/api/v1/contracts/{contract.id}"),
    "api.organization": _of("/api/v1/organizations/{org.id}"),
    "api.need": _of("/api/v1/needs/{need.id}"),
    "api.catalog": _of("/api/v1/catalogs/{catalog.id}", fixed=True),  # the version's facts; its items are below
    "api.ocds_releases": [Page(lambda w: f"/api/ocds/releases/{ocid_of(w.subject['tender'])}.json", budget=13)],
    "api.ocds_record": [Page(lambda w: f"/api/ocds/records/{ocid_of(w.subject['tender'])}.json", budget=13)],
    # The month's releases are built a batch of processes at a time.
    "api.ocds_bulk": _at("/api/ocds/releases.json?from=2026-01-01&to=2026-01-31", budget=14),
}

# GET endpoints an anonymous visitor may open that are not measured, and why.
EXCLUDED = {
    "static": "our CSS, JS and images: files, no database",
    # The sign-in and account forms list nothing; what they cost is one look-up of a token or an account.
    "accounts.login": "the sign-in form",
    "accounts.second_factor": "the second step of signing in",
    "accounts.register": "the registration form",
    "accounts.forgot_password": "the password-reset request form",
    "accounts.reset_password": "a form opened from a mailed token",
    "accounts.confirm_email": "a mailed confirmation link",
    "accounts.accept_invitation": "a form opened from a mailed invitation",
    # Stored files: the tender or need is loaded as for its page, then the file is sent as it is.
    "tenders.document": "a tender's stored file",
    "needs.photo": "a need's stored photo",
}

# Addresses to try the sign-in check with, where a placeholder would not reach it.
SIGN_IN_PROBES = {"organizations.join": "/organizations/join/not-a-token"}


# -- the url_map is accounted for ---------------------------------------------------------------------------

def _get_rules(app):
    return [rule for rule in app.url_map.iter_rules() if "GET" in rule.methods]


def _probe(app, rule) -> str:
    """An address of the rule with placeholder values: 1 for numbers, an allowed word for choices, else "x"."""
    if rule.endpoint in SIGN_IN_PROBES:
        return SIGN_IN_PROBES[rule.endpoint]
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = 1
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "x"
    return app.url_map.bind("localhost").build(rule.endpoint, values)


def test_every_get_endpoint_is_measured_or_accounted_for(app, client):
    """Measured, excluded with a reason, or closed to anonymous visitors (they are sent to sign in)."""
    endpoints = {rule.endpoint for rule in _get_rules(app)}
    assert not set(MEASURED) & set(EXCLUDED)
    assert not (set(MEASURED) | set(EXCLUDED)) - endpoints, "listed here but no longer a GET endpoint"
    open_to_anyone = []
    for rule in _get_rules(app):
        if rule.endpoint in MEASURED or rule.endpoint in EXCLUDED:
            continue
        response = client.get(_probe(app, rule))
        if not (response.status_code == 302 and response.headers["Location"].startswith("/login")):
            open_to_anyone.append((rule.endpoint, rule.rule, response.status_code))
    assert not open_to_anyone, ("public GET endpoints neither measured nor excluded: add them to MEASURED (or to "
                                f"EXCLUDED with the reason): {open_to_anyone}")


# -- the counts -------------------------------------------------------------------------------------------

@pytest.fixture
def search_index(app, tmp_path):
    """A Whoosh index of the test's own, filled from its data by `search.drain_all()`."""
    previous = app.config["SEARCH_BACKEND"], app.config["SEARCH_INDEX_DIR"]
    app.config["SEARCH_BACKEND"], app.config["SEARCH_INDEX_DIR"] = "whoosh", str(tmp_path / "index")
    app.extensions.pop("search_backend", None)
    yield
    app.config["SEARCH_BACKEND"], app.config["SEARCH_INDEX_DIR"] = previous
    app.extensions.pop("search_backend", None)



@dataclass
class Measure:
    rows: int        # of the world
    size: int | None  # of the page
    count: int
    statements: list[str]
    length: int      # of the answer


def _measure(app, client, count_queries, world: World, rows: int) -> dict[tuple[str, int], list[Measure]]:
    """Each address opened once, counting its statements; paged ones at both page sizes."""
    db.session.commit()
    search.drain_all()
    found, per_page = {}, app.config["PER_PAGE"]
    try:
        for endpoint, pages in MEASURED.items():
            for case, page in enumerate(pages):
                for size in (SMALL, LARGE) if page.paged else (None,):
                    app.config["PER_PAGE"] = size or per_page
                    url = page.url(world)
                    if page.paged == "limit":
                        url += f"{'&' if '?' in url else '?'}limit={size}"
                    with count_queries() as counter:
                        response = client.get(url, buffered=True)
                    assert response.status_code == 200, (url, response.status_code)
                    found.setdefault((endpoint, case), []).append(
                        Measure(rows, size, counter.count, counter.statements, len(response.get_data())))
    finally:
        app.config["PER_PAGE"] = per_page
    return found


def _problems(page: Page, measures: list[Measure]) -> list[str]:
    counts = [m.count for m in measures]
    problems = []
    if max(counts) > page.budget:
        problems.append(f"more than {page.budget} statements")
    if len(set(counts)) > 1 and not page.varies:
        problems.append("a count that grows with the rows")
    if not page.fixed:
        small, large = measures[0], measures[-1]  # 3 rows (on the smallest page); 25 rows (on the largest)
        if large.length <= small.length:
            problems.append(f"an answer no longer for {LARGE} rows than for {SMALL}: it does not list them")
    return problems


def test_every_public_page_costs_the_same_few_statements_for_3_or_25_rows(app, client, count_queries, frozen_now,
                                                                          search_index, generous_limits):
    world = World()
    few = _measure(app, client, count_queries, world.grow(SMALL), SMALL)
    many = _measure(app, client, count_queries, world.grow(LARGE), LARGE)
    table, failures = [], []
    for endpoint, pages in MEASURED.items():
        for case, page in enumerate(pages):
            measures = few[endpoint, case] + many[endpoint, case]
            counts = [m.count for m in measures]
            table.append(f"{endpoint}[{case}] {page.url(world)}: {counts}")
            if problems := _problems(page, measures):
                worst = max(measures, key=lambda m: m.count)
                failures.append(f"{endpoint}[{case}] {counts}: {'; '.join(problems)}\n    " + "\n    ".join(
                    re.sub(r"\s+", " ", s)[:160] for s in worst.statements))
    assert not failures, "\n".join(failures) + "\n\nall (3 rows, then 25; paged: page of 3, then 25):\n" + \
        "\n".join(table)
