"""How the seeder writes: explicit ids, per-table buffers flushed parents first, the audit chain, deterministic
ciphertext, and the dates everything is placed on.

Rows are plain dicts with every column given. Ids are allocated here (one counter per table, starting after what
the database already holds), so children can point at parents without reading anything back; a flush writes every
buffer in the order of the foreign keys (`metadata.sorted_tables`), so the database checks each reference against a
row it already has — nothing is deferred or disabled.

Each buffer is one statement in the session's own connection and transaction: SQLAlchemy Core's compiled INSERT
run as one `executemany` on SQLite, `COPY … FROM STDIN` on PostgreSQL (several times faster than multi-row INSERTs;
every constraint, index and foreign key is checked the same way). Values go through each column's own
SQLAlchemy bind processor, so they are stored exactly as the application stores them; only the two date types
use an equivalent written for speed, which `_check_fast_processors` compares with SQLAlchemy's at start.
Any other database gets plain `session.execute(insert(table), rows)`.
"""

import base64
import hashlib
import hmac
import json
import operator
import struct
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import click
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from sqlalchemy import Date, func, insert, select, text

from marketplace.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from marketplace.audit.services import chain_hash
from marketplace.common import clock
from marketplace.common.types import UTCDateTime
from marketplace.common.workdays import WorkdayCalendar
from marketplace.extensions import db

BATCH_ROWS = 20_000  # rows held across all tables before a flush; each table's insert goes in one executemany


class Writer:
    def __init__(self, session):
        self.session = session
        self.tables = {t.name: t for t in db.metadata.sorted_tables}
        self.order = list(self.tables)
        self.columns = {name: [c.name for c in table.columns] for name, table in self.tables.items()}
        self.buffers: dict[str, list[dict]] = {name: [] for name in self.tables}
        self.next_ids: dict[str, int] = {}
        self.counts: Counter = Counter()
        self.pending = 0
        self.timings: list[tuple[str, float]] = []
        self.dialect = session.get_bind().dialect
        self._plans: dict[str, tuple] = {}
        _check_fast_processors(self.dialect)
        if self.dialect.name == "sqlite":
            # A bigger page cache for this connection: the unique indexes on random keys (hashes, tokens) of
            # tables with millions of rows would otherwise be read back from disk for every insert.
            session.connection().exec_driver_sql("PRAGMA cache_size = -262144")

    def start_ids(self) -> None:
        """Ids continue after the rows the reference import wrote through the services."""
        for name, table in self.tables.items():
            if "id" in table.c and table.c.id.primary_key:
                self.next_ids[name] = (self.session.scalar(select(func.max(table.c.id))) or 0) + 1

    def id(self, table: str) -> int:
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def add(self, table: str, row: dict) -> dict:
        if len(row) != len(self.columns[table]):
            missing = [c for c in self.columns[table] if c not in row]
            extra = [k for k in row if k not in self.columns[table]]
            if extra:
                raise KeyError(f"{table}: no columns {extra}")
            for name in missing:
                row[name] = None
        self.buffers[table].append(row)
        self.pending += 1
        if self.pending >= BATCH_ROWS:
            self.flush()
        return row

    def flush(self) -> None:
        for name in self.order:
            rows = self.buffers[name]
            if rows:
                self._write(name, rows)
                self.counts[name] += len(rows)
                self.buffers[name] = []
        self.pending = 0

    def _plan(self, name: str) -> tuple:
        table, dialect = self.tables[name], self.dialect
        columns = list(table.columns)
        processors = [(i, _fast_processor(c.type, dialect) or c.type._cached_bind_processor(dialect))
                      for i, c in enumerate(columns)]
        processors = [(i, p) for i, p in processors if p is not None]
        if dialect.name == "postgresql":
            quote = dialect.identifier_preparer.quote
            sql = f"COPY {quote(name)} ({', '.join(quote(c.name) for c in columns)}) FROM STDIN"
        else:
            sql = str(insert(table).compile(dialect=dialect))
        plan = operator.itemgetter(*[c.name for c in columns]), processors, sql
        self._plans[name] = plan
        return plan

    def _write(self, name: str, rows: list[dict]) -> None:
        if self.dialect.name not in ("sqlite", "postgresql"):
            self.session.execute(insert(self.tables[name]), rows)
            return
        getter, processors, sql = self._plans.get(name) or self._plan(name)
        values = [list(getter(row)) for row in rows]
        for i, process in processors:
            for value in values:
                if value[i] is not None:
                    value[i] = process(value[i])
        driver = self.session.connection().connection.driver_connection
        if self.dialect.name == "sqlite":
            driver.executemany(sql, values)
            return
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for value in values:
                copy.write_row(value)

    def commit(self) -> None:
        self.flush()
        self.session.commit()

    def finish_postgresql(self) -> None:
        """PostgreSQL: move each sequence past the explicit ids, and gather planner statistics now (autovacuum
        would, minutes later), so benchmarks meet the plans of a settled database."""
        if self.dialect.name != "postgresql":
            return
        for name, table in self.tables.items():
            if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement in (True, "auto"):
                self.session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"))
        self.session.execute(text("ANALYZE"))


