"""Who may do what with organizations. Pure predicates: callers pass in what they have loaded."""

from datetime import date

from marketplace.accounts.models import Role

from .models import Membership, Organization, OrgRole, OrgStatus

EDITABLE_BY_ORGANIZATION = {OrgStatus.pending, OrgStatus.info_requested, OrgStatus.rejected}


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def can_register_organization(user, membership: Membership | None) -> bool:
    """Organization staff register their organization once; an account belongs to one organization."""
    return _signed_in(user) and user.role == Role.org_member and membership is None


def is_member(user, org: Organization, membership: Membership | None) -> bool:
    return _signed_in(user) and membership is not None and membership.organization_id == org.id


def can_manage_organization(user, org: Organization, membership: Membership | None) -> bool:
    """Managers keep the record current and run the team."""
    return is_member(user, org, membership) and membership.role == OrgRole.manager


def can_edit_registration(user, org: Organization, membership: Membership | None) -> bool:
    return can_manage_organization(user, org, membership) and org.status in EDITABLE_BY_ORGANIZATION


def can_review_organization(user, org: Organization) -> bool:
    """Registrars of the civil-affairs bureau over the organization's region, and platform admins."""
    if not _signed_in(user):
        return False
    if user.role == Role.platform_admin:
        return True
    return user.role == Role.registrar and user.body is not None and user.body.region.contains(org.region)


def can_review_any(user) -> bool:
    return _signed_in(user) and (user.role == Role.platform_admin or
                                 (user.role == Role.registrar and user.body is not None))


def can_see_documents(user, org: Organization, membership: Membership | None) -> bool:
    """Evidence files hold personal data: the organization's own staff and its registrars only."""
    return is_member(user, org, membership) or can_review_organization(user, org)


def can_bid(org: Organization, day: date) -> bool:
    """Verified and on no credit list that day; `eligibility.blockers` says why not."""
    return org.status == OrgStatus.verified and not any(entry.open_on(day) for entry in org.credit_entries)
