"""Who may change catalogs and budget lines."""

from marketplace.accounts.models import Role
from marketplace.regions.models import BodyKind

from .models import VersionStatus

CATALOG_BODY_KINDS = {BodyKind.civil_affairs, BodyKind.finance}


def can_manage_catalogs_of(user, body) -> bool:
    """District (or higher) civil-affairs and finance staff publish their own body's catalogs."""
    if not (user and user.is_authenticated) or body is None or body.kind not in CATALOG_BODY_KINDS:
        return False
    return user.role == Role.platform_admin or (user.role == Role.catalog_admin and user.body_id == body.id)


def can_edit_version(user, version) -> bool:
    return version.status == VersionStatus.draft and can_manage_catalogs_of(user, version.issuer)


def can_publish(user, version) -> bool:
    return can_edit_version(user, version) and bool(version.items)


def can_set_budget(user, body) -> bool:
    """The finance bureau over a body, the body itself (for its own lines) or an admin."""
    if not (user and user.is_authenticated):
        return False
    if user.role == Role.platform_admin:
        return True
    if user.body is None or user.role not in {Role.catalog_admin, Role.buyer}:
        return False
    if user.body_id == body.id:
        return True
    return user.body.kind == BodyKind.finance and user.body.region.contains(body.region)
