"""Payment fixtures: localstripe in its own process on 127.0.0.1, the app pointed at it (or at recorded
responses), a payable milestone, Stripe-signed webhook deliveries and a live server to receive localstripe's."""

import hashlib
import hmac
import io
import json
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
import stripe
from flask import request_finished
from werkzeug.serving import make_server

from marketplace import security
from marketplace.common import clock
from marketplace.extensions import db
from marketplace.payments.models import PayerMethod
from tests.contracts.conftest import build_active_contract
from tests.payments.recorded import RecordedStripe

SECRET_KEY = "sk_test_localstripe"
WEBHOOK_SECRET = "whsec_test_zhengshe"


class LocalStripe:
    def __init__(self):
        self.process = subprocess.Popen([sys.executable, str(Path(__file__).with_name("localstripe_server.py"))],
                                        stdout=subprocess.PIPE, text=True)
        self.url = f"http://127.0.0.1:{int(self.process.stdout.readline())}"
        self.client = stripe.StripeClient(SECRET_KEY, base_addresses={"api": self.url})

    def post(self, path: str, data: dict | None = None) -> None:
        body = urllib.parse.urlencode(data or {}).encode()
        urllib.request.urlopen(urllib.request.Request(self.url + path, data=body, method="POST"), timeout=5)

    def flush(self) -> None:
        assert self.process.poll() is None, f"localstripe exited with status {self.process.returncode}"
        urllib.request.urlopen(urllib.request.Request(self.url + "/_config/data", method="DELETE"), timeout=5)

    def intents(self) -> list:
        return list(self.client.v1.payment_intents.list({"limit": 100}).auto_paging_iter())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=5)


@pytest.fixture(scope="session")
def localstripe_server():
    server = LocalStripe()
    yield server
    server.stop()


@pytest.fixture
def localstripe(app, localstripe_server):
    """The app talks to localstripe for this test; its store starts empty."""
    localstripe_server.flush()
    previous = {key: app.config.get(key) for key in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE",
                                                      "STRIPE_HTTP_CLIENT", "PAYMENTS_DONATION_FLOW")}
    app.config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                      STRIPE_API_BASE=localstripe_server.url, STRIPE_HTTP_CLIENT=None,
                      PAYMENTS_DONATION_FLOW="payment_intent")
    yield localstripe_server
    app.config.update(previous)


@pytest.fixture
def recorded(app):
    """The app talks to "api.stripe.com" through recorded responses (Checkout, Connect)."""
    client = RecordedStripe()
    previous = {key: app.config.get(key) for key in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE",
                                                      "STRIPE_HTTP_CLIENT", "PAYMENTS_DONATION_FLOW")}
    app.config.update(STRIPE_SECRET_KEY="sk_test_recorded", STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, STRIPE_API_BASE="",
                      STRIPE_HTTP_CLIENT=client, PAYMENTS_DONATION_FLOW="checkout")
    yield client
    app.config.update(previous)


def build_payable(payer_customer: str = "cus_recorded", payer_method: str = "pm_card_visa") -> dict:
    """An active contract whose first milestone passed its evaluation, the buyer body with a payment method,
    and the clock back on real time (localstripe signs its webhooks with the real time)."""
    parties = build_active_contract()
    contract = parties["contract"]
    clock.unfreeze()
    milestone = contract.milestones[0]
    milestone.evaluation_passed_at = clock.now() - timedelta(hours=1)  # what the outcomes domain records
    db.session.add(PayerMethod(body_id=contract.buyer_id, stripe_customer_id=payer_customer,
                               stripe_payment_method_id=payer_method, updated_at=clock.now()))
    db.session.commit()  # into the test's savepoint: a refused request rolls back only its own work
    return parties | {"milestone": milestone}


@pytest.fixture
def payable(frozen_now, localstripe):
    """A payable tranche whose buyer body pays with a card saved at localstripe (pm_card_visa)."""
    customer = localstripe.client.v1.customers.create({"name": "东城区民政局"})
    method = localstripe.client.v1.payment_methods.attach("pm_card_visa", {"customer": customer.id})
    return build_payable(customer.id, method.id)


