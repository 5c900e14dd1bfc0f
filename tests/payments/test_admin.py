"""The platform admin's side: refunds with a reason, the payments list and CSV, accounts, reconciliation;
and a site without Stripe keys that explains itself and keeps working."""

import csv
import io

from sqlalchemy import select

from marketplace.common import clock
from marketplace.extensions import db
from marketplace.payments import ledger
from marketplace.payments.models import PayeeAccount, Payment, PaymentStatus, StripeEvent
from marketplace.payments.reconcile import reconcile
from marketplace.payments.services import release_tranche
from tests import factories
from tests.conftest import sign_in
from tests.payments.conftest import build_payable, code_for, event, signed


def _paid_tranche(payable, localstripe, deliver) -> Payment:
    payment = release_tranche(payable["milestone"], by=payable["buyer"], code=code_for(payable["buyer"]))
    db.session.commit()
    intent = localstripe.client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id).to_dict()
    assert deliver(event("payment_intent.succeeded", intent)).json["result"] == "succeeded"
    db.session.expire_all()
    return payment


def test_refund_by_the_platform_admin_with_a_reason(payable, localstripe, deliver, client):
    payment = _paid_tranche(payable, localstripe, deliver)
    sign_in(client, payable["buyer"])
    assert client.post(f"/payments/admin/{payment.id}/refund", data={"reason": "x"}).status_code == 403
    admin = sign_in(client, factories.user("platform_admin"))
    missing = client.post(f"/payments/admin/{payment.id}/refund", data={"reason": " "})
    assert missing.status_code == 400 and "此项必填" in missing.get_data(as_text=True)
    assert client.post(f"/payments/admin/{payment.id}/refund", data={"reason": "重复付款"}).status_code == 302
    db.session.expire_all()
    assert payment.status == PaymentStatus.succeeded  # until Stripe confirms
    assert payment.refund_reason == "重复付款" and payment.refunded_by_id == admin.id
    [made] = localstripe.client.v1.refunds.list({"payment_intent": payment.stripe_payment_intent_id}).data
    assert made.amount == int(payment.amount * 100) and made.id == payment.stripe_refund_id

    charge_id = localstripe.client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id).latest_charge
    charge = localstripe.client.v1.charges.retrieve(charge_id if isinstance(charge_id, str) else charge_id.id)
    assert deliver(event("charge.refunded", charge.to_dict())).json["result"] == "refunded"
    db.session.expire_all()
    assert payment.status == PaymentStatus.refunded
    assert ledger.tranches_paid(payable["contract"]) == 0 and ledger.unbalanced_postings() == []


def test_admin_list_filters_and_streams_csv(payable, localstripe, deliver, client):
    payment = _paid_tranche(payable, localstripe, deliver)
    sign_in(client, factories.user("platform_admin"))
    listed = client.get("/payments/admin?kind=tranche&status=succeeded").get_data(as_text=True)
    assert payable["contract"].reference in listed and "退款" in listed
    assert payable["contract"].reference not in client.get("/payments/admin?kind=donation").get_data(as_text=True)
    # buffered: the harness runs each request in its own context, which a lazily read stream would outlive
    exported = client.get("/payments/admin.csv?status=succeeded", buffered=True)
    assert exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [(r["id"], r["status"], r["amount"]) for r in rows] == [
        (str(payment.id), "succeeded", f"{payment.amount:.2f}")]


def test_admin_sets_the_organizations_connected_account(payable, client):
    sign_in(client, factories.user("platform_admin"))
    org_id = payable["contract"].organization_id
    bad = client.post("/payments/admin/accounts", data={"which": "payee", "payee-organization_id": org_id,
                                                        "payee-account": "not-an-account"})
    assert bad.status_code == 400 and "acct_" in bad.get_data(as_text=True)
    client.post("/payments/admin/accounts", data={"which": "payee", "payee-organization_id": org_id,
                                                  "payee-account": "acct_1QZsheltErOrg"})
    assert db.session.scalars(select(PayeeAccount.stripe_account_id)).all() == ["acct_1QZsheltErOrg"]


def test_reconcile_is_clean_and_then_finds_a_planted_difference(payable, localstripe, deliver, app):
    payment = _paid_tranche(payable, localstripe, deliver)
    today = clock.today()
    assert reconcile(today, today) == []
    stray = localstripe.client.v1.payment_intents.create({
        "amount": 12345, "currency": "cny", "payment_method": "pm_card_visa", "confirm": True})
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["payments", "reconcile", "--from", today.isoformat(),
                                                "--to", today.isoformat()])
    assert result.exit_code == 1, result.output
    assert "missing_locally" in result.output and stray.id in result.output
    assert payment.stripe_payment_intent_id not in result.output

    payment.amount = payment.amount + 1  # our record disagrees with Stripe (and with its own ledger posting)
    kinds = {d.kind for d in reconcile(today, today) if d.payment_id == payment.id}
    assert kinds == {"amount", "ledger"}


