"""Organization verbs: registration, registrar review, evidence files and the team. Flush, never commit."""

import secrets
from datetime import date, timedelta
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace import security
from marketplace.accounts.models import Role, User
from marketplace.accounts.services import normalize_email
from marketplace.audit import services as audit
from marketplace.catalog import services as catalog
from marketplace.catalog.rules import GRADES
from marketplace.common import clock, files
from marketplace.common.states import transition
from marketplace.common.wording import join_items
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db
from marketplace.follows import policies as follow_policies
from marketplace.follows import services as follows
from marketplace.follows.models import Subject
from marketplace.notifications import services as notifications
from marketplace.regions.models import Region, RegionLevel
from marketplace.regions.services import load_ancestors
from marketplace.web import external_url

from . import policies, uscc
from .models import (
    CODE_PREFIX,
    ORG_STATUS_LABELS,
    ORG_TRANSITIONS,
    ORG_TYPE_LABELS,
    Document,
    DocumentKind,
    Fact,
    FactKind,
    FactStatus,
    Membership,
    OrgAction,
    Organization,
    OrgInvitation,
    OrgRole,
    OrgStatus,
    OrgType,
    PublicInstitutionClass,
    ServiceField,
)

INVITATION_DAYS = 14
REGISTRATION_FIELDS = ["name", "org_type", "public_class", "budget_funded", "registering_authority", "registered_on",
                       "address", "legal_representative", "contact_name", "contact_phone", "contact_email",
                       "fulltime_staff", "parttime_staff", "introduction"]
REASON_REQUIRED = {OrgAction.reject, OrgAction.request_info, OrgAction.suspend, OrgAction.revoke}


def membership_of(user) -> Membership | None:
    if not (user and user.is_authenticated):
        return None
    return db.session.execute(select(Membership).where(Membership.user_id == user.id)).scalar_one_or_none()


def get_organization(org_id: int) -> Organization | None:
    return db.session.get(Organization, org_id)


def check_code(raw: str, org_type: OrgType, *, exclude: Organization | None = None) -> str:
    """A valid GB 32100 code matching the declared type and not already registered; else a precise DomainError."""
    try:
        code = uscc.validate(raw)
    except uscc.CodeError as exc:
        raise DomainError(exc.message, field="uscc") from None
    expected = CODE_PREFIX[org_type]
    if code[:2] != expected:
        actual = next((t for t, p in CODE_PREFIX.items() if p == code[:2]), None)
        meaning = ORG_TYPE_LABELS[actual] if actual else _("其他登记管理部门")
        raise DomainError(_("%(type)s的统一社会信用代码应以 “%(expected)s” 开头；您填写的代码以 “%(actual)s” 开头"
                            "（%(meaning)s）。请核对机构类型或代码", type=ORG_TYPE_LABELS[org_type], expected=expected,
                            actual=code[:2], meaning=meaning), field="uscc")
    existing = db.session.execute(select(Organization).where(Organization.uscc == code)).scalar_one_or_none()
    if existing is not None and existing is not exclude:
        raise DomainError(_("统一社会信用代码 %(code)s 已由“%(name)s”登记；一个代码只能登记一个机构",
                            code=code, name=existing.name), field="uscc")
    return code


def _check_registration(values: dict, region: Region | None) -> None:
    org_type = values["org_type"]
    if org_type == OrgType.public_institution:
        if values.get("public_class") is None:
            raise DomainError(_("请选择事业单位的分类"), field="public_class")
        if values["public_class"] == PublicInstitutionClass.class_1:
            raise DomainError(_("公益一类事业单位不能作为政府购买服务的承接主体（财政部令第102号第八条）"),
                              field="public_class")
    if org_type == OrgType.mass_organization and values.get("budget_funded"):
        raise DomainError(_("由财政拨款保障的群团组织不能作为政府购买服务的承接主体（财政部令第102号第八条）"),
                          field="budget_funded")
    if values["registered_on"] > clock.today():
        raise DomainError(_("成立登记日期不能晚于今天"), field="registered_on")
    if region is None or region.level not in {RegionLevel.district, RegionLevel.street, RegionLevel.community}:
        raise DomainError(_("请选择机构所在的区县或街道"), field="region_code")


