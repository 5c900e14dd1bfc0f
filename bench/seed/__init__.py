"""Benchmark data: a realistic, deterministic platform history written straight into the database.

`seed(profile, seed=…, anchor=…)` fills an empty, migrated database (see `flask --app app bench seed --help`):
reference regions and catalogs, invented places around them, government bodies and their staff, residents,
organizations, five budget years of tenders in every state with sealed bids, evaluations and awards, contracts
with their reports, ratings and payments, residents' needs, the audit chain, and a search index.

Determinism: everything is drawn from `random.Random(f"{seed}:{part}")` and every moment is the anchor date plus
whole seconds, so the same seed and anchor give byte-identical rows (given the same MASTER_KEY, which wraps the
tenders' bid keys, and the same password-hashing configuration). The anchor defaults to today in Beijing, so a
fresh database is "live": tenders open for bids, evaluations in progress, reports due. Dates are placed relative
to it, never to the wall clock; `procurement.py` says how long the data stays free of time-driven moves.
"""

import math
import random
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select, text

from marketplace.extensions import db

from . import words
from .needs import Needs
from .people import PASSWORD, People
from .places import Places, target_streets
from .procurement import Procurement, Story
from .searchdocs import index_sample
from .writer import Audit, Dates, Phase, Writer

CONTRACTS_PER_TENDER = 0.85  # the share of tenders that end in a contract (measured on the city profile)


