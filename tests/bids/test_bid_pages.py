"""The bid workspace over HTTP: checklist first, drafts, submission with an idempotency key, the receipt."""

import json
import re

from marketplace.bids.models import Bid, BidStatus
from marketplace.extensions import db
from tests.conftest import sign_in
from tests.organizations.conftest import manager_of


def _form(tender, price="250000", key="form-key-1", **extra) -> dict:
    data = {"price": price, "breakdown-0-item": "人员经费", "breakdown-0-amount": price,
            "team-0-name": "李强", "team-0-role": "项目主管", "idempotency_key": key}
    for criterion in tender.criteria:
        if not criterion.is_price:
            data[f"proposal-{criterion.id}"] = f"{criterion.name}：详细方案"
    return data | extra


def test_an_ineligible_organization_sees_the_checklist_and_no_form(client, open_tender, make_org):
    sign_in(client, manager_of(make_org()))
    html = client.get(f"/bids/tender/{open_tender.id}").get_data(as_text=True)
    assert "能否投标" in html and "TPL-R1" in html and "要符合条件，还需要" in html
    assert 'name="price"' not in html


def test_save_a_draft_then_submit_once_even_when_posted_twice(client, open_tender, eligible_org):
    member = manager_of(eligible_org())
    sign_in(client, member)
    html = client.get(f"/bids/tender/{open_tender.id}").get_data(as_text=True)
    assert 'name="price"' in html and "王芳" in html  # the certified social worker is offered for the team
    response = client.post(f"/bids/tender/{open_tender.id}", data=_form(open_tender) | {"action": "save"})
    assert response.status_code == 302
    assert 'value="250000.00"' in client.get(f"/bids/tender/{open_tender.id}").get_data(as_text=True)
    first = client.post(f"/bids/tender/{open_tender.id}", data=_form(open_tender) | {"action": "submit"})
    again = client.post(f"/bids/tender/{open_tender.id}", data=_form(open_tender) | {"action": "submit"})
    assert first.status_code == 302 and first.headers["Location"] == again.headers["Location"]
    submitted = db.session.query(Bid).filter(Bid.status == BidStatus.submitted).all()
    assert len(submitted) == 1
    receipt = client.get(first.headers["Location"]).get_data(as_text=True)
    assert submitted[0].content_sha256 in receipt
    download = client.get(f"/bids/{submitted[0].id}/receipt.json")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert json.loads(download.data)["sha256"] == submitted[0].content_sha256


def test_a_refused_submission_keeps_what_was_typed(client, open_tender, eligible_org):
    sign_in(client, manager_of(eligible_org()))
    response = client.post(f"/bids/tender/{open_tender.id}", data=_form(open_tender, price="999999") | {
        "action": "submit"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "超过项目预算" in html
    assert 'value="999999"' in html and "服务方案：详细方案" in html
    assert db.session.query(Bid).filter(Bid.status == BidStatus.submitted).count() == 0


def test_the_receipt_and_the_draft_are_the_bidders_alone(client, open_tender, place_bid, make_user, eligible_org):
    bid, _member = place_bid(open_tender)
    for other in (make_user("buyer", body_=open_tender.buyer), make_user("platform_admin"),
                  manager_of(eligible_org())):
        sign_in(client, other)
        assert client.get(f"/bids/{bid.id}/receipt").status_code == 403
        assert client.get(f"/bids/{bid.id}/receipt.json").status_code == 403


def test_the_receipt_mail_carries_the_hash_and_no_price(app, client, open_tender, place_bid):
    from marketplace.notifications.models import OutboxMessage

    bid, member = place_bid(open_tender, price="271828.18")
    mail = db.session.query(OutboxMessage).filter(OutboxMessage.to_address == member.email,
                                                  OutboxMessage.subject.like("投标回执%")).one()
    assert bid.content_sha256 in mail.body_text and "271828" not in mail.body_text
    assert re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}", mail.body_text)  # server time of receipt


def test_a_failed_tender_is_re_tendered_in_one_click(client, market, opened_tender):
    from marketplace.tenders.models import Tender, TenderStatus

    tender, _bids = opened_tender("250000")  # one bid where 磋商 needs two
    assert tender.status == TenderStatus.unsuccessful
    sign_in(client, market["buyer"])
    html = client.get(f"/tenders/{tender.id}").get_data(as_text=True)
    assert "有效投标 1 家，少于竞争性磋商要求的 2 家" in html and "重新招标" in html
    response = client.post(f"/tenders/{tender.id}/retender", data={})
    assert response.status_code == 302 and response.headers["Location"].endswith("/edit/timetable")
    copy = db.session.query(Tender).filter(Tender.retender_of_id == tender.id).one()
    assert copy.status == TenderStatus.draft and copy.budget == tender.budget
    assert [c.name for c in copy.criteria] == [c.name for c in tender.criteria]
    assert [i.name for i in copy.indicators] == [i.name for i in tender.indicators]


def test_the_opening_record_is_public(client, opened_tender):
    tender, placed = opened_tender("250000", "240000")
    html = client.get(f"/tenders/{tender.id}").get_data(as_text=True)
    assert "开标记录" in html
    for bid in placed:
        assert bid.content_sha256 in html and bid.organization.name in html
    assert "250,000" not in html  # 磋商: prices are not read out at opening


def test_a_late_bidder_is_told_the_deadline_and_when_the_server_received_it(client, open_tender, eligible_org,
                                                                             frozen_now):
    from datetime import timedelta

    from marketplace.common import clock

    sign_in(client, manager_of(eligible_org()))
    clock.freeze(open_tender.deadline_at + timedelta(seconds=3))
    response = client.post(f"/bids/tender/{open_tender.id}", data=_form(open_tender) | {"action": "submit"})
    html = client.get(f"/bids/tender/{open_tender.id}").get_data(as_text=True) if response.status_code == 302 \
        else response.get_data(as_text=True)
    deadline = clock.to_local(open_tender.deadline_at).strftime("%Y-%m-%d %H:%M:%S")
    received = clock.to_local(clock.now()).strftime("%Y-%m-%d %H:%M:%S")
    assert f"投标截止时间 {deadline} 已过（服务器收到时间 {received}）" in html
    assert "项目当前不接受投标" not in html
    assert db.session.query(Bid).filter(Bid.status == BidStatus.submitted).count() == 0
