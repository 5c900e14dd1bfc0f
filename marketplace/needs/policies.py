"""Who may do what with residents' needs. Pure predicates over what the caller has loaded."""

from marketplace.accounts.models import GOVERNMENT_ROLES, Role

from .models import Need

SUBMITTER_ROLES = {Role.resident, Role.grid_worker}


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def can_submit_need(user) -> bool:
    """Residents raise needs themselves; grid workers (网格员) record them for residents."""
    return _signed_in(user) and user.role in SUBMITTER_ROLES


def can_support(user, need: Need) -> bool:
    """A resident supports (点赞) someone else's need while it is still open; once (the database checks that)."""
    return (_signed_in(user) and user.role == Role.resident and need.submitted_by_id != user.id
            and need.is_open)


def is_office_staff(user, need: Need) -> bool:
    """Buyer staff of the street office or township that answers the need."""
    return _signed_in(user) and user.role == Role.buyer and user.body_id == need.office_id


def is_escalation_staff(user, need: Need) -> bool:
    """Staff of the district body an overdue need was escalated to (督办)."""
    return (_signed_in(user) and need.escalated_to_id is not None and user.role in GOVERNMENT_ROLES
            and user.body_id == need.escalated_to_id)


def can_answer(user, need: Need) -> bool:
    """Reply, resolve or decline: the responsible office, the district it was escalated to, platform admins."""
    if not _signed_in(user):
        return False
    return user.role == Role.platform_admin or is_office_staff(user, need) or is_escalation_staff(user, need)


def can_see_contact(user, need: Need) -> bool:
    """The masked phone number is for the people who answer; the public never sees it."""
    return can_answer(user, need)


def can_use_dashboard(user) -> bool:
    """Government staff with a body (their office's needs, or those escalated to them) and platform admins."""
    if not _signed_in(user):
        return False
    return user.role == Role.platform_admin or (user.role in GOVERNMENT_ROLES and user.body_id is not None)
