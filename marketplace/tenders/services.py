"""Tenders: creation from the catalog, method and scoring rules, lifecycle, Q&A, amendments and followers.

Services flush, never commit; the route (or the job runner) owns the transaction.
"""

from sqlalchemy import select

from marketplace.common import clock
from marketplace.extensions import db

from .models import Follower, Tender


def follow(tender: Tender, user) -> Follower:
    """Idempotent: following twice is following once."""
    existing = db.session.execute(select(Follower).where(
        Follower.tender_id == tender.id, Follower.user_id == user.id)).scalar_one_or_none()
    if existing is not None:
        return existing
    row = Follower(tender_id=tender.id, user_id=user.id, created_at=clock.now())
    db.session.add(row)
    db.session.flush()
    return row
