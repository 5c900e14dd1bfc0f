"""Organizations (social organizations, social-work agencies), their team, evidence, facts and credit record."""

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.common.types import UTCDateTime, enum_column
from marketplace.extensions import db
from marketplace.regions.models import Region


def _enum(cls):
    return enum_column(cls, length=20)


class OrgType(enum.Enum):
    social_group = "social_group"              # 社会团体, code 51…
    social_service = "social_service"          # 民办非企业单位（社会服务机构）, 52…
    foundation = "foundation"                  # 基金会, 53…
    other_civil = "other_civil"                # 其他民政登记组织, 59…
    public_institution = "public_institution"  # 事业单位, 12…
    mass_organization = "mass_organization"    # 群团组织, 13…
    enterprise = "enterprise"                  # 企业（如企业型社会工作服务机构）, 91…


ORG_TYPE_LABELS = {
    OrgType.social_group: _l("社会团体"),
    OrgType.social_service: _l("民办非企业单位（社会服务机构）"),
    OrgType.foundation: _l("基金会"),
    OrgType.other_civil: _l("其他民政登记的社会组织"),
    OrgType.public_institution: _l("事业单位"),
    OrgType.mass_organization: _l("群团组织"),
    OrgType.enterprise: _l("企业"),
}
# The first two characters of the credit code each type must carry (GB 32100: department + kind).
CODE_PREFIX = {
    OrgType.social_group: "51", OrgType.social_service: "52", OrgType.foundation: "53", OrgType.other_civil: "59",
    OrgType.public_institution: "12", OrgType.mass_organization: "13", OrgType.enterprise: "91",
}
# How the qualification rule language (catalog.rules `registered_type`) names each type.
RULE_TYPE_NAMES = {
    OrgType.social_group: {"社会团体"},
    OrgType.social_service: {"民办非企业单位", "社会服务机构"},
    OrgType.foundation: {"基金会"},
    OrgType.other_civil: {"其他"},
    OrgType.public_institution: {"其他"},
    OrgType.mass_organization: {"其他"},
    OrgType.enterprise: {"其他"},
}


class PublicInstitutionClass(enum.Enum):
    class_1 = "class_1"      # 公益一类: may not be a provider (Order 102 art. 8)
    class_2 = "class_2"      # 公益二类
    other = "other"          # 生产经营类 / 未分类


class OrgStatus(enum.Enum):
    pending = "pending"
    info_requested = "info_requested"
    verified = "verified"
    rejected = "rejected"
    suspended = "suspended"
    revoked = "revoked"


ORG_STATUS_LABELS = {
    OrgStatus.pending: _l("待审核"),
    OrgStatus.info_requested: _l("需补充材料"),
    OrgStatus.verified: _l("已认证"),
    OrgStatus.rejected: _l("未通过"),
    OrgStatus.suspended: _l("已暂停"),
    OrgStatus.revoked: _l("已撤销"),
}


class OrgAction(enum.Enum):
    verify = "verify"
    reject = "reject"
    request_info = "request_info"
    resubmit = "resubmit"
    suspend = "suspend"
    reinstate = "reinstate"
    revoke = "revoke"


ORG_TRANSITIONS = {
    (OrgStatus.pending, OrgAction.verify): OrgStatus.verified,
    (OrgStatus.pending, OrgAction.reject): OrgStatus.rejected,
    (OrgStatus.pending, OrgAction.request_info): OrgStatus.info_requested,
    (OrgStatus.info_requested, OrgAction.resubmit): OrgStatus.pending,
    (OrgStatus.rejected, OrgAction.resubmit): OrgStatus.pending,
    (OrgStatus.verified, OrgAction.suspend): OrgStatus.suspended,
    (OrgStatus.suspended, OrgAction.reinstate): OrgStatus.verified,
    (OrgStatus.verified, OrgAction.revoke): OrgStatus.revoked,
    (OrgStatus.suspended, OrgAction.revoke): OrgStatus.revoked,
}