def _set_service_fields(org: Organization, codes: list[str]) -> None:
    """Service fields are codes of the purchase catalog that applies where the organization is."""
    effective = catalog.effective_catalog(org.region, clock.today().year)
    unknown = [code for code in codes if effective.get(code) is None]
    if unknown:
        raise DomainError(_("服务领域 %(codes)s 不在本地区适用的购买服务目录中", codes=join_items(unknown)),
                          field="service_fields")
    org.service_fields = [ServiceField(item_code=code) for code in dict.fromkeys(codes)]


def register_organization(user: User, values: dict, region: Region | None, service_codes: list[str],
                          certificate: tuple[str, bytes] | None) -> Organization:
    """A member registers their organization; it waits for the registrar. The member becomes its manager."""
    if not policies.can_register_organization(user, membership_of(user)):
        raise NotPermitted(_("只有尚未加入机构的机构工作人员账号可以登记机构"))
    if certificate is None:
        raise DomainError(_("请上传登记证书"), field="certificate")
    org = record_organization(values, region, service_codes, by=user)
    store_document(org, DocumentKind.certificate, *certificate, by=user)
    db.session.add(Membership(organization=org, user_id=user.id, role=OrgRole.manager, joined_at=clock.now()))
    db.session.flush()
    return org


def record_organization(values: dict, region: Region | None, service_codes: list[str], *, by) -> Organization:
    """Check and write a pending registration (no member attached: the demo loader records real organizations)."""
    values = {name: values.get(name) for name in REGISTRATION_FIELDS} | {"uscc": values.get("uscc", "")}
    values["uscc"] = check_code(values["uscc"], values["org_type"])
    _check_registration(values, region)
    if values["org_type"] != OrgType.public_institution:
        values["public_class"] = None
    now = clock.now()
    org = Organization(**values, region=region, status=OrgStatus.pending, created_at=now, pending_at=now,
                       created_by_id=getattr(by, "id", None))
    db.session.add(org)
    _set_service_fields(org, service_codes)
    db.session.flush()
    audit.record(by, "organization.registered", org, data={"name": org.name, "uscc": org.uscc,
                                                           "type": org.org_type.value})
    return org


def update_registration(org: Organization, values: dict, region: Region | None, service_codes: list[str], *,
                        by: User) -> Organization:
    """Correct a registration the registrar has not accepted yet, and send it back to the queue."""
    if not policies.can_edit_registration(by, org, membership_of(by)):
        raise NotPermitted(_("当前状态下不能修改登记信息"))
    values = {name: values.get(name) for name in REGISTRATION_FIELDS} | {"uscc": values.get("uscc", "")}
    values["uscc"] = check_code(values["uscc"], values["org_type"], exclude=org)
    _check_registration(values, region)
    for name, value in values.items():
        setattr(org, name, value)
    org.region = region
    _set_service_fields(org, service_codes)
    if org.status != OrgStatus.pending:
        transition(org, OrgAction.resubmit, ORG_TRANSITIONS, at=clock.now(), label="机构")
        org.status_reason = None
    db.session.flush()
    audit.record(by, "organization.resubmitted", org, data={"uscc": org.uscc})
    return org


