"""Recorded Stripe responses for the flows localstripe does not implement (Checkout Sessions, Connect
destination charges), served to the real SDK through its `http_client` hook.

The bodies are trimmed copies of what the current Stripe API returns (API version 2025-xx "basil" shape:
Checkout creates its PaymentIntent lazily, so `payment_intent` is null until the session completes). Like
Stripe, the client remembers idempotency keys and answers a repeated key with the first response, and refuses
(400 idempotency_error) a repeated key sent with other parameters.
"""

import itertools
import json
import time
from urllib.parse import parse_qsl, urlsplit

import stripe

_ids = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}_test_{next(_ids):06d}RecordedA1b2C3"


def _form(post_data) -> dict:
    if not post_data:
        return {}
    text = post_data.decode() if isinstance(post_data, bytes) else post_data
    return dict(parse_qsl(text, keep_blank_values=True))


def payment_intent(form: dict, status: str) -> dict:
    metadata = {k[len("metadata["):-1]: v for k, v in form.items() if k.startswith("metadata[")}
    destination = form.get("transfer_data[destination]")
    return {
        "id": _id("pi"), "object": "payment_intent", "amount": int(form["amount"]),
        "amount_capturable": 0, "amount_received": int(form["amount"]) if status == "succeeded" else 0,
        "capture_method": "automatic_async", "client_secret": "pi_secret_recorded", "confirmation_method": "automatic",
        "created": int(time.time()), "currency": form["currency"], "customer": form.get("customer"),
        "latest_charge": _id("ch") if status == "succeeded" else None, "livemode": False,
        "last_payment_error": None, "metadata": metadata, "next_action": None,
        "payment_method": form.get("payment_method"), "payment_method_types": ["card"], "status": status,
        "transfer_data": {"destination": destination} if destination else None,
        "transfer_group": f"group_{form.get('metadata[payment_key]')}" if destination else None,
    }


def charge(intent: dict) -> dict:
    return {"id": intent["latest_charge"], "object": "charge", "amount": intent["amount"],
            "amount_captured": intent["amount"], "amount_refunded": 0, "captured": True,
            "currency": intent["currency"], "metadata": {}, "paid": True, "payment_intent": intent["id"],
            "refunded": False, "status": "succeeded", "created": intent["created"],
            "transfer_data": intent["transfer_data"]}


def refund(form: dict, intent: dict) -> dict:
    metadata = {k[len("metadata["):-1]: v for k, v in form.items() if k.startswith("metadata[")}
    return {"id": _id("re"), "object": "refund", "amount": int(form.get("amount") or intent["amount"]),
            "charge": intent["latest_charge"], "created": int(time.time()), "currency": intent["currency"],
            "failure_reason": None, "metadata": metadata, "payment_intent": intent["id"], "status": "pending",
            "transfer_reversal": None}


def checkout_session(form: dict) -> dict:
    session_id = _id("cs")
    metadata = {k[len("metadata["):-1]: v for k, v in form.items() if k.startswith("metadata[")}
    amount = int(form["line_items[0][price_data][unit_amount]"])
    return {
        "id": session_id, "object": "checkout.session", "amount_subtotal": amount, "amount_total": amount,
        "cancel_url": form.get("cancel_url"),
        "client_reference_id": form.get("client_reference_id"), "created": int(time.time()), "currency": "cny",
        "customer_email": form.get("customer_email"), "expires_at": int(time.time()) + 86400, "livemode": False,
        "metadata": metadata, "mode": "payment", "payment_intent": None, "payment_status": "unpaid",
        "status": "open", "success_url": form.get("success_url"),
        "url": f"https://checkout.stripe.com/c/pay/{session_id}#fidkdWxOYHwnPyd1blpxYHZxWjA0",
    }


def completed_session(session: dict, intent_id: str) -> dict:
    """The same session as `checkout.session.completed` carries it."""
    return session | {"payment_intent": intent_id, "payment_status": "paid", "status": "complete", "url": None}


class RecordedStripe(stripe.HTTPClient):
    """Answers the SDK from the shapes above; keeps every request so tests can read what was sent."""

    name = "recorded"

    def __init__(self):
        super().__init__()
        self.requests: list[dict] = []
        self.objects: dict[str, dict] = {}
        self.by_key: dict[str, dict] = {}
        self.sent_with_key: dict[str, tuple] = {}
        self.drop_responses = 0  # answer this many requests with a lost connection (after doing the work)

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        path, form, query = parts.path, _form(post_data), _form(parts.query)
        key = (headers or {}).get("Idempotency-Key")
        self.requests.append({"method": method, "path": path, "form": form, "idempotency_key": key})
        body, status = self._answer(method, path, form, key, query)
        if self.drop_responses:
            self.drop_responses -= 1
            raise stripe.APIConnectionError("recorded: connection reset before the response arrived")
        return json.dumps(body), status, {"request-id": "req_recorded"}

    def _answer(self, method, path, form, key, query):
        if method == "post" and key and key in self.by_key:
            if self.sent_with_key[key] != (path, form):
                return {"error": {"type": "idempotency_error", "message": (
                    "Keys for idempotent requests can only be used with the same parameters they were first "
                    f"used with. Try using a key other than '{key}' if you meant to execute a different "
                    "request.")}}, 400
            return self.by_key[key], 200
        if method == "post" and path == "/v1/payment_intents":
            body = payment_intent(form, "succeeded" if form.get("confirm") == "true" else "requires_payment_method")
            if body["latest_charge"]:
                self.objects[body["latest_charge"]] = charge(body)
        elif method == "post" and path == "/v1/checkout/sessions":
            body = checkout_session(form)
        elif method == "post" and path == "/v1/refunds" and form.get("payment_intent") in self.objects:
            body = refund(form, self.objects[form["payment_intent"]])
        elif method == "get" and path == "/v1/payment_intents":
            intents = [self._expanded(i, query) for i in self.created("/v1/payment_intents")]
            return {"object": "list", "data": intents, "has_more": False, "url": path}, 200
        elif method == "get" and path.startswith("/v1/payment_intents/") and path.split("/")[-1] in self.objects:
            return self._expanded(self.objects[path.split("/")[-1]], query), 200
        else:
            return {"error": {"type": "invalid_request_error", "message": f"Unrecorded request {method} {path}"}}, 404
        self.objects[body["id"]] = body
        if key:
            self.by_key[key], self.sent_with_key[key] = body, (path, form)
        return body, 200

    def _expanded(self, intent: dict, query: dict) -> dict:
        """`expand[]=latest_charge` (or `data.latest_charge` on a list) embeds the charge, as Stripe does."""
        wanted = {value.removeprefix("data.") for key, value in query.items() if key.startswith("expand")}
        if "latest_charge" in wanted and intent["latest_charge"]:
            return intent | {"latest_charge": self.objects[intent["latest_charge"]]}
        return intent

    def created(self, path: str) -> list[dict]:
        kind = {"/v1/payment_intents": "payment_intent", "/v1/checkout/sessions": "checkout.session",
                "/v1/refunds": "refund"}[path]
        return [obj for obj in self.objects.values() if obj["object"] == kind]

    def close(self):
        pass
