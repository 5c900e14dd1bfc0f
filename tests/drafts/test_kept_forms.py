"""A long form posted after the session ran out is kept, and saved as its author's draft once they sign in again,
on that browser and for them alone."""

import io
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from marketplace.bids import services as bids
from marketplace.bids.models import Bid, BidStatus
from marketplace.common import clock
from marketplace.drafts.jobs import purge_kept_forms
from marketplace.drafts.models import FormStash
from marketplace.extensions import db
from marketplace.organizations.models import Membership, OrgRole
from marketplace.outcomes import services as outcomes
from tests import factories
from tests.conftest import sign_in
from tests.organizations.conftest import manager_of

IDLE = timedelta(minutes=61)  # past the 60 minutes of accounts.idle_timeout_minutes
KEPT_MESSAGE = "您的登录已过期，填写的内容已保存，请重新登录后继续"
RESTORED_MESSAGE = "您登录过期前填写的内容已恢复，并已保存为草稿"
PRICE, PROPOSAL = "271828.18", "每周两次上门探访，建立长者健康档案"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _owner_field(html: str) -> str:
    return re.search(r'name="_kept_for" value="([^"]+)"', html).group(1)


def _bid_form(tender, owner: str, price: str = PRICE) -> dict:
    data = {"price": price, "breakdown-0-item": "人员经费", "breakdown-0-amount": price, "team-0-name": "李强",
            "team-0-role": "项目主管", "idempotency_key": "kept-key", "_kept_for": owner, "action": "submit"}
    return data | {f"proposal-{c.id}": PROPOSAL for c in tender.criteria if not c.is_price}


def _open_then_expire(client, member, url: str) -> str:
    """Sign in, open the form (the session's last activity), and let the session sit idle past its timeout."""
    sign_in(client, member)
    owner = _owner_field(client.get(url).get_data(as_text=True))
    clock.advance(IDLE)
    return owner


def _sign_in_with_password(client, user, next_path: str, csrf_token: str | None = None):
    return client.post(f"/login?next={quote(next_path)}", data={"email": user.email, "password": factories.PASSWORD}
                       | ({"csrf_token": csrf_token} if csrf_token else {}))


def _draft(tender, org):
    return db.session.scalars(select(Bid).where(Bid.tender_id == tender.id, Bid.organization_id == org.id,
                                                Bid.status == BidStatus.draft)).one_or_none()


@pytest.mark.parametrize("csrf", [False, True], ids=["", "with-csrf"])
def test_a_bid_posted_after_the_session_expired_is_saved_as_the_draft_once_its_author_is_back(
        app, client, monkeypatch, idle_timeout, open_tender, eligible_org, csrf):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", csrf)  # with it, the token still matches: the session lives
    org = eligible_org()
    member = manager_of(org)
    url = f"/bids/tender/{open_tender.id}"
    sign_in(client, member)
    html = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    clock.advance(IDLE)

    response = client.post(url, data=_bid_form(open_tender, _owner_field(html)) | (
        {"csrf_token": token.group(1)} if csrf else {}))
    assert response.status_code == 302 and response.headers["Location"] == f"/login?next={quote(url, safe='')}"
    assert KEPT_MESSAGE in client.get(response.headers["Location"]).get_data(as_text=True)
    stash = db.session.scalars(select(FormStash)).one()
    assert stash.user_id == member.id and stash.path == url
    assert PRICE.encode() not in stash.payload and PROPOSAL.encode() not in stash.payload  # sealed like the bid
    assert _draft(open_tender, org) is None

    signed_in = _sign_in_with_password(client, member, url, csrf_token=client.csrf_token("/login") if csrf else None)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == url
    page = client.get(url).get_data(as_text=True)
    assert RESTORED_MESSAGE in page and f'value="{PRICE}"' in page and PROPOSAL in page
    content = bids.own_content(_draft(open_tender, org), member)
    assert content["price"] == PRICE and {p["text"] for p in content["proposals"]} == {PROPOSAL}
    assert content["team"][0]["name"] == "李强"
    # Kept input is only ever saved: pressing "submit" in the expired session submitted nothing.
    assert db.session.scalar(select(Bid).where(Bid.status == BidStatus.submitted)) is None
    assert db.session.scalars(select(FormStash)).all() == []
    assert RESTORED_MESSAGE not in client.get(url).get_data(as_text=True)  # handed back once


