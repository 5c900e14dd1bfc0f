"""Account verbs. They flush, never commit; the route commits."""

import secrets
from datetime import timedelta

from flask import after_this_request, has_request_context, url_for
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from sqlalchemy import func, select

from marketplace import security
from marketplace.audit import services as audit
from marketplace.common import clock
from marketplace.common.hooks import after_commit
from marketplace.common.locks import lock
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db
from marketplace.notifications import services as notifications
from marketplace.regions.models import Region
from marketplace.settings.services import get_setting

from . import policies
from .models import (
    GOVERNMENT_ROLES,
    SELF_SERVICE_ROLES,
    Invitation,
    RecoveryCode,
    ResidentVerification,
    Role,
    User,
    VerificationStatus,
)

CONFIRM_MAX_AGE = 7 * 24 * 3600
RESET_MAX_AGE = 2 * 3600
INVITATION_DAYS = 14
MIN_PASSWORD_LENGTH = 10


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user(email: str) -> User | None:
    return db.session.execute(
        select(User).where(User.email == normalize_email(email))
    ).scalar_one_or_none()


def check_password_rules(password: str, email: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_("密码至少需要 %(n)d 个字符", n=MIN_PASSWORD_LENGTH), field="password")
    if password.isdigit():
        raise DomainError(_("密码不能全是数字"), field="password")
    if password.lower() == email.lower() or password.lower() in email.lower():
        raise DomainError(_("密码不能与邮箱相同或是邮箱的一部分"), field="password")


def create_user(email, name, password, role, *, body=None, confirmed=False) -> User:
    """Create an account directly (invitations, demo, `flask users create`); no mail is sent."""
    email = normalize_email(email)
    if find_user(email) is not None:
        raise DomainError(_("该邮箱已注册。如果忘记密码，可以重置密码。"), field="email")
    check_password_rules(password, email)
    now = clock.now()
    user = User(email=email, name=name.strip(), role=role, body=body,
                password_hash=security.hash_password(password), created_at=now, failed_logins=0,
                email_confirmed_at=now if confirmed else None)
    db.session.add(user)
    db.session.flush()
    return user


def register_user(email: str, name: str, password: str, role: Role, *, locale: str | None = None) -> User:
    """Residents and organization staff sign themselves up; staff accounts come by invitation."""
    if role not in SELF_SERVICE_ROLES:
        raise DomainError(_("政府工作人员账号需由本单位邀请开通"), field="role")
    user = create_user(email, name, password, role)
    user.locale = locale
    audit.record(user, "user.registered", user, data={"role": role.value})
    send_confirmation(user)
    return user


def send_confirmation(user: User) -> None:
    token = security.make_token("confirm-email", {"u": user.id}, bind=user.email)
    notifications.queue_mail(user.email, "confirm_email", locale=user.locale, user=user,
                             link=url_for("accounts.confirm_email", token=token, _external=True))


def confirm_email(token: str) -> User:
    data = security.read_token("confirm-email", token, CONFIRM_MAX_AGE)
    user = db.session.get(User, data["u"]) if data else None
    if user is None or not security.token_bound_to(data, user.email):
        raise DomainError(_("确认链接无效或已过期，请重新发送确认邮件。"))
    if user.email_confirmed_at is None:
        user.email_confirmed_at = clock.now()
        audit.record(user, "user.email_confirmed", user)
    return user


def authenticate(email: str, password: str) -> User:
    """Check the password, counting failures; enough failures in a row lock the account for a while.

    The failure count must be committed even though this raises: the route commits on DomainError.
    """
    user = find_user(email)
    now = clock.now()
    if user is None:
        security.burn_password_check(password)
        raise DomainError(_("邮箱或密码不正确"))
    if user.locked_until and user.locked_until > now:
        raise DomainError(locked_message(user))
    if not security.check_password(user.password_hash, password):
        register_failure(user)
        raise DomainError(locked_message(user) if user.locked_until else _("邮箱或密码不正确"))
    if not user.is_active:
        raise DomainError(_("该账号已停用，请联系平台管理员"))
    if user.email_confirmed_at is None:
        raise DomainError(_("请先点击确认邮件中的链接完成邮箱确认。"), field="unconfirmed")
    if security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    return user


def locked_message(user: User) -> str:
    until = format_datetime(user.locked_until, "yyyy-MM-dd HH:mm")
    return _("登录失败次数过多，账号已临时锁定至 %(until)s。您也可以通过“忘记密码”重置密码后立即登录。",
             until=until)


def register_failure(user: User) -> None:
    """A wrong password or second factor; at the threshold the account locks and the owner is told."""
    user.failed_logins += 1
    threshold = get_setting("accounts.lockout_threshold")
    if user.failed_logins >= threshold:
        minutes = get_setting("accounts.lockout_minutes")
        user.locked_until = clock.now() + timedelta(minutes=minutes)
        user.failed_logins = 0
        audit.record(None, "user.locked", user, data={"minutes": minutes})
        notifications.queue_mail(user.email, "account_locked", locale=user.locale, user=user,
                                 minutes=minutes, reset_link=url_for("accounts.forgot_password", _external=True))


