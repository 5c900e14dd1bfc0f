"""Registrars: the verification queue, reviews, fact confirmation, credit lists and repair decisions."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.common import clock
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.pagination import paginate
from marketplace.security import require

from . import eligibility as engine
from . import policies, records, services
from .forms import CreditEntryForm, ReasonForm
from .models import CreditEntry, CreditList, Fact, OrgAction, RepairRequest

bp = Blueprint("registrar", __name__, url_prefix="/registrar")
ACTIONS = {"verify": OrgAction.verify, "reject": OrgAction.reject, "request_info": OrgAction.request_info,
           "suspend": OrgAction.suspend, "reinstate": OrgAction.reinstate, "revoke": OrgAction.revoke}


@bp.get("/")
@login_required
def queue():
    require(policies.can_review_any(current_user))
    return render_template("registrar/queue.html", page=paginate(services.review_queue(current_user)),
                           facts=db.session.execute(records.facts_awaiting(current_user).limit(50)).scalars().all(),
                           repairs=db.session.execute(records.repairs_awaiting(current_user).limit(50)).scalars()
                           .all())


def _organization_or_404(org_id):
    org = services.get_organization(org_id) or abort(404)
    require(policies.can_review_organization(current_user, org))
    return org


@bp.get("/organizations/<int:org_id>")
@login_required
def review(org_id, reason_form=None, credit_form=None, status=200):
    org = _organization_or_404(org_id)
    today = clock.today()
    return render_template("registrar/review.html", org=org, today=today,
                           reason_form=reason_form or ReasonForm(),
                           credit_form=credit_form or CreditEntryForm(listed_on=today),
                           blockers=engine.blockers(org, today)), status


@bp.route("/organizations/<int:org_id>/revoke", methods=["GET"])
@login_required
def confirm_revoke(org_id):
    """Revocation cannot be undone: a page of its own, with the reason, before the POST."""
    org = _organization_or_404(org_id)
    return render_template("registrar/revoke_confirm.html", org=org, form=ReasonForm())


@bp.post("/organizations/<int:org_id>/<any(verify, reject, request_info, suspend, reinstate, revoke):action>")
@login_required
def decide(org_id, action):
    org = _organization_or_404(org_id)
    form = ReasonForm()
    try:
        if not form.validate_on_submit():
            raise DomainError(_("表单已过期，请刷新后重试"))
        services.decide(org, ACTIONS[action], by=current_user, reason=form.reason.data)
    except DomainError as exc:
        form.reason.errors = [exc.message]
        return review(org_id, reason_form=form, status=400)
    db.session.commit()
    flash(_("已处理：%(name)s", name=org.name), "success")
    return redirect(url_for("registrar.review", org_id=org.id))


@bp.post("/facts/<int:fact_id>/<any(confirm, reject):decision>")
@login_required
def decide_fact(fact_id, decision):
    fact = db.session.get(Fact, fact_id) or abort(404)
    require(policies.can_review_organization(current_user, fact.organization))
    return _done(lambda: records.decide_fact(fact, decision == "confirm", by=current_user,
                                             reason=request.form.get("reason")), fact.organization_id, "#facts")


@bp.post("/organizations/<int:org_id>/credit")
@login_required
def list_on_credit(org_id):
    org = _organization_or_404(org_id)
    form = CreditEntryForm()
    if not form.validate_on_submit():
        return review(org_id, credit_form=form, status=400)
    try:
        records.put_on_list(org, CreditList(form.list_kind.data), form.reason.data, form.authority.data,
                            form.listed_on.data, by=current_user)
    except DomainError as exc:
        form.reason.errors = [exc.message]
        return review(org_id, credit_form=form, status=400)
    db.session.commit()
    flash(_("已列入名单"), "success")
    return redirect(url_for("registrar.review", org_id=org.id) + "#credit")


@bp.post("/credit/<int:entry_id>/correct")
@login_required
def correct_entry(entry_id):
    entry = db.session.get(CreditEntry, entry_id) or abort(404)
    require(policies.can_review_organization(current_user, entry.organization))
    return _done(lambda: records.correct_entry(entry, request.form.get("reason", ""), by=current_user),
                 entry.organization_id, "#credit")


@bp.post("/repairs/<int:request_id>/<any(approve, refuse):decision>")
@login_required
def decide_repair(request_id, decision):
    repair = db.session.get(RepairRequest, request_id) or abort(404)
    require(policies.can_review_organization(current_user, repair.entry.organization))
    return _done(lambda: records.decide_repair(repair, decision == "approve", request.form.get("reason", ""),
                                               by=current_user), repair.entry.organization_id, "#credit")


def _done(act, org_id: int, anchor: str):
    """Run a small registrar decision; its refusal comes back as a message on the review page."""
    try:
        act()
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("已处理"), "success")
    return redirect(url_for("registrar.review", org_id=org_id) + anchor)
