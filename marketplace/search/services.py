"""Keeping the search index consistent with the database, and asking it.

- Every flush that adds, changes or deletes a searchable object queues (kind, id) in `search_queue`, in the same
  transaction: the queue is committed exactly when the change is, and rolled back with it.
- One writer process (`flask --app app search writer`) drains the queue: it reads each queued object as the
  database has it *now*, writes the documents, and only then deletes the queue rows it read — by id, so a row
  added meanwhile (even one with a lower id from a transaction that committed late) stays for the next pass.
  Whatever edits race, the last write of every document reflects a database state at least as new as the last
  queued change, so no update is lost. Web workers never write the index.
- `rebuild` writes everything from the database; `check` lists drift between the database and the index.
"""

import fcntl
import time
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, event, insert, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from marketplace.common import clock
from marketplace.extensions import db

from . import documents, tokens
from .models import SearchQueue
from .results import Results

BATCH = 500
PER_PAGE = 20
MAX_PAGE = 50  # deep pages of a relevance ranking help nobody; filters do
WRITER_LOCK_ID = 748_201  # pg_advisory lock key of the PostgreSQL backend's writer


class WriterBusy(Exception):
    """Another index writer holds the lock."""


def backend():
    """The configured backend, one per app (and so one open Whoosh searcher per worker process)."""
    app = current_app._get_current_object()
    cached = app.extensions.get("search_backend")
    if cached is None:
        if app.config["SEARCH_BACKEND"] == "postgresql":
            from .pg import PostgresBackend

            cached = PostgresBackend()
        else:
            from .index import WhooshBackend

            cached = WhooshBackend(app.config["SEARCH_INDEX_DIR"])
        app.extensions["search_backend"] = cached
    return cached


# -- the queue ------------------------------------------------------------------------------------------

@event.listens_for(Session, "after_flush")
def _queue_changes(session: Session, flush_context) -> None:
    pairs = set()
    for obj in (*session.new, *session.deleted):
        pairs.update(documents.affected(obj))
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            pairs.update(documents.affected(obj))
    if pairs:
        now = clock.now()
        session.connection().execute(insert(SearchQueue), [
            {"kind": kind, "object_id": object_id, "queued_at": now} for kind, object_id in sorted(pairs)])


def queued() -> int:
    return db.session.scalar(select(db.func.count()).select_from(SearchQueue))


# -- the writer ------------------------------------------------------------------------------------------

@contextmanager
def writer_lock():
    """Exactly one writer: a lock file beside the Whoosh index (one machine), or a PostgreSQL advisory lock when
    the index lives in the database (several machines)."""
    if current_app.config["SEARCH_BACKEND"] == "postgresql":
        # A session-level lock lives on one connection, so the writer holds a connection of its own for it.
        with db.engine.connect() as connection:
            if not connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": WRITER_LOCK_ID}):
                raise WriterBusy()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": WRITER_LOCK_ID})
        return
    path = Path(current_app.config["SEARCH_INDEX_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    with open(path / "writer.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise WriterBusy() from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write(ids_by_kind: dict[str, set[int]]) -> int:
    docs, removed = [], []
    for kind, ids in ids_by_kind.items():
        ids = sorted(ids)
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            loaded = documents.KINDS[kind].load(chunk)
            for object_id in chunk:
                doc = loaded.get(object_id)
                if doc is None:  # deleted, or not (or no longer) public
                    removed.append(f"{kind}:{object_id}")
                else:
                    docs.append(doc)
    backend().write(docs, removed)
    return len(docs) + len(removed)


def drain(limit: int = BATCH * 4) -> int:
    """One pass of the writer: documents for up to `limit` queue rows; returns how many rows it consumed.
    The caller commits (the PostgreSQL backend's documents are in this transaction too)."""
    rows = db.session.execute(select(SearchQueue.id, SearchQueue.kind, SearchQueue.object_id)
                              .order_by(SearchQueue.id).limit(limit)).all()
    if not rows:
        return 0
    _write(documents.expand((kind, object_id) for _id, kind, object_id in rows))
    db.session.execute(delete(SearchQueue).where(SearchQueue.id.in_([row.id for row in rows])))
    return len(rows)


def drain_with_retry(attempts: int = 5, pause: float = 0.2) -> int:
    """One writer pass that survives a busy database: SQLite refuses at once (busy timeout or not) to turn a
    reading transaction into a writing one after another process committed, and PostgreSQL may report a
    serialization failure. The pass is rolled back and repeated; documents already written are simply written
    again, and the queue rows stay until a pass gets through."""
    for attempt in range(attempts):
        try:
            consumed = drain()
            db.session.commit()
            return consumed
        except OperationalError:
            db.session.rollback()
            if attempt == attempts - 1:
                raise
            time.sleep(pause * (attempt + 1))
    return 0


def drain_all() -> int:
    total = 0
    while consumed := drain():
        db.session.commit()
        total += consumed
    return total


def rebuild(progress=None) -> int:
    """Every public document from the database, from an empty index. Queue rows are left alone: the next drain
    repeats them, which is harmless, whereas removing them could drop a change the rebuild read too early."""
    total = 0
    with backend().rebuilding():  # readers see the old index until the new one is complete
        for kind in documents.KINDS:
            ids = documents.all_ids(kind)
            for start in range(0, len(ids), BATCH):
                chunk = ids[start:start + BATCH]
                total += _write({kind: set(chunk)})
                if progress:
                    progress(len(chunk))
    return total


def count_all() -> int:
    return sum(len(documents.all_ids(kind)) for kind in documents.KINDS)


def drift() -> dict[str, list[str]]:
    """Documents the database has and the index lacks, has but should not, or has with another title/status."""
    expected = {}
    for kind in documents.KINDS:
        ids = documents.all_ids(kind)
        for start in range(0, len(ids), BATCH):
            for doc in documents.KINDS[kind].load(ids[start:start + BATCH]).values():
                if doc is not None:
                    expected[doc.key] = (doc.title, doc.status)
    actual = backend().keys()
    return {"missing": sorted(set(expected) - set(actual)), "extra": sorted(set(actual) - set(expected)),
            "stale": sorted(k for k in set(expected) & set(actual) if expected[k] != actual[k])}


# -- the readers -----------------------------------------------------------------------------------------

FILTERS = ("kind", "status", "category", "year", "regions")


def search(q: str, filters: dict[str, str] | None = None, page: int = 1, per_page: int = PER_PAGE) -> Results:
    filters = {k: v for k, v in (filters or {}).items() if k in FILTERS and v}
    page = min(max(page, 1), MAX_PAGE)
    words = tokens.query_words(q)
    results = backend().search(words, filters, page, per_page)
    if results.total and page > results.pages:  # past the last page (an old link, a typed URL): the last one
        results = backend().search(words, filters, results.pages, per_page)
    return results


def documents_in_index() -> int:
    return len(backend().keys())



