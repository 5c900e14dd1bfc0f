"""The lists of needs: public, the office's desk, escalated to a district. Each loads its rows' community and
office in the same round trip, so a page costs the same number of queries however many needs it shows."""

from datetime import date

from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import aliased, joinedload

from marketplace.extensions import db
from marketplace.regions.models import GovernmentBody, Region, RegionLevel

from .models import CLOSED_NEED_STATES, Need, NeedStatus

OPEN_STATES = [NeedStatus.submitted, NeedStatus.replied]


def overdue_clause(today: date):
    """SQL for Need.overdue(today): open, and past the reply deadline unanswered or past the close deadline."""
    return and_(Need.status.not_in(CLOSED_NEED_STATES),
                or_(Need.close_due_on < today, and_(Need.replied_at.is_(None), Need.reply_due_on < today)))


def _with_places(query):
    return query.options(joinedload(Need.community), joinedload(Need.office))


def public_query(*, today: date, status: NeedStatus | None = None, region: Region | None = None,
                 item_code: str | None = None, overdue_only: bool = False, text: str | None = None):
    """Needs anyone may browse, newest first. `item_code` matches the item and everything under it."""
    query = select(Need)
    if status is not None:
        query = query.where(Need.status == status)
    if region is not None:
        query = query.where(Need.community_id.in_(
            select(Region.id).where(Region.code.startswith(region.code_prefix))))
    if item_code:
        query = query.where(Need.item_code.startswith(item_code))
    if overdue_only:
        query = query.where(overdue_clause(today))
    if text and text.strip():
        pattern = f"%{text.strip()}%"
        query = query.where(or_(Need.title.ilike(pattern), Need.description.ilike(pattern)))
    return _with_places(query).order_by(Need.submitted_at.desc(), Need.id.desc())


def _desk_order(query):
    """Open needs first, each by the deadline it is working to now (reply, then close); closed ones newest first."""
    is_open = Need.status.in_(OPEN_STATES)
    due = case((Need.replied_at.is_(None), Need.reply_due_on), else_=Need.close_due_on)
    return _with_places(query).order_by(case((is_open, 0), else_=1), case((is_open, due)), Need.closed_at.desc(),
                                        Need.id)


def office_query(body: GovernmentBody | None):
    """The needs an office answers (every office's for a platform admin: body None)."""
    query = select(Need)
    if body is not None:
        query = query.where(Need.office_id == body.id)
    return _desk_order(query)


def escalated_query(body: GovernmentBody):
    """Overdue needs escalated to this (district) body for supervision."""
    return _desk_order(select(Need).where(Need.escalated_to_id == body.id))


def community_choices() -> list[tuple[str, str]]:
    """Communities by code, labelled with their street: 东华门街道 · 多福巷社区."""
    streets = aliased(Region)
    rows = db.session.execute(
        select(Region.code, Region.name, streets.name).join(streets, Region.parent_id == streets.id)
        .where(Region.level == RegionLevel.community).order_by(Region.code)).all()
    return [(code, f"{street} · {name}") for code, name, street in rows]


def area_choices() -> list[tuple[str, str]]:
    """Streets and communities for the public filter, communities indented under their street."""
    rows = db.session.execute(select(Region.code, Region.name, Region.level).where(
        Region.level.in_([RegionLevel.street, RegionLevel.community])).order_by(Region.code)).all()
    return [(code, name if level == RegionLevel.street else f"　{name}") for code, name, level in rows]
