"""Test harness.

- `app` runs once per database backend: SQLite always, PostgreSQL too when TEST_DATABASE_URL is set.
  The schema is built by the real migrations.
- Every test runs inside one outer transaction on one connection and rolls it back at the end; the
  code under test commits into savepoints, so commits behave but nothing survives the test.
- The test client runs each request in a fresh Flask app context (as in production), so `g` and the
  signed-in user never leak between requests.
"""

import contextvars
import os
import re
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import scoped_session, sessionmaker

from marketplace import create_app
from marketplace.cli import reset_database
from marketplace.common import clock
from marketplace.config import _database_url
from marketplace.extensions import db, limiter

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def pytest_collection_modifyitems(config, items):
    """A test of a PostgreSQL-only feature (e.g. the full-text search backend) has nothing to check on SQLite: it is
    not collected for the SQLite database rather than reported as skipped."""
    keep, drop = [], []
    for item in items:
        on_sqlite = getattr(item, "callspec", None) is not None and item.callspec.params.get("app") == "sqlite"
        (drop if item.get_closest_marker("postgresql_only") and on_sqlite else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, exactly like a real server."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)

    def session_transaction(self, *args, **kwargs):
        return _IsolatedCM(super().session_transaction(*args, **kwargs))

    def csrf_token(self, path: str) -> str:
        html = self.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
        return match.group(1) if match else ""


class _IsolatedCM:
    def __init__(self, cm):
        self.cm, self.ctx = cm, contextvars.Context()

    def __enter__(self):
        return self.ctx.run(self.cm.__enter__)

    def __exit__(self, *exc):
        return self.ctx.run(self.cm.__exit__, *exc)


def make_test_app(database_url: str, **overrides):
    config = {"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": _database_url(database_url), **overrides}
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker resets the schema of a PostgreSQL database of its own (`…_gw0`, `…_gw1`);
    sharing one, a worker would drop the tables another is testing on."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(_database_url(url))
    name = f"{parsed.database}_{worker}"
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')
    return parsed.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=BACKENDS)
def app(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        url = _worker_database(os.environ["TEST_DATABASE_URL"])
    app = make_test_app(url)
    with app.app_context():
        reset_database()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _transaction(request, app):
    """Roll back everything the test did; install a session factory bound to that one connection."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        # A plain Session: Flask-SQLAlchemy's own would route every query to the engine, not this connection.
        factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
        db.session = scoped_session(factory, scopefunc=_app_ctx_id)
        limiter.reset()
        ctx = app.test_request_context()
        ctx.push()
        try:
            yield
        finally:
            ctx.pop()
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def frozen_now():
    moment = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Beijing
    clock.freeze(moment)
    yield moment
    clock.unfreeze()


@pytest.fixture(scope="session")
def redis_url():
    """The local Redis (database 15 unless TEST_REDIS_URL says otherwise); tests that need it never skip."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis is not reachable at {url} ({exc}): start redis-server (see .ci/run)")
    return url


@pytest.fixture(autouse=True)
def _unfreeze_clock():
    yield
    clock.unfreeze()


@pytest.fixture
def make_user():
    from tests import factories

    return factories.user


@pytest.fixture
def make_region():
    from tests import factories

    return factories.region


@pytest.fixture
def make_body():
    from tests import factories

    return factories.body


def sign_in(client, user):
    """Sign an existing user into the test client (second factor already satisfied); commits what the test built."""
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    return user


@pytest.fixture
def login_as(client, make_user):
    """Sign a fresh user of `role` into the test client (second factor already satisfied)."""
    return lambda role, **fields: sign_in(client, make_user(role, **fields))


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on 127.0.0.1 (aiosmtpd); the app sends to it for the test's duration."""
    from tests.smtp import LocalSMTP

    server = LocalSMTP()
    server.start()
    previous = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]
    app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = "127.0.0.1", server.port
    try:
        yield server
    finally:
        app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = previous
        server.stop()


class StatementCounter:
    """The SQL statements a block issues (`count`, and the texts in `statements` for a failure message).

    Each request's session joins the test's transaction through a savepoint that a real server would not issue (it
    begins and commits without a statement): a savepoint opened while no other is open, and its release or
    rollback, are the harness's and not counted. Savepoints the code opens inside a transaction (`begin_nested`)
    are counted, as they would be on a server."""

    _SAVEPOINT = re.compile(r"^\s*(?:(RELEASE|ROLLBACK TO)\s+)?SAVEPOINT\s+(\w+)", re.IGNORECASE)

    def __init__(self):
        self.statements: list[str] = []
        self._open: list[str] = []
        self._harness: set[str] = set()

    @property
    def count(self) -> int:
        return len(self.statements)

    def on_execute(self, _connection, _cursor, statement, *_args):
        savepoint = self._SAVEPOINT.match(statement)
        if savepoint and not savepoint.group(1):
            if not self._open:
                self._harness.add(savepoint.group(2))
            self._open.append(savepoint.group(2))
        elif savepoint and savepoint.group(2) in self._open:
            del self._open[self._open.index(savepoint.group(2)):]
        if not (savepoint and savepoint.group(2) in self._harness):
            self.statements.append(statement)


@pytest.fixture
def count_queries(app):
    """Count the SQL statements a block issues: `with count_queries() as counter: …; counter.count`."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        counter = StatementCounter()
        event.listen(db.engine, "before_cursor_execute", counter.on_execute)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter.on_execute)

    return counting


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright, one per test process: Playwright's sync API cannot run twice at once in
    one process, so every browser test (tests/e2e, the donation test) shares this one."""
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (see .ci/run); browser tests never skip.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab (its own cookies) at 1280 px in Chinese."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def generous_limits(app):
    """The open-data rate limit would stop a test that reads many answers."""
    previous = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    yield
    app.config["API_RATE_LIMIT"] = previous
