"""What each feed lists: the newest items first, a bounded number, filtered by region and category. One
statement per feed (plus the region look-up), whatever is listed."""

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from marketplace.bids.models import Bid
from marketplace.contracts.models import Contract
from marketplace.evaluation.models import Award
from marketplace.extensions import db
from marketplace.projects.queries import SIGNED, within
from marketplace.tenders.models import Tender

LIMIT = 50


def _narrow(query, tender_id_column, filters: dict):
    if filters.get("region") is not None:
        query = query.where(within(filters["region"], tender_id_column))
    if filters.get("category"):
        query = query.where(Tender.item_code.startswith(filters["category"]))
    return query


def tenders(filters: dict) -> list[Tender]:
    query = (select(Tender).where(Tender.published_at.is_not(None)).options(joinedload(Tender.buyer))
             .order_by(Tender.published_at.desc(), Tender.id.desc()).limit(LIMIT))
    return db.session.execute(_narrow(query, Tender.id, filters)).unique().scalars().all()


def awards(filters: dict) -> list[Award]:
    query = (select(Award).join(Award.tender)
             .options(contains_eager(Award.tender), joinedload(Award.bid).joinedload(Bid.organization))
             .order_by(Award.noticed_at.desc(), Award.id.desc()).limit(LIMIT))
    return db.session.execute(_narrow(query, Award.tender_id, filters)).unique().scalars().all()


def projects(filters: dict) -> list[Contract]:
    """Signed contracts: a project enters the feed when it is funded, i.e. when both sides have signed. Only
    signed ones have an active_at, so none sorts by a NULL (first on PostgreSQL, last on SQLite)."""
    query = (select(Contract).join(Contract.tender).where(SIGNED)
             .options(contains_eager(Contract.tender), joinedload(Contract.organization))
             .order_by(Contract.active_at.desc(), Contract.id.desc()).limit(LIMIT))
    return db.session.execute(_narrow(query, Contract.tender_id, filters)).unique().scalars().all()


def last_change(contract: Contract):
    return max(t for t in (contract.created_at, contract.active_at, contract.completed_at, contract.terminated_at)
               if t is not None)


def last_award_change(award: Award):
    return max(t for t in (award.noticed_at, award.final_at, award.cancelled_at) if t is not None)


def last_tender_change(tender: Tender):
    stamps = (tender.published_at, tender.tendering_at, tender.evaluation_at, tender.awarded_at, tender.contracted_at,
              tender.cancelled_at, tender.unsuccessful_at)
    return max(t for t in stamps if t is not None)

