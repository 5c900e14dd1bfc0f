"""Row locks for decisions that must be taken on fresh data (two page loads, a page and a job, a double click)."""

from sqlalchemy import select

from marketplace.extensions import db


def lock(obj, *, shared: bool = False) -> None:
    """Hold obj's row until the transaction ends and reload its attributes.

    A plain SELECT … FOR UPDATE (FOR SHARE when `shared`) on the primary key: PostgreSQL refuses to lock
    across the outer joins a page may have loaded the object with. SQLite ignores the clause and serializes
    writers by itself.
    """
    model = type(obj)
    db.session.execute(select(model.id).where(model.id == obj.id).with_for_update(read=shared))
    db.session.refresh(obj)
