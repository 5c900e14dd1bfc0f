from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.common import clock
from marketplace.errors import DomainError, InvalidTransition, NotPermitted
from marketplace.extensions import db
from marketplace.needs import services
from marketplace.needs.models import NeedStatus
from marketplace.notifications.models import Notification, OutboxMessage
from marketplace.regions.models import BodyKind


def _notes(user):
    return db.session.execute(select(Notification).where(Notification.user_id == user.id)).scalars().all()


def _mail_to(address):
    return db.session.execute(select(OutboxMessage).where(OutboxMessage.to_address == address)).scalars().all()


def test_only_the_responsible_office_answers(make_need, make_user, make_body):
    need = make_need()
    elsewhere = make_user("buyer", body_=make_body(BodyKind.street_office, "110101002", name="景山街道办事处"))
    for outsider in [elsewhere, make_user("resident"), make_user("catalog_admin")]:
        with pytest.raises(NotPermitted):
            services.reply(need, "我们来处理", by=outsider)
    services.reply(need, "已收到，正在联系社区食堂", by=make_user("buyer"))
    assert need.status == NeedStatus.replied


def test_another_office_gets_403_on_the_page(client, login_as, make_need, make_body):
    need = make_need()
    db.session.commit()
    login_as("buyer", body_=make_body(BodyKind.street_office, "110101002", name="景山街道办事处"))
    token = client.csrf_token(f"/needs/{need.id}")
    response = client.post(f"/needs/{need.id}/answer", data={"csrf_token": token, "action": "reply", "text": "好"})
    assert response.status_code == 403
    assert need.status == NeedStatus.submitted


def test_a_reply_is_public_and_reaches_the_submitter_and_supporters(make_need, make_user, frozen_now):
    submitter, supporter = make_user("resident", email="sub@example.cn"), make_user("resident")
    need = make_need(by=submitter)
    services.support(need, supporter)
    buyer = make_user("buyer", name="东华门街道 李娜")
    clock.advance(timedelta(hours=3))
    services.reply(need, "已收到，正在联系社区食堂", by=buyer)
    assert need.replied_at == clock.now() and need.reply_text == "已收到，正在联系社区食堂"
    assert need.closed_at is None
    assert [(u.status, u.message, u.created_by) for u in need.updates][-1] == (
        NeedStatus.replied, "已收到，正在联系社区食堂", buyer)
    assert [n.link for n in _notes(submitter)] == [f"/needs/{need.id}"]
    assert [n.link for n in _notes(supporter)] == [f"/needs/{need.id}"]
    mail = _mail_to("sub@example.cn")
    assert len(mail) == 1 and need.title in mail[0].subject and "已收到，正在联系社区食堂" in mail[0].body_text
    assert f"/needs/{need.id}" in mail[0].body_text
    assert _mail_to(supporter.email) == []
    actions = db.session.execute(select(AuditEvent.action).where(AuditEvent.subject_type == "need",
                                                                 AuditEvent.subject_id == str(need.id))).scalars()
    assert list(actions) == ["need.submitted", "need.supported", "need.replied"]


def test_a_close_without_a_reply_counts_as_the_reply(make_need, make_user):
    need = make_need()
    services.resolve(need, "社区食堂已开通送餐", by=make_user("buyer"))
    assert need.status == NeedStatus.resolved
    assert need.replied_at == need.closed_at == need.resolved_at == clock.now()
    assert not need.reply_overdue(need.reply_due_on + timedelta(days=30))


def test_decline_requires_a_reason(make_need, make_user):
    need, buyer = make_need(), make_user("buyer")
    with pytest.raises(DomainError, match="必须写明理由") as refused:
        services.decline(need, "   ", by=buyer)
    assert refused.value.field == "reason" and need.status == NeedStatus.submitted
    services.decline(need, "属于物业服务范围，已转交物业公司", by=buyer)
    assert need.status == NeedStatus.declined and need.decline_reason == "属于物业服务范围，已转交物业公司"
    assert need.closed_at == clock.now()


