"""Tenders: the public list and page, Q&A, and the buyer's workspace (wizard, preview, publish, amend, cancel)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.bids import services as bids
from marketplace.common import clock, files
from marketplace.contracts.models import Contract
from marketplace.errors import DomainError
from marketplace.evaluation import awards
from marketplace.evaluation import policies as awards_policies
from marketplace.evaluation import services as evaluation
from marketplace.extensions import db
from marketplace.forms import run_form, show_domain_error
from marketplace.organizations import eligibility as engine
from marketplace.organizations import services as organizations
from marketplace.pagination import paginate, paginate_parts
from marketplace.regions.models import Region, RegionLevel
from marketplace.regions.services import load_ancestors, region_by_code
from marketplace.security import require

from . import amendments, policies, queries, questions, services
from .forms import (
    AmendForm,
    AnswerForm,
    BasicsForm,
    CancelForm,
    ConditionsForm,
    ConfirmForm,
    DocumentForm,
    IndicatorsForm,
    MethodForm,
    NeedsForm,
    NewTenderForm,
    QuestionForm,
    ScoringForm,
    TenderFilterForm,
    TimetableForm,
    to_local_input,
    to_utc,
)
from .models import (
    INDICATOR_KIND_LABELS,
    METHOD_LABELS,
    TENDER_STATUS_LABELS,
    Method,
    Question,
    Tender,
    TenderDocument,
    TenderStatus,
)
from .steps import STEP_LABELS, step_form_data, step_values

bp = Blueprint("tenders", __name__, url_prefix="/tenders")


@bp.app_context_processor
def _labels() -> dict:
    # Needs and project pages show tender states too.
    return {"tender_status_labels": TENDER_STATUS_LABELS, "method_labels": METHOD_LABELS,
            "indicator_labels": INDICATOR_KIND_LABELS, "amendment_changes": amendments.amendment_changes}


def _load(tender_id: int) -> Tender:
    """The tender as it stands now: time-driven moves are applied before anyone sees it."""
    tender = db.session.get(Tender, tender_id, options=queries.PAGE_LOAD)
    if tender is None or not policies.can_view_tender(current_user, tender):
        abort(404)
    if services.catch_up(tender) | awards.catch_up(tender):  # both run: an award's standstill may end too
        db.session.commit()
    return tender


# -- public ------------------------------------------------------------------------------------------------

@bp.get("/")
def index():
    if services.catch_up_due():
        db.session.commit()
    form = TenderFilterForm(request.args)
    form.region.choices = [("", _("全部")), *organizations.region_choices()]
    form.validate()
    filters = {
        "q": (form.q.data or "").strip(), "item_code": (form.item_code.data or "").strip().upper(),
        "region": region_by_code(form.region.data) if form.region.data and not form.region.errors else None,
        "method": Method(form.method.data) if form.method.data and not form.method.errors else None,
        "status": TenderStatus(form.status.data) if form.status.data and not form.status.errors else None,
        "budget_min": _amount(form.budget_min), "budget_max": _amount(form.budget_max),
        "deadline_before": (None if form.deadline_before.errors or not form.deadline_before.data
                            else clock.local_midnight(form.deadline_before.data) + services.ONE_DAY),
    }
    page = paginate_parts(queries.public_parts(filters))
    return render_template("tenders/index.html", form=form, page=page)


def _amount(field):
    """A filter amount, or None when it is missing, invalid or not a finite number (sNaN, Infinity)."""
    value = field.data
    return value if value is not None and not field.errors and value.is_finite() else None


@bp.get("/<int:tender_id>")
def show(tender_id):
    return _show_page(_load(tender_id))


@bp.get("/<int:tender_id>/documents/<int:document_id>")
def document(tender_id, document_id):
    tender = _load(tender_id)
    doc = db.session.get(TenderDocument, document_id)
    if doc is None or doc.tender_id != tender.id:
        abort(404)
    return send_file(files.path_of(doc.sha256), mimetype=doc.content_type, as_attachment=True,
                     download_name=doc.original_name)


@bp.post("/<int:tender_id>/follow")
@login_required
def follow(tender_id):
    tender = _load(tender_id)
    if ConfirmForm().validate_on_submit():
        if services.is_following(tender, current_user):
            services.unfollow(tender, current_user)
            flash(_("已取消关注"), "success")
        else:
            services.follow(tender, current_user)
            flash(_("已关注：答疑、变更和结果都会通知您"), "success")
        db.session.commit()
    return redirect(url_for(".show", tender_id=tender.id))


@bp.post("/<int:tender_id>/questions")
@login_required
def ask(tender_id):
    tender = _load(tender_id)
    form = QuestionForm()
    if run_form(form, lambda: questions.ask(tender, form.text.data, by=current_user,
                                           membership=organizations.membership_of(current_user)),
                _("问题已提交。采购人看到的提问方是匿名编号，答复会向所有人公开")):
        return redirect(url_for(".show", tender_id=tender.id, _anchor="questions"))
    return _show_page(tender, question_form=form), 400


@bp.post("/<int:tender_id>/questions/<int:question_id>/answer")
@login_required
def answer(tender_id, question_id):
    tender = _load(tender_id)
    require(policies.can_manage_tender(current_user, tender))
    question = db.session.get(Question, question_id)
    if question is None or question.tender_id != tender.id:
        abort(404)
    form = AnswerForm()
    if run_form(form, lambda: questions.answer(question, form.answer.data, by=current_user), _("答复已发布")):
        return redirect(url_for(".show", tender_id=tender.id, _anchor="questions"))
    return _show_page(tender, answer_form=form, answering=question.id), 400


def _show_page(tender, **forms):
    """The tender page; after a failed post, with that form and what was typed in it."""
    membership = organizations.membership_of(current_user)
    signed_in = current_user.is_authenticated
    now = clock.now()
    load_ancestors([tender.buyer.region, *(r.region for r in tender.regions)])  # each place is named in full
    # Bids are counted while they come in; an opening record, and later a contract, exist only after the deadline.
    before_opening = tender.status in (TenderStatus.draft, TenderStatus.enquiry, TenderStatus.tendering)
    opening = None if before_opening else bids.opening_of(tender)
    context = dict(
        tender=tender, now=now, membership=membership, needs=services.linked_needs(tender),
        eligibility=engine.eligibility(membership.organization, tender, clock.today()) if membership else None,
        limits=services.limits_for(tender.buyer), answering=None,
        # Forms only for the signed in: building one makes a CSRF token, and a page holding a visitor's token could
        # not be served from the response cache to the next anonymous visitor.
        question_form=QuestionForm(formdata=None) if signed_in else None,
        answer_form=AnswerForm(formdata=None) if signed_in else None, follow_form=ConfirmForm() if signed_in else None,
        can_manage=policies.can_manage_tender(current_user, tender),
        ask_refusal=policies.why_cannot_ask(current_user, membership, tender, now),
        following=services.is_following(tender, current_user), can_amend=policies.can_amend(current_user, tender, now),
        can_cancel=policies.can_cancel_tender(current_user, tender), unanswered=services.unanswered(tender),
        received=bids.count_received(tender) if before_opening else 0, opening=opening,
        opening_entries=bids.opening_entries(opening) if opening else [])
    context.update(evaluation.public_award_context(tender))
    context["contract"] = None if before_opening or tender.status == TenderStatus.evaluation else db.session.execute(
        select(Contract).where(Contract.tender_id == tender.id)).scalar_one_or_none()
    context["can_sign_contract"] = awards_policies.can_sign_contract(tender, now)
    context.update(forms)
    return render_template("tenders/show.html", **context)


# -- buyer workspace ---------------------------------------------------------------------------------------

@bp.get("/mine")
@login_required
def mine():
    require(policies.can_create_tender(current_user))
    if services.catch_up_due():
        db.session.commit()
    status = request.args.get("status")
    status = TenderStatus(status) if status in TenderStatus._value2member_map_ else None
    page = paginate(queries.buyer_query(current_user.body, status))
    return render_template("tenders/mine.html", page=page, status=status,
                           counts=queries.counts_by_status(current_user.body))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    require(policies.can_create_tender(current_user))
    body, year = current_user.body, clock.today().year
    items = queries.purchasable_items(body, year)
    form = NewTenderForm()
    form.item_code.choices = [(item.code, _("%(code)s %(name)s（剩余预算 %(remaining)s）", code=item.code,
                                            name=item.name, remaining=f"¥{view.remaining:,.2f}"))
                              for item, view in items]
    if request.method == "GET" and request.args.get("item"):
        form.item_code.data = request.args["item"]
    if form.validate_on_submit():
        try:
            tender = services.create_tender(body, form.item_code.data, form.title.data, form.budget.data,
                                            by=current_user, year=year)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("草稿已创建，编号 %(ref)s。按步骤填写，每一步都会自动保存", ref=tender.reference), "success")
            return redirect(url_for(".edit", tender_id=tender.id, step="basics"))
    return render_template("tenders/new.html", form=form, items=items, year=year), 400 if form.errors else 200


def _draft(tender_id) -> Tender:
    tender = _load(tender_id)
    require(policies.can_edit_tender(current_user, tender))
    return tender


STEP_FORMS = {"basics": BasicsForm, "method": MethodForm, "indicators": IndicatorsForm,
              "conditions": ConditionsForm, "scoring": ScoringForm, "timetable": TimetableForm,
              "documents": DocumentForm}


@bp.route("/<int:tender_id>/edit/<step>", methods=["GET", "POST"])
@login_required
def edit(tender_id, step):
    if step not in STEP_FORMS:
        abort(404)
    tender = _draft(tender_id)
    form_class = STEP_FORMS[step]
    form = form_class() if request.method == "POST" else form_class(data=step_form_data(tender, step))
    needs_form = NeedsForm(prefix="needs") if step == "documents" else None
    _choices(form, tender, step, needs_form)
    if request.method == "POST" and form.validate():
        try:
            _save_step(tender, step, form, needs_form)
        except DomainError as exc:
            db.session.rollback()
            tender = _draft(tender_id)
            _choices(form, tender, step, needs_form)
            show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("已保存：%(step)s", step=STEP_LABELS[step]), "success")
            if step == "documents" and request.form.get("stay"):
                return redirect(url_for(".edit", tender_id=tender.id, step=step))
            following = services.STEPS.index(step) + 1
            if following < len(services.STEPS):
                return redirect(url_for(".edit", tender_id=tender.id, step=services.STEPS[following]))
            return redirect(url_for(".preview", tender_id=tender.id))
    status = 400 if request.method == "POST" else 200
    return render_template("tenders/edit.html", tender=tender, step=step, form=form, needs_form=needs_form,
                           steps=services.STEPS, labels=STEP_LABELS, problems=services.readiness(tender),
                           known_conditions=_known_conditions(tender)), status


def _known_conditions(tender):
    from marketplace.catalog import services as catalog

    return catalog.References.applicable_to(tender.buyer, tender.year).conditions


def _choices(form, tender, step, needs_form) -> None:
    if step == "basics":
        form.regions.choices = [(r.id, r.full_name) for r in _service_regions(tender)]
    elif step == "conditions":
        taken = {c.code for c in tender.conditions if c.inherited}
        known = _known_conditions(tender)
        options = [(code, f"{code} {condition.text[:60]}") for code, condition in sorted(known.items())
                   if code not in taken]
        form.required.choices = options
        form.preferred.choices = options
    elif step == "documents":
        from marketplace.needs import services as needs

        options = needs.linkable_needs(tender.buyer)
        needs_form.needs.choices = [(n.id, f"#{n.id} {n.title}（{n.community.name}）") for n in options]
        if request.method == "GET":
            needs_form.needs.data = [n.id for n in options if n.tender_id == tender.id]


def _service_regions(tender) -> list[Region]:
    """The buyer's own region and the streets and communities inside it."""
    prefix = tender.buyer.region.code_prefix
    return db.session.execute(select(Region).where(
        Region.code.startswith(prefix), Region.level.in_([RegionLevel.street, RegionLevel.community]))
        .order_by(Region.code)).scalars().all()


