"""Search fixtures: a fresh index per test, and the backends this database can run (Whoosh always, PostgreSQL
full-text too when the tests run on PostgreSQL)."""

from contextlib import contextmanager

import pytest

from marketplace.extensions import db
from marketplace.search import services
from tests.contracts.conftest import active_contract, awarded_tender, contract_parties  # noqa: F401 (fixtures)


@pytest.fixture
def engines(app, tmp_path):
    """Call `with use(name):` to search with one backend; `names` lists those this database supports."""
    original = dict(app.config)

    @contextmanager
    def use(name):
        app.config["SEARCH_BACKEND"] = name
        app.config["SEARCH_INDEX_DIR"] = str(tmp_path / f"index-{name}")
        app.extensions.pop("search_backend", None)
        try:
            yield services.backend()
        finally:
            app.extensions.pop("search_backend", None)

    names = ["whoosh"] + (["postgresql"] if db.engine.dialect.name == "postgresql" else [])
    yield names, use
    app.config.update({k: original[k] for k in ("SEARCH_BACKEND", "SEARCH_INDEX_DIR")})
    app.extensions.pop("search_backend", None)


def stall_statement(monkeypatch, number: int, *, budget_ms: int = 3000) -> None:
    """Make the PostgreSQL backend's `number`-th statement (2 or later: the first one sets the time left as the
    statement_timeout of those after it) outlast its whole time budget — a pg_sleep longer than the budget, run
    where that statement would start — whatever the machine's load."""
    from sqlalchemy import text

    from marketplace.search import pg

    monkeypatch.setattr(pg, "BUDGET_MS", budget_ms)
    original, calls = pg.PostgresBackend._budget, []

    def slow_budget(self, deadline):
        left = original(self, deadline)
        calls.append(1)
        if len(calls) == number:
            db.session.execute(text(f"SELECT pg_sleep({budget_ms / 1000 + 1})"))
        return left

    monkeypatch.setattr(pg.PostgresBackend, "_budget", slow_budget)


def sync() -> int:
    """What the writer process does, in the test's transaction."""
    db.session.commit()
    return services.drain_all()
