from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from marketplace import security
from marketplace.errors import DomainError
from marketplace.extensions import db, limiter
from marketplace.forms import show_domain_error
from marketplace.regions import services as regions
from marketplace.web import is_local_path

from . import policies, services, sessions
from .forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    EnableTwoFactorForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
    SecondFactorForm,
    VerificationRequestForm,
)
from .models import Role, User

bp = Blueprint("accounts", __name__)
PENDING_2FA = "pending_2fa_user"
ENROL_SECRET = "totp_enrol_secret"


def _sign_in_limit() -> str:
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _safe_next(default: str) -> str:
    target = request.args.get("next") or ""
    return target if is_local_path(target) else default


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            services.register_user(form.email.data, form.name.data, form.password.data,
                                   Role(form.role.data), locale=session.get("lang"))
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            db.session.commit()
            return render_template("accounts/check_email.html", email=form.email.data)
    return render_template("accounts/register.html", form=form)


@bp.get("/confirm/<token>")
def confirm_email(token):
    try:
        services.confirm_email(token)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("accounts.login"))
    db.session.commit()
    flash(_("邮箱已确认，现在可以登录了。"), "success")
    return redirect(url_for("accounts.login"))


@bp.post("/confirm/resend")
@limiter.limit(_sign_in_limit)
def resend_confirmation():
    user = services.find_user(request.form.get("email", ""))
    if user is not None and user.email_confirmed_at is None:
        services.send_confirmation(user)
        db.session.commit()
    flash(_("如果该邮箱已注册且尚未确认，我们已重新发送确认邮件。"), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def login():
    form = LoginForm()
    unconfirmed = False
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except DomainError as exc:
            db.session.commit()  # keep the failure count that authenticate() recorded
            unconfirmed = exc.field == "unconfirmed"
            form.form_errors.append(exc.message)
        else:
            return _after_password(user, form.remember.data)
    return render_template("accounts/login.html", form=form, unconfirmed=unconfirmed)


def _after_password(user: User, remember: bool):
    if user.has_2fa:
        session[PENDING_2FA] = {"id": user.id, "remember": bool(remember)}
        db.session.commit()
        return redirect(url_for("accounts.second_factor", next=request.args.get("next")))
    return _finish_sign_in(user, remember)


def _finish_sign_in(user: User, remember: bool):
    services.complete_sign_in(user)
    db.session.commit()
    session.pop(PENDING_2FA, None)
    login_user(user)  # never Flask-Login's remember cookie: it would outlive the idle timeout (sessions.py)
    sessions.start(remember=remember)
    flash(_("欢迎回来，%(name)s", name=user.name), "success")
    return redirect(_safe_next(url_for("portal.home")))


@bp.route("/login/verify", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def second_factor():
    pending = session.get(PENDING_2FA)
    user = db.session.get(User, pending["id"]) if pending else None
    if user is None:
        return redirect(url_for("accounts.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        try:
            services.verify_second_factor(user, form.code.data)
        except DomainError as exc:
            db.session.commit()
            show_domain_error(form, exc)
            if user.locked_until:
                session.pop(PENDING_2FA, None)
        else:
            return _finish_sign_in(user, pending["remember"])
    return render_template("accounts/second_factor.html", form=form)


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    flash(_("您已退出登录"), "info")
    return redirect(url_for("portal.home"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(_sign_in_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/check_email.html", email=form.email.data, reset=True)
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token):
    try:
        services.user_for_reset_token(token)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("密码已重置，请用新密码登录。"), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


def _profile_page(password_form, status=200):
    recovery_left = services.remaining_recovery_codes(current_user) if current_user.has_2fa else 0
    return render_template("accounts/profile.html", password_form=password_form,
                           recovery_left=recovery_left,
                           verifications=services.verifications_of(current_user)), status


@bp.get("/account")
@login_required
def profile():
    return _profile_page(ChangePasswordForm())


@bp.post("/account/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("密码已修改"), "success")
            return redirect(url_for("accounts.profile"))
    return _profile_page(form, 400)


@bp.route("/account/2fa/setup", methods=["GET", "POST"])
@login_required
def two_factor_setup():
    if current_user.has_2fa:
        return redirect(url_for("accounts.profile"))
    secret = session.get(ENROL_SECRET) or security.new_totp_secret()
    session[ENROL_SECRET] = secret
    form = EnableTwoFactorForm()
    if form.validate_on_submit():
        try:
            codes = services.enable_totp(current_user, secret, form.code.data)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            db.session.commit()
            session.pop(ENROL_SECRET, None)
            return render_template("accounts/recovery_codes.html", codes=codes)
    uri = security.totp_uri(secret, current_user.email)
    return render_template("accounts/two_factor_setup.html", form=form, secret=secret,
                           qr_svg=services.qr_svg(uri))


@bp.post("/account/2fa/recovery-codes")
@login_required
def regenerate_recovery_codes():
    if not current_user.has_2fa:
        return redirect(url_for("accounts.two_factor_setup"))
    codes = services.replace_recovery_codes(current_user, audited=True)
    db.session.commit()
    return render_template("accounts/recovery_codes.html", codes=codes)


@bp.post("/account/2fa/disable")
@login_required
def disable_two_factor():
    security.require(policies.can_disable_2fa(current_user))
    services.disable_totp(current_user, by=current_user)
    db.session.commit()
    flash(_("已关闭两步验证"), "info")
    return redirect(url_for("accounts.profile"))


@bp.route("/account/community", methods=["GET", "POST"])
@login_required
def request_verification():
    security.require(policies.can_request_community_verification(current_user))
    form = VerificationRequestForm()
    communities = regions.all_communities()
    form.community_id.choices = [(c.id, c.full_name) for c in communities]
    if form.validate_on_submit():
        community = next(c for c in communities if c.id == form.community_id.data)
        try:
            services.request_verification(current_user, community, form.address_note.data)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("申请已提交，街道工作人员审核后会通知您"), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/request_verification.html", form=form)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    try:
        invitation = services.open_invitation(token)
    except DomainError as exc:
        return render_template("accounts/invitation_invalid.html", message=exc.message), 404
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(token, form.name.data, form.password.data)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            db.session.commit()
            login_user(user)
            sessions.start(remember=False)
            flash(_("账号已开通。请设置两步验证以保护账号。"), "success")
            return redirect(url_for("accounts.two_factor_setup"))
    return render_template("accounts/accept_invitation.html", form=form, invitation=invitation)