def _save_step(tender, step, form, needs_form) -> None:
    by = current_user
    values = step_values(step, form)
    if step == "basics":
        services.save_basics(tender, values, form.regions.data or [], by=by)
    elif step == "method":
        services.save_method(tender, Method(form.method.data), form.method_justification.data, by=by)
    elif step == "indicators":
        services.save_indicators(tender, values, by=by)
    elif step == "conditions":
        services.save_conditions(tender, form.required.data or [], form.preferred.data or [], by=by)
    elif step == "scoring":
        services.save_criteria(tender, values, by=by)
    elif step == "timetable":
        services.save_timetable(tender, to_utc(form.enquiry_until.data), to_utc(form.questions_close_at.data),
                                to_utc(form.deadline_at.data), by=by)
    elif step == "documents":
        upload = form.document.data
        if upload and upload.filename:
            services.add_document(tender, form.title.data, upload.filename, upload.read(), by=by)
        if needs_form is not None and needs_form.needs.choices:
            services.link_needs(tender, needs_form.needs.data or [], by=by)


@bp.post("/<int:tender_id>/documents/<int:document_id>/remove")
@login_required
def remove_document(tender_id, document_id):
    tender = _draft(tender_id)
    doc = db.session.get(TenderDocument, document_id)
    if doc is None or doc.tender_id != tender.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        services.remove_document(tender, doc, by=current_user)
        db.session.commit()
        flash(_("文件已删除"), "success")
    return redirect(url_for(".edit", tender_id=tender.id, step="documents"))


