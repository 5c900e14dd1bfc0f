"""Residents' needs: the public list and page, submitting and supporting, and the office's desk."""

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from marketplace.accounts.models import Role
from marketplace.catalog import services as catalog
from marketplace.common import clock, files
from marketplace.common.states import allowed_actions
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import kept_uploads, run_form, show_domain_error
from marketplace.pagination import paginate
from marketplace.regions.services import region_by_code
from marketplace.security import require

from . import policies, queries, services
from .forms import AnswerForm, DeclineForm, NeedFilterForm, NeedForm
from .models import NEED_TRANSITIONS, NeedAction, NeedPhoto, NeedStatus

bp = Blueprint("needs", __name__, url_prefix="/needs")
ANSWERS = {"reply": (services.reply, _l("答复已发布")), "resolve": (services.resolve, _l("需求已办结"))}


@bp.get("/")
def index():
    form = NeedFilterForm(request.args)
    today = clock.today()
    form.area.choices = [("", _("全部")), *queries.area_choices()]
    form.category.choices = [("", _("全部")), *catalog.item_choices(today.year)]
    status = next((s for s in NeedStatus if s.value == form.status.data), None)
    page = paginate(queries.public_query(
        today=today, status=status, region=region_by_code(form.area.data) if form.area.data else None,
        item_code=form.category.data or None, overdue_only=bool(form.overdue.data), text=form.q.data))
    return render_template("needs/index.html", form=form, page=page, today=today)


@bp.get("/<int:need_id>")
def show(need_id):
    return _need_page(services.get_need(need_id) or abort(404))


def _need_page(need, *, answer_form=None, decline_form=None, status=200):
    tender = None
    if need.tender_id is not None:
        from marketplace.tenders.models import Tender

        tender = db.session.get(Tender, need.tender_id)
        if tender.published_at is None:  # linked to a draft: not public until the tender is published
            tender = None
    return render_template(
        "needs/show.html", need=need, today=clock.today(), tender=tender,
        can_answer=policies.can_answer(current_user, need), can_support=policies.can_support(current_user, need),
        can_plan=policies.is_office_staff(current_user, need) and need.is_open,
        supported=services.has_supported(need, current_user),
        show_contact=policies.can_see_contact(current_user, need),
        is_submitter=current_user.is_authenticated and need.submitted_by_id == current_user.id,
        actions={a.value for a in allowed_actions(need.status, NEED_TRANSITIONS)} - {NeedAction.plan.value},
        answer_form=answer_form or AnswerForm(), decline_form=decline_form or DeclineForm()), status


@bp.get("/photos/<int:photo_id>")
def photo(photo_id):
    row = db.session.get(NeedPhoto, photo_id) or abort(404)
    return send_file(files.path_of(row.sha256), mimetype=row.content_type, download_name=row.original_name,
                     max_age=86400)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(policies.can_submit_need(current_user))
    form = _need_form()
    if not form.is_submitted():
        if current_user.verified_community is not None:
            form.community.data = current_user.verified_community.code
        return render_template("needs/new.html", form=form, kept=[])
    photos, photo_errors = kept_uploads(form.photos, form.photo_tokens, form.clear_photos, images_only=True)
    if form.validate() and not photo_errors:
        try:
            need = services.submit_need(_values(form), [(p.name, p.content) for p in photos], by=current_user)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("需求已提交。街道会在 %(date)s 前答复，进展会通知您", date=need.reply_due_on.isoformat()),
                  "success")
            return redirect(url_for("needs.show", need_id=need.id))
    for exc in photo_errors:
        show_domain_error(form, exc)
    return render_template("needs/new.html", form=form, kept=[p.name for p in photos]), 400


def _need_form() -> NeedForm:
    form = NeedForm()
    form.community.choices = [("", _("请选择社区")), *queries.community_choices()]
    form.item_code.choices = [("", _("请选择类别")), *catalog.item_choices(clock.today().year)]
    return form


def _values(form) -> dict:
    return {"community": region_by_code(form.community.data) if form.community.data else None,
            "item_code": form.item_code.data, "title": form.title.data, "description": form.description.data,
            "contact_phone": form.contact_phone.data}


@bp.post("/<int:need_id>/support")
@login_required
def support(need_id):
    need = services.get_need(need_id) or abort(404)
    try:
        services.support(need, current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("已点赞。需求有进展时会通知您"), "success")
    return redirect(url_for("needs.show", need_id=need.id))


@bp.post("/<int:need_id>/answer")
@login_required
def answer(need_id):
    need = services.get_need(need_id) or abort(404)
    require(policies.can_answer(current_user, need))
    verb, done = ANSWERS.get(request.form.get("action", ""), (None, None))
    form = AnswerForm()
    if verb is not None and run_form(form, lambda: verb(need, form.text.data, by=current_user), str(done)):
        return redirect(url_for("needs.show", need_id=need.id))
    return _need_page(need, answer_form=form, status=400)


@bp.post("/<int:need_id>/decline")
@login_required
def decline(need_id):
    need = services.get_need(need_id) or abort(404)
    require(policies.can_answer(current_user, need))
    form = DeclineForm()
    if run_form(form, lambda: services.decline(need, form.reason.data, by=current_user),
                _("已答复不予采纳，理由已告知居民")):
        return redirect(url_for("needs.show", need_id=need.id))
    return _need_page(need, decline_form=form, status=400)


@bp.get("/office")
@login_required
def office():
    """The office's desk: open needs first, by the deadline they work to; what was escalated to this body."""
    require(policies.can_use_dashboard(current_user))
    body = None if current_user.role == Role.platform_admin else current_user.body
    page = paginate(queries.office_query(body))
    escalated = db.session.execute(queries.escalated_query(body).limit(200)).scalars().all() if body else []
    return render_template("needs/office.html", page=page, escalated=escalated, body=body, today=clock.today())
