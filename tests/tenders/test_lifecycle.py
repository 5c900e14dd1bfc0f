"""Time-driven moves (jobs tick and lazily on load), anonymous Q&A, blocked evaluation, amendments."""

import re
from datetime import timedelta

import pytest

from marketplace.bids.models import Bid, BidStatus
from marketplace.common import clock, jobs
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.organizations.services import membership_of
from marketplace.tenders import amendments, questions
from marketplace.tenders import services as tenders
from marketplace.tenders.models import Tender, TenderStatus
from tests.organizations.conftest import manager_of


def _reload(tender_id) -> Tender:
    db.session.expire_all()
    return db.session.get(Tender, tender_id)


def test_enquiry_opens_for_bids_through_jobs_tick(market, ready_tender):
    tender = ready_tender(enquiry_days=3)
    tenders.publish(tender, by=market["buyer"])
    assert tender.status == TenderStatus.enquiry
    db.session.commit()
    clock.advance(timedelta(days=3) - timedelta(seconds=1))
    assert jobs.tick("tenders.advance")["tenders.advance"] == 0
    clock.advance(timedelta(seconds=1))
    assert jobs.tick("tenders.advance")["tenders.advance"] == 1
    tender = _reload(tender.id)
    assert tender.status == TenderStatus.tendering and tender.tendering_at == tender.enquiry_until
    assert jobs.tick("tenders.advance")["tenders.advance"] == 0  # idempotent


def test_deadline_moves_to_evaluation_through_jobs_tick(market, open_tender, submitted_bid):
    tender = open_tender
    submitted_bid(), submitted_bid()
    db.session.commit()
    clock.freeze(tender.deadline_at)
    jobs.tick("tenders.advance")
    tender = _reload(tender.id)
    assert tender.status == TenderStatus.evaluation and tender.evaluation_at == tender.deadline_at


def test_moves_happen_lazily_when_the_page_is_loaded(market, ready_tender, client, place_bid):
    tender = ready_tender(enquiry_days=2)
    tenders.publish(tender, by=market["buyer"])
    db.session.commit()
    clock.freeze(tender.enquiry_until + timedelta(minutes=1))
    html = client.get(f"/tenders/{tender.id}").get_data(as_text=True)
    assert "招标中" in html
    assert _reload(tender.id).status == TenderStatus.tendering
    tender = _reload(tender.id)
    place_bid(tender), place_bid(tender)
    db.session.commit()
    clock.freeze(tender.deadline_at)
    html = client.get("/tenders/").get_data(as_text=True)  # the list catches up too
    assert "评审中" in html
    assert _reload(tender.id).status == TenderStatus.evaluation


def _ask(tender, org, text="请问服务对象是否包括辖区外的老人？"):
    member = manager_of(org)
    return questions.ask(tender, text, by=member, membership=membership_of(member))


def test_askers_are_anonymous_to_the_buyer_and_the_public(market, open_tender, make_org, client):
    org = make_org(name="东城区阳光社会工作服务中心")
    other = make_org(name="东城区晨曦社会工作服务中心")
    first = _ask(open_tender, org)
    _ask(open_tender, org, "请问每日助餐人次如何统计？")
    third = _ask(open_tender, other)
    assert first.pseudonym.number == 1 and third.pseudonym.number == 2
    db.session.commit()
    public = client.get(f"/tenders/{open_tender.id}").get_data(as_text=True)
    assert "提问方 1" in public and "提问方 2" in public
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = str(market["buyer"].id), True
    buyers_view = client.get(f"/tenders/{open_tender.id}").get_data(as_text=True)
    for html in (public, buyers_view):
        assert "阳光" not in html and "晨曦" not in html
        assert manager_of(org).email not in html and manager_of(other).email not in html
    assert "发布答复" in buyers_view
    buyer_notes = db.session.query(Notification).filter_by(user_id=market["buyer"].id).all()
    assert buyer_notes and not any("阳光" in n.message for n in buyer_notes)


def test_questions_close_at_the_clarification_deadline(market, open_tender, make_org):
    org = make_org()
    clock.freeze(open_tender.questions_close_at)
    with pytest.raises(NotPermitted) as error:
        _ask(open_tender, org)
    assert "提问已于截止时间关闭" in error.value.message


def test_only_verified_organizations_ask(market, open_tender, make_org):
    with pytest.raises(NotPermitted):
        _ask(open_tender, make_org(status="pending"))


def test_unanswered_questions_block_evaluation_until_answered(market, open_tender, make_org, submitted_bid):
    submitted_bid(), submitted_bid()
    question = _ask(open_tender, make_org())
    db.session.commit()
    clock.freeze(open_tender.deadline_at + timedelta(hours=1))
    jobs.tick("tenders.advance")
    tender = _reload(open_tender.id)
    assert tender.status == TenderStatus.tendering and tender.blocked_notice_at is not None
    notes = db.session.query(Notification).filter_by(user_id=market["buyer"].id).all()
    assert any("1 个问题未答复" in n.message for n in notes)
    jobs.tick("tenders.advance")  # the buyer is told once
    assert len(db.session.query(Notification).filter(Notification.user_id == market["buyer"].id,
                                                     Notification.message.like("%未答复%")).all()) == 1
    questions.answer(db.session.get(type(question), question.id), "只服务本街道户籍及常住老人", by=market["buyer"])
    assert tender.status == TenderStatus.evaluation


