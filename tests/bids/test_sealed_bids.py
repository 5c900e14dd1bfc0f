"""Sealed bids: eligibility first, nothing readable before opening, receipts that match the opening record."""

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from marketplace.bids import sealing
from marketplace.bids import services as bids
from marketplace.bids.models import Bid, BidStatus, SealKey
from marketplace.common import clock
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db
from marketplace.tenders.models import TenderStatus
from tests.bids.conftest import bid_values
from tests.organizations.conftest import PDF, manager_of

SECRET_PROPOSAL = "独家方案：长者食堂与志愿者积分联动模式"


def test_an_ineligible_organization_is_refused_with_its_reasons(open_tender, make_org):
    org = make_org()  # verified, but no annual inspection on record: TPL-R1 cannot be shown
    member = manager_of(org)
    draft = bids.draft_for(open_tender, by=member)
    bids.save_draft(draft, open_tender, bid_values(open_tender), by=member)
    with pytest.raises(NotPermitted) as error:
        bids.submit(draft, open_tender, by=member, idempotency_key="k1")
    assert "不符合本项目的必备条件" in error.value.message and "年检" in error.value.message
    assert draft.status == BidStatus.draft


def test_an_organization_on_a_credit_list_is_refused(open_tender, eligible_org, registrar):
    from datetime import date

    from marketplace.organizations import records
    from marketplace.organizations.models import CreditList

    org = eligible_org()
    records.put_on_list(org, CreditList.abnormal, "未按规定报送年度工作报告", "东城区民政局", date(2026, 1, 5),
                        by=registrar)
    member = manager_of(org)
    draft = bids.draft_for(open_tender, by=member)
    bids.save_draft(draft, open_tender, bid_values(open_tender), by=member)
    with pytest.raises(NotPermitted) as error:
        bids.submit(draft, open_tender, by=member, idempotency_key="k1")
    assert "活动异常名录" in error.value.message


def test_an_incomplete_bid_says_what_is_missing(open_tender, eligible_org):
    member = manager_of(eligible_org())
    draft = bids.draft_for(open_tender, by=member)
    bids.save_draft(draft, open_tender, bid_values(open_tender, price="350000", proposals={}, team=[]), by=member)
    with pytest.raises(DomainError) as error:
        bids.submit(draft, open_tender, by=member, idempotency_key="k1")
    message = error.value.message
    assert "超过项目预算" in message and "技术方案" in message and "团队成员" in message


def test_nothing_is_readable_before_opening_by_anyone_but_the_bidder(open_tender, place_bid, make_user):
    bid, member = place_bid(open_tender, price="271828.18", text=SECRET_PROPOSAL)
    db.session.commit()
    assert bids.own_content(bid, member)["price"] == "271828.18"
    for role in ("buyer", "platform_admin", "evaluator"):
        with pytest.raises(NotPermitted):
            bids.own_content(bid, make_user(role))
    with pytest.raises(NotPermitted):
        bids.opened_content(bid)
    # Every table a person could read: the bid row, the audit chain, the outbox and the notices.
    dump = "".join(repr(db.session.execute(text(f"SELECT * FROM {table}")).all())
                   for table in ("bid", "bid_document", "tender_seal_key", "audit_event", "outbox_message",
                                 "notification"))
    assert "271828" not in dump and "志愿者积分" not in dump
    assert bid.content_sha256 in dump  # the control: the rows were read
    with pytest.raises(NotPermitted):  # the key opens bids for reading only once the opening released it
        sealing.unseal(open_tender.id, bid.sealed_content, purpose=sealing.OPENED)


def test_the_pages_show_only_a_count_before_opening(open_tender, place_bid, client):
    place_bid(open_tender, price="271828.18", text=SECRET_PROPOSAL)
    place_bid(open_tender, price="199999.00")
    db.session.commit()
    html = client.get(f"/tenders/{open_tender.id}").get_data(as_text=True)
    assert "已收到 2 份投标" in html
    assert "271,828.18" not in html and "271828.18" not in html and SECRET_PROPOSAL not in html


def test_the_receipt_hash_is_the_hash_published_at_opening(opened_tender):
    tender, placed = opened_tender("250000", "240000")
    from marketplace.bids.models import Opening

    opening = db.session.query(Opening).filter_by(tender_id=tender.id).one()
    entries = {e["bid"]: e for e in json.loads(opening.entries)}
    for bid in placed:
        assert entries[bid.id]["sha256"] == bid.content_sha256 and entries[bid.id]["matches"] is True
        assert hashlib.sha256(bid.opened_content.encode()).hexdigest() == bid.content_sha256
    assert opening.bid_count == 2 and tender.status == TenderStatus.evaluation
    assert {b.price for b in placed} == {250000, 240000}
    assert not opening.prices_published  # 磋商: prices are not read out
    assert db.session.query(SealKey).filter_by(tender_id=tender.id).one().released_at == tender.deadline_at


