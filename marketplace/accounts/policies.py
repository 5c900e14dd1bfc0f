"""Who may do what with accounts. Pure predicates: routes, templates and services all ask these."""

from marketplace.regions.models import RegionLevel

from .models import GOVERNMENT_ROLES, Role, VerificationStatus


def is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def can_administer(user) -> bool:
    return is_signed_in(user) and user.role == Role.platform_admin


def can_view_audit(user) -> bool:
    return can_administer(user)


def can_invite(user, role: Role, body) -> bool:
    """Platform admins invite anyone; government staff invite colleagues into their own body."""
    if not is_signed_in(user):
        return False
    if user.role == Role.platform_admin:
        return True
    return (user.role in GOVERNMENT_ROLES and role in GOVERNMENT_ROLES
            and body is not None and user.body_id == body.id)


def can_request_community_verification(user) -> bool:
    return is_signed_in(user) and user.role == Role.resident


def can_decide_verification(user, verification) -> bool:
    """The street office over the community (or a platform admin) recognises its residents."""
    if not is_signed_in(user) or verification.status != VerificationStatus.pending:
        return False
    if user.role == Role.platform_admin:
        return True
    body = user.body
    if user.role != Role.buyer or body is None or body.region.level != RegionLevel.street:
        return False
    return verification.community.parent_id == body.region_id


def can_review_verifications(user) -> bool:
    return is_signed_in(user) and (
        user.role == Role.platform_admin
        or (user.role == Role.buyer and user.body is not None
            and user.body.region.level == RegionLevel.street)
    )


def can_rate_in(user, community) -> bool:
    """Only residents verified to the community rate what was delivered there (DESIGN §5)."""
    return (is_signed_in(user) and user.role == Role.resident
            and user.verified_community_id is not None and user.verified_community_id == community.id)


def can_disable_2fa(user) -> bool:
    return is_signed_in(user) and user.has_2fa and not user.requires_2fa
