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


def sync() -> int:
    """What the writer process does, in the test's transaction."""
    db.session.commit()
    return services.drain_all()
