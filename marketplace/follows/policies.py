"""What may be followed: only what the public can already see, so a follow (or the list of follows) never
reveals that a draft tender, an unsigned contract or an unverified organization exists."""

from marketplace.organizations.models import OrgStatus
from marketplace.tenders.models import PUBLIC_STATES as PUBLIC_TENDER_STATES

from .models import Subject

PUBLIC_ORG_STATES = {OrgStatus.verified, OrgStatus.suspended, OrgStatus.revoked}


def is_public(subject: Subject, obj) -> bool:
    if obj is None:
        return False
    if subject == Subject.tender:
        return obj.status in PUBLIC_TENDER_STATES
    if subject == Subject.project:
        return obj.active_at is not None  # signed by both sides, as the portal counts it
    if subject == Subject.organization:
        return obj.status in PUBLIC_ORG_STATES
    return True  # residents' needs are public from the moment they are raised


def can_follow(user, subject: Subject, obj) -> bool:
    return bool(user and user.is_authenticated) and is_public(subject, obj)