def code_for(user) -> str:
    return security.current_totp(user.totp_secret)


def release_with_lost_response(recorded) -> dict:
    """A payable tranche whose first release reached Stripe but lost the answer: the request said "try again
    later" and rolled back, while Stripe kept the PaymentIntent."""
    from marketplace.errors import DomainError
    from marketplace.payments.services import release_tranche

    parties = build_payable()
    recorded.drop_responses = 1
    with pytest.raises(DomainError, match="稍后重试"):
        release_tranche(parties["milestone"], by=parties["buyer"], code=code_for(parties["buyer"]))
    db.session.rollback()
    return parties


def signed(payload: dict | bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> tuple[bytes, dict]:
    """A body and headers exactly as Stripe sends them: t=<unix time>,v1=HMAC-SHA256(secret, "t.body")."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    stamp = int(clock.now().timestamp()) if at is None else at
    signature = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Stripe-Signature": f"t={stamp},v1={signature}", "Content-Type": "application/json"}


def event(event_type: str, obj: dict, event_id: str | None = None) -> dict:
    return {"id": event_id or f"evt_test_{abs(hash((event_type, obj.get('id'), time.time()))):x}",
            "object": "event", "api_version": "2025-03-31.basil", "created": int(clock.now().timestamp()),
            "livemode": False, "pending_webhooks": 1, "type": event_type, "data": {"object": obj}}


@pytest.fixture
def deliver(client):
    """POST a signed event to the webhook endpoint; returns the response."""
    def post(payload, **kwargs):
        body, headers = signed(payload, **kwargs)
        return client.post("/payments/stripe/webhook", data=body, headers=headers)
    return post


class WebhookReceiver:
    """The app served on 127.0.0.1 for localstripe's webhook deliveries. It shares the test's connection, so
    the test waits (without touching the database) until each expected delivery has been handled."""

    def __init__(self, app, localstripe):
        self.app, self.localstripe = app, localstripe
        self.server = make_server("127.0.0.1", 0, self._current_only, threaded=False)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.url = self.base + "/payments/stripe/webhook"
        self.handled: list[bytes] = []
        self.arrived = threading.Condition()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        request_finished.connect(self._finished, app)

    def _current_only(self, environ, start_response):
        """localstripe sends each event a second after it happens, to whatever webhook is registered then: an
        event of an earlier test (whose objects the flushed store no longer holds) is dropped here."""
        if environ.get("PATH_INFO") != "/payments/stripe/webhook":
            return self.app(environ, start_response)  # a browser's page
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        try:
            self.localstripe.client.v1.payment_intents.retrieve(json.loads(body)["data"]["object"]["id"])
        except (stripe.InvalidRequestError, KeyError, ValueError):
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"stale delivery dropped by the test receiver"]
        return self.app(environ, start_response)

    def _finished(self, sender, response, **extra):
        from flask import request

        if request.path == "/payments/stripe/webhook":
            with self.arrived:
                self.handled.append(request.get_data())
                self.arrived.notify_all()

    def wait_for(self, event_type: str, timeout: float = 10.0) -> dict:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                for body in self.handled:
                    data = json.loads(body)
                    if data["type"] == event_type:
                        self.handled.remove(body)
                        time.sleep(0.05)  # let the server thread finish its teardown before we use the connection
                        return data
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {event_type} webhook within {timeout}s")
                self.arrived.wait(left)

    def stop(self):
        request_finished.disconnect(self._finished, self.app)
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def webhooks(app, localstripe):
    """localstripe delivers payment_intent events, signed with our webhook secret, to the live app."""
    receiver = WebhookReceiver(app, localstripe)
    receiver.thread.start()
    localstripe.post("/_config/webhooks/zhengshe", {
        "url": receiver.url, "secret": WEBHOOK_SECRET,
        "events[0]": "payment_intent.succeeded", "events[1]": "payment_intent.payment_failed"})
    yield receiver
    localstripe.post("/_config/webhooks/zhengshe", {"url": "http://127.0.0.1:9/", "secret": "off", "events[0]": "none"})
    receiver.stop()
