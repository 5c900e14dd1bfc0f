"""Payment verbs. They flush, never commit; every state change writes an audit row.

Money is marked as arrived or refunded only by Stripe's webhooks (`confirm_*`, called from events.py): the
answer to our own request may be lost, arrive late or be overtaken, the webhook is Stripe's final word.
"""

import secrets
from decimal import Decimal

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from marketplace.accounts.services import verify_second_factor
from marketplace.audit import services as audit
from marketplace.common import clock
from marketplace.common.locks import lock
from marketplace.common.money import MoneyError, format_cny, yuan
from marketplace.common.states import transition
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db
from marketplace.follows import services as follows
from marketplace.notifications import services as notifications
from marketplace.organizations.models import Membership
from marketplace.tenders import services as tenders
from marketplace.web import external_url

from . import gateway, ledger, policies
from .models import PAYMENT_TRANSITIONS, PayeeAccount, PayerMethod, Payment, PaymentAction, PaymentKind, PaymentStatus

DONATION_MIN = Decimal("1.00")
DONATION_MAX = Decimal("50000.00")  # larger gifts go through a signed agreement with the district, not a card
DONATION_FLOWS = ("checkout", "payment_intent")
STRIPE = "stripe"  # the audit actor of what Stripe's webhooks tell us


def _move(payment: Payment, action: PaymentAction, *, by, at, data: dict | None = None) -> None:
    before = payment.status
    transition(payment, action, PAYMENT_TRANSITIONS, at=at, label=_("支付"))
    payment.updated_at = at
    audit.record(by, f"payment.{action.value}", payment, at=at,
                 data={"from": before.value, "to": payment.status.value, "kind": payment.kind.value,
                       "amount": str(payment.amount), **(data or {})})


def live_tranche_payment(milestone) -> Payment | None:
    return db.session.execute(select(Payment).where(
        Payment.milestone_id == milestone.id,
        Payment.status.in_([PaymentStatus.processing, PaymentStatus.succeeded]))).scalar_one_or_none()


def payer_method(body_id: int) -> PayerMethod | None:
    return db.session.execute(select(PayerMethod).where(PayerMethod.body_id == body_id)).scalar_one_or_none()


def payee_account(organization_id: int) -> PayeeAccount | None:
    return db.session.execute(select(PayeeAccount).where(
        PayeeAccount.organization_id == organization_id)).scalar_one_or_none()


def release_tranche(milestone, *, by, code: str | None) -> Payment:
    """The buyer releases a payable tranche with a second-factor code. A decline is an outcome, not an error:
    the failed attempt is kept (both sides see why) and the next attempt gets a new idempotency key. After a
    full refund the tranche is owed again and may be released again (a refunded payment is not live)."""
    contract = milestone.contract
    if not policies.is_buyer_staff(by, contract):
        raise NotPermitted(_("只有采购人可以支付合同款"))
    lock(milestone)  # a double click waits here and then finds the first click's payment
    if not milestone.payable:
        raise DomainError(_("该节点的评价尚未通过，合同款还不能支付"))
    live = live_tranche_payment(milestone)
    if live is not None:
        raise DomainError(_("该节点的合同款已支付") if live.status == PaymentStatus.succeeded
                          else _("该节点的合同款正在处理中，请等待支付结果"))
    payer = payer_method(contract.buyer_id)
    if payer is None:
        raise DomainError(_("采购单位尚未设置付款账户，请联系平台管理员"))
    verify_second_factor(by, code or "")
    now = clock.now()
    # Counted from committed attempts: a request rolled back after a lost Stripe response reuses its number,
    # hence its key, and Stripe hands back the PaymentIntent it already made instead of charging again.
    attempt = db.session.scalar(select(func.count(Payment.id)).where(Payment.milestone_id == milestone.id)) + 1
    payment = Payment(kind=PaymentKind.tranche, status=PaymentStatus.created, amount=milestone.tranche_amount,
                      currency="cny", contract_id=contract.id, milestone_id=milestone.id, attempt=attempt,
                      idempotency_key=f"tranche-{milestone.id}-attempt-{attempt}", released_by_id=by.id,
                      created_at=now, updated_at=now)
    db.session.add(payment)
    db.session.flush()
    payee = payee_account(contract.organization_id)
    outcome = gateway.charge_saved_method(
        payment.amount, customer=payer.stripe_customer_id, payment_method=payer.stripe_payment_method_id,
        destination=payee.stripe_account_id if payee else None, idempotency_key=payment.idempotency_key,
        metadata=stripe_metadata(payment))
    _record_outcome(payment, outcome, by=by, at=now)
    return payment


