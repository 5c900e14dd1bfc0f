"""Writing and checking the audit chain."""

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from marketplace.common import clock
from marketplace.extensions import db

from .models import GENESIS_HASH, AuditEvent, AuditHead


def canonical(event: AuditEvent) -> str:
    """The exact text that is hashed: sorted keys, no whitespace, UTF-8, times in UTC ISO form."""
    row = {
        "seq": event.seq,
        "at": event.at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "data": json.loads(event.data),
    }
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical(event)).encode("utf-8")).hexdigest()


def _unproxy(obj):
    # current_user is a werkzeug LocalProxy; the audit row needs the model behind it.
    return obj._get_current_object() if hasattr(obj, "_get_current_object") else obj


def _subject_ref(subject) -> tuple[str | None, str | None]:
    subject = _unproxy(subject)
    if subject is None:
        return None, None
    if isinstance(subject, tuple):
        return subject[0], str(subject[1])
    if getattr(subject, "id", None) is None:
        db.session.flush([subject])
    return type(subject).__tablename__, str(subject.id)


def record(actor, action: str, subject=None, *, data: dict | None = None, at=None) -> AuditEvent:
    """Append one event in the caller's transaction. `actor` is a User, None (system) or a label."""
    head = db.session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS_HASH)
        db.session.add(head)
    subject_type, subject_id = _subject_ref(subject)
    actor = _unproxy(actor)
    if actor is None or isinstance(actor, str):
        actor_id, actor_label = None, actor or "system"
    else:
        actor_id, actor_label = actor.id, actor.email
    event = AuditEvent(
        seq=head.seq + 1, at=at or clock.now(), actor_id=actor_id, actor_label=actor_label, action=action,
        subject_type=subject_type, subject_id=subject_id, prev_hash=head.hash,
        data=json.dumps(data or {}, sort_keys=True, ensure_ascii=False, default=str),
    )
    event.hash = chain_hash(head.hash, event)
    head.seq, head.hash = event.seq, event.hash
    db.session.add(event)
    db.session.flush()
    return event


@dataclass
class ChainReport:
    checked: int
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


_CHAINED_COLUMNS = (
    AuditEvent.seq, AuditEvent.at, AuditEvent.actor_id, AuditEvent.actor_label, AuditEvent.action,
    AuditEvent.subject_type, AuditEvent.subject_id, AuditEvent.data, AuditEvent.prev_hash,
    AuditEvent.hash,
)


def verify_chain(batch: int = 1000) -> ChainReport:
    """Walk the chain in order and report the first row whose link or hash does not hold."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    while True:
        # Plain rows, not entities: a long chain must not fill the session's identity map.
        rows = db.session.execute(
            select(*_CHAINED_COLUMNS).where(AuditEvent.seq >= expected_seq)
            .order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            break
        for event in rows:
            if event.seq != expected_seq:
                missing = f"missing row: expected seq {expected_seq}, found {event.seq}"
                return ChainReport(checked, expected_seq, missing)
            if event.prev_hash != expected_prev:
                return ChainReport(checked, event.seq, "prev_hash does not match the previous row's hash")
            if chain_hash(event.prev_hash, event) != event.hash:
                return ChainReport(checked, event.seq, "content does not match its hash (row edited)")
            expected_prev, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = db.session.get(AuditHead, 1)
    if head is not None and (head.seq != checked or head.hash != expected_prev):
        return ChainReport(checked, checked + 1 if head.seq > checked else checked,
                           "the chain head does not match the last row (rows deleted)")
    return ChainReport(checked)


def daily_roots(since: date | None = None) -> list[dict]:
    """For each UTC day with events, the hash of its last event: publishing it pins the history."""
    last_seq_per_day = (
        select(func.max(AuditEvent.seq)).group_by(func.date(AuditEvent.at))
    )
    rows = db.session.execute(
        select(AuditEvent.at, AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.seq.in_(last_seq_per_day)).order_by(AuditEvent.seq)
    ).all()
    roots = [{"date": at.date().isoformat(), "seq": seq, "hash": h} for at, seq, h in rows]
    if since:
        roots = [r for r in roots if r["date"] >= since.isoformat()]
    return roots


def events_query(*, action=None, actor=None, subject_type=None, since=None, until=None):
    query = select(AuditEvent).order_by(AuditEvent.seq.desc())
    if action:
        query = query.where(AuditEvent.action.startswith(action))
    if actor:
        query = query.where(AuditEvent.actor_label.contains(actor))
    if subject_type:
        query = query.where(AuditEvent.subject_type == subject_type)
    if since:
        query = query.where(AuditEvent.at >= clock.local_midnight(since))
    if until:
        query = query.where(AuditEvent.at < clock.local_midnight(until + timedelta(days=1)))
    return query