@dataclass(frozen=True)
class Profile:
    name: str
    orgs: int
    projects: int  # contracts (purchased-service projects); tenders ≈ projects / CONTRACTS_PER_TENDER
    docs: int      # documents in the search index
    residents_per_community: int = 6
    needs_per_project: float = 0.25

    def evaluators(self) -> int:
        return max(20, self.projects // 120)


PROFILES = {
    "small": Profile("small", 300, 300, 100, residents_per_community=4),
    "city": Profile("city", 20_000, 20_000, 10_000),
    "province": Profile("province", 200_000, 200_000, 100_000),
}


@dataclass
class Summary:
    profile: Profile
    seed: int
    anchor: date
    timings: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    tender_states: dict = field(default_factory=dict)
    contract_states: dict = field(default_factory=dict)
    indexed: int = 0
    password: str = PASSWORD


def _rng(seed: int, part: str) -> random.Random:
    return random.Random(f"{seed}:{part}")


def seed(profile: Profile, *, seed: int = 1, anchor: date) -> Summary:
    """Fill the (empty, migrated) database; commits after each phase."""
    started = time.perf_counter()
    dates = Dates(anchor)
    writer = Writer(db.session)
    audit = Audit()
    places = Places(writer, dates, _rng(seed, "places"))
    people = People(writer, dates, places, _rng(seed, "people"), seed, audit)
    summary = Summary(profile, seed, anchor)

    with Phase(writer, "reference", 1) as bar:
        places.import_reference()
        writer.start_ids()
        bar.update(1)
    with Phase(writer, "places", 1) as bar:
        places.build(target_streets(profile.orgs))
        places.create_bodies(audit)
        bar.update(1)
    with Phase(writer, "accounts", len(places.streets)) as bar:
        people.staff()
        people.evaluators_pool(profile.evaluators())
        people.residents_and_grid(profile.residents_per_community)
        bar.update(len(places.streets))
    with Phase(writer, "catalogs", 1) as bar:
        places.create_catalogs(audit)
        bar.update(1)
    with Phase(writer, "organizations", profile.orgs) as bar:
        people.organizations(profile.orgs, bar.update)

    needs = Needs(writer, dates, places, people, audit, _rng(seed, "needs"))
    procurement = Procurement(writer, dates, places, people, audit, _rng(seed, "tenders"),
                              current_app.config["MASTER_KEY"], needs)
    moments = _publication_times(dates, _rng(seed, "calendar"), math.ceil(profile.projects / CONTRACTS_PER_TENDER))
    with Phase(writer, "tenders", len(moments)) as bar:
        for n, moment in enumerate(moments, start=1):
            procurement.tender(moment)
            bar.update(1)
            if n % 5000 == 0:  # whole tenders only: a commit never splits one
                writer.commit()
        _cover_every_state(procurement, dates, _rng(seed, "cover"))
    with Phase(writer, "budgets", 1) as bar:
        _budget_lines(writer, dates, places, procurement, _rng(seed, "budgets"))
        bar.update(1)
    standalone = max(0, round(profile.projects * profile.needs_per_project) - needs.made)
    with Phase(writer, "needs", standalone) as bar:
        needs.standalone(standalone, bar.update, Story)
    with Phase(writer, "audit chain", len(audit.events)) as bar:
        audit.write(writer, bar.update)
        writer.finish_postgresql()
    summary.tender_states = dict(sorted(procurement.states.items()))
    summary.contract_states = dict(sorted(procurement.contract_states.items()))
    if profile.docs:
        with Phase(writer, "search index", profile.docs) as bar:
            summary.indexed = index_sample(profile.docs, _rng(seed, "search"), bar.update)
    else:
        index_sample(0, _rng(seed, "search"), None)
    with Phase(writer, "statistics", 1) as bar:
        # The query planners choose indexes by table statistics; after a bulk load SQLite has none at all (it then
        # guesses that any index narrows to ten rows) and PostgreSQL's autovacuum has not caught up yet.
        db.session.execute(text("ANALYZE"))
        writer.commit()
        bar.update(1)
    summary.timings = [*writer.timings, ("total", time.perf_counter() - started)]
    summary.counts = table_counts()
    return summary


def _publication_times(dates: Dates, rng: random.Random, count: int) -> list:
    """When each tender is published, oldest first (so ids grow with time, as on a real platform): more in later
    years, as the platform spread; one in a hundred planned a few weeks ahead (drafts)."""
    span = (dates.now - dates.start - timedelta(days=20)).total_seconds()
    moments = []
    for _ in range(count):
        if rng.random() < 0.01:
            moment = dates.now + timedelta(seconds=rng.randrange(86400, 30 * 86400))
        else:
            moment = dates.start + timedelta(days=15, seconds=int(span * rng.random() ** 0.75))
        moments.append(dates.office_hours(rng, dates.local_date(moment)))
    return sorted(moments)


TARGETS = {  # the state to show, and how to place a tender so it is likely in that state at NOW
    "draft": lambda d, r: ({}, d.now + timedelta(days=r.randint(3, 25))),
    "enquiry": lambda d, r: ({"enquiry": True}, d.now - timedelta(days=r.randint(0, 3))),
    "tendering": lambda d, r: ({"enquiry": False}, d.now - timedelta(days=r.randint(0, 9))),
    "evaluation": lambda d, r: ({"deadline": d.at(d.anchor - timedelta(days=r.randint(1, 5)), 9.5), "bids": 3},
                                None),
    "awarded": lambda d, r: ({"deadline": d.at(d.anchor - timedelta(days=r.randint(14, 24)), 9.5), "bids": 3},
                             None),
    "awaiting_signatures": lambda d, r: ({"deadline": d.at(d.anchor - timedelta(days=r.randint(18, 40)), 9.5),
                                          "bids": 3}, None),
    "cancelled": lambda d, r: ({"cancel": "tendering"}, d.now - timedelta(days=r.randint(30, 300))),
    "unsuccessful": lambda d, r: ({"bids": 1}, d.now - timedelta(days=r.randint(30, 300))),
    "active": lambda d, r: ({"bids": 3}, d.now - timedelta(days=r.randint(100, 250))),
    "contracted": lambda d, r: ({"bids": 3}, d.now - timedelta(days=r.randint(100, 250))),
    "completed": lambda d, r: ({"bids": 3}, d.now - timedelta(days=r.randint(500, 900))),
    "terminated": lambda d, r: ({"bids": 3}, d.now - timedelta(days=r.randint(300, 900))),
}


def _cover_every_state(procurement: Procurement, dates: Dates, rng: random.Random) -> None:
    """Small profiles may miss a state by chance: add tenders placed to show it, until each state has one."""
    for state, place in TARGETS.items():
        for _attempt in range(60):
            seen = procurement.contract_states if state in ("awaiting_signatures", "active", "completed",
                                                            "terminated") else procurement.states
            if seen.get(state):
                break
            force, moment = place(dates, rng)
            procurement.tender(moment or dates.now, force={"cancel": None, **force})


def _budget_lines(writer: Writer, dates: Dates, places: Places, procurement: Procurement, rng) -> None:
    """A line for every (body, year, item) a live tender holds budget on, above what those tenders hold (the
    services refuse a tender beyond the line), plus lines not yet drawn on; set the December before."""
    lines = {key: procurement.live_budget.get(key, 0) + procurement.largest_released.get(key, 0)
             for key in {*procurement.live_budget, *procurement.largest_released}}
    buyers = [b for b in places.bodies if b.staff.get("buyer")]
    for year in dates.years:
        for body in rng.sample(buyers, min(len(buyers), max(1, len(buyers) // 3))):
            lines.setdefault((body.id, year, rng.choice(words.PURCHASABLE)), 0)
    finance = {d.id: places.body_of(d, "finance").staff["catalog_admin"][0] for d in places.districts}
    bodies = {b.id: b for b in places.bodies}
    for (body_id, year, code), held in sorted(lines.items()):
        body = bodies[body_id]
        amount = max(float(held) * rng.uniform(1.05, 1.6), rng.randint(50, 800) * 1000)
        amount = Decimal(math.ceil(amount / 10000) * 10000)
        writer.add("budget_line", {
            "id": writer.id("budget_line"), "body_id": body_id, "year": year, "item_code": code,
            "amount": amount, "source": f"{year}年{body.region.district.name}区级财政预算",
            "created_at": dates.at(date(year - 1, 12, 20)), "created_by_id": finance[body.region.district.id][0]})


def table_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}