def complete_sign_in(user: User) -> None:
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, clock.now()
    audit.record(user, "user.signed_in", user)


def verify_second_factor(user: User, code: str) -> str:
    """Accept a TOTP code or an unused recovery code; returns which one was used.

    Nothing is accepted while the account is locked. A wrong code counts toward the same lockout as a wrong
    password, and the count must outlive the caller: a tranche release or a contract signature refused for a
    wrong code rolls its transaction back (`run_form`), which used to take the count with it, so codes could
    be guessed there without end. Unless the caller commits, the failure is written again once the request is
    done, in a transaction of its own."""
    if user.locked_until and user.locked_until > clock.now():
        raise DomainError(locked_message(user), field="code")
    step = security.totp_step_if_valid(user.totp_secret or "", code, user.totp_last_step)
    if step is not None:
        user.totp_last_step = step
        return "totp"
    if _use_recovery_code(user, code):
        audit.record(user, "user.recovery_code_used", user, data={"left": remaining_recovery_codes(user)})
        return "recovery"
    register_failure(user)
    _keep_failure_past_rollback(user.id)
    wrong = _("验证码不正确或已使用，请输入验证器中当前的 6 位数字")
    raise DomainError(locked_message(user) if user.locked_until else wrong, field="code")


def _keep_failure_past_rollback(user_id: int) -> None:
    """After the request, count the failure again unless the caller's transaction committed it.

    Not a second session at once: it would wait on (SQLite) or be nested in (tests, one connection) the
    caller's transaction. After the response is built the caller's work is finished, so the request's session
    can roll back what was left and commit the failure alone, audit row and mail included."""
    if not has_request_context():
        return  # a job or the shell: its own transaction decides
    committed = []
    after_commit(committed.append, True)  # dropped if the caller rolls back

    @after_this_request
    def _count_failure(response):
        if not committed:
            db.session.rollback()
            user = db.session.get(User, user_id)
            lock(user)
            register_failure(user)
            db.session.commit()
        return response


def _use_recovery_code(user: User, code: str) -> bool:
    code = code.strip().lower()
    if len(code) != 11:
        return False
    for row in db.session.execute(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).scalars():
        if security.check_password(row.code_hash, code):
            row.used_at = clock.now()
            return True
    return False


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def enable_totp(user: User, secret: str, code: str) -> list[str]:
    """Turn on 2FA once the user proves the authenticator works; returns fresh recovery codes."""
    step = security.totp_step_if_valid(secret, code, None)
    if step is None:
        raise DomainError(_("验证码不正确。请确认手机时间准确，并输入验证器中当前显示的 6 位数字。"), field="code")
    user.totp_secret, user.totp_last_step, user.totp_enabled_at = secret, step, clock.now()
    codes = replace_recovery_codes(user)
    audit.record(user, "user.2fa_enabled", user)
    return codes


def replace_recovery_codes(user: User, *, audited: bool = False) -> list[str]:
    """New codes replace all old ones (shown once; only hashes are kept)."""
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    codes = security.new_recovery_codes()
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=security.hash_password(c)) for c in codes)
    db.session.flush()
    if audited:
        audit.record(user, "user.recovery_codes_replaced", user)
    return codes


def disable_totp(user: User, *, by: User) -> None:
    if by.id == user.id and not policies.can_disable_2fa(user):
        raise NotPermitted(_("您的角色必须使用两步验证"))
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(RecoveryCode.__table__.delete().where(RecoveryCode.user_id == user.id))
    audit.record(by, "user.2fa_disabled", user)


def request_password_reset(email: str) -> None:
    """Mail a single-use reset link; says nothing about whether the address exists."""
    user = find_user(email)
    if user is None or not user.is_active:
        return
    token = security.make_token("reset-password", {"u": user.id}, bind=user.password_hash)
    notifications.queue_mail(user.email, "reset_password", locale=user.locale, user=user,
                             link=url_for("accounts.reset_password", token=token, _external=True))


def user_for_reset_token(token: str) -> User:
    data = security.read_token("reset-password", token, RESET_MAX_AGE)
    user = db.session.get(User, data["u"]) if data else None
    # Bound to the current password hash: once used (or the password changed) the link is dead.
    if user is None or not security.token_bound_to(data, user.password_hash):
        raise DomainError(_("重置链接无效、已使用或已过期，请重新申请。"))
    return user


def reset_password(token: str, password: str) -> User:
    user = user_for_reset_token(token)
    check_password_rules(password, user.email)
    user.password_hash = security.hash_password(password)
    user.failed_logins, user.locked_until = 0, None
    # Receiving the link proves the address, as a confirmation mail would have.
    user.email_confirmed_at = user.email_confirmed_at or clock.now()
    audit.record(user, "user.password_reset", user)
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not security.check_password(user.password_hash, current):
        raise DomainError(_("当前密码不正确"), field="current_password")
    check_password_rules(new, user.email)
    user.password_hash = security.hash_password(new)
    audit.record(user, "user.password_changed", user)