def stripe_metadata(payment: Payment) -> dict:
    """What we tell Stripe about a payment: only values that a retry under the same idempotency key repeats.

    Never our row id: a request rolled back after a lost response gives its retry a new id (PostgreSQL does not
    reuse sequence values), and Stripe refuses a key sent again with other parameters, which would block the
    tranche for good. Webhooks find the row by `payment_key` (our unique idempotency key) or the Stripe ids."""
    metadata = {"payment_key": payment.idempotency_key, "kind": payment.kind.value,
                "contract_id": payment.contract_id}
    if payment.milestone_id is not None:
        metadata |= {"milestone_id": payment.milestone_id, "attempt": payment.attempt}
    return metadata


def _record_outcome(payment: Payment, outcome, *, by, at) -> None:
    """What Stripe answered at once: in flight (the webhook will say how it ended) or declined."""
    if isinstance(outcome, gateway.Declined):
        payment.stripe_payment_intent_id = payment.stripe_payment_intent_id or outcome.payment_intent_id
        _fail(payment, outcome.message, by=by, at=at)
        return
    payment.stripe_payment_intent_id = outcome.id
    if outcome.status == "requires_payment_method" and outcome.error_message:
        _fail(payment, outcome.error_message, by=by, at=at)
        return
    _move(payment, PaymentAction.submit, by=by, at=at, data={"payment_intent": outcome.id})


def _fail(payment: Payment, message: str, *, by, at) -> None:
    payment.failure_message = (message or _("支付被拒绝"))[:500]
    _move(payment, PaymentAction.fail, by=by, at=at, data={"message": payment.failure_message})
    if payment.kind == PaymentKind.tranche:
        _tell_parties(payment, _("“%(title)s”%(stage)s节点合同款支付失败：%(why)s", title=payment.contract.title,
                                 stage=payment.milestone.label, why=payment.failure_message))


# -- donations -----------------------------------------------------------------------------------------------

def start_donation(contract, amount, *, name: str | None, anonymous: bool, message: str | None,
                   email: str | None) -> tuple[Payment, str]:
    """Anyone gives to a funded project. Returns the payment and where to send the donor next: Stripe Checkout
    (the production flow) or our own page for the PaymentIntent flow."""
    if not policies.can_receive_donations(contract):
        raise DomainError(_("该项目目前不接受捐赠"))
    try:
        amount = yuan(amount)
    except MoneyError:
        raise DomainError(_("请填写有效金额"), field="amount") from None
    if not DONATION_MIN <= amount <= DONATION_MAX:
        raise DomainError(_("捐赠金额须在 %(low)s 至 %(high)s 之间", low=format_cny(DONATION_MIN),
                            high=format_cny(DONATION_MAX)), field="amount")
    now, token = clock.now(), secrets.token_urlsafe(24)
    payment = Payment(kind=PaymentKind.donation, status=PaymentStatus.created, amount=amount, currency="cny",
                      contract_id=contract.id, attempt=1, idempotency_key=f"donation-{token}", public_token=token,
                      donor_name=None if anonymous else (name or "").strip() or None, anonymous=anonymous,
                      donor_message=(message or "").strip() or None, donor_email=(email or "").strip() or None,
                      created_at=now, updated_at=now)
    db.session.add(payment)
    db.session.flush()
    audit.record("public", "payment.donation_started", payment, at=now, data={"amount": str(amount)})
    metadata = stripe_metadata(payment)
    if donation_flow() == "checkout":
        session_id, url = gateway.create_checkout_session(
            amount, name=_("捐赠：%(title)s", title=contract.title), metadata=metadata,
            idempotency_key=payment.idempotency_key, email=payment.donor_email,
            success_url=external_url("payments.donation", token=token),
            cancel_url=external_url("contracts.show", contract_id=contract.id))
        payment.checkout_session_id = session_id
        _move(payment, PaymentAction.submit, by="public", at=now, data={"checkout_session": session_id})
        return payment, url
    intent = gateway.create_intent(amount, metadata=metadata, idempotency_key=payment.idempotency_key,
                                   receipt_email=payment.donor_email)
    payment.stripe_payment_intent_id = intent.id
    return payment, url_for("payments.donation", token=token)


def donation_flow() -> str:
    flow = current_app.config.get("PAYMENTS_DONATION_FLOW") or "checkout"
    return flow if flow in DONATION_FLOWS else "checkout"


