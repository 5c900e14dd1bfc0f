"""Chinese first, complete English: every string is translated and English pages carry no Chinese."""

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u3400-\u9fff]")
# Text that stays Chinese on purpose: the button that switches back to Chinese.
ALLOWED_CHINESE = {"中文"}


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.chunks, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("alt", "aria-label", "title", "placeholder") and value:
                self.chunks.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.chunks.append(data.strip())


def chinese_left(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return [c for c in parser.chunks if CJK.search(c) and c not in ALLOWED_CHINESE]


def test_every_message_in_the_code_has_an_english_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run([str(pybabel), "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext",
                    "-o", str(pot), "."], cwd=ROOT, check=True)
    template = read_po(pot.open("rb"))
    english = read_po((ROOT / "translations/en/LC_MESSAGES/messages.po").open("rb"))
    missing = [m.id for m in template if m.id and not (english.get(m.id) and english.get(m.id).string)]
    assert missing == [], f"untranslated: {missing}"
    fuzzy = [m.id for m in english if m.id and m.fuzzy]
    assert fuzzy == []


def _english(client):
    client.post("/language", data={"lang": "en", "next": "/"})


@pytest.mark.parametrize("path", ["/", "/about", "/login", "/register", "/forgot-password", "/regions/",
                                  "/catalogs/", "/no-such-page"])
def test_public_pages_in_english_have_no_chinese_left(client, path):
    _english(client)
    html = client.get(path).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert chinese_left(html) == []


@pytest.mark.parametrize("path", ["/account", "/admin/users", "/admin/audit/", "/admin/settings/",
                                  "/staff/invite", "/notifications/"])
def test_signed_in_pages_in_english_have_no_chinese_left(client, login_as, path):
    login_as("platform_admin", name="Admin")
    _english(client)
    html = client.get(path).get_data(as_text=True)
    assert chinese_left(html) == []


def test_catalog_administration_pages_in_english(client, login_as, make_body):
    from marketplace.regions.models import BodyKind

    login_as("catalog_admin", name="Liu", body_=make_body(BodyKind.civil_affairs, "110101", name="Bureau"))
    _english(client)
    for path in ("/catalogs/manage/", "/catalogs/manage/budget"):
        assert chinese_left(client.get(path).get_data(as_text=True)) == []


def test_switching_back_to_chinese(client):
    _english(client)
    client.post("/language", data={"lang": "zh_CN", "next": "/"})
    assert "政府购买社会服务" in client.get("/").get_data(as_text=True)


def test_forbidden_page_in_both_languages(client, login_as):
    login_as("resident", name="Resident")
    assert "没有权限" in client.get("/admin/users").get_data(as_text=True)
    _english(client)
    page = client.get("/admin/users")
    html = page.get_data(as_text=True)
    assert page.status_code == 403 and "Access denied" in html
    assert chinese_left(html) == []


def test_server_error_page_in_both_languages(tmp_path):
    from marketplace.cli import reset_database
    from tests.conftest import make_test_app

    app = make_test_app(f"sqlite:///{tmp_path / 'errors.db'}", SHOW_500=True)

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaput")

    with app.app_context():
        reset_database()
    client = app.test_client()
    chinese = client.get("/boom")
    assert chinese.status_code == 500 and "服务器出错了" in chinese.get_data(as_text=True)
    _english(client)
    english = client.get("/boom").get_data(as_text=True)
    assert "Server error" in english and chinese_left(english) == []