def test_the_buyer_answers_once_and_followers_hear_of_it(market, open_tender, make_org, make_user):
    resident = make_user("resident")
    tenders.follow(open_tender, resident)
    question = _ask(open_tender, make_org())
    questions.answer(question, "包括常住老人", by=market["buyer"])
    with pytest.raises(DomainError):
        questions.answer(question, "再答一次", by=market["buyer"])
    assert any("答复" in n.message for n in db.session.query(Notification).filter_by(user_id=resident.id))
    with pytest.raises(NotPermitted):
        questions.answer(_ask(open_tender, make_org()), "不是本单位", by=make_user("buyer", body_=market["city"]))


def test_an_amendment_flags_submitted_bids_and_extends_the_deadline(market, open_tender, make_org, submitted_bid):
    bid, withdrawn = submitted_bid(), submitted_bid()
    withdrawn.status = BidStatus.withdrawn
    org = bid.organization
    deadline = open_tender.deadline_at
    clock.freeze(deadline - timedelta(days=1))
    amendment = amendments.amend(open_tender, {"deliverables": "长者食堂运营；每日助餐≥100人次"},
                              "根据答疑调整服务量", by=market["buyer"])
    assert open_tender.deadline_at == clock.now() + timedelta(days=3)
    assert amendment.deadline_before == deadline and amendment.deadline_after == open_tender.deadline_at
    assert open_tender.version == 2
    assert bid.status == BidStatus.needs_reconfirmation and withdrawn.status == BidStatus.withdrawn
    changes = amendments.amendment_changes(amendment)
    assert [c["field"] for c in changes] == ["deliverables", "deadline_at"]
    assert changes[0]["before"] == "长者食堂运营；每日助餐≥80人次" and "100" in changes[0]["after"]
    member = manager_of(org)
    assert any("重新确认" in n.message for n in db.session.query(Notification).filter_by(user_id=member.id))


def test_an_amendment_far_from_the_deadline_keeps_it(market, open_tender):
    deadline = open_tender.deadline_at
    amendment = amendments.amend(open_tender, {"title": "东华门街道长者助餐服务项目（第二版）"}, "更正名称",
                              by=market["buyer"])
    assert open_tender.deadline_at == deadline and amendment.deadline_after == deadline


def test_unflagged_bids_lapse_at_the_deadline(market, open_tender, submitted_bid):
    bid = submitted_bid()
    amendments.amend(open_tender, {"description": "补充服务对象说明"}, "补充说明", by=market["buyer"])
    db.session.commit()
    clock.freeze(open_tender.deadline_at)
    jobs.tick("tenders.advance")
    db.session.expire_all()
    assert db.session.get(Bid, bid.id).status == BidStatus.lapsed


def test_an_amendment_needs_a_rationale_and_a_change(market, open_tender):
    with pytest.raises(DomainError) as error:
        amendments.amend(open_tender, {"title": "新名称"}, " ", by=market["buyer"])
    assert error.value.field == "rationale"
    with pytest.raises(DomainError):
        amendments.amend(open_tender, {"title": open_tender.title}, "没有改动", by=market["buyer"])


def test_the_public_page_shows_the_amendment_as_a_diff(market, open_tender, client):
    amendments.amend(open_tender, {"budget": "280000"}, "预算调整", by=market["buyer"])
    db.session.commit()
    html = client.get(f"/tenders/{open_tender.id}").get_data(as_text=True)
    assert re.search(r"<del[^>]*>¥300,000.00</del>", html) and re.search(r"<ins[^>]*>¥280,000.00</ins>", html)
    assert "预算调整" in html


def test_cancel_needs_a_public_reason(market, open_tender, client):
    with pytest.raises(DomainError):
        tenders.cancel(open_tender, "", by=market["buyer"])
    tenders.cancel(open_tender, "街道机构改革，项目暂停", by=market["buyer"])
    db.session.commit()
    assert "街道机构改革，项目暂停" in client.get(f"/tenders/{open_tender.id}").get_data(as_text=True)


def test_drafts_are_private_to_the_buyer(market, ready_tender, client):
    tender = ready_tender()
    db.session.commit()
    assert client.get(f"/tenders/{tender.id}").status_code == 404
    assert tender.title not in client.get("/tenders/").get_data(as_text=True)


def test_a_long_text_amendment_marks_only_the_changed_lines(market, open_tender):
    amendment = amendments.amend(open_tender, {"deliverables": "长者食堂运营\n每日助餐≥100人次\n节假日不停供"},
                              "调整服务量", by=market["buyer"])
    change = amendments.amendment_changes(amendment)[0]
    assert change["before_lines"] == [(True, "长者食堂运营；每日助餐≥80人次")]
    open_tender.deliverables = "第一行\n第二行"
    second = amendments.amend(open_tender, {"deliverables": "第一行\n第二行（修订）"}, "修订", by=market["buyer"])
    change = amendments.amendment_changes(second)[0]
    assert change["before_lines"] == [(False, "第一行"), (True, "第二行")]
    assert change["after_lines"] == [(False, "第一行"), (True, "第二行（修订）")]


