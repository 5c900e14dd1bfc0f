"""Staff pages: user administration, invitations, residents' community verification."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import show_domain_error
from marketplace.pagination import paginate
from marketplace.regions import services as regions
from marketplace.security import require

from . import policies, services
from .forms import DecisionForm, InviteForm
from .models import GOVERNMENT_ROLES, ROLE_LABELS, ResidentVerification, Role, User

bp = Blueprint("staff", __name__)


@bp.get("/admin/users")
@login_required
def users():
    require(policies.can_administer(current_user))
    query = select(User).order_by(User.id)
    role = request.args.get("role")
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    if q := request.args.get("q", "").strip():
        query = query.where(User.email.contains(q.lower()) | User.name.contains(q))
    return render_template("admin/users.html", page=paginate(query), roles=ROLE_LABELS)


def _invite_form():
    form = InviteForm()
    allowed = [r for r in Role if policies.can_invite(current_user, r, current_user.body)
               or policies.can_administer(current_user)]
    form.role.choices = [(r.value, str(ROLE_LABELS[r])) for r in allowed if r != Role.resident]
    bodies = regions.bodies() if policies.can_administer(current_user) else [current_user.body]
    form.body_id.choices = [(0, "—")] + [(b.id, b.name) for b in bodies if b is not None]
    return form


@bp.route("/staff/invite", methods=["GET", "POST"])
@login_required
def invite():
    require(policies.can_administer(current_user) or current_user.role in GOVERNMENT_ROLES)
    form = _invite_form()
    if form.validate_on_submit():
        body = regions.body_by_id(form.body_id.data) if form.body_id.data else None
        try:
            services.invite_staff(form.email.data, Role(form.role.data), body, by=current_user)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("邀请邮件已发送至 %(email)s", email=form.email.data), "success")
            return redirect(url_for("staff.invite"))
    return render_template("admin/invite.html", form=form)


@bp.post("/admin/users/<int:user_id>/active")
@login_required
def set_active(user_id):
    require(policies.can_administer(current_user))
    user = db.session.get(User, user_id) or abort(404)
    services.set_active(user, request.form.get("active") == "1", by=current_user)
    db.session.commit()
    flash(_("已更新账号状态"), "success")
    return redirect(url_for("staff.users"))


@bp.post("/admin/users/<int:user_id>/reset-2fa")
@login_required
def reset_two_factor(user_id):
    require(policies.can_administer(current_user))
    user = db.session.get(User, user_id) or abort(404)
    services.disable_totp(user, by=current_user)
    db.session.commit()
    flash(_("已重置该用户的两步验证，用户下次登录时需重新设置"), "success")
    return redirect(url_for("staff.users"))


@bp.get("/staff/verifications")
@login_required
def verifications():
    require(policies.can_review_verifications(current_user))
    return render_template("admin/verifications.html", form=DecisionForm(),
                           pending=services.pending_verifications_for(current_user))


@bp.post("/staff/verifications/<int:verification_id>")
@login_required
def decide(verification_id):
    verification = db.session.get(ResidentVerification, verification_id) or abort(404)
    require(policies.can_decide_verification(current_user, verification))
    form = DecisionForm()
    try:
        services.decide_verification(verification, request.form.get("decision") == "approve",
                                     by=current_user, reason=form.reason.data)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("staff.verifications"))
    db.session.commit()
    flash(_("已处理该申请"), "success")
    return redirect(url_for("staff.verifications"))
