"""Contracts: the public list and page, the parties' workspace, generation, signing, amendments and the end."""

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.extensions import db, limiter
from marketplace.forms import run_form
from marketplace.pagination import paginate
from marketplace.security import require
from marketplace.tenders.models import Tender

from . import policies, services
from .forms import AmendForm, ConfirmForm, EndForm, SignForm
from .models import CONTRACT_STATUS_LABELS, MILESTONE_KIND_LABELS, SCORING_RULE_LABELS, Contract, ScoringRule

bp = Blueprint("contracts", __name__, url_prefix="/contracts")


@bp.app_context_processor
def _labels() -> dict:
    return {"contract_status_labels": CONTRACT_STATUS_LABELS, "milestone_kind_labels": MILESTONE_KIND_LABELS,
            "scoring_rule_labels": SCORING_RULE_LABELS}


def _load(contract_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id, options=services.PAGE_LOAD)
    if contract is None or not policies.can_view(current_user, contract):
        abort(404)
    return contract


@bp.get("/")
def index():
    return render_template("contracts/index.html", page=paginate(services.public_query()))


@bp.get("/mine")
@login_required
def mine():
    return render_template("contracts/mine.html", page=paginate(services.mine_query(current_user)))


@bp.get("/<int:contract_id>")
def show(contract_id):
    contract = _load(contract_id)
    return render_template("contracts/show.html", contract=contract, side=policies.signing_side(current_user, contract),
                           can_amend=policies.can_amend(current_user, contract),
                           can_end=policies.can_end(current_user, contract),
                           can_set_terms=policies.can_set_terms(current_user, contract),
                           can_see_proposal=policies.can_see_proposal(current_user, contract),
                           amendment_changes=services.amendment_changes, **_outcomes(contract))


def _outcomes(contract) -> dict:
    """What the outcomes domain shows on the contract page (reports, ratings, scores), when it is installed."""
    from marketplace.outcomes import services as outcomes

    return outcomes.public_context(contract)


@bp.post("/from-tender/<int:tender_id>")
@login_required
def generate(tender_id):
    tender = db.session.get(Tender, tender_id) or abort(404)
    require(policies.can_generate(current_user, tender))
    made = []
    form = ConfirmForm()
    if run_form(form, lambda: made.append(services.generate(tender, by=current_user)), _("合同已生成，请双方签署")):
        return redirect(url_for(".show", contract_id=made[0].id))
    for message in form.form_errors:
        flash(message, "error")
    return redirect(url_for("tenders.show", tender_id=tender.id))


@bp.route("/<int:contract_id>/indicators", methods=["GET", "POST"])
@login_required
def indicators(contract_id):
    """The buyer sets each indicator's weight and scoring rule before signing."""
    contract = _load(contract_id)
    require(policies.can_set_terms(current_user, contract))
    form = ConfirmForm()
    if request.method == "POST":
        terms = {}
        for indicator in contract.indicators:
            weight = request.form.get(f"weight-{indicator.id}", "").strip()
            rule = request.form.get(f"rule-{indicator.id}", "")
            terms[indicator.id] = (int(weight) if re.fullmatch(r"[0-9]{1,3}", weight) else -1,
                                   ScoringRule(rule) if rule in ScoringRule._value2member_map_ else ScoringRule.linear)
        if run_form(form, lambda: services.set_indicator_terms(contract, terms, by=current_user),
                    _("绩效指标的权重与计分方法已保存")):
            return redirect(url_for(".show", contract_id=contract.id, _anchor="indicators"))
    return render_template("contracts/indicators.html", contract=contract, form=form,
                           posted=request.form), 400 if form.form_errors else 200


@bp.route("/<int:contract_id>/sign", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["SIGN_IN_RATE_LIMIT"], methods=["POST"])  # a second-factor code
def sign(contract_id):
    contract = _load(contract_id)
    side = policies.signing_side(current_user, contract)
    require(side is not None)
    form = SignForm()
    if run_form(form, lambda: services.sign(contract, by=current_user, code=form.code.data), _("已签署")):
        return redirect(url_for(".show", contract_id=contract.id))
    return render_template("contracts/sign.html", contract=contract, form=form, side=side), 400 if form.errors \
        or form.form_errors else 200


@bp.route("/<int:contract_id>/amend", methods=["GET", "POST"])
@login_required
def amend(contract_id):
    contract = _load(contract_id)
    require(policies.can_amend(current_user, contract))
    form = AmendForm()
    values = {"ends_on": form.ends_on.data, "term_justification": form.term_justification.data,
              "deliverables": form.deliverables.data}
    if run_form(form, lambda: services.amend(contract, values, form.rationale.data, by=current_user),
                _("合同变更已发布")):
        return redirect(url_for(".show", contract_id=contract.id, _anchor="amendments"))
    return render_template("contracts/amend.html", contract=contract, form=form), 400 if form.errors \
        or form.form_errors else 200


@bp.route("/<int:contract_id>/end", methods=["GET", "POST"])
@login_required
def end(contract_id):
    contract = _load(contract_id)
    require(policies.can_end(current_user, contract))
    form = EndForm()
    if run_form(form, lambda: services.end(contract, form.outcome.data == "complete", form.reason.data,
                                           by=current_user), _("合同已结束")):
        return redirect(url_for(".show", contract_id=contract.id))
    return render_template("contracts/end.html", contract=contract, form=form), 400 if form.errors \
        or form.form_errors else 200
