"""Who may do what with contracts."""

from marketplace.accounts.models import Role

from .models import ContractStatus


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def is_buyer_staff(user, contract) -> bool:
    return _signed_in(user) and user.role == Role.buyer and user.body_id == contract.buyer_id


def is_party_member(user, contract) -> bool:
    from marketplace.organizations.services import membership_of

    membership = membership_of(user) if _signed_in(user) else None
    return membership is not None and membership.organization_id == contract.organization_id


def can_generate(user, tender) -> bool:
    return _signed_in(user) and user.role == Role.buyer and user.body_id == tender.buyer_id


def signing_side(user, contract) -> str | None:
    """"buyer" or "organization" for someone who may sign for that side, else None."""
    if is_buyer_staff(user, contract):
        return "buyer"
    if is_party_member(user, contract):
        return "organization"
    return None


def can_view(user, contract) -> bool:
    """Signed contracts are public; one awaiting signatures only to its two parties."""
    return contract.status != ContractStatus.awaiting_signatures or signing_side(user, contract) is not None


def can_amend(user, contract) -> bool:
    return is_buyer_staff(user, contract) and contract.status == ContractStatus.active


def can_end(user, contract) -> bool:
    return is_buyer_staff(user, contract) and contract.status in (ContractStatus.active,
                                                                  ContractStatus.awaiting_signatures)


def can_set_terms(user, contract) -> bool:
    """Indicator weights and rules are settled before the buyer signs."""
    return (is_buyer_staff(user, contract) and contract.status == ContractStatus.awaiting_signatures
            and contract.buyer_signed_at is None)


def can_see_proposal(user, contract) -> bool:
    """The winning proposal may name people: the two parties read it; the public reads the contract terms."""
    return signing_side(user, contract) is not None