def _naive_utc_text(moment: datetime) -> str:
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None).isoformat(" ", "microseconds")


def _naive_utc(moment: datetime) -> datetime:
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.replace(tzinfo=None)


def _fast_processor(column_type, dialect):
    if isinstance(column_type, UTCDateTime):
        return _naive_utc_text if dialect.name == "sqlite" else _naive_utc
    if isinstance(column_type, Date) and dialect.name == "sqlite":
        return date.isoformat
    return None


def _check_fast_processors(dialect) -> None:
    """The fast date processors give exactly what SQLAlchemy's would (same text on SQLite)."""
    moment, day = datetime(2026, 3, 2, 2, 0, 5, 120, tzinfo=UTC), date(2026, 3, 2)
    for column_type, value in ((UTCDateTime(), moment), (Date(), day)):
        fast, slow = _fast_processor(column_type, dialect), column_type._cached_bind_processor(dialect)
        if fast is not None and fast(value) != (slow(value) if slow else value):
            raise RuntimeError(f"fast {column_type!r} processor disagrees with SQLAlchemy's")


class Phase:
    """A timed step with a progress bar on stderr (click's, so it stays quiet when stderr is not a terminal)."""

    def __init__(self, writer: Writer, label: str, length: int):
        self.writer, self.label, self.length = writer, label, max(length, 1)

    def __enter__(self):
        self.started = time.perf_counter()
        self.bar = click.progressbar(length=self.length, label=f"{self.label:<14}", file=sys.stderr, width=30,
                                     show_eta=True, show_pos=True)
        self.bar.__enter__()
        return self.bar

    def __exit__(self, *exc):
        self.bar.__exit__(*exc)
        if exc[0] is None:
            self.writer.commit()
            self.writer.timings.append((self.label, time.perf_counter() - self.started))


# -- time -------------------------------------------------------------------------------------------------------

class Dates:
    """Every moment is the anchor plus a whole number of seconds, so two runs with the same anchor agree.

    NOW is the anchor date at 10:00 Beijing time: the platform's "today" for the data. History runs from
    1 January four years before the anchor's year; reference data and bodies date from two months earlier.
    """

    def __init__(self, anchor: date, years: int = 5):
        self.anchor = anchor
        self.now = clock.local_midnight(anchor) + timedelta(hours=10)
        self.first_year = anchor.year - years + 1
        self.years = list(range(self.first_year, anchor.year + 1))
        self.start = clock.local_midnight(date(self.first_year, 1, 1)) + timedelta(hours=9)
        self.reference = self.start - timedelta(days=60)
        self.calendar = WorkdayCalendar()
        self._workdays: dict[tuple[date, int], date] = {}

    @staticmethod
    def local_date(moment: datetime) -> date:
        return clock.to_local(moment).date()

    @staticmethod
    def at(day: date, hours: float = 10) -> datetime:
        return clock.local_midnight(day) + timedelta(seconds=int(hours * 3600))

    def add_working_days(self, day: date, n: int) -> date:
        key = (day, n)
        if key not in self._workdays:
            self._workdays[key] = self.calendar.add_working_days(day, n)
        return self._workdays[key]

    def office_hours(self, rng, day: date) -> datetime:
        """A moment between 09:00 and 17:30 Beijing time on that day."""
        return self.at(day, 9) + timedelta(seconds=int(rng.random() * 30600))


