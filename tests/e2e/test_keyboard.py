"""Keyboard only: signing in (with the second step), submitting a bid and rating a project with Tab, Shift+Tab,
Enter, Space and the arrow keys — no clicks, no fill() — and wherever the focus lands, it can be seen."""

import pytest
from playwright.sync_api import expect

from marketplace.security import current_totp
from tests import factories
from tests.e2e.conftest import PASSWORD, make_buyer, open_evaluation_with_resident, open_tender_with_bidder

pytestmark = pytest.mark.e2e

# What has the focus, and whether it shows: an outline (or a box-shadow) drawn while it matches :focus-visible.
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const label = el.labels && el.labels.length ? el.labels[0].innerText : (el.getAttribute('aria-label') || '');
  return {tag: el.tagName.toLowerCase(), name: el.getAttribute('name') || '', value: el.value || '',
          checked: !!el.checked, text: (el.innerText || '').trim(), label: label.trim(),
          focusVisible: el.matches(':focus-visible'),
          shown: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none'};
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def assert_focus_shows(page) -> dict:
    element = focused(page)
    assert element["tag"] != "body", "the focus was lost"
    assert element["focusVisible"] and element["shown"], f"focus is not visible on {element}"
    return element


def tab_to(page, matches, *, backwards: bool = False, limit: int = 80) -> dict:
    """Tab (or Shift+Tab) until the focused element satisfies `matches`; every stop on the way shows its focus."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        element = assert_focus_shows(page)
        if matches(element):
            return element
    raise AssertionError("never reached the element")


def go(page, key: str = "Enter") -> None:
    """Press a key that follows a link or sends a form, and wait for the next page."""
    with page.expect_navigation():
        page.keyboard.press(key)


def named(name: str):
    return lambda element: element["name"] == name


def text(words: str):
    return lambda element: element["text"] == words


def sign_in_by_keyboard(page, server, email: str, password: str, *, secret: str | None = None) -> None:
    page.goto(server.url + "/login")
    assert assert_focus_shows(page)["name"] == "email"  # the field has the focus as the page opens
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert assert_focus_shows(page)["name"] == "password"
    page.keyboard.type(password)
    tab_to(page, text("登录"))
    go(page)
    if secret:
        expect(page.get_by_role("heading", name="两步验证")).to_be_visible()
        assert assert_focus_shows(page)["name"] == "code"
        page.keyboard.type(current_totp(secret))
        tab_to(page, text("验证并登录"))
        go(page, "Space")


def test_a_buyer_signs_in_with_the_second_step_and_reaches_the_account_page(live_server, page):
    secret = make_buyer(live_server.app, "keyboard.buyer@example.cn", name="周敏")
    page.goto(live_server.url + "/")
    skip = tab_to(page, lambda element: element["tag"] == "a")
    assert skip["text"] == "跳到正文"  # the first stop on every page
    shift_back = tab_to(page, text("登录"))  # the header's sign-in link, past the site navigation
    assert shift_back["tag"] == "a"
    tab_to(page, text("首页"), backwards=True)  # and back again with Shift+Tab
    tab_to(page, text("登录"))
    go(page)
    expect(page.get_by_role("heading", name="登录")).to_be_visible()

    sign_in_by_keyboard(page, live_server, "keyboard.buyer@example.cn", PASSWORD, secret=secret)
    expect(page.get_by_text("欢迎回来，周敏")).to_be_visible()
    tab_to(page, text("周敏"))  # the account menu (a <details>)
    page.keyboard.press("Enter")
    tab_to(page, text("我的账号"))
    go(page)
    expect(page.get_by_role("heading", name="我的账号")).to_be_visible()


def test_an_organization_submits_a_bid_by_keyboard(own_live_server, page):
    tender_id = open_tender_with_bidder(own_live_server.app, email="keyboard.bidder@example.cn")
    sign_in_by_keyboard(page, own_live_server, "keyboard.bidder@example.cn", PASSWORD)
    expect(page.get_by_text("欢迎回来", exact=False)).to_be_visible()

    page.goto(f"{own_live_server.url}/tenders/{tender_id}")
    tab_to(page, text("我要投标"))
    go(page)
    expect(page.get_by_text("符合全部必备条件，可以投标。")).to_be_visible()

    tab_to(page, named("price"))
    page.keyboard.type("268000")
    tab_to(page, named("breakdown-0-item"))  # past the scrollable table, which takes the focus too
    page.keyboard.type("人员经费")
    page.keyboard.press("Tab")
    assert assert_focus_shows(page)["name"] == "breakdown-0-amount"
    page.keyboard.type("268000")
    for _ in range(3):  # one proposal per non-price criterion
        tab_to(page, lambda element: element["name"].startswith("proposal-"))
        page.keyboard.type("每周两次上门探访，建立长者档案")
    tab_to(page, named("team-0-fact_id"))
    page.keyboard.press("ArrowDown")  # a closed select changes its choice with the arrow keys
    assert focused(page)["value"] != ""
    expect(page.get_by_label("持证社会工作者 1")).to_have_value(focused(page)["value"])
    tab_to(page, named("team-0-role"))
    page.keyboard.type("项目主管")
    tab_to(page, text("提交投标"))
    go(page)

    expect(page.get_by_role("heading", name="投标回执")).to_be_visible()
    assert len(page.locator("code.secret").inner_text()) == 64


def test_a_resident_rates_a_project_with_the_arrow_keys(own_live_server, page):
    evaluation_id, title = open_evaluation_with_resident(own_live_server.app, email="keyboard.resident@example.cn")
    sign_in_by_keyboard(page, own_live_server, "keyboard.resident@example.cn", factories.PASSWORD)
    expect(page.get_by_text("欢迎回来", exact=False)).to_be_visible()

    page.goto(f"{own_live_server.url}/outcomes/rate")
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    tab_to(page, text("去评价"))
    go(page)

    star = tab_to(page, named("stars"))  # the group takes one stop; the arrows move within it
    assert star["value"] == "5" and not star["checked"]
    page.keyboard.press("ArrowDown")
    assert (focused(page)["value"], focused(page)["checked"]) == ("4", True)
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    assert assert_focus_shows(page)["value"] == "1"  # down to one star
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowRight")  # right moves on, like down
    assert_focus_shows(page)
    assert (focused(page)["value"], focused(page)["checked"]) == ("2", True)
    page.keyboard.press("ArrowLeft")
    assert (focused(page)["value"], focused(page)["checked"]) == ("3", True)

    page.keyboard.press("Tab")
    assert assert_focus_shows(page)["name"] == "comment"
    page.keyboard.type("送餐准时，饭菜热乎")
    tab_to(page, text("提交评价"))
    go(page)
    expect(page.get_by_text("感谢您的评价")).to_be_visible()

    page.goto(f"{own_live_server.url}/outcomes/evaluations/{evaluation_id}/rate")
    expect(page.get_by_text("您已评价过本阶段（3 星）", exact=False)).to_be_visible()
