"""Who may see and do what with bids. Before opening, only the bidding organization sees its own bid."""

from marketplace.accounts.models import Role


def can_prepare_bid(user, membership) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.org_member and membership is not None)


def can_read_opened(user, tender, opened: bool) -> bool:
    """After opening: the buyer's staff and the tender's active panel members read the bids."""
    if not (opened and user and user.is_authenticated):
        return False
    if user.role == Role.buyer and user.body_id == tender.buyer_id:
        return True
    if user.role == Role.evaluator:
        from marketplace.evaluation.models import PanelMember

        # Only after declaring no conflict of interest against the bidders.
        return any(m.user_id == user.id and m.active and m.declared_at is not None and not m.conflicted
                   for m in _panel(tender, PanelMember))
    return False


def _panel(tender, model):
    from sqlalchemy import select

    from marketplace.extensions import db

    return db.session.execute(select(model).where(model.tender_id == tender.id)).scalars().all()
