"""Extensions, created unbound; create_app() binds them."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


_REPLICA_READS: ContextVar[bool] = ContextVar("replica_reads", default=False)


class RoutingSession(FlaskSession):
    """Reads inside `replica_reads()` go to the read replica (the `replica` bind, from DATABASE_REPLICA_URL) when
    there is one; everything else, and every write, goes to the primary."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and _REPLICA_READS.get() and not self._flushing:
            replica = self._db.engines.get("replica")
            if replica is not None:
                return replica
        return super().get_bind(mapper, clause, bind, **kwargs)


@contextmanager
def replica_reads():
    """Long reads that may lag the primary by a moment (bulk exports) run on the replica, sparing the primary."""
    previous = _REPLICA_READS.set(True)
    try:
        yield
    finally:
        _REPLICA_READS.reset(previous)


def on_replica(chunks: Iterator) -> Iterator:
    """A streamed response body read from the replica. Set per step rather than around the whole generator, so that
    the flag never leaks into whatever the server does between two chunks."""
    iterator = iter(chunks)
    while True:
        with replica_reads():
            try:
                chunk = next(iterator)
            except StopIteration:
                return
        yield chunk


db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def configure_sqlite(engine) -> None:
    """Make SQLite behave like a real transactional database.

    pysqlite's own transaction handling ignores SAVEPOINTs and BEGIN; taking BEGIN over ourselves
    gives true nested transactions (tests roll back each one). WAL lets readers run beside the writer;
    the busy timeout makes a second writer wait instead of failing.

    A request that may write (any method but GET, HEAD, OPTIONS) begins with BEGIN IMMEDIATE: a plain BEGIN
    reads first and asks for the write lock at its first INSERT/UPDATE, and when another connection has
    committed in between SQLite refuses at once with "database is locked" (SQLITE_BUSY_SNAPSHOT: the busy
    timeout cannot help, the snapshot is stale). Taking the lock at BEGIN makes concurrent writers queue instead.
    """
    from sqlalchemy import event

    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _in_writing_request() else "BEGIN")


def _in_writing_request() -> bool:
    from flask import has_request_context, request

    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