def test_without_keys_payment_buttons_explain_and_the_site_works(frozen_now, client, app):
    assert not app.config["STRIPE_SECRET_KEY"]
    parties = build_payable()
    contract, milestone = parties["contract"], parties["milestone"]
    assert "在线捐赠尚未开通" in client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    donate = client.get(f"/payments/contracts/{contract.id}/donate").get_data(as_text=True)
    assert "尚未配置在线支付" in donate and "继续付款" not in donate
    sign_in(client, parties["buyer"])
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "在线支付尚未配置" in page and f"/payments/milestones/{milestone.id}/release" not in page
    release = client.get(f"/payments/milestones/{milestone.id}/release").get_data(as_text=True)
    assert "在线支付尚未配置" in release and "确认付款" not in release
    client.post(f"/payments/milestones/{milestone.id}/release", data={"code": code_for(parties["buyer"])})
    assert db.session.scalars(select(Payment)).all() == []
    # Signed as if the secret were empty, at the current time: only the missing-secret check refuses it.
    body, headers = signed(event("customer.created", {"id": "cus_1", "object": "customer", "metadata": {}}), secret="")
    webhook = client.post("/payments/stripe/webhook", data=body, headers=headers)
    assert webhook.status_code == 400 and db.session.scalars(select(StripeEvent)).all() == []
    assert client.get("/contracts/").status_code == 200 and client.get("/").status_code == 200


def test_reconcile_sees_partial_and_dashboard_refunds(payable, localstripe, deliver):
    payment = _paid_tranche(payable, localstripe, deliver)
    today, intent_id = clock.today(), payment.stripe_payment_intent_id
    localstripe.client.v1.refunds.create({"payment_intent": intent_id, "amount": 10000})  # ¥100, in the Dashboard
    [partial] = reconcile(today, today)
    assert (partial.kind, partial.payment_id) == ("refund", payment.id) and "partial" in partial.detail

    rest = int(payment.amount * 100) - 10000
    localstripe.client.v1.refunds.create({"payment_intent": intent_id, "amount": rest})  # its webhook is lost
    [lost] = reconcile(today, today)
    assert lost.kind == "refund" and "webhook never reached us" in lost.detail

    charge_id = localstripe.client.v1.payment_intents.retrieve(intent_id).latest_charge
    charge = localstripe.client.v1.charges.retrieve(charge_id if isinstance(charge_id, str) else charge_id.id)
    assert deliver(event("charge.refunded", charge.to_dict())).json["result"] == "refunded"
    db.session.expire_all()
    assert reconcile(today, today) == []


def test_reconcile_lists_checkout_donations_left_processing_for_a_day(frozen_now, recorded, client):
    from datetime import timedelta

    project = build_payable()["contract"]
    client.post(f"/payments/contracts/{project.id}/donate", data={"amount": "20"})
    [stale] = db.session.scalars(select(Payment)).all()
    day = clock.today()
    assert reconcile(day, day) == []  # the donor may still be on Stripe's page
    clock.freeze(clock.now() + timedelta(days=1, minutes=1))
    client.post(f"/payments/contracts/{project.id}/donate", data={"amount": "30"})  # today's: not stale yet
    found = reconcile(day, clock.today())
    assert [(d.kind, d.payment_id) for d in found] == [("stale", stale.id)]


def test_csv_cells_that_look_like_formulas_are_quoted(frozen_now, client):
    from decimal import Decimal

    from marketplace.payments.models import PaymentKind

    project = build_payable()["contract"]
    for n, text in enumerate(("=HYPERLINK(\"http://evil.example\",\"点此\")", "+1", "-2", "@SUM(A1)", "\tx",
                              "\rx", "正常理由")):
        db.session.add(Payment(kind=PaymentKind.donation, status=PaymentStatus.failed, amount=Decimal("5.00"),
                               contract_id=project.id, idempotency_key=f"donation-csv-{n}", failure_message=text,
                               refund_reason=text, created_at=clock.now(), updated_at=clock.now()))
    sign_in(client, factories.user("platform_admin"))
    exported = client.get("/payments/admin.csv", buffered=True).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(exported, newline="")))
    assert [r["failure"] for r in rows] == ["正常理由", "'\rx", "'\tx", "'@SUM(A1)", "'-2", "'+1",
                                           "'=HYPERLINK(\"http://evil.example\",\"点此\")"]
    assert all(r["refund_reason"] == r["failure"] for r in rows) and rows[0]["amount"] == "5.00"
