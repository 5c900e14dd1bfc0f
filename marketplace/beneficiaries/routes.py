"""Beneficiary records of a contract: the masked list, the form, the audited full view, access and the counts."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import User
from marketplace.common import clock
from marketplace.contracts.models import Contract
from marketplace.extensions import db
from marketplace.forms import run_form
from marketplace.organizations.services import membership_of
from marketplace.security import require

from . import policies, services
from .forms import PURPOSE_LABELS, AccessForm, BeneficiaryForm, ConfirmForm, ViewForm
from .models import ACCESS_ROLE_LABELS, AccessRole, BeneficiaryAccess
from .people import CONSENT_METHOD_LABELS, GENDER_LABELS, SENSITIVE_LABELS, SERVICE_CATEGORY_LABELS

LABELS = {"gender_labels": GENDER_LABELS, "service_category_labels": SERVICE_CATEGORY_LABELS,
          "sensitive_labels": SENSITIVE_LABELS, "consent_method_labels": CONSENT_METHOD_LABELS}

bp = Blueprint("beneficiaries", __name__, url_prefix="/beneficiaries")
ENDINGS = {"withdraw": services.withdraw_consent, "delete": services.delete_record}


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"  # personal data stays out of browser and proxy caches
    return response


@bp.app_context_processor
def _helpers() -> dict:
    def beneficiary_permissions(contract) -> dict:
        membership, access = membership_of(current_user), services.access_of(current_user, contract)
        return {"see": policies.can_see_records(current_user, contract, access, membership),
                "manage": policies.can_manage_access(current_user, contract, membership)}

    return {"beneficiary_permissions": beneficiary_permissions, "access_role_labels": ACCESS_ROLE_LABELS,
            **{name: {member.value: label for member, label in labels.items()} for name, labels in LABELS.items()}}


def _gate(contract_id: int, policy=policies.can_see_records) -> Contract:
    contract = db.session.get(Contract, contract_id) or abort(404)
    require(policy(current_user, contract, services.access_of(current_user, contract), membership_of(current_user)))
    return contract


def _record(record_id: int, policy=policies.can_see_records):
    record = services.get_record(record_id) or abort(404)
    return record, _gate(record.contract_id, policy)


def _form(contract) -> BeneficiaryForm:
    form = BeneficiaryForm()
    form.community_code.choices = [("", _("请选择")), *[(c.code, c.name) for c in services.community_choices(contract)]]
    return form


@bp.get("/contract/<int:contract_id>")
@login_required
def index(contract_id):
    contract = _gate(contract_id)
    membership, access = membership_of(current_user), services.access_of(current_user, contract)
    return render_template("beneficiaries/index.html", contract=contract, view_form=ViewForm(),
                           rows=services.masked_rows(contract, clock.today()),
                           can_record=policies.can_record(current_user, contract, access, membership),
                           can_manage=policies.can_manage_access(current_user, contract, membership))


@bp.route("/contract/<int:contract_id>/new", methods=["GET", "POST"])
@login_required
def new(contract_id):
    contract = _gate(contract_id, policies.can_record)
    form = _form(contract)
    if run_form(form, lambda: services.add_record(contract, form.person(), by=current_user)):
        flash(_("服务对象已登记（加密保存）"), "success")
        return redirect(url_for(".index", contract_id=contract.id))
    return render_template("beneficiaries/form.html", contract=contract, form=form, kept=None), \
        400 if form.errors or form.form_errors else 200


@bp.route("/<int:record_id>/edit", methods=["GET", "POST"])
@login_required
def edit(record_id):
    record, contract = _record(record_id, policies.can_record)
    if record.withdrawn_at is not None:
        abort(404)
    form, kept = _form(contract), services.person_of(record)
    if request.method == "GET":  # the form shows the sensitive fields and notes: a full view, audited
        form.fill(services.view_full(record, by=current_user, purpose="edit"))
        db.session.commit()
    elif run_form(form, lambda: services.update_record(record, form.person(kept), by=current_user)):
        flash(_("已保存"), "success")
        return redirect(url_for(".index", contract_id=contract.id))
    return render_template("beneficiaries/form.html", contract=contract, form=form, kept=kept), \
        400 if form.errors or form.form_errors else 200


@bp.post("/<int:record_id>/view")
@login_required
def view(record_id):
    """The explicit action that shows one person unmasked; every time it writes `beneficiary.viewed`."""
    record, contract = _record(record_id)
    form = ViewForm()
    if not form.validate_on_submit() or record.withdrawn_at is not None:
        abort(400)
    person = services.view_full(record, by=current_user, purpose=form.purpose.data)
    db.session.commit()
    return render_template("beneficiaries/full.html", contract=contract, record=record, person=person,
                           community=services.community_name(person.community_code),
                           purpose=PURPOSE_LABELS[form.purpose.data])


@bp.route("/<int:record_id>/<any(withdraw, delete):ending>", methods=["GET", "POST"])
@login_required
def end(record_id, ending):
    """Withdrawn consent erases the person and keeps a tombstone; deletion removes an entry made in error."""
    record, contract = _record(record_id, policies.can_erase)
    form = ConfirmForm()
    if run_form(form, lambda: ENDINGS[ending](record, by=current_user)):
        flash(_("个人信息已删除") if ending == "withdraw" else _("记录已删除"), "success")
        return redirect(url_for(".index", contract_id=contract.id))
    return render_template("beneficiaries/confirm.html", contract=contract, record=record, form=form, ending=ending)


@bp.route("/contract/<int:contract_id>/access", methods=["GET", "POST"])
@login_required
def access(contract_id):
    contract = db.session.get(Contract, contract_id) or abort(404)
    membership = membership_of(current_user)
    require(policies.can_manage_access(current_user, contract, membership))
    role = AccessRole.org_staff if policies.can_manage_staff_access(current_user, contract, membership) \
        else AccessRole.case_officer
    form = AccessForm()
    form.user.choices = [(str(u.id), f"{u.name}（{u.email}）")
                         for u in services.candidates(contract, role, by=current_user)]
    grantee = db.session.get(User, int(form.user.data)) if (form.user.data or "").isdigit() else None
    if run_form(form, lambda: services.grant_access(contract, grantee, role, by=current_user,
                                                membership=membership_of(grantee))):
        flash(_("已授予查看权限"), "success")
        return redirect(url_for(".access", contract_id=contract.id))
    return render_template("beneficiaries/access.html", contract=contract, form=form, role=role,
                           grants=services.access_list(contract), revoke_form=ConfirmForm(),
                           can_change=lambda grant: policies.can_change_access(current_user, contract, grant.role,
                                                                               membership)), \
        400 if form.errors or form.form_errors else 200


@bp.post("/access/<int:access_id>/revoke")
@login_required
def revoke(access_id):
    grant = db.session.get(BeneficiaryAccess, access_id) or abort(404)
    contract = db.session.get(Contract, grant.contract_id)
    require(policies.can_change_access(current_user, contract, grant.role, membership_of(current_user)))
    if ConfirmForm().validate_on_submit():
        services.revoke_access(grant, by=current_user)
        db.session.commit()
        flash(_("已撤销查看权限"), "success")
    return redirect(url_for(".access", contract_id=contract.id))


@bp.get("/contract/<int:contract_id>/counts.csv")
@login_required
def export(contract_id):
    contract = _gate(contract_id, policies.can_export_aggregates)
    body = services.export_aggregates(contract, by=current_user)
    db.session.commit()
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=beneficiary-counts-{contract.id}.csv"})