def test_an_unchanged_form_echo_is_not_a_change(market, open_tender):
    """The amend form sends every field back: CRLF line endings and minute-precision times are not changes."""
    open_tender.deadline_at = open_tender.deadline_at.replace(second=42)
    echo = {"deliverables": open_tender.deliverables.replace("；", "；") + "\r\n",
            "deadline_at": open_tender.deadline_at.replace(second=0), "budget": f"{open_tender.budget:.2f}",
            "title": open_tender.title + " "}
    with pytest.raises(DomainError) as error:
        amendments.amend(open_tender, echo, "只是再提交一次", by=market["buyer"])
    assert "没有任何改动" in error.value.message
    open_tender.deliverables = "第一行\n第二行"
    amendment = amendments.amend(open_tender, {"deliverables": "第一行\r\n第二行\r\n第三行"}, "加一行",
                                 by=market["buyer"])
    assert amendments.amendment_changes(amendment)[0]["after_lines"][-1] == (True, "第三行")
    assert open_tender.deliverables == "第一行\n第二行\n第三行"


def test_a_reconfirmed_bid_stays_live_at_the_deadline(market, open_tender, submitted_bid):
    from marketplace.bids import services as bids

    bid = submitted_bid()
    org = bid.organization
    amendments.amend(open_tender, {"description": "补充服务对象说明"}, "补充说明", by=market["buyer"])
    bids.reconfirm(bid, open_tender, by=manager_of(org))
    assert bid.status == BidStatus.submitted and bid.tender_version == 2
    db.session.commit()
    clock.freeze(open_tender.deadline_at)
    jobs.tick("tenders.advance")
    db.session.expire_all()
    assert db.session.get(Bid, bid.id).status == BidStatus.opened  # confirmed in time: opened, not lapsed


def test_one_live_bid_per_organization_and_tender(market, open_tender, submitted_bid):
    from sqlalchemy.exc import IntegrityError

    live = submitted_bid()
    twin = Bid(tender_id=open_tender.id, organization_id=live.organization_id, status=BidStatus.submitted,
               sealed_content=live.sealed_content, content_sha256=live.content_sha256, submitted_at=clock.now())
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_an_amendment_cannot_shorten_the_tendering_period(market, open_tender):
    too_soon = open_tender.published_at + timedelta(days=5)  # 磋商 needs 10 days from publication
    with pytest.raises(DomainError) as error:
        amendments.amend(open_tender, {"deadline_at": too_soon}, "提前截止", by=market["buyer"])
    assert "不得少于 10 日" in error.value.message
    assert open_tender.version == 1 and not open_tender.amendments


def test_a_deadline_before_the_question_close_moves_the_question_close_not_a_500(market, open_tender):
    open_tender.questions_close_at = open_tender.deadline_at - timedelta(hours=1)
    new_deadline = open_tender.published_at + timedelta(days=12)
    amendment = amendments.amend(open_tender, {"deadline_at": new_deadline}, "缩短答疑期", by=market["buyer"])
    assert open_tender.deadline_at == new_deadline and open_tender.questions_close_at == new_deadline
    assert {c["field"] for c in amendments.amendment_changes(amendment)} == {"deadline_at", "questions_close_at"}


def test_a_refused_amendment_changes_nothing(market, open_tender):
    title = open_tender.title
    with pytest.raises(DomainError):
        amendments.amend(open_tender, {"title": "新名称", "budget": "999999"}, "超预算", by=market["buyer"])
    assert open_tender.title == title and open_tender.budget == 300000


def test_amendment_labels_follow_the_reader(market, open_tender, app):
    from flask_babel import force_locale

    amendment = amendments.amend(open_tender, {"title": "新名称"}, "更正", by=market["buyer"])
    assert '"label"' not in amendment.changes  # stored as data, labelled when shown
    with force_locale("en"):
        assert amendments.amendment_changes(amendment)[0]["label"] == "Project name"


def test_needs_go_back_to_the_office_when_their_tender_is_cancelled(market, ready_tender, make_user):
    from marketplace.needs import services as needs
    from marketplace.needs.models import NeedStatus

    resident = make_user("resident")
    need = needs.submit_need({"community": market["community"], "item_code": "A0401", "title": "老人助餐",
                              "description": "希望社区有助餐点", "contact_phone": None}, [], by=resident)
    tender = ready_tender()
    tenders.link_needs(tender, [need.id], by=market["buyer"])
    tenders.publish(tender, by=market["buyer"])
    assert need.status == NeedStatus.planned
    tenders.cancel(tender, "预算调整", by=market["buyer"])
    assert need.status == NeedStatus.replied and need.tender_id is None and need.closed_at is None
    assert "已终止" in need.updates[-1].message and "预算调整" in need.updates[-1].message
    assert need in needs.linkable_needs(market["street"])
