"""Who may see a contract's beneficiaries: the people named on its access list, and only while they still hold
the position that got them there. Not the rest of the organization, not the rest of the buyer's staff, not
platform administrators. Pure predicates: callers pass in what they have loaded."""

from marketplace.accounts.models import Role
from marketplace.contracts.models import ContractStatus
from marketplace.organizations.models import OrgRole

from .models import AccessRole, BeneficiaryAccess


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def is_organization_staff(user, contract, membership) -> bool:
    return (_signed_in(user) and user.role == Role.org_member and membership is not None
            and membership.user_id == user.id and membership.organization_id == contract.organization_id)


def is_buyer_staff(user, contract) -> bool:
    return _signed_in(user) and user.role == Role.buyer and user.body_id == contract.buyer_id


def may_hold(user, contract, role: AccessRole, membership) -> bool:
    """Staff of the organization may be assigned as org_staff, staff of the buyer as its case officer."""
    if role == AccessRole.org_staff:
        return is_organization_staff(user, contract, membership)
    return is_buyer_staff(user, contract)


def can_see_records(user, contract, access: BeneficiaryAccess | None, membership) -> bool:
    """Assigned to this contract, and still in the position the assignment was made for."""
    return (access is not None and _signed_in(user) and access.user_id == user.id
            and access.contract_id == contract.id and may_hold(user, contract, access.role, membership))


def can_record(user, contract, access: BeneficiaryAccess | None, membership) -> bool:
    """The organization's assigned staff keep the records while the contract is being delivered."""
    return (can_see_records(user, contract, access, membership) and access.role == AccessRole.org_staff
            and contract.status == ContractStatus.active)


def can_erase(user, contract, access: BeneficiaryAccess | None, membership) -> bool:
    """A person's withdrawal of consent (PIPL art. 15, 47) is carried out whenever it comes, also after the
    contract ended: by anyone still entitled to the records."""
    return can_see_records(user, contract, access, membership)


def can_export_aggregates(user, contract, access: BeneficiaryAccess | None, membership) -> bool:
    return can_see_records(user, contract, access, membership)


def can_manage_staff_access(user, contract, membership) -> bool:
    """The organization's managers decide which of their staff serve the contract's people."""
    return is_organization_staff(user, contract, membership) and membership.role == OrgRole.manager


def can_assign_case_officer(user, contract) -> bool:
    """The buyer's staff name the one officer who follows the contract's people."""
    return is_buyer_staff(user, contract)


def can_manage_access(user, contract, membership) -> bool:
    return can_manage_staff_access(user, contract, membership) or can_assign_case_officer(user, contract)


def can_change_access(user, contract, role: AccessRole, membership) -> bool:
    if role == AccessRole.org_staff:
        return can_manage_staff_access(user, contract, membership)
    return can_assign_case_officer(user, contract)