def later(moment: datetime, rng, low_days: float, high_days: float) -> datetime:
    """A whole number of seconds between low and high days after `moment` (one draw: this runs millions of
    times)."""
    return moment + timedelta(seconds=int((low_days + (high_days - low_days) * rng.random()) * 86400))


# -- ciphertext -------------------------------------------------------------------------------------------------

def fernet_token(key: bytes, plaintext: bytes, at: datetime, iv: bytes) -> bytes:
    """A Fernet token (the format `common.crypto` reads) with the timestamp and IV given instead of drawn, so the
    same seed gives the same bytes. The spec: 0x80 ‖ time ‖ IV ‖ AES-128-CBC(PKCS7) ‖ HMAC-SHA256."""
    raw = base64.urlsafe_b64decode(key)
    signing, encryption = raw[:16], raw[16:]
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(encryption), modes.CBC(iv)).encryptor()
    body = b"\x80" + struct.pack(">Q", int(at.timestamp())) + iv + encryptor.update(padded) + encryptor.finalize()
    return base64.urlsafe_b64encode(body + hmac.digest(signing, body, "sha256"))


def new_key(rng) -> bytes:
    return base64.urlsafe_b64encode(rng.randbytes(32))


# -- the audit chain --------------------------------------------------------------------------------------------

class Audit:
    """Events are collected while the history is made and written at the end in time order, chained exactly as
    `audit.services.record` chains them (same canonical text, same hash), after the rows the services wrote."""

    def __init__(self):
        self.events: list[tuple] = []

    def record(self, at: datetime, action: str, subject: str | None, subject_id: int | None, actor=None,
               data: dict | None = None) -> None:
        """`actor`: a (user id, email) pair, or None for the system, or a label such as "stripe"."""
        self.events.append((at, len(self.events), action, subject, subject_id, actor, data))

    def write(self, writer: Writer, progress=None) -> int:
        """`audit.services.canonical` and `chain_hash`, inlined: the event data here is plain JSON values (strings,
        numbers, lists), so reading `data` back gives the same dict and the canonical text is the same; the
        test suite checks the chain with `audit.services.verify_chain`."""
        session = writer.session
        head = session.get(AuditHead, 1)
        seq, prev = (head.seq, head.hash) if head else (0, GENESIS_HASH)
        self.events.sort(key=lambda e: (e[0], e[1]))
        dumps, sha256 = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode, hashlib.sha256
        canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
        first = True
        for at, _n, action, subject, subject_id, actor, data in self.events:
            seq += 1
            if actor is None or isinstance(actor, str):
                actor_id, label = None, actor or "system"
            else:
                actor_id, label = actor
            subject_id = None if subject_id is None else str(subject_id)
            data = data or {}
            text = canonical({"seq": seq, "at": at.isoformat(timespec="microseconds"), "actor_id": actor_id,
                              "actor_label": label, "action": action, "subject_type": subject,
                              "subject_id": subject_id, "data": data})
            digest = sha256((prev + text).encode("utf-8")).hexdigest()
            if first:  # the inlined hash is the service's own (checked once per run, on a real row)
                probe = AuditEvent(seq=seq, at=at, actor_id=actor_id, actor_label=label, action=action,
                                   subject_type=subject, subject_id=subject_id, data=dumps(data))
                if chain_hash(prev, probe) != digest:
                    raise RuntimeError("audit chain hash differs from audit.services.chain_hash")
                first = False
            writer.add("audit_event", {"id": writer.id("audit_event"), "seq": seq, "at": at, "actor_id": actor_id,
                                       "actor_label": label, "action": action, "subject_type": subject,
                                       "subject_id": subject_id, "data": dumps(data), "prev_hash": prev,
                                       "hash": digest})
            prev = digest
            if progress is not None and seq % 1000 == 0:
                progress(1000)
        writer.flush()
        if head is None:
            session.add(AuditHead(id=1, seq=seq, hash=prev))
        else:
            head.seq, head.hash = seq, prev
        session.flush()
        return len(self.events)


def digest_of(*parts) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