def decide(org: Organization, action: OrgAction, *, by: User, reason: str | None = None) -> Organization:
    """A registrar verifies, rejects, asks for more, suspends, reinstates or revokes; the managers are told."""
    if not policies.can_review_organization(by, org):
        raise NotPermitted(_("您不能审核此机构"))
    reason = (reason or "").strip() or None
    if action in REASON_REQUIRED and reason is None:
        raise DomainError(_("请写明理由，机构会看到它"), field="reason")
    if action == OrgAction.resubmit:
        raise NotPermitted(_("只有机构自己可以重新提交"))
    was_public = org.status in follow_policies.PUBLIC_ORG_STATES
    transition(org, action, ORG_TRANSITIONS, at=clock.now(), label="机构")
    org.status_reason = reason
    db.session.flush()
    audit.record(by, f"organization.{action.value}", org, data={"reason": reason})
    message = _("“%(name)s”的登记状态已更新：%(status)s", name=org.name, status=_status_label(org))
    tell_managers(org, message, template="organization_status", reason=reason)
    if was_public or org.status in follow_policies.PUBLIC_ORG_STATES:  # a rejected applicant's news is not public
        follows.announce(Subject.organization, org.id, message,
                         external_url("organizations.profile", org_id=org.id))
    return org


def _status_label(org: Organization) -> str:
    return str(ORG_STATUS_LABELS[org.status])


def managers_of(org: Organization) -> list[User]:
    return [m.user for m in org.memberships if m.role == OrgRole.manager and m.user.is_active]


def tell_managers(org: Organization, message: str, *, template: str, **context) -> None:
    """In-app notification and mail to every manager, linked to the organization's own page."""
    for user in managers_of(org):
        notifications.notify(user, message, "/organizations/mine")
        notifications.queue_mail(user.email, template, locale=user.locale, org=org, message=message,
                                 link=external_url("organizations.mine"), **context)


def review_queue(user: User):
    """Registrations waiting for this registrar, oldest first."""
    query = select(Organization).where(Organization.status == OrgStatus.pending).options(
        selectinload(Organization.region))
    return in_review_scope(query, user).order_by(Organization.pending_at)


def in_review_scope(query, user: User):
    """Limit a query that involves Organization to what a registrar reviews (admins see everything)."""
    if user.role == Role.platform_admin:
        return query
    region_ids = select(Region.id).where(Region.code.startswith(user.body.region.code_prefix))
    return query.where(Organization.region_id.in_(region_ids))


# -- evidence files ----------------------------------------------------------------------------------------

def store_document(org: Organization, kind: DocumentKind, filename: str, content: bytes, *, by) -> Document:
    stored = files.store(filename, content)
    document = Document(organization=org, kind=kind, original_name=stored.name, sha256=stored.sha256,
                        content_type=stored.content_type, size=stored.size, uploaded_at=clock.now(),
                        uploaded_by_id=getattr(by, "id", None))
    db.session.add(document)
    db.session.flush()
    audit.record(by, "organization.document_added", org, data={"document": document.id, "kind": kind.value,
                                                               "sha256": stored.sha256})
    return document


def document_path(document: Document) -> Path:
    return files.path_of(document.sha256)


# -- the team ----------------------------------------------------------------------------------------------

def invite_member(org: Organization, email: str, role: OrgRole, *, by: User) -> OrgInvitation:
    if not policies.can_manage_organization(by, org, membership_of(by)):
        raise NotPermitted(_("只有机构管理员可以邀请同事"))
    email = normalize_email(email)
    existing = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if existing is not None and membership_of(existing) is not None:
        raise DomainError(_("该邮箱的账号已属于一个机构"), field="email")
    token, now = secrets.token_urlsafe(32), clock.now()
    invitation = OrgInvitation(organization=org, email=email, role=role, token_hash=security.sha256_hex(token),
                               invited_by_id=by.id, created_at=now, expires_at=now + timedelta(days=INVITATION_DAYS))
    db.session.add(invitation)
    db.session.flush()
    audit.record(by, "organization.member_invited", org, data={"email": email, "role": role.value})
    notifications.queue_mail(email, "org_invitation", org=org, inviter=by, days=INVITATION_DAYS,
                             link=external_url("organizations.join", token=token))
    return invitation


