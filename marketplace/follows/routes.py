"""Follow buttons (one endpoint for every kind of subject) and the page of what I follow."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import RadioField

from marketplace.contracts.models import Contract
from marketplace.extensions import db
from marketplace.needs.models import Need
from marketplace.organizations.models import Organization
from marketplace.tenders.models import Tender
from marketplace.web import is_local_path

from . import policies, services
from .models import MAIL_CHOICE_LABELS, SUBJECT_LABELS, MailChoice, Subject

bp = Blueprint("follows", __name__)

MODELS = {Subject.tender: Tender, Subject.project: Contract, Subject.organization: Organization, Subject.need: Need}


class ToggleForm(FlaskForm):
    pass


class PreferenceForm(FlaskForm):
    mail = RadioField(_l("邮件通知"), choices=[(c.value, label) for c, label in MAIL_CHOICE_LABELS.items()])


def link_to(subject: Subject, obj) -> str:
    return {Subject.tender: lambda: url_for("tenders.show", tender_id=obj.id),
            Subject.project: lambda: url_for("projects.show", tender_id=obj.tender_id),
            Subject.organization: lambda: url_for("organizations.profile", org_id=obj.id),
            Subject.need: lambda: url_for("needs.show", need_id=obj.id)}[subject]()


@bp.app_context_processor
def _follow_helpers() -> dict:
    def following(subject: str, subject_id: int) -> bool:
        return services.is_following(current_user, Subject(subject), subject_id)

    return {"is_following": following, "follow_form": ToggleForm}


@bp.post("/follow/<any(tender, project, organization, need):subject>/<int:subject_id>")
@login_required
def toggle(subject, subject_id):
    subject = Subject(subject)
    if not policies.can_follow(current_user, subject, db.session.get(MODELS[subject], subject_id)):
        abort(404)  # the same answer for "no such thing" and "not public": existence is not revealed
    if ToggleForm().validate_on_submit():
        now_following = services.toggle(current_user, subject, subject_id)
        db.session.commit()
        flash(_("已关注：有新进展会通知您") if now_following else _("已取消关注"), "success")
    target = request.form.get("next") or "/"
    return redirect(target if is_local_path(target) else "/")


@bp.route("/follows", methods=["GET", "POST"])
@login_required
def mine():
    form = PreferenceForm(mail=services.preference(current_user).value)
    if form.validate_on_submit():
        services.set_preference(current_user, MailChoice(form.mail.data))
        db.session.commit()
        flash(_("已保存"), "success")
        return redirect(url_for(".mine"))
    follows = services.mine(current_user)
    loaded = {}
    for subject, model in MODELS.items():
        ids = [f.subject_id for f in follows if f.subject == subject]
        if ids:
            loaded[subject] = {o.id: o for o in db.session.execute(select(model).where(model.id.in_(ids))).scalars()}
    rows = []
    for f in follows:
        obj = loaded.get(f.subject, {}).get(f.subject_id)
        if policies.is_public(f.subject, obj):  # hidden while the subject is not public (e.g. back in review)
            rows.append({"follow": f, "label": SUBJECT_LABELS[f.subject], "title": getattr(obj, "title", None)
                         or getattr(obj, "name", ""), "url": link_to(f.subject, obj)})
    return render_template("follows/mine.html", form=form, rows=rows)