def test_a_tampered_bid_shows_as_not_matching_at_opening(open_tender, place_bid):
    bid, _member = place_bid(open_tender)
    place_bid(open_tender)
    bid.content_sha256 = "0" * 64  # what the receipt said differs from what is opened
    db.session.commit()
    clock.freeze(open_tender.deadline_at)
    from marketplace.tenders import services as tenders

    tenders.catch_up(open_tender)
    from marketplace.bids.models import Opening

    entries = {e["bid"]: e for e in json.loads(db.session.query(Opening).one().entries)}
    assert entries[bid.id]["matches"] is False


def test_a_bid_one_second_late_is_refused(open_tender, eligible_org):
    member = manager_of(eligible_org())
    draft = bids.draft_for(open_tender, by=member)
    bids.save_draft(draft, open_tender, bid_values(open_tender), by=member)
    clock.freeze(open_tender.deadline_at + timedelta(seconds=1))
    with pytest.raises(DomainError) as error:
        bids.submit(draft, open_tender, by=member, idempotency_key="late")
    assert "已过" in error.value.message and "服务器收到时间" in error.value.message
    assert draft.status == BidStatus.draft
    clock.freeze(open_tender.deadline_at - timedelta(seconds=1))
    assert bids.submit(draft, open_tender, by=member, idempotency_key="in-time").status == BidStatus.submitted


def test_replace_and_withdraw(open_tender, eligible_org):
    org = eligible_org()
    member = manager_of(org)
    first = bids.draft_for(open_tender, by=member)
    bids.save_draft(first, open_tender, bid_values(open_tender, "260000"), by=member)
    bids.submit(first, open_tender, by=member, idempotency_key="a")
    second = bids.draft_for(open_tender, by=member)
    assert second.id != first.id
    bids.save_draft(second, open_tender, bid_values(open_tender, "255000"), by=member)
    bids.submit(second, open_tender, by=member, idempotency_key="b")
    assert first.status == BidStatus.replaced and first.replaced_by_id == second.id
    assert bids.count_received(open_tender) == 1  # the last one counts
    bids.withdraw(second, open_tender, by=member)
    assert second.status == BidStatus.withdrawn and bids.count_received(open_tender) == 0


def test_the_same_idempotency_key_makes_one_bid(open_tender, eligible_org):
    member = manager_of(eligible_org())
    draft = bids.draft_for(open_tender, by=member)
    bids.save_draft(draft, open_tender, bid_values(open_tender), by=member)
    first = bids.submit(draft, open_tender, by=member, idempotency_key="same-key")
    again = bids.submit(draft, open_tender, by=member, idempotency_key="same-key")
    assert again.id == first.id
    assert db.session.query(Bid).filter(Bid.status != BidStatus.draft).count() == 1