def open_org_invitation(token: str) -> OrgInvitation:
    invitation = db.session.execute(select(OrgInvitation).where(
        OrgInvitation.token_hash == security.sha256_hex(token))).scalar_one_or_none()
    if invitation is None or invitation.accepted_at or invitation.expires_at <= clock.now():
        raise DomainError(_("邀请链接无效、已使用或已过期，请联系机构管理员重新发送。"))
    return invitation


def accept_org_invitation(token: str, user: User) -> Membership:
    invitation = open_org_invitation(token)
    if normalize_email(user.email) != invitation.email:
        raise DomainError(_("此邀请发给 %(email)s，请用该邮箱的账号登录后再打开链接", email=invitation.email))
    if user.role != Role.org_member:
        raise DomainError(_("只有机构工作人员账号可以加入机构"))
    if membership_of(user) is not None:
        raise DomainError(_("您的账号已属于一个机构"))
    now = clock.now()
    membership = Membership(organization=invitation.organization, user_id=user.id, role=invitation.role,
                            joined_at=now)
    invitation.accepted_at = now
    db.session.add(membership)
    db.session.flush()
    audit.record(user, "organization.member_joined", invitation.organization, data={"role": invitation.role.value})
    return membership


def change_member_role(membership: Membership, role: OrgRole | None, *, by: User) -> None:
    """Change a colleague's role, or remove them (role None); an organization always keeps a manager."""
    org = membership.organization
    if not policies.can_manage_organization(by, org, membership_of(by)):
        raise NotPermitted(_("只有机构管理员可以管理团队"))
    managers = [m for m in org.memberships if m.role == OrgRole.manager]
    if membership.role == OrgRole.manager and role != OrgRole.manager and len(managers) == 1:
        raise DomainError(_("机构至少要保留一名管理员"))
    if role is None:
        db.session.delete(membership)
    else:
        membership.role = role
    db.session.flush()
    audit.record(by, "organization.member_changed", org, data={"user": membership.user_id,
                                                               "role": role.value if role else None})


def directory_query(*, org_type: OrgType | None = None, region: Region | None = None, min_grade: str | None = None,
                    field: str | None = None, day: date | None = None):
    """Verified organizations for the public directory, filtered; newest verification first."""
    day = day or clock.today()
    query = select(Organization).where(Organization.status == OrgStatus.verified)
    if org_type is not None:
        query = query.where(Organization.org_type == org_type)
    if region is not None:
        query = query.join(Organization.region).where(Region.code.startswith(region.code_prefix))
    if min_grade:
        query = query.where(select(Fact.id).where(
            Fact.organization_id == Organization.id, Fact.kind == FactKind.grade, Fact.status == FactStatus.confirmed,
            Fact.valid_from <= day, Fact.valid_until >= day, Fact.grade.in_(GRADES[GRADES.index(min_grade):]))
            .exists())
    if field:
        query = query.where(select(ServiceField.id).where(ServiceField.organization_id == Organization.id,
                                                          ServiceField.item_code.startswith(field)).exists())
    # One query each for service fields and regions, however many organizations are on the page.
    return query.options(selectinload(Organization.service_fields), selectinload(Organization.region)).order_by(
        Organization.verified_at.desc(), Organization.id)


def region_choices() -> list[tuple[str, str]]:
    """Districts and streets an organization can be based in, by code."""
    regions = db.session.execute(select(Region).where(Region.level.in_([RegionLevel.district, RegionLevel.street]))
                                 .order_by(Region.code)).scalars().all()
    load_ancestors(regions)
    return [(r.code, r.full_name) for r in regions]


def current_grades(org_ids: list[int], day: date) -> dict[int, str]:
    """Each organization's newest confirmed, unexpired grade, in one query for a whole page."""
    rows = db.session.execute(select(Fact.organization_id, Fact.grade).where(
        Fact.organization_id.in_(org_ids), Fact.kind == FactKind.grade, Fact.status == FactStatus.confirmed,
        Fact.valid_from <= day, Fact.valid_until >= day).order_by(Fact.valid_from)).all()
    return dict(rows)  # later (newer) rows overwrite earlier ones