def test_someone_else_signing_in_on_that_browser_gets_nothing(client, idle_timeout, open_tender, eligible_org,
                                                              make_user):
    org = eligible_org()
    member = manager_of(org)
    colleague = make_user("org_member")  # even a colleague who may open the very same form
    db.session.add(Membership(organization=org, user_id=colleague.id, role=OrgRole.member, joined_at=clock.now()))
    url = f"/bids/tender/{open_tender.id}"
    owner = _open_then_expire(client, member, url)
    client.post(url, data=_bid_form(open_tender, owner))

    assert _sign_in_with_password(client, colleague, url).headers["Location"] == url
    page = client.get(url).get_data(as_text=True)
    assert page.count(PROPOSAL) == 0 and PRICE not in page and "已恢复" not in page
    assert _draft(open_tender, org) is None
    assert db.session.scalar(select(FormStash.user_id)) == member.id  # still waiting for its author

    client.post("/logout")
    _sign_in_with_password(client, member, url)
    assert RESTORED_MESSAGE in client.get(url).get_data(as_text=True)
    assert bids.own_content(_draft(open_tender, org), member)["price"] == PRICE


def test_kept_input_nobody_came_back_for_expires(client, idle_timeout, open_tender, eligible_org):
    org = eligible_org()
    member = manager_of(org)
    url = f"/bids/tender/{open_tender.id}"
    client.post(url, data=_bid_form(open_tender, _open_then_expire(client, member, url)))

    clock.advance(timedelta(hours=4, minutes=1))
    _sign_in_with_password(client, member, url)
    page = client.get(url).get_data(as_text=True)
    assert "已恢复" not in page and PROPOSAL not in page and _draft(open_tender, org) is None
    assert purge_kept_forms() == 1
    assert db.session.scalars(select(FormStash)).all() == []


def test_a_refused_draft_comes_back_as_typed_with_the_reason(client, idle_timeout, open_tender, eligible_org):
    org = eligible_org()
    member = manager_of(org)
    url = f"/bids/tender/{open_tender.id}"
    client.post(url, data=_bid_form(open_tender, _open_then_expire(client, member, url), price="二十七万"))

    _sign_in_with_password(client, member, url)
    response = client.get(url)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "未能保存为草稿" in page and "金额格式不正确" in page
    assert 'value="二十七万"' in page and PROPOSAL in page
    draft = _draft(open_tender, org)
    assert draft is None or bids.own_content(draft, member)["price"] in ("", None)


def test_without_a_valid_owner_field_nothing_is_kept(client, idle_timeout, open_tender, eligible_org, make_user):
    org = eligible_org()
    member = manager_of(org)
    url = f"/bids/tender/{open_tender.id}"
    owner = _open_then_expire(client, member, url)
    other_page = f"/bids/tender/{open_tender.id + 1}"
    from marketplace.security import make_token

    forged = make_token("kept-form", {"u": member.id, "p": other_page})  # signed, but for another page
    for field in ("", "not-a-token", forged):
        response = client.post(url, data=_bid_form(open_tender, owner) | {"_kept_for": field})
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert db.session.scalars(select(FormStash)).all() == []