@bp.get("/<int:tender_id>/preview")
@login_required
def preview(tender_id):
    tender = _draft(tender_id)
    return render_template("tenders/preview.html", tender=tender, problems=services.readiness(tender),
                           labels=STEP_LABELS, needs=services.linked_needs(tender), form=ConfirmForm(),
                           limits=services.limits_for(tender.buyer))


@bp.route("/<int:tender_id>/publish", methods=["GET", "POST"])
@login_required
def publish(tender_id):
    tender = _draft(tender_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.publish(tender, by=current_user)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for(".preview", tender_id=tender_id))
        db.session.commit()
        flash(_("已发布：%(title)s", title=tender.title), "success")
        return redirect(url_for(".show", tender_id=tender.id))
    return render_template("tenders/publish.html", tender=tender, form=form, problems=services.readiness(tender),
                           needs=services.linked_needs(tender), method_label=METHOD_LABELS[tender.method])


@bp.route("/<int:tender_id>/amend", methods=["GET", "POST"])
@login_required
def amend(tender_id):
    tender = _load(tender_id)
    require(policies.can_amend(current_user, tender, clock.now()))
    form = AmendForm() if request.method == "POST" else AmendForm(data={
        "title": tender.title, "description": tender.description, "deliverables": tender.deliverables,
        "budget": f"{tender.budget:.2f}", "term_months": tender.term_months,
        "questions_close_at": to_local_input(tender.questions_close_at),
        "deadline_at": to_local_input(tender.deadline_at)})
    if request.method == "POST" and form.validate():
        values = {name: getattr(form, name).data for name in ("title", "description", "deliverables", "budget",
                                                              "term_months")}
        values["questions_close_at"] = to_utc(form.questions_close_at.data)
        values["deadline_at"] = to_utc(form.deadline_at.data)
        upload = form.document.data
        document = (form.document_title.data, upload.filename, upload.read()) if upload and upload.filename else None
        try:
            amendment = amendments.amend(tender, {k: v for k, v in values.items() if v not in (None, "")},
                                       form.rationale.data, by=current_user, document=document)
        except DomainError as exc:
            db.session.rollback()
            tender = _load(tender_id)
            show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("第 %(n)d 号变更已发布，已通知关注者和投标机构", n=amendment.number), "success")
            return redirect(url_for(".show", tender_id=tender.id, _anchor="amendments"))
    return render_template("tenders/amend.html", tender=tender, form=form,
                           min_days=amendments.amendment_min_days(tender)), 400 if form.errors else 200


@bp.post("/<int:tender_id>/retender")
@login_required
def retender(tender_id):
    """One click from a failed (or cancelled) tender to a new draft with the same content."""
    tender = _load(tender_id)
    require(policies.can_retender(current_user, tender))
    form = ConfirmForm()
    created = []
    if run_form(form, lambda: created.append(services.retender(tender, by=current_user)),
                _("已按原项目生成新的草稿，请核对时间安排后发布")):
        return redirect(url_for(".edit", tender_id=created[0].id, step="timetable"))
    for message in form.form_errors:
        flash(message, "error")
    return redirect(url_for(".show", tender_id=tender.id))


@bp.route("/<int:tender_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(tender_id):
    tender = _load(tender_id)
    require(policies.can_cancel_tender(current_user, tender))
    form = CancelForm()
    if run_form(form, lambda: services.cancel(tender, form.reason.data, by=current_user), _("项目已终止，理由已公开")):
        return redirect(url_for(".show", tender_id=tender.id))
    return render_template("tenders/cancel.html", tender=tender, form=form), 400 if form.errors else 200

