"""Beneficiary records (服务对象档案): the people a contract serves, kept under PIPL.

Everything about a person — name, gender, birth, ID number, phone, community, service category, sensitive
categories, notes and the consents — is one encrypted payload under a key that belongs to the contract; that
key is stored wrapped by the platform's master key. The plain columns say only which contract a record belongs
to, who wrote it and when, and whether consent was withdrawn (the payload is then erased). Counts by community,
gender, age band or category are computed by decrypting in the service, never stored in the clear, because
even a community with a birth year can point at one person.
"""

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.common.types import UTCDateTime, enum_column
from marketplace.contracts.models import Contract
from marketplace.extensions import db


class BeneficiaryKey(db.Model):
    """A contract's data key, wrapped by the master key. Kept apart from the records it encrypts."""

    __tablename__ = "beneficiary_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), unique=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BeneficiaryRecord(db.Model):
    __tablename__ = "beneficiary_record"
    __table_args__ = (
        # Withdrawing consent erases the person: no payload without consent, no consent left without payload.
        CheckConstraint("(payload IS NULL) = (withdrawn_at IS NOT NULL)", name="erased_when_withdrawn"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contract: Mapped[Contract] = relationship()


class AccessRole(enum.Enum):
    org_staff = "org_staff"          # the organization's staff who serve these people
    case_officer = "case_officer"    # the buyer's officer responsible for the contract (one at a time)


ACCESS_ROLE_LABELS = {AccessRole.org_staff: _l("服务机构工作人员"), AccessRole.case_officer: _l("购买主体经办人")}


class BeneficiaryAccess(db.Model):
    """Who may see a contract's beneficiary records: named people, not roles or whole organizations."""

    __tablename__ = "beneficiary_access"
    __table_args__ = (
        UniqueConstraint("contract_id", "user_id"),
        CheckConstraint("granted_by_id != user_id", name="granted_by_another"),  # four eyes: nobody grants themself
        Index("uq_beneficiary_access_one_case_officer", "contract_id", unique=True,
              sqlite_where=text("role = 'case_officer'"), postgresql_where=text("role = 'case_officer'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[AccessRole] = mapped_column(enum_column(AccessRole))
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    granted_by: Mapped[User] = relationship(foreign_keys=[granted_by_id])
