"""Organizations: the public directory and profiles, registration, and the organization's own pages."""

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import Role
from marketplace.catalog import services as catalog
from marketplace.catalog.models import PurchaseItem
from marketplace.common import clock, files
from marketplace.contracts.track_record import track_record
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import show_domain_error
from marketplace.pagination import paginate
from marketplace.regions.services import load_ancestors, region_by_code
from marketplace.security import require

from . import eligibility as engine
from . import policies, records, services
from .forms import DirectoryFilterForm, FactForm, InviteForm, RegistrationForm, RepairForm
from .models import (
    CreditEntry,
    Document,
    DocumentKind,
    FactKind,
    Membership,
    OrgRole,
    OrgStatus,
    OrgType,
    PublicInstitutionClass,
)

bp = Blueprint("organizations", __name__, url_prefix="/organizations")
PUBLIC_STATES = {OrgStatus.verified, OrgStatus.suspended, OrgStatus.revoked}


@bp.get("/")
def directory():
    form = DirectoryFilterForm(request.args)
    today = clock.today()
    form.region.choices = [("", _("全部")), *services.region_choices()]
    form.field.choices = [("", _("全部")), *catalog.item_choices(today.year)]
    page = paginate(services.directory_query(
        org_type=OrgType(form.org_type.data) if form.org_type.data else None,
        region=region_by_code(form.region.data) if form.region.data else None,
        min_grade=form.grade.data or None, field=form.field.data or None, day=today))
    grades = services.current_grades([org.id for org in page.items], today)
    load_ancestors(org.region for org in page.items)  # each row names its place in full
    return render_template("organizations/directory.html", form=form, page=page, grades=grades)


@bp.get("/<int:org_id>")
def profile(org_id):
    org = services.get_organization(org_id) or abort(404)
    membership = services.membership_of(current_user)
    if org.status not in PUBLIC_STATES and not policies.can_see_documents(current_user, org, membership):
        abort(404)
    today = clock.today()
    load_ancestors([org.region])
    return render_template("organizations/profile.html", org=org, grade=services.current_grades([org.id], today)
                           .get(org.id), is_member=policies.is_member(current_user, org, membership),
                           can_review=policies.can_review_organization(current_user, org),
                           track_record=track_record(org, today))


@bp.route("/register", methods=["GET", "POST"])
@login_required
def register():
    require(policies.can_register_organization(current_user, services.membership_of(current_user)))
    form = _registration_form()
    if form.is_submitted():
        certificate = _kept_certificate(form)
        if form.validate():
            try:
                services.register_organization(current_user, _values(form), region_by_code(form.region_code.data),
                                               form.service_fields.data, certificate)
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                db.session.commit()
                flash(_("机构已提交登记，请等待登记管理机关审核"), "success")
                return redirect(url_for("organizations.mine"))
        return render_template("organizations/register.html", form=form, org=None), 400
    return render_template("organizations/register.html", form=form, org=None)


@bp.route("/mine/edit", methods=["GET", "POST"])
@login_required
def edit():
    org, membership = _my_organization()
    require(policies.can_edit_registration(current_user, org, membership))
    form = _registration_form(obj=org)
    if request.method == "GET":
        form.region_code.data, form.service_fields.data = org.region.code, org.field_codes
        form.public_class.data = org.public_class.value if org.public_class else ""
        form.org_type.data = org.org_type.value
    elif form.validate_on_submit():
        try:
            services.update_registration(org, _values(form), region_by_code(form.region_code.data),
                                         form.service_fields.data, by=current_user)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("登记信息已更新并重新提交审核"), "success")
            return redirect(url_for("organizations.mine"))
    status = 400 if request.method == "POST" else 200
    return render_template("organizations/register.html", form=form, org=org), status


def _registration_form(obj=None) -> RegistrationForm:
    form = RegistrationForm(obj=obj)
    form.region_code.choices = services.region_choices()
    form.service_fields.choices = catalog.item_choices(clock.today().year)
    return form


def _kept_certificate(form) -> tuple[str, bytes] | None:
    """The uploaded certificate, or the one kept from an earlier attempt of the same form."""
    upload = form.certificate.data
    if upload is not None and getattr(upload, "filename", ""):
        content = upload.read()
        try:
            form.certificate_token.data = files.stash(upload.filename, content)
        except DomainError as exc:
            show_domain_error(form, DomainError(exc.message, field="certificate"))
            return None
        return upload.filename, content
    return files.unstash(form.certificate_token.data or "")


def _values(form) -> dict:
    values = {name: getattr(form, name).data for name in services.REGISTRATION_FIELDS}
    values["org_type"] = OrgType(form.org_type.data)
    values["public_class"] = PublicInstitutionClass(form.public_class.data) if form.public_class.data else None
    values["fulltime_staff"], values["parttime_staff"] = form.fulltime_staff.data or 0, form.parttime_staff.data or 0
    values["uscc"] = form.uscc.data
    return values


def _owned(model, row_id: int, org):
    """A row that belongs to the member's own organization, or 404 (never another organization's)."""
    row = db.session.get(model, row_id)
    if row is None or row.organization_id != org.id:
        abort(404)
    return row


def _my_organization():
    membership = services.membership_of(current_user)
    if membership is None:
        abort(404)
    return membership.organization, membership