def test_a_failure_mid_submission_leaves_nothing(app, open_tender, eligible_org, monkeypatch):
    member = manager_of(eligible_org())
    draft = bids.draft_for(open_tender, by=member)
    bids.save_draft(draft, open_tender, bid_values(open_tender), by=member)
    db.session.commit()

    def crash(*_a, **_k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(bids.notifications, "queue_mail", crash)  # fails after the bid was sealed and moved
    with pytest.raises(RuntimeError):
        bids.submit(draft, open_tender, by=member, idempotency_key="k")
    db.session.rollback()
    stored = db.session.get(Bid, draft.id)
    assert stored.status == BidStatus.draft and stored.content_sha256 is None and stored.submitted_at is None


def test_documents_are_encrypted_on_disk(app, open_tender, place_bid, eligible_org):
    member = manager_of(eligible_org())
    draft = bids.draft_for(open_tender, by=member)
    document = bids.add_document(draft, open_tender, "方案.pdf", PDF + b"SECRET-PLAN", by=member)
    blob = Path(app.instance_path) / "sealed" / document.blob
    assert b"SECRET-PLAN" not in blob.read_bytes() and document.blob != document.sha256
    meta, content = bids.read_document(draft, document, member)
    assert content == PDF + b"SECRET-PLAN" and meta["name"] == "方案.pdf"
    # Not even the file's name or size is in plain text before opening.
    assert document.original_name is None and document.size is None and b"\xe6\x96\xb9" not in document.sealed_meta
    with pytest.raises(NotPermitted):
        bids.read_document(draft, document, manager_of(eligible_org()))


def test_too_few_bids_make_the_tender_unsuccessful(opened_tender):
    tender, _placed = opened_tender("250000")
    assert tender.status == TenderStatus.unsuccessful and "有效投标 1 家" in tender.unsuccessful_reason


def test_open_tenders_read_out_prices(market, ready_tender, place_bid):
    from marketplace.bids.models import Opening
    from marketplace.tenders import services as tenders
    from marketplace.tenders.models import Method

    tender = ready_tender(budget="300000", method=Method.open, deadline_at=clock.now() + timedelta(days=21),
                          questions_close_at=clock.now() + timedelta(days=15))
    tenders.publish(tender, by=market["buyer"])
    for price in ("280000", "270000", "260000"):
        place_bid(tender, price)
    db.session.commit()
    clock.freeze(tender.deadline_at)
    tenders.catch_up(tender)
    opening = db.session.query(Opening).one()
    assert opening.prices_published and sorted(e["price"] for e in json.loads(opening.entries)) == [
        "260000.00", "270000.00", "280000.00"]


def test_admin_and_buyer_pages_show_no_price_before_opening(client, open_tender, place_bid, make_user):
    bid, _member = place_bid(open_tender, price="271828.18", text=SECRET_PROPOSAL)
    for user, paths in [(make_user("platform_admin"), ["/admin/audit/", f"/tenders/{open_tender.id}", "/tenders/"]),
                        (open_tender.created_by, [f"/tenders/{open_tender.id}", "/tenders/mine",
                                                  f"/evaluation/tenders/{open_tender.id}"])]:
        db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = str(user.id), True
        for path in paths:
            response = client.get(path)
            html = response.get_data(as_text=True)
            assert response.status_code == 200, path
            assert "271828" not in html and "271,828" not in html and "志愿者积分" not in html, path
    with client.session_transaction() as session:
        session["_user_id"] = str(make_user("platform_admin").id)
    assert "bid.submit" in client.get("/admin/audit/").get_data(as_text=True)  # the control: the event is listed


def test_followers_hear_of_the_opening(open_tender, place_bid, make_user):
    from marketplace.notifications.models import Notification
    from marketplace.tenders import services as tenders

    resident = make_user("resident")
    tenders.follow(open_tender, resident)
    place_bid(open_tender), place_bid(open_tender)
    db.session.commit()
    clock.freeze(open_tender.deadline_at)
    tenders.catch_up(open_tender)
    notes = [n.message for n in db.session.query(Notification).filter_by(user_id=resident.id)]
    assert any("已开标" in m and "2 份有效投标" in m for m in notes)


def test_a_replacement_draft_starts_from_the_live_bid(open_tender, eligible_org):
    member = manager_of(eligible_org())
    first = bids.draft_for(open_tender, by=member)
    bids.save_draft(first, open_tender, bid_values(open_tender, "260000"), by=member)
    bids.add_document(first, open_tender, "方案.pdf", PDF, by=member)
    bids.submit(first, open_tender, by=member, idempotency_key="a")
    second = bids.draft_for(open_tender, by=member)
    assert bids.own_content(second, member)["price"] == "260000.00"
    assert [meta["name"] for _d, meta in bids.own_documents(second, member)] == ["方案.pdf"]
    assert second.documents[0].blob != first.documents[0].blob


def test_an_idempotency_key_belongs_to_one_tender(market, open_tender, ready_tender, eligible_org):
    from marketplace.tenders import services as tenders

    other = ready_tender(budget="100000")
    tenders.publish(other, by=market["buyer"])
    member = manager_of(eligible_org())
    draft = bids.draft_for(open_tender, by=member)
    bids.save_draft(draft, open_tender, bid_values(open_tender), by=member)
    bids.submit(draft, open_tender, by=member, idempotency_key="reused")
    second = bids.draft_for(other, by=member)
    bids.save_draft(second, other, bid_values(other, "90000"), by=member)
    assert bids.submit(second, other, by=member, idempotency_key="reused").tender_id == other.id


def test_reconfirming_checks_the_bid_against_the_amended_tender(market, open_tender, place_bid):
    from marketplace.tenders import amendments

    bid, member = place_bid(open_tender, price="290000")
    amendments.amend(open_tender, {"budget": "280000"}, "预算调减", by=market["buyer"])
    with pytest.raises(DomainError) as error:
        bids.reconfirm(bid, open_tender, by=member)
    assert "超过项目预算" in error.value.message and bid.status == BidStatus.needs_reconfirmation


def test_huge_amounts_are_refused_not_a_500(open_tender, eligible_org):
    member = manager_of(eligible_org())
    draft = bids.draft_for(open_tender, by=member)
    with pytest.raises(DomainError):
        bids.save_draft(draft, open_tender, bid_values(open_tender, price="1e30"), by=member)


def test_two_first_bids_at_once_share_one_seal_key(open_tender, monkeypatch):
    """The second of two simultaneous first bids read "no key yet" before the first committed its key: its insert
    hits the unique constraint and it must take the key the first one made (it used to be a 500)."""
    made_by_the_other = SealKey(tender_id=open_tender.id, wrapped_key=sealing.crypto.wrap(sealing.crypto.new_key()),
                                created_at=clock.now())
    db.session.add(made_by_the_other)
    db.session.flush()
    reads = []
    real_read = sealing._stored_key

    def read_before_the_other_committed(tender_id):
        reads.append(tender_id)
        return None if len(reads) == 1 else real_read(tender_id)

    monkeypatch.setattr(sealing, "_stored_key", read_before_the_other_committed)
    token = sealing.seal(open_tender.id, b"price 270000")
    assert len(reads) == 2 and db.session.query(SealKey).filter_by(tender_id=open_tender.id).count() == 1
    monkeypatch.undo()
    assert sealing.crypto.decrypt(sealing.crypto.unwrap(made_by_the_other.wrapped_key), token) == b"price 270000"