def test_the_decline_form_without_a_reason_changes_nothing(client, login_as, make_need):
    need = make_need()
    db.session.commit()
    login_as("buyer")
    token = client.csrf_token(f"/needs/{need.id}")
    response = client.post(f"/needs/{need.id}/decline", data={"csrf_token": token, "reason": ""})
    assert response.status_code == 400
    assert "不予采纳必须写明理由" in response.get_data(as_text=True)
    db.session.refresh(need)
    assert need.status == NeedStatus.submitted


def test_the_answer_form_replies_then_resolves(client, login_as, make_need):
    need = make_need()
    db.session.commit()
    login_as("buyer")
    token = client.csrf_token(f"/needs/{need.id}")
    assert client.post(f"/needs/{need.id}/answer", data={"csrf_token": token, "action": "reply",
                                                         "text": "下周上门了解"}).status_code == 302
    assert client.post(f"/needs/{need.id}/answer", data={"csrf_token": token, "action": "resolve",
                                                         "text": "已安排送餐"}).status_code == 302
    db.session.refresh(need)
    assert need.status == NeedStatus.resolved and need.reply_text == "下周上门了解"


def test_a_closed_need_takes_no_more_answers(make_need, make_user):
    need, buyer = make_need(), make_user("buyer")
    services.resolve(need, "已解决", by=buyer)
    with pytest.raises(InvalidTransition):
        services.reply(need, "补充说明", by=buyer)


def _tender(office, need):
    from marketplace.tenders.models import Method, Tender

    tender = Tender(reference="DC-2026-001", buyer=office, year=2026, item_code=need.item_code,
                    item_name=need.item_name, title="东华门街道社区助餐服务项目", budget=Decimal("300000"),
                    method=Method.consultation, term_months=12, created_at=clock.now(), published_at=clock.now())
    db.session.add(tender)
    db.session.flush()
    return tender


def test_plan_links_the_tender_and_makes_everyone_follow_it(make_need, make_user, place):
    from marketplace.follows.models import Follow, Subject

    submitter, supporter = make_user("resident"), make_user("resident")
    need = make_need(by=submitter)
    services.support(need, supporter)
    tender = _tender(place.office, need)
    services.plan(need, tender, by=make_user("buyer"))
    assert need.status == NeedStatus.planned and need.tender_id == tender.id and need.closed_at == clock.now()
    assert "DC-2026-001" in need.updates[-1].message
    followers = db.session.execute(select(Follow.user_id).where(Follow.subject == Subject.tender,
                                                                Follow.subject_id == tender.id)).scalars()
    assert sorted(followers) == sorted([submitter.id, supporter.id])
    assert len(_notes(supporter)) == 1


def test_linkable_needs_are_the_offices_open_ones_by_close_deadline(make_need, make_user, place):
    later = make_need()
    clock.advance(timedelta(days=-7))
    sooner = make_need()
    closed = make_need()
    services.resolve(closed, "已解决", by=make_user("buyer"))
    assert services.linkable_needs(place.office) == [sooner, later]


def test_a_planned_need_links_to_its_tender(client, make_need, make_user, place):
    need = make_need()
    tender = _tender(place.office, need)
    services.plan(need, tender, by=make_user("buyer"))
    db.session.commit()
    html = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert f'href="/tenders/{tender.id}"' in html and "已纳入项目" in html


def test_the_office_starts_a_tender_from_the_needs_category(client, login_as, make_need, place):
    need = make_need(item_code="A0401")
    db.session.commit()
    login_as("resident")
    assert "/tenders/new?item=" not in client.get(f"/needs/{need.id}").get_data(as_text=True)
    login_as("buyer", body_=place.office)
    assert 'href="/tenders/new?item=A0401"' in client.get(f"/needs/{need.id}").get_data(as_text=True)