@bp.get("/mine")
@login_required
def mine():
    membership = services.membership_of(current_user)
    if membership is None:
        if current_user.role == Role.org_member:
            return redirect(url_for("organizations.register"))
        abort(404)
    return _mine_page(membership)


def _mine_page(membership: Membership, *, fact_form=None, invite_form=None, status=200):
    org, today = membership.organization, clock.today()
    return render_template(
        "organizations/mine.html", org=org, membership=membership, today=today,
        facts=engine.facts_at(org, today), rule_field_labels=engine.FIELD_LABELS,
        blockers=engine.blockers(org, today),
        fact_form=fact_form or FactForm(), invite_form=invite_form or InviteForm(), repair_form=RepairForm(),
        can_manage=policies.can_manage_organization(current_user, org, membership),
        can_edit=policies.can_edit_registration(current_user, org, membership)), status


@bp.post("/mine/facts")
@login_required
def submit_fact():
    org, membership = _my_organization()
    require(policies.can_manage_organization(current_user, org, membership))
    form = FactForm()
    if form.validate_on_submit():
        # Empty inputs become None, but a real 0 (e.g. no full-time staff) stays 0.
        values = {name: None if field.data in ("", None) else field.data for name, field in form._fields.items()}
        try:
            document = _stored_upload(org, form.document, DocumentKind(_DOCUMENT_KIND[form.kind.data]),
                                      required=True)
            records.submit_fact(org, FactKind(form.kind.data), values, document, by=current_user)
        except DomainError as exc:
            show_domain_error(form, DomainError(exc.message, field=exc.field or "kind"))
        else:
            db.session.commit()
            flash(_("已提交，等待登记管理机关确认；确认后才计入资格"), "success")
            return redirect(url_for("organizations.mine") + "#facts")
    return _mine_page(membership, fact_form=form, status=400)


_DOCUMENT_KIND = {"grade": "grade", "inspection": "inspection", "annual_report": "annual_report", "staff": "staff",
                  "social_worker": "social_worker", "tax_exempt": "tax"}


def _stored_upload(org, field, kind: DocumentKind, *, required: bool) -> Document | None:
    upload = field.data
    if upload is None or not getattr(upload, "filename", ""):
        if required:
            raise DomainError(_("请上传证明材料"), field=field.name)
        return None
    try:
        return services.store_document(org, kind, upload.filename, upload.read(), by=current_user)
    except DomainError as exc:
        raise DomainError(exc.message, field=field.name) from None


@bp.post("/mine/credit/<int:entry_id>/repair")
@login_required
def request_repair(entry_id):
    org, _membership = _my_organization()
    entry = _owned(CreditEntry, entry_id, org)
    form = RepairForm()
    try:
        if not form.validate_on_submit():
            raise DomainError(_("请说明已如何纠正"), field="statement")
        document = _stored_upload(org, form.document, DocumentKind.other, required=False)
        records.request_repair(entry, form.statement.data, document, by=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("信用修复申请已提交"), "success")
    return redirect(url_for("organizations.mine") + "#credit")


@bp.post("/mine/team/invite")
@login_required
def invite():
    org, membership = _my_organization()
    form = InviteForm()
    if form.validate_on_submit():
        try:
            services.invite_member(org, form.email.data, OrgRole(form.role.data), by=current_user)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("邀请已发送至 %(email)s", email=form.email.data), "success")
            return redirect(url_for("organizations.mine") + "#team")
    return _mine_page(membership, invite_form=form, status=400)


@bp.post("/mine/team/<int:membership_id>")
@login_required
def change_member(membership_id):
    org, _membership = _my_organization()
    target = _owned(Membership, membership_id, org)
    role = request.form.get("role", "")
    try:
        services.change_member_role(target, OrgRole(role) if role else None, by=current_user)
    except (DomainError, ValueError) as exc:
        flash(getattr(exc, "message", _("角色无效")), "error")
    else:
        db.session.commit()
        flash(_("团队已更新"), "success")
    return redirect(url_for("organizations.mine") + "#team")


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token):
    if not current_user.is_authenticated:
        flash(_("请先登录或注册机构工作人员账号，再打开邀请链接"), "info")
        return redirect(url_for("accounts.login", next=request.path))
    try:
        invitation = services.open_org_invitation(token)
        if request.method == "POST":
            services.accept_org_invitation(token, current_user)
            db.session.commit()
            flash(_("您已加入 %(name)s", name=invitation.organization.name), "success")
            return redirect(url_for("organizations.mine"))
    except DomainError as exc:
        return render_template("organizations/join.html", error=exc.message, invitation=None), 400
    return render_template("organizations/join.html", invitation=invitation, error=None)


@bp.get("/documents/<int:document_id>")
@login_required
def document(document_id):
    doc = db.session.get(Document, document_id) or abort(404)
    require(policies.can_see_documents(current_user, doc.organization, services.membership_of(current_user)))
    return send_file(services.document_path(doc), mimetype=doc.content_type, as_attachment=True,
                     download_name=doc.original_name)


@bp.get("/eligibility/<int:item_id>")
@login_required
def eligibility(item_id):
    """Before starting a bid: which conditions of a purchase item the member's organization meets, and why."""
    org, _membership = _my_organization()
    item = db.session.get(PurchaseItem, item_id) or abort(404)
    result = engine.eligibility(org, item, clock.today())
    return render_template("organizations/eligibility.html", org=org, item=item, result=result)