def pay_donation_with_test_method(payment: Payment, payment_method: str) -> Payment:
    """The PaymentIntent flow without Stripe.js: confirm with a Stripe test payment method. Allowed only
    against a local test server (localstripe), never with real money."""
    if not gateway.is_local_test_server():
        raise DomainError(_("没有 Stripe.js 时无法在本站输入银行卡；此按钮只在本地测试服务器上可用"))
    lock(payment)
    if payment.status not in (PaymentStatus.created, PaymentStatus.failed) or not payment.stripe_payment_intent_id:
        raise DomainError(_("这笔捐赠已在处理中或已完成"))
    now = clock.now()
    if payment.status == PaymentStatus.failed:
        # A fresh PaymentIntent per retry: localstripe cannot re-confirm a declined one (Stripe can), and a
        # new attempt with its own key is what the tranche flow does too. The abandoned one stays unpaid.
        payment.attempt += 1
        intent = gateway.create_intent(payment.amount, metadata=stripe_metadata(payment),
                                       idempotency_key=f"{payment.idempotency_key}-attempt-{payment.attempt}",
                                       receipt_email=payment.donor_email)
        payment.stripe_payment_intent_id = intent.id
    outcome = gateway.confirm_with_test_method(payment.stripe_payment_intent_id, payment_method,
                                               idempotency_key=f"{payment.idempotency_key}-confirm-{payment.attempt}")
    if isinstance(outcome, gateway.Declined):
        _fail(payment, outcome.message, by="public", at=now)
    else:
        _move(payment, PaymentAction.submit, by="public", at=now, data={"payment_intent": outcome.id})
    return payment


def donation_by_token(token: str) -> Payment | None:
    return db.session.execute(select(Payment).where(Payment.public_token == token)).scalar_one_or_none()


# -- what Stripe's webhooks tell us ----------------------------------------------------------------------------

def confirm_succeeded(payment: Payment, *, intent_id: str | None, amount: Decimal, event_id: str) -> str:
    """The money arrived. Idempotent: a repeated or late event changes nothing."""
    applied = _apply_success(payment, intent_id=intent_id, amount=amount, event_id=event_id)
    if applied != "succeeded":
        return applied
    contract = payment.contract
    if payment.kind == PaymentKind.tranche:
        _tell_parties(payment, _("“%(title)s”%(stage)s节点合同款 %(amount)s 已到账", title=contract.title,
                                 stage=payment.milestone.label, amount=format_cny(payment.amount)), public=True)
    elif payment.donor_email:
        notifications.queue_mail(payment.donor_email, "payment_donation_receipt", payment=payment,
                                 contract=contract, link=external_url("payments.donation", token=payment.public_token))
    return "succeeded"


def _apply_success(payment: Payment, *, intent_id: str | None, amount: Decimal, event_id: str) -> str:
    """The state and the ledger of money that arrived, without telling anyone."""
    lock(payment)
    if payment.status in (PaymentStatus.succeeded, PaymentStatus.refunded):
        return "already applied"
    if amount != payment.amount:
        return f"amount mismatch: stripe {amount} != ours {payment.amount}"  # left for reconciliation
    now = clock.now()
    if payment.status in (PaymentStatus.created, PaymentStatus.failed):
        # Overtaken: Stripe's success can arrive before our own request committed, or after a first decline.
        _move(payment, PaymentAction.submit, by=STRIPE, at=now, data={"event": event_id})
    payment.stripe_payment_intent_id = payment.stripe_payment_intent_id or intent_id
    payment.failure_message = None
    _move(payment, PaymentAction.succeed, by=STRIPE, at=now, data={"event": event_id})
    ledger.post_received(payment, event_id=event_id, at=now)
    return "succeeded"


def confirm_failed(payment: Payment, *, message: str | None, event_id: str) -> str:
    lock(payment)
    if payment.status not in (PaymentStatus.created, PaymentStatus.processing):
        return f"ignored: payment is {payment.status.value}"
    _fail(payment, message or _("支付被拒绝"), by=STRIPE, at=clock.now())
    return "failed"


def confirm_refunded(payment: Payment, *, amount: Decimal, event_id: str) -> str:
    """The refund went through: reverse the ledger.

    Out of order (the refund's event before the success's): Stripe refunds only money it collected, so the
    refund proves the success. We apply the success first and then the refund, which leaves the final state
    and the ledger right at once; the late success event then finds the payment refunded and does nothing.
    (Parking the refund until the success arrives would need a second pass and show wrong totals meanwhile.)
    That success is applied silently: no "received" receipt or "已到账" announcement for money already returned."""
    lock(payment)
    if payment.status == PaymentStatus.refunded:
        return "already applied"
    if payment.status != PaymentStatus.succeeded:
        applied = _apply_success(payment, intent_id=None, amount=amount, event_id=event_id)
        if applied != "succeeded":
            return f"refund not applied: {applied}"
    if amount != payment.amount:
        return f"partial refund {amount} of {payment.amount}: not handled, see reconciliation"
    now = clock.now()
    payment.refund_reason = payment.refund_reason or _("在 Stripe 后台退款")
    payment.failure_message = None  # an earlier refund attempt's failure is history now
    _move(payment, PaymentAction.refund, by=STRIPE, at=now, data={"event": event_id})
    ledger.post_refunded(payment, event_id=event_id, at=now)
    if payment.kind == PaymentKind.tranche:
        _tell_parties(payment, _("“%(title)s”的一笔合同款 %(amount)s 已退款", title=payment.contract.title,
                                 amount=format_cny(payment.amount)), public=True)
    return "refunded"


