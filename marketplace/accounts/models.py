import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.common.types import UTCDateTime
from marketplace.extensions import db
from marketplace.regions.models import GovernmentBody, Region


class Role(enum.Enum):
    resident = "resident"
    grid_worker = "grid_worker"  # 网格员: community worker who records needs on residents' behalf
    org_member = "org_member"
    buyer = "buyer"
    catalog_admin = "catalog_admin"
    evaluator = "evaluator"
    registrar = "registrar"
    platform_admin = "platform_admin"


# Government, registrar and admin accounts must sign in with a second factor (DESIGN §8).
ROLES_REQUIRING_2FA = {Role.buyer, Role.catalog_admin, Role.registrar, Role.platform_admin}
# Staff of a government body; they are invited, never self-registered.
GOVERNMENT_ROLES = {Role.buyer, Role.catalog_admin, Role.registrar}
SELF_SERVICE_ROLES = {Role.resident, Role.org_member}


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("failed_logins >= 0", name="failed_logins_non_negative"),
        CheckConstraint(
            "role IN ('buyer', 'catalog_admin', 'registrar') OR body_id IS NULL",
            name="only_staff_belong_to_a_body",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=32), index=True)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("government_body.id"), index=True)
    locale: Mapped[str | None] = mapped_column(String(10))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last accepted 30-second step: a code seen once cannot be replayed.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    verified_community_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))

    body: Mapped[GovernmentBody | None] = relationship()
    verified_community: Mapped[Region | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses sessions of deactivated users
        return self.deactivated_at is None

    @property
    def requires_2fa(self) -> bool:
        return self.role in ROLES_REQUIRING_2FA

    @property
    def has_2fa(self) -> bool:
        return self.totp_enabled_at is not None

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class RecoveryCode(db.Model):
    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Invitation(db.Model):
    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=32))
    body_id: Mapped[int | None] = mapped_column(ForeignKey("government_body.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    body: Mapped[GovernmentBody | None] = relationship()
    invited_by: Mapped[User] = relationship()


class VerificationStatus(enum.Enum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class ResidentVerification(db.Model):
    """A resident's request to be recognised as living in a community; an officer decides."""

    __tablename__ = "resident_verification"
    __table_args__ = (
        CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)", name="decided_iff_not_pending"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    address_note: Mapped[str] = mapped_column(String(200))
    status: Mapped[VerificationStatus] = mapped_column(
        Enum(VerificationStatus, native_enum=False, length=16), default=VerificationStatus.pending
    )
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    community: Mapped[Region] = relationship()
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


ROLE_LABELS = {
    Role.resident: _l("社区居民"),
    Role.grid_worker: _l("网格员"),
    Role.org_member: _l("社会组织人员"),
    Role.buyer: _l("购买主体人员"),
    Role.catalog_admin: _l("目录管理员"),
    Role.evaluator: _l("评审专家"),
    Role.registrar: _l("登记管理人员"),
    Role.platform_admin: _l("平台管理员"),
}