def test_a_stale_csrf_token_keeps_the_input_too(app, client, monkeypatch, open_tender, eligible_org):
    """The browser lost its session cookie (closed without "keep me signed in") and the tab came back with the
    form: the CSRF check fails before the view runs. Only the signed owner field lets the input be kept."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    org = eligible_org()
    member = manager_of(org)
    url = f"/bids/tender/{open_tender.id}"
    sign_in(client, member)
    html = client.get(url).get_data(as_text=True)
    form = _bid_form(open_tender, _owner_field(html)) | {
        "csrf_token": re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)}

    stale = client.post(url, data=form | {"csrf_token": "from-before-signing-in-again-in-another-tab"})
    assert stale.status_code == 302 and stale.headers["Location"] == url  # still signed in: straight back
    assert RESTORED_MESSAGE in client.get(url).get_data(as_text=True)
    assert bids.own_content(_draft(open_tender, org), member)["price"] == PRICE
    client.post(url, data=form | {"price": "", "action": "save"})  # cleared again for the second browser

    browser = app.test_client()  # the same person, a browser without the old session
    refused = browser.post(url, data=form | {"_kept_for": ""})
    assert refused.status_code == 400 and "页面已过期" in refused.get_data(as_text=True)
    kept = browser.post(url, data=form)
    assert kept.status_code == 302 and kept.headers["Location"].startswith("/login?next=")

    browser.post(f"/login?next={quote(url)}", data={"csrf_token": browser.csrf_token("/login"),
                                                      "email": member.email, "password": factories.PASSWORD})
    assert RESTORED_MESSAGE in browser.get(url).get_data(as_text=True)
    assert bids.own_content(_draft(open_tender, org), member)["price"] == PRICE


def test_a_report_with_its_evidence_is_kept_over_an_expired_session(client, idle_timeout, contract_parties):
    contract, member = contract_parties["contract"], contract_parties["member"]
    milestone, indicator = contract.milestones[0], contract.indicators[0]
    url = f"/outcomes/milestones/{milestone.id}/report/edit"
    owner = _open_then_expire(client, member, url)

    response = client.post(url, data={
        "_kept_for": owner, f"actual_{indicator.id}": "18000", "people_elderly": "80",
        "activities-0-held_on": "2026-03-10", "activities-0-title": "重阳敬老活动", "activities-0-participants": "120",
        "narrative": "长者食堂每日运营，登录过期前写的总结", "evidence_kind": "sign_in_sheet", "action": "submit",
        "evidence": (io.BytesIO(PNG), "签到表.png")}, content_type="multipart/form-data")
    assert response.status_code == 302 and KEPT_MESSAGE in client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert outcomes.report_of(milestone) is None

    _sign_in_with_password(client, member, url)
    page = client.get(url).get_data(as_text=True)
    assert RESTORED_MESSAGE in page and "登录过期前写的总结" in page
    report = outcomes.report_of(milestone)
    assert report.status.value == "draft" and report.narrative == "长者食堂每日运营，登录过期前写的总结"
    assert [a.actual for a in report.actuals] == [18000] and report.activities[0].title == "重阳敬老活动"
    assert [(e.original_name, e.kind.value) for e in report.evidence] == [("签到表.png", "sign_in_sheet")]


def test_posting_from_ever_new_browsers_keeps_only_a_few_forms_per_person(app, idle_timeout, open_tender,
                                                                          eligible_org, client):
    member = manager_of(eligible_org())
    url = f"/bids/tender/{open_tender.id}"
    owner = _open_then_expire(client, member, url)
    for _attempt in range(7):
        app.test_client().post(url, data=_bid_form(open_tender, owner))
    assert len(db.session.scalars(select(FormStash)).all()) == 5


def test_a_refused_report_comes_back_as_typed_with_its_files(client, idle_timeout, contract_parties):
    contract, member = contract_parties["contract"], contract_parties["member"]
    milestone, indicator = contract.milestones[0], contract.indicators[0]
    url = f"/outcomes/milestones/{milestone.id}/report/edit"
    client.post(url, data={"_kept_for": _open_then_expire(client, member, url), f"actual_{indicator.id}": "一万八",
                           "narrative": "没写完的总结", "evidence_kind": "photo", "action": "save",
                           "evidence": (io.BytesIO(PNG), "活动照片.png")}, content_type="multipart/form-data")

    _sign_in_with_password(client, member, url)
    response = client.get(url)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "未能保存为草稿" in page
    assert 'value="一万八"' in page and "没写完的总结" in page and "活动照片.png" in page  # the file is kept, too
    assert outcomes.report_of(milestone) is None


def test_a_file_the_form_never_reads_is_not_written_to_disk(app, client, idle_timeout, open_tender, eligible_org):
    """The bid form has no file field: a signed-out POST carrying one keeps the fields and drops the file."""
    from pathlib import Path

    member = manager_of(eligible_org())
    url = f"/bids/tender/{open_tender.id}"
    owner = _open_then_expire(client, member, url)
    uploads = Path(app.instance_path) / "uploads"
    before = set(uploads.iterdir()) if uploads.exists() else set()
    response = client.post(url, data=_bid_form(open_tender, owner) | {"evidence": (io.BytesIO(PNG), "x.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and db.session.scalars(select(FormStash)).one().user_id == member.id
    assert (set(uploads.iterdir()) if uploads.exists() else set()) == before


def test_stashed_files_are_deleted_a_day_after(app, frozen_now):
    import os

    from marketplace.common import files
    from marketplace.drafts.jobs import purge_stashed_files

    old, fresh = files.stash("old.png", PNG, field="evidence"), files.stash("new.png", PNG, field="evidence")
    folder = files._folder("uploads")
    day_and_a_minute = (clock.now() - timedelta(days=1, minutes=1)).timestamp()
    for path in (folder / old, folder / f"{old}.name"):
        os.utime(path, (day_and_a_minute, day_and_a_minute))
    now = clock.now().timestamp()
    for path in (folder / fresh, folder / f"{fresh}.name"):
        os.utime(path, (now, now))
    assert purge_stashed_files() >= 1
    assert files.unstash(old) is None and not (folder / f"{old}.name").exists()
    assert files.unstash(fresh) == ("new.png", PNG)