def confirm_refund_failed(payment: Payment, *, refund_id: str, status: str, reason: str | None,
                          event_id: str) -> str:
    """Stripe could not return the money (or the refund was canceled): the payment stays paid, the admin sees
    why in the payments list, and may ask again — with a new key, since Stripe answers the old one with the
    failed refund."""
    lock(payment)
    if payment.status != PaymentStatus.succeeded or payment.stripe_refund_id != refund_id:
        return f"ignored: refund {refund_id} {status} is not the pending refund"
    if payment.refund_requested_at is None:
        return "already applied"
    now = clock.now()
    payment.refund_requested_at, payment.updated_at = None, now
    outcome = _("已取消") if status == "canceled" else _("失败")
    payment.failure_message = _("退款%(outcome)s%(why)s，可重新申请退款", outcome=outcome,
                                why=f"（{reason}）" if reason else "")[:500]
    audit.record(STRIPE, "payment.refund_failed", payment, at=now,
                 data={"refund": refund_id, "status": status, "reason": reason or "", "event": event_id})
    return f"refund {status}"


# -- refunds and accounts (platform admin) ---------------------------------------------------------------------

def refund(payment: Payment, reason: str, *, by) -> Payment:
    """The platform admin refunds money that arrived, with a reason. It is final when Stripe's webhook says so."""
    if not policies.can_administer(by):
        raise NotPermitted(_("只有平台管理员可以退款"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请写明退款理由"), field="reason")
    lock(payment)
    if payment.status != PaymentStatus.succeeded:
        raise DomainError(_("只有已到账的款项可以退款"))
    if payment.refund_requested_at is not None:
        raise DomainError(_("已申请退款，正在等待 Stripe 确认"))
    # One key per refund attempt: the first is refund-<key>; after a failed refund the next one names the refund
    # that failed, which stays on the row until this request commits, so a retry after a lost response repeats it.
    key = f"refund-{payment.idempotency_key}"
    if payment.stripe_refund_id:
        key = f"{key}-after-{payment.stripe_refund_id}"
    payment.stripe_refund_id = gateway.refund(payment.stripe_payment_intent_id, metadata=stripe_metadata(payment),
                                              idempotency_key=key)
    now = clock.now()
    payment.failure_message = None
    payment.refund_reason, payment.refunded_by_id, payment.refund_requested_at = reason, by.id, now
    payment.updated_at = now
    audit.record(by, "payment.refund_requested", payment, at=now,
                 data={"reason": reason, "refund": payment.stripe_refund_id})
    return payment


def set_payer_method(body_id: int, customer: str, payment_method: str, *, by) -> PayerMethod:
    if not policies.can_administer(by):
        raise NotPermitted(_("只有平台管理员可以设置付款账户"))
    if not customer.startswith("cus_") or not payment_method.startswith(("pm_", "card_", "src_")):
        raise DomainError(_("请填写 Stripe 客户编号（cus_…）和支付方式编号（pm_…）"), field="customer")
    row = payer_method(body_id) or PayerMethod(body_id=body_id)
    row.stripe_customer_id, row.stripe_payment_method_id = customer, payment_method
    row.updated_at, row.updated_by_id = clock.now(), getattr(by, "id", None)
    db.session.add(row)
    db.session.flush()
    audit.record(by, "payment.payer_method_set", row, data={"body": body_id, "customer": customer})
    return row


def set_payee_account(organization_id: int, account: str, *, by) -> PayeeAccount:
    if not policies.can_administer(by):
        raise NotPermitted(_("只有平台管理员可以设置收款账户"))
    if not account.startswith("acct_"):
        raise DomainError(_("请填写 Stripe 关联账户编号（acct_…）"), field="account")
    row = payee_account(organization_id) or PayeeAccount(organization_id=organization_id)
    row.stripe_account_id, row.updated_at, row.updated_by_id = account, clock.now(), getattr(by, "id", None)
    db.session.add(row)
    db.session.flush()
    audit.record(by, "payment.payee_account_set", row, data={"organization": organization_id, "account": account})
    return row


def _tell_parties(payment: Payment, message: str, *, public: bool = False) -> None:
    """Both parties; with `public` (money that moved), also the project's followers."""
    contract = payment.contract
    if public:
        follows.announce_project(contract, message)
    link = external_url("contracts.show", contract_id=contract.id, _anchor="payments")
    tenders.tell_buyer(contract.tender, message)
    for membership in db.session.execute(select(Membership).where(
            Membership.organization_id == contract.organization_id)).scalars():
        notifications.notify(membership.user, message, link)