def invite_staff(email: str, role: Role, body, *, by: User) -> Invitation:
    if not policies.can_invite(by, role, body):
        raise NotPermitted(_("您不能邀请此角色"))
    if role in GOVERNMENT_ROLES and body is None:
        raise DomainError(_("政府工作人员必须属于一个政府部门"), field="body")
    if role not in GOVERNMENT_ROLES:
        body = None
    email = normalize_email(email)
    if find_user(email) is not None:
        raise DomainError(_("该邮箱已有账号"), field="email")
    token, now = secrets.token_urlsafe(32), clock.now()
    invitation = Invitation(email=email, role=role, body=body, token_hash=security.sha256_hex(token),
                            invited_by=by, created_at=now, expires_at=now + timedelta(days=INVITATION_DAYS))
    db.session.add(invitation)
    db.session.flush()
    audit.record(by, "user.invited", invitation, data={"email": email, "role": role.value,
                                                       "body": body.name if body else None})
    notifications.queue_mail(email, "invitation", invitation=invitation, days=INVITATION_DAYS,
                             link=url_for("accounts.accept_invitation", token=token, _external=True))
    return invitation


def open_invitation(token: str) -> Invitation:
    invitation = db.session.execute(
        select(Invitation).where(Invitation.token_hash == security.sha256_hex(token))
    ).scalar_one_or_none()
    if (invitation is None or invitation.accepted_at or invitation.revoked_at
            or invitation.expires_at <= clock.now()):
        raise DomainError(_("邀请链接无效、已使用或已过期，请联系邀请人重新发送。"))
    return invitation


def accept_invitation(token: str, name: str, password: str) -> User:
    invitation = open_invitation(token)
    user = create_user(invitation.email, name, password, invitation.role, body=invitation.body,
                        confirmed=True)
    invitation.accepted_at = clock.now()
    audit.record(user, "user.invitation_accepted", user, data={"invitation": invitation.id})
    return user


def request_verification(user: User, community, address_note: str) -> ResidentVerification:
    if not policies.can_request_community_verification(user):
        raise NotPermitted(_("只有居民账号可以申请社区认证"))
    pending = db.session.execute(select(ResidentVerification).where(
        ResidentVerification.user_id == user.id,
        ResidentVerification.status == VerificationStatus.pending)).scalar_one_or_none()
    if pending is not None:
        raise DomainError(_("您已有一份待审核的申请，请等待街道审核"))
    verification = ResidentVerification(user=user, community=community, address_note=address_note.strip(),
                                        status=VerificationStatus.pending, created_at=clock.now())
    db.session.add(verification)
    db.session.flush()
    audit.record(user, "resident.verification_requested", verification,
                 data={"community": community.code})
    return verification


def decide_verification(verification: ResidentVerification, approve: bool, *, by: User,
                        reason: str | None = None) -> None:
    if not policies.can_decide_verification(by, verification):
        raise NotPermitted(_("您不能审核此申请"))
    if not approve and not (reason or "").strip():
        raise DomainError(_("驳回时请填写原因，居民会看到它"), field="reason")
    now = clock.now()
    verification.status = VerificationStatus.approved if approve else VerificationStatus.rejected
    verification.decided_at, verification.decided_by, verification.reason = now, by, reason
    if approve:
        verification.user.verified_community = verification.community
    audit.record(by, f"resident.verification_{verification.status.value}", verification,
                 data={"community": verification.community.code, "reason": reason})
    with force_locale(verification.user.locale or "zh_CN"):  # stored text: in the reader's language
        message = (_("您已通过%(community)s居民认证", community=verification.community.name) if approve
                   else _("您的社区认证未通过：%(reason)s", reason=reason))
    notifications.notify(verification.user, message, url_for("accounts.profile"))


def set_active(user: User, active: bool, *, by: User) -> None:
    if not policies.can_administer(by) or user.id == by.id:
        raise NotPermitted(_("不能停用此账号"))
    user.deactivated_at = None if active else clock.now()
    audit.record(by, "user.reactivated" if active else "user.deactivated", user)


def verifications_of(user: User) -> list[ResidentVerification]:
    return db.session.execute(select(ResidentVerification).where(
        ResidentVerification.user_id == user.id).order_by(ResidentVerification.id.desc())).scalars().all()


def pending_verifications_for(officer: User) -> list[ResidentVerification]:
    """Pending requests from the communities under the officer's street (all, for an admin)."""
    query = (select(ResidentVerification).join(ResidentVerification.community)
             .where(ResidentVerification.status == VerificationStatus.pending)
             .order_by(ResidentVerification.created_at))
    if officer.role != Role.platform_admin:
        query = query.where(Region.parent_id == officer.body.region_id)
    return db.session.execute(query).scalars().all()


def qr_svg(uri: str) -> str:
    """The enrolment QR code as inline SVG: no image library and no third-party QR service."""
    import io

    import qrcode
    import qrcode.image.svg

    buffer = io.BytesIO()
    qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(buffer)
    return buffer.getvalue().decode("utf-8")
