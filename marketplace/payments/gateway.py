"""The one module that talks to Stripe (and the only `import stripe`).

Everything else passes Decimal yuan and plain values; integer fen exist only here, at the edge. A client is
built per call from the app config, so a test can point it at a local Stripe-compatible server
(STRIPE_API_BASE) or hand it a recorded-response HTTP client (STRIPE_HTTP_CLIENT).
"""

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import stripe
from flask import current_app
from flask_babel import gettext as _

from marketplace.common.money import from_fen, to_fen
from marketplace.errors import DomainError

SIGNATURE_TOLERANCE_SECONDS = 300  # what Stripe's own libraries accept; older deliveries may be replays


class GatewayUnavailable(DomainError):
    """Stripe could not be reached or refused the request for a reason the person cannot fix."""


class InvalidSignature(Exception):
    pass


@dataclass
class Intent:
    """What we keep of a Stripe PaymentIntent."""

    id: str
    amount: Decimal
    currency: str
    status: str
    metadata: dict = field(default_factory=dict)
    created: int = 0
    client_secret: str | None = None
    error_message: str | None = None
    destination: str | None = None  # the connected account of a destination charge
    amount_refunded: Decimal = Decimal("0.00")  # from its latest charge, when Stripe sent the charge along


@dataclass
class Declined:
    """The card or bank said no: a normal outcome, shown to the payer, not an error of ours."""

    message: str
    code: str | None = None
    payment_intent_id: str | None = None


def configured() -> bool:
    """Payments need both the secret key (to create objects) and the webhook secret (to learn the outcome)."""
    return bool(current_app.config.get("STRIPE_SECRET_KEY") and current_app.config.get("STRIPE_WEBHOOK_SECRET"))


def is_local_test_server() -> bool:
    """True when STRIPE_API_BASE points at a server on this machine (localstripe): the only case where the
    PaymentIntent donation flow may confirm with a Stripe test payment method instead of Stripe.js."""
    base = current_app.config.get("STRIPE_API_BASE") or ""
    return base.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))


def _client() -> stripe.StripeClient:
    if not configured():
        raise GatewayUnavailable(_("在线支付尚未配置，请联系平台管理员"))
    options = {}
    if current_app.config.get("STRIPE_API_BASE"):
        options["base_addresses"] = {"api": current_app.config["STRIPE_API_BASE"]}
    if current_app.config.get("STRIPE_HTTP_CLIENT") is not None:
        options["http_client"] = current_app.config["STRIPE_HTTP_CLIENT"]
    return stripe.StripeClient(current_app.config["STRIPE_SECRET_KEY"], max_network_retries=2, **options)


