"""SQLite: a request that may write takes the write lock when its transaction begins (marketplace/extensions.py).

With a plain (deferred) BEGIN a request reads first and asks for the lock at its first write; when another
connection has committed in between, SQLite refuses at once with "database is locked" (SQLITE_BUSY_SNAPSHOT),
whatever the busy timeout — bench/spike_bench.py saw half the bids of a deadline spike fail that way. These tests
use a database file of their own: the harness's one-connection transaction would hide the locks.
"""

import sqlite3
import threading
import time

import pytest
from sqlalchemy import text

from marketplace.extensions import db
from tests.conftest import make_test_app


@pytest.fixture
def _transaction():
    """No shared test transaction here: these tests need real connections to one file."""
    yield


@pytest.fixture(scope="module")
def locks_app(tmp_path_factory):
    path = tmp_path_factory.mktemp("locks") / "locks.db"
    app = make_test_app(f"sqlite:///{path}")
    with app.app_context():
        db.session.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"))
        db.session.commit()
    yield app, path
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def sqlite_file(locks_app):
    app, path = locks_app
    with app.app_context():
        db.session.execute(text("DELETE FROM counter"))
        db.session.execute(text("INSERT INTO counter VALUES (1, 0)"))
        db.session.commit()
    return app, path


def _another_connection(path):
    return sqlite3.connect(path, timeout=0, isolation_level=None)  # no waiting: a held lock fails at once


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_request_that_may_write_holds_the_write_lock_from_its_first_statement(sqlite_file, method):
    app, path = sqlite_file
    other = _another_connection(path)
    with app.test_request_context("/", method=method):
        db.session.execute(text("SELECT n FROM counter"))
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other.execute("BEGIN IMMEDIATE")
        db.session.rollback()
    other.execute("BEGIN IMMEDIATE")  # released with the transaction
    other.execute("ROLLBACK")


def test_a_reading_request_leaves_the_write_lock_to_others(sqlite_file):
    app, path = sqlite_file
    other = _another_connection(path)
    with app.test_request_context("/", method="GET"):
        db.session.execute(text("SELECT n FROM counter"))
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE counter SET n = n + 1")
        other.execute("COMMIT")
        db.session.rollback()


def test_two_posts_that_read_before_writing_both_commit(sqlite_file):
    app, _path = sqlite_file
    errors: list[Exception] = []

    def increment(pause: float, started: threading.Event | None = None) -> None:
        try:
            with app.test_request_context("/", method="POST"):
                n = db.session.execute(text("SELECT n FROM counter")).scalar_one()
                if started:
                    started.set()
                time.sleep(pause)  # the other request runs meanwhile: it must wait, not commit under our read
                db.session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})
                db.session.commit()
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)

    first_read = threading.Event()
    first = threading.Thread(target=increment, args=(0.5, first_read))
    first.start()
    first_read.wait(5)
    second = threading.Thread(target=increment, args=(0,))
    second.start()
    first.join(15)
    second.join(15)
    assert errors == []
    with app.app_context():
        assert db.session.execute(text("SELECT n FROM counter")).scalar_one() == 2  # no update lost either
