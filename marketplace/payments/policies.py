"""Who may pay, donate, refund and see what."""

from marketplace.accounts.models import Role
from marketplace.contracts.models import ContractStatus
from marketplace.contracts.policies import is_buyer_staff, is_party_member

from .models import PaymentStatus


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def can_release_tranche(user, milestone) -> bool:
    """The buyer body's staff release a milestone's tranche once its evaluation passed on a signed contract.

    Also on a contract terminated since: a tranche whose work was delivered and passed its evaluation is owed
    whatever happened to the contract later (`Milestone.payable` asks only that the contract was once active).
    Also again after a full refund: the refunded payment no longer counts (see `live_tranche_payment`)."""
    return is_buyer_staff(user, milestone.contract) and milestone.payable


def can_follow_payments(user, contract) -> bool:
    """Both parties (and the platform admin) follow every attempt, including failures and their reasons."""
    return is_buyer_staff(user, contract) or is_party_member(user, contract) or can_administer(user)


def can_receive_donations(contract) -> bool:
    """A funded project is one whose contract both sides signed and which is public: under way or completed."""
    return contract.status in (ContractStatus.active, ContractStatus.completed)


def can_administer(user) -> bool:
    return _signed_in(user) and user.role == Role.platform_admin


def can_refund(user, payment) -> bool:
    """Only the platform admin refunds, and only money that arrived."""
    return can_administer(user) and payment.status == PaymentStatus.succeeded