def _plain(obj) -> dict:
    """The SDK's StripeObject as a plain dict (it no longer behaves as one)."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj or {})


def _intent(obj) -> Intent:
    obj = _plain(obj)
    error = obj.get("last_payment_error") or {}
    charge = obj.get("latest_charge")
    return Intent(id=obj["id"], amount=from_fen(obj["amount"]), currency=obj["currency"], status=obj["status"],
                  metadata=dict(obj.get("metadata") or {}), created=obj.get("created") or 0,
                  client_secret=obj.get("client_secret"), error_message=error.get("message"),
                  destination=(obj.get("transfer_data") or {}).get("destination"),
                  amount_refunded=from_fen(charge.get("amount_refunded") or 0) if isinstance(charge, dict)
                  else from_fen(0))


def _unavailable(exc: stripe.StripeError) -> GatewayUnavailable:
    current_app.logger.warning("stripe request failed: %s", exc)
    return GatewayUnavailable(_("支付服务暂时无法完成请求，请稍后重试（重试不会重复扣款）"))


def charge_saved_method(amount: Decimal, *, customer: str, payment_method: str, destination: str | None,
                        metadata: dict, idempotency_key: str) -> Intent | Declined:
    """Create and confirm a PaymentIntent against a saved customer payment method (an off-session charge)."""
    params = {"amount": to_fen(amount), "currency": "cny", "customer": customer, "payment_method": payment_method,
              "payment_method_types": ["card"], "confirm": True, "off_session": True,
              "metadata": {k: str(v) for k, v in metadata.items()}}
    if destination:
        params["transfer_data"] = {"destination": destination}
    try:
        return _intent(_client().v1.payment_intents.create(params, {"idempotency_key": idempotency_key}))
    except stripe.CardError as exc:
        intent = _plain(exc.error).get("payment_intent") if exc.error else None
        return Declined(message=exc.user_message or str(exc), code=exc.code,
                        payment_intent_id=intent.get("id") if isinstance(intent, dict) else None)
    except stripe.StripeError as exc:
        raise _unavailable(exc) from exc


def create_intent(amount: Decimal, *, metadata: dict, idempotency_key: str, receipt_email: str | None) -> Intent:
    """An unconfirmed PaymentIntent for a payer who is present (the PaymentIntent donation flow)."""
    params = {"amount": to_fen(amount), "currency": "cny", "payment_method_types": ["card"],
              "metadata": {k: str(v) for k, v in metadata.items()}}
    if receipt_email and not is_local_test_server():  # localstripe does not know the parameter
        params["receipt_email"] = receipt_email
    try:
        return _intent(_client().v1.payment_intents.create(params, {"idempotency_key": idempotency_key}))
    except stripe.StripeError as exc:
        raise _unavailable(exc) from exc


def confirm_with_test_method(intent_id: str, payment_method: str, *, idempotency_key: str) -> Intent | Declined:
    """Attach a Stripe *test* payment method (e.g. pm_card_visa) and confirm. Only for a local test server:
    real card details are collected by Stripe.js or Checkout, never by our pages."""
    if not is_local_test_server():
        raise GatewayUnavailable(_("此支付方式仅用于本地测试服务器"))
    client = _client()
    try:
        client.v1.payment_intents.update(intent_id, {"payment_method": payment_method})
        return _intent(client.v1.payment_intents.confirm(intent_id, None, {"idempotency_key": idempotency_key}))
    except stripe.CardError as exc:
        return Declined(message=exc.user_message or str(exc), code=exc.code, payment_intent_id=intent_id)
    except stripe.StripeError as exc:
        raise _unavailable(exc) from exc


def create_checkout_session(amount: Decimal, *, name: str, metadata: dict, idempotency_key: str,
                            success_url: str, cancel_url: str, email: str | None) -> tuple[str, str]:
    """A hosted Stripe Checkout page for one payment; returns (session id, the URL to send the payer to)."""
    meta = {k: str(v) for k, v in metadata.items()}
    params = {"mode": "payment", "success_url": success_url, "cancel_url": cancel_url,
              "client_reference_id": meta.get("payment_key"), "metadata": meta,
              "payment_intent_data": {"metadata": meta},
              "line_items": [{"quantity": 1, "price_data": {"currency": "cny", "unit_amount": to_fen(amount),
                                                            "product_data": {"name": name[:250]}}}]}
    if email:
        params["customer_email"] = email
    try:
        session = _client().v1.checkout.sessions.create(params, {"idempotency_key": idempotency_key})
    except stripe.StripeError as exc:
        raise _unavailable(exc) from exc
    return session["id"], session["url"]


def refund(intent_id: str, *, metadata: dict, idempotency_key: str) -> str:
    """Refund a PaymentIntent in full; returns the refund id. The outcome arrives by webhook.

    A destination charge moved the money on to the organization's connected account: without
    `reverse_transfer` Stripe would refund the payer out of the platform's balance and the organization would
    keep the tranche, while our ledger says it gave it back. Whether it was one is read from the PaymentIntent
    itself (not from today's payee settings), so a retry sends the same parameters with the same key."""
    client = _client()
    try:
        intent = _plain(client.v1.payment_intents.retrieve(intent_id))
        params = {"payment_intent": intent_id, "metadata": {k: str(v) for k, v in metadata.items()}}
        if (intent.get("transfer_data") or {}).get("destination"):
            params["reverse_transfer"] = True
        made = client.v1.refunds.create(params, {"idempotency_key": idempotency_key})
    except stripe.StripeError as exc:
        raise _unavailable(exc) from exc
    return made["id"]


def retrieve_intent(intent_id: str) -> Intent | None:
    """One PaymentIntent with its latest charge (for what was refunded), or None when Stripe has no such id."""
    try:
        return _intent(_client().v1.payment_intents.retrieve(intent_id, {"expand": ["latest_charge"]}))
    except stripe.InvalidRequestError as exc:
        if exc.http_status == 404:
            return None
        raise _unavailable(exc) from exc
    except stripe.StripeError as exc:
        raise _unavailable(exc) from exc


def list_intents(start: datetime, end: datetime) -> list[Intent]:
    """PaymentIntents created in [start, end), each with its latest charge (for what was refunded)."""
    low, high = int(start.timestamp()), int(end.timestamp())
    client = _client()
    expand = ["data.latest_charge"]
    try:
        try:
            page = client.v1.payment_intents.list({"limit": 100, "created": {"gte": low, "lt": high},
                                                   "expand": expand})
        except stripe.InvalidRequestError:
            # localstripe lists PaymentIntents but refuses the `created` filter; we filter below anyway.
            page = client.v1.payment_intents.list({"limit": 100, "expand": expand})
        found = [_intent(obj) for obj in page.auto_paging_iter()]
    except stripe.StripeError as exc:
        raise _unavailable(exc) from exc
    return [intent for intent in found if low <= intent.created < high]


def verify_signature(payload: bytes, header: str, secret: str, now: datetime) -> None:
    """Check a `Stripe-Signature: t=…,v1=…` header the way Stripe signs: HMAC-SHA256(secret, "t.payload"),
    within SIGNATURE_TOLERANCE_SECONDS of our clock. Raises InvalidSignature.

    While a webhook secret is being rolled Stripe signs with both and sends one `v1=` per secret: any may match.
    The header is whatever the sender wrote, so it is compared as bytes (`compare_digest` refuses non-ASCII
    text) and its timestamp must be ASCII digits (`int()` would take other scripts' digits)."""
    if not secret or not header:
        raise InvalidSignature("missing signature or secret")
    pairs = [part.split("=", 1) for part in header.split(",") if "=" in part]
    timestamps = [value.strip() for key, value in pairs if key.strip() == "t"]
    signatures = [value.strip().encode("utf-8", "surrogateescape") for key, value in pairs if key.strip() == "v1"]
    if len(timestamps) != 1 or not (timestamps[0].isascii() and timestamps[0].isdigit()) or not signatures:
        raise InvalidSignature("malformed header")
    timestamp = int(timestamps[0])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest().encode()
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise InvalidSignature("no matching signature")
    if abs(now.timestamp() - timestamp) > SIGNATURE_TOLERANCE_SECONDS:
        raise InvalidSignature("timestamp outside the tolerance")


def yuan_from_fen(value: int) -> Decimal:
    return from_fen(value)
