"""Browser tests: Debian's Chromium driven by Playwright against a live server on 127.0.0.1."""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from marketplace.cli import reset_database
from marketplace.extensions import db
from tests.conftest import make_test_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(autouse=True)
def _transaction():
    """The live server owns its own database; there is no per-test transaction to roll back."""
    yield


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


def _serve(path):
    app = make_test_app(f"sqlite:///{path}")
    with app.app_context():
        reset_database()
    server = LiveServer(app)
    server.start()
    return server


def _stop(server) -> None:
    server.stop()
    with server.app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    server = _serve(tmp_path_factory.mktemp("live") / "live.db")
    yield server
    _stop(server)


@pytest.fixture
def own_live_server(tmp_path):
    """A server with a database of its own, for a story whose reference data would collide with others'."""
    server = _serve(tmp_path / "own.db")
    yield server
    _stop(server)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (see .ci/run); browser tests never skip.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page):
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


PASSWORD = "a-good-password-1"


def sign_in(page, server, email: str, *, secret: str | None = None, password: str = PASSWORD) -> None:
    """Sign in through the form, with the second step when the account has a TOTP secret."""
    import pyotp

    page.goto(server.url + "/login")
    page.get_by_label("电子邮箱").fill(email)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    if secret:
        page.get_by_label("验证码").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="验证并登录").click()
