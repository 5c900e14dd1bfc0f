"""Payments: tranche release, donations, the admin list with CSV and refunds, and the Stripe webhook."""

import csv
import io

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.common.money import format_cny
from marketplace.contracts import policies as contract_policies
from marketplace.contracts.models import Contract, Milestone
from marketplace.extensions import csrf, db, limiter
from marketplace.forms import run_form
from marketplace.pagination import paginate
from marketplace.security import require
from marketplace.web import local_datetime

from . import events, gateway, policies, queries, services
from .forms import DonationForm, FilterForm, PayeeForm, PayerForm, RefundForm, ReleaseForm, TestPayForm
from .models import PAYMENT_KIND_LABELS, PAYMENT_STATUS_LABELS, Payment

bp = Blueprint("payments", __name__, url_prefix="/payments")
# A cell starting with one of these is a formula to Excel or LibreOffice; text from donors and admins may.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@bp.app_context_processor
def _panel() -> dict:
    return {"payment_panel": lambda contract: queries.contract_panel(contract, current_user),
            "payment_status_labels": PAYMENT_STATUS_LABELS, "payment_kind_labels": PAYMENT_KIND_LABELS}


def _public_contract(contract_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None or not contract_policies.can_view(current_user, contract):
        abort(404)
    return contract


def _status(form) -> int:
    return 400 if form.errors or form.form_errors else 200


def _second_factor_limit() -> str:
    """A release is confirmed with a second-factor code: guessed no faster than a sign-in."""
    return current_app.config["SIGN_IN_RATE_LIMIT"]


def _csv_cell(value):
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else value


@bp.route("/milestones/<int:milestone_id>/release", methods=["GET", "POST"])
@login_required
@limiter.limit(_second_factor_limit, methods=["POST"])
def release(milestone_id):
    """The buyer's confirm page: amount, organization, account, second factor."""
    milestone = db.session.get(Milestone, milestone_id) or abort(404)
    require(contract_policies.is_buyer_staff(current_user, milestone.contract))
    form = ReleaseForm()
    made = []
    if gateway.configured() and run_form(form, lambda: made.append(services.release_tranche(
            milestone, by=current_user, code=form.code.data))):
        payment = made[0]
        if payment.failure_message:
            flash(_("付款被拒绝：%(why)s", why=payment.failure_message), "error")
        else:
            flash(_("付款已提交，到账确认后会通知双方"), "success")
        return redirect(url_for("contracts.show", contract_id=milestone.contract_id, _anchor="payments"))
    contract = milestone.contract
    return render_template("payments/release.html", milestone=milestone, contract=contract, form=form,
                           configured=gateway.configured(), payer=services.payer_method(contract.buyer_id),
                           payee=services.payee_account(contract.organization_id),
                           live=services.live_tranche_payment(milestone),
                           refunded=queries.refunded_tranche_payments(milestone)), _status(form)


@bp.route("/contracts/<int:contract_id>/donate", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def donate(contract_id):
    contract = _public_contract(contract_id)
    form = DonationForm()
    made = []
    if gateway.configured() and run_form(form, lambda: made.append(services.start_donation(
            contract, form.amount.data, name=form.name.data, anonymous=form.anonymous.data,
            message=form.message.data, email=form.email.data))):
        return redirect(made[0][1])
    return render_template("payments/donate.html", contract=contract, form=form, configured=gateway.configured(),
                           accepts=policies.can_receive_donations(contract), low=services.DONATION_MIN,
                           high=services.DONATION_MAX), _status(form)


@bp.route("/donations/<token>", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def donation(token):
    """The donor's page: in the PaymentIntent flow it confirms with a Stripe test method (local server only)."""
    payment = services.donation_by_token(token) or abort(404)
    form = TestPayForm()
    if request.method == "POST" and run_form(
            form, lambda: services.pay_donation_with_test_method(payment, form.payment_method.data)):
        return redirect(url_for(".donation", token=token))
    return render_template("payments/donation.html", payment=payment, contract=payment.contract, form=form,
                           local=gateway.is_local_test_server(), flow=services.donation_flow()), _status(form)


@bp.post("/stripe/webhook")
@csrf.exempt
@limiter.limit("300 per minute")
def stripe_webhook():
    try:
        result = events.receive(request.get_data(), request.headers.get("Stripe-Signature", ""))
    except (gateway.InvalidSignature, events.InvalidPayload) as exc:
        db.session.rollback()
        current_app.logger.warning("stripe webhook refused: %s", exc)
        return jsonify(error="invalid signature or payload"), 400
    db.session.commit()
    return jsonify(received=True, result=result)


# -- platform admin -----------------------------------------------------------------------------------------

def _filters() -> tuple[FilterForm, dict]:
    form = FilterForm(request.args)
    form.validate()
    return form, {"kind": form.kind.data or None, "status": form.status.data or None,
                  "start": form.start.data if not form.start.errors else None,
                  "end": form.end.data if not form.end.errors else None,
                  "contract_id": form.contract.data if not form.contract.errors else None}


@bp.get("/admin")
@login_required
def admin():
    require(policies.can_administer(current_user))
    form, filters = _filters()
    return render_template("payments/admin.html", form=form, page=paginate(queries.admin_query(**filters)),
                           configured=gateway.configured(), args=request.args.to_dict())


@bp.get("/admin.csv")
@login_required
def admin_csv():
    require(policies.can_administer(current_user))
    _form, filters = _filters()
    query = queries.admin_query(**filters).execution_options(yield_per=500)

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["id", "kind", "status", "amount", "currency", "contract", "milestone", "attempt",
                         "payment_intent", "created_at", "succeeded_at", "refunded_at", "failure", "refund_reason"])
        for p in db.session.execute(query).scalars():
            writer.writerow([_csv_cell(cell) for cell in (
                p.id, p.kind.value, p.status.value, f"{p.amount:.2f}", p.currency, p.contract_id,
                p.milestone_id or "", p.attempt, p.stripe_payment_intent_id or "", local_datetime(p.created_at),
                local_datetime(p.succeeded_at) if p.succeeded_at else "",
                local_datetime(p.refunded_at) if p.refunded_at else "", p.failure_message or "",
                p.refund_reason or "")])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        if buffer.getvalue():
            yield buffer.getvalue()

    return Response(stream_with_context(rows()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=payments.csv"})


@bp.route("/admin/<int:payment_id>/refund", methods=["GET", "POST"])
@login_required
def refund(payment_id):
    require(policies.can_administer(current_user))
    payment = db.session.get(Payment, payment_id) or abort(404)
    form = RefundForm()
    if run_form(form, lambda: services.refund(payment, form.reason.data, by=current_user),
                _("已向 Stripe 申请退款 %(amount)s，确认后状态变为“已退款”", amount=format_cny(payment.amount))):
        return redirect(url_for(".admin"))
    return render_template("payments/refund.html", payment=payment, form=form,
                           can_refund=policies.can_refund(current_user, payment)), _status(form)


@bp.route("/admin/accounts", methods=["GET", "POST"])
@login_required
def accounts():
    """Which Stripe customer pays for a buyer body, which connected account receives for an organization."""
    require(policies.can_administer(current_user))
    payer, payee = PayerForm(prefix="payer"), PayeeForm(prefix="payee")
    which = request.form.get("which")
    if which == "payer" and run_form(payer, lambda: services.set_payer_method(
            payer.body_id.data, payer.customer.data.strip(), payer.payment_method.data.strip(), by=current_user),
            _("付款账户已保存")):
        return redirect(url_for(".accounts"))
    if which == "payee" and run_form(payee, lambda: services.set_payee_account(
            payee.organization_id.data, payee.account.data.strip(), by=current_user), _("收款账户已保存")):
        return redirect(url_for(".accounts"))
    failed = any((form.errors or form.form_errors) for form in (payer, payee))
    return render_template("payments/accounts.html", payer=payer, payee=payee, payers=queries.payer_methods(),
                           payees=queries.payee_accounts()), 400 if failed else 200