class Organization(db.Model):
    __tablename__ = "organization"
    __table_args__ = (
        CheckConstraint("length(uscc) = 18", name="uscc_length"),
        CheckConstraint("fulltime_staff >= 0 AND parttime_staff >= 0", name="staff_not_negative"),
        # Class-I public institutions and budget-funded mass organizations are never providers.
        CheckConstraint("public_class IS NULL OR public_class != 'class_1'", name="no_class_1_institution"),
        CheckConstraint("NOT budget_funded", name="no_budget_funded_mass_org"),
        CheckConstraint("status NOT IN ('rejected', 'suspended', 'revoked', 'info_requested') "
                        "OR status_reason IS NOT NULL", name="status_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    org_type: Mapped[OrgType] = mapped_column(_enum(OrgType))
    public_class: Mapped[PublicInstitutionClass | None] = mapped_column(_enum(PublicInstitutionClass))
    budget_funded: Mapped[bool] = mapped_column(default=False)
    registering_authority: Mapped[str] = mapped_column(String(200))
    registered_on: Mapped[date] = mapped_column(Date)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    address: Mapped[str] = mapped_column(String(300))
    legal_representative: Mapped[str] = mapped_column(String(100))
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_phone: Mapped[str] = mapped_column(String(30))
    contact_email: Mapped[str] = mapped_column(String(254))
    fulltime_staff: Mapped[int] = mapped_column(Integer, default=0)   # declared; only confirmed facts count
    parttime_staff: Mapped[int] = mapped_column(Integer, default=0)
    introduction: Mapped[str | None] = mapped_column(Text)
    status: Mapped[OrgStatus] = mapped_column(_enum(OrgStatus), default=OrgStatus.pending, index=True)
    status_reason: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    pending_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    info_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    region: Mapped[Region] = relationship()
    service_fields: Mapped[list["ServiceField"]] = relationship(
        back_populates="organization", cascade="all, delete-orphan", order_by="ServiceField.item_code")
    memberships: Mapped[list["Membership"]] = relationship(back_populates="organization")
    documents: Mapped[list["Document"]] = relationship(back_populates="organization", order_by="Document.id")
    facts: Mapped[list["Fact"]] = relationship(back_populates="organization", order_by="Fact.id")
    credit_entries: Mapped[list["CreditEntry"]] = relationship(
        back_populates="organization", order_by="CreditEntry.listed_on", foreign_keys="CreditEntry.organization_id")

    @property
    def field_codes(self) -> list[str]:
        return [f.item_code for f in self.service_fields]


class ServiceField(db.Model):
    """A purchase-catalog code the organization works in (its 服务领域); the directory filters on it."""

    __tablename__ = "org_service_field"
    __table_args__ = (UniqueConstraint("organization_id", "item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    item_code: Mapped[str] = mapped_column(String(16), index=True)
    organization: Mapped[Organization] = relationship(back_populates="service_fields")


class OrgRole(enum.Enum):
    manager = "manager"   # 管理员: keeps the record current, manages the team
    member = "member"     # 成员: prepares bids and reports


class Membership(db.Model):
    __tablename__ = "org_membership"
    __table_args__ = (UniqueConstraint("user_id"),)  # one organization per account

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    role: Mapped[OrgRole] = mapped_column(_enum(OrgRole))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


class OrgInvitation(db.Model):
    __tablename__ = "org_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    role: Mapped[OrgRole] = mapped_column(_enum(OrgRole))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship()


class DocumentKind(enum.Enum):
    certificate = "certificate"      # 登记证书
    grade = "grade"                  # 评估等级证书
    inspection = "inspection"        # 年检结论
    annual_report = "annual_report"  # 年度工作报告
    staff = "staff"                  # 社保缴纳或劳动合同清单
    social_worker = "social_worker"  # 社会工作者职业水平证书
    tax = "tax"                      # 免税资格文件
    other = "other"


class Document(db.Model):
    """An evidence file; stored under instance/ by content hash, shown only to the organization and registrars."""

    __tablename__ = "org_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(_enum(DocumentKind))
    original_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    organization: Mapped[Organization] = relationship(back_populates="documents")


class FactKind(enum.Enum):
    grade = "grade"                  # 评估等级 1A–5A, valid 5 years
    inspection = "inspection"        # 年检结论 per year
    annual_report = "annual_report"  # 年度工作报告已报送 per year
    staff = "staff"                  # 专职工作人员数 as of a date
    social_worker = "social_worker"  # one certified social worker
    tax_exempt = "tax_exempt"        # 非营利组织免税资格


class FactStatus(enum.Enum):
    submitted = "submitted"
    confirmed = "confirmed"
    rejected = "rejected"


class FactAction(enum.Enum):
    confirm = "confirm"
    reject = "reject"


FACT_TRANSITIONS = {
    (FactStatus.submitted, FactAction.confirm): FactStatus.confirmed,
    (FactStatus.submitted, FactAction.reject): FactStatus.rejected,
}


class SocialWorkerLevel(enum.Enum):
    assistant = "assistant"  # 助理社会工作师
    worker = "worker"        # 社会工作师
    senior = "senior"        # 高级社会工作师


class Fact(db.Model):
    """One qualification record. Organizations submit, registrars confirm; only confirmed facts count."""

    __tablename__ = "org_fact"
    __table_args__ = (
        CheckConstraint("kind != 'grade' OR grade IN ('1A', '2A', '3A', '4A', '5A')", name="grade_value"),
        CheckConstraint("kind != 'inspection' OR (year IS NOT NULL AND inspection_result IN "
                        "('合格', '基本合格', '不合格'))", name="inspection_value"),
        CheckConstraint("kind != 'annual_report' OR year IS NOT NULL", name="report_year"),
        CheckConstraint("kind != 'staff' OR count >= 0", name="staff_count"),
        CheckConstraint("kind != 'social_worker' OR (worker_level IS NOT NULL AND certificate_no IS NOT NULL)",
                        name="social_worker_certificate"),
        CheckConstraint("valid_until IS NULL OR valid_until >= valid_from", name="validity_order"),
        CheckConstraint("status != 'rejected' OR reject_reason IS NOT NULL", name="rejection_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    kind: Mapped[FactKind] = mapped_column(_enum(FactKind))
    grade: Mapped[str | None] = mapped_column(String(2))
    year: Mapped[int | None] = mapped_column(Integer)
    inspection_result: Mapped[str | None] = mapped_column(String(8))
    count: Mapped[int | None] = mapped_column(Integer)
    worker_level: Mapped[SocialWorkerLevel | None] = mapped_column(_enum(SocialWorkerLevel))
    certificate_no: Mapped[str | None] = mapped_column(String(50))
    person_name: Mapped[str | None] = mapped_column(String(100))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)  # the last day it counts
    document_id: Mapped[int | None] = mapped_column(ForeignKey("org_document.id"))
    status: Mapped[FactStatus] = mapped_column(_enum(FactStatus), default=FactStatus.submitted)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    expiry_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization] = relationship(back_populates="facts")
    document: Mapped[Document | None] = relationship()

    def counts_on(self, day: date) -> bool:
        return (self.status == FactStatus.confirmed and self.valid_from <= day
                and (self.valid_until is None or day <= self.valid_until))


class CreditList(enum.Enum):
    abnormal = "abnormal"  # 活动异常名录
    serious = "serious"    # 严重违法失信名单


class RemovalKind(enum.Enum):
    repaired = "repaired"    # 信用修复
    escalated = "escalated"  # 满两年转入严重违法失信名单
    corrected = "corrected"  # 列入有误，予以更正


class CreditEntry(db.Model):
    __tablename__ = "credit_entry"
    __table_args__ = (
        Index("uq_credit_entry_one_open", "organization_id", "list_kind", unique=True,
              sqlite_where=text("removed_on IS NULL"), postgresql_where=text("removed_on IS NULL")),
        CheckConstraint("removed_on IS NULL OR removed_on >= listed_on", name="removal_after_listing"),
        CheckConstraint("(removed_on IS NULL) = (removal_kind IS NULL)", name="removal_has_kind"),
        CheckConstraint("removed_on IS NULL OR removal_reason IS NOT NULL", name="removal_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    list_kind: Mapped[CreditList] = mapped_column(_enum(CreditList))
    reason: Mapped[str] = mapped_column(String(1000))
    authority: Mapped[str] = mapped_column(String(200))
    listed_on: Mapped[date] = mapped_column(Date)
    removed_on: Mapped[date | None] = mapped_column(Date)
    removal_kind: Mapped[RemovalKind | None] = mapped_column(_enum(RemovalKind))
    removal_reason: Mapped[str | None] = mapped_column(String(1000))
    escalated_from_id: Mapped[int | None] = mapped_column(ForeignKey("credit_entry.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    organization: Mapped[Organization] = relationship(back_populates="credit_entries",
                                                      foreign_keys=[organization_id])
    repairs: Mapped[list["RepairRequest"]] = relationship(back_populates="entry", order_by="RepairRequest.id")

    def open_on(self, day: date) -> bool:
        return self.listed_on <= day and (self.removed_on is None or day < self.removed_on)


class RepairStatus(enum.Enum):
    pending = "pending"
    approved = "approved"
    refused = "refused"


class RepairRequest(db.Model):
    """An organization's application for credit repair (信用修复) and the registrar's decision."""

    __tablename__ = "credit_repair_request"
    __table_args__ = (
        Index("uq_repair_one_pending", "entry_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
        CheckConstraint("status = 'pending' OR (decided_at IS NOT NULL AND decision_reason IS NOT NULL)",
                        name="decision_recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("credit_entry.id"), index=True)
    statement: Mapped[str] = mapped_column(Text)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("org_document.id"))
    status: Mapped[RepairStatus] = mapped_column(_enum(RepairStatus), default=RepairStatus.pending)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_reason: Mapped[str | None] = mapped_column(String(1000))

    entry: Mapped[CreditEntry] = relationship(back_populates="repairs")
    document: Mapped[Document | None] = relationship()
