from datetime import date, timedelta

import pytest
from sqlalchemy import select

from marketplace.common import clock, jobs
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db
from marketplace.needs import services
from marketplace.needs.models import NeedSupport, NeedUpdate
from marketplace.notifications.models import Notification
from marketplace.regions.models import BodyKind


def _notes(user):
    return db.session.execute(select(Notification.message).where(Notification.user_id == user.id)).scalars().all()


def test_an_overdue_need_is_escalated_to_the_district_once(make_need, make_user, place):
    bureau_staff, office_staff = make_user("catalog_admin", body_=place.district), make_user("buyer")
    need = make_need()  # Monday 2026-03-02: reply by Thu 03-05, close by Wed 03-11
    assert need.reply_due_on == date(2026, 3, 5)
    clock.advance(timedelta(days=3))  # Thursday, the last day to reply: not late yet
    assert jobs.tick("needs.escalate") == {"needs.escalate": 0}
    clock.advance(timedelta(days=1))  # Friday
    assert jobs.tick("needs.escalate") == {"needs.escalate": 1}
    db.session.refresh(need)
    assert need.escalated_to == place.district and need.escalated_at == clock.now()
    escalation = need.updates[-1]
    assert escalation.escalation and "已超期" in escalation.message and "东城区民政局" in escalation.message
    assert any("已提请东城区民政局督办" in m for m in _notes(bureau_staff))
    assert any("已提请东城区民政局督办" in m for m in _notes(office_staff))

    clock.advance(timedelta(days=10))
    assert jobs.tick("needs.escalate") == {"needs.escalate": 0}
    updates = db.session.execute(select(NeedUpdate).where(NeedUpdate.need_id == need.id,
                                                          NeedUpdate.escalation.is_(True))).scalars().all()
    assert len(updates) == 1


def test_an_answered_need_escalates_only_after_the_close_deadline(make_need, make_user):
    need = make_need()
    services.reply(need, "已收到", by=make_user("buyer"))
    clock.advance(timedelta(days=9))  # Wed 03-11: the close deadline itself
    assert services.escalate_overdue(clock.now()) == 0
    clock.advance(timedelta(days=1))
    assert services.escalate_overdue(clock.now()) == 1
    assert need.close_overdue(clock.today()) and not need.reply_overdue(clock.today())


def test_a_closed_need_is_never_escalated(make_need, make_user):
    need = make_need()
    services.decline(need, "不属于购买服务范围", by=make_user("buyer"))
    clock.advance(timedelta(days=30))
    assert services.escalate_overdue(clock.now()) == 0 and need.escalated_at is None


def test_without_a_civil_affairs_bureau_any_district_body_supervises(make_need, make_body, make_region):
    other = make_body(BodyKind.street_office, "110102001", name="西城某街道办事处")
    finance = make_body(BodyKind.finance, "110102", name="西城区财政局")
    community = make_region("110102001001", name="某社区")
    need = make_need(community=community)
    assert need.office == other
    clock.advance(timedelta(days=20))
    services.escalate_overdue(clock.now())
    assert need.escalated_to == finance


def test_district_staff_answer_what_was_escalated_to_them(make_need, make_user, place):
    need = make_need()
    bureau_staff = make_user("catalog_admin", body_=place.district)
    with pytest.raises(NotPermitted):
        services.reply(need, "督办意见", by=bureau_staff)
    clock.advance(timedelta(days=10))
    services.escalate_overdue(clock.now())
    services.reply(need, "已督促街道三日内办结", by=bureau_staff)
    assert need.replied_at == clock.now()


def test_a_resident_supports_a_need_once(make_need, make_user):
    need, resident = make_need(), make_user("resident")
    services.support(need, resident)
    assert need.support_count == 1
    with pytest.raises(DomainError, match="已经为这条需求点过赞"):
        services.support(need, resident)
    assert need.support_count == 1
    services.support(need, make_user("resident"))
    assert need.support_count == 2


def test_the_database_also_refuses_a_second_support(make_need, make_user):
    from sqlalchemy.exc import IntegrityError

    need, resident = make_need(), make_user("resident")
    services.support(need, resident)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(NeedSupport(need_id=need.id, user_id=resident.id, created_at=clock.now()))


def test_supporting_twice_through_the_page_is_a_message_not_an_error(client, login_as, make_need):
    need = make_need()
    db.session.commit()
    login_as("resident")
    token = client.csrf_token(f"/needs/{need.id}")
    assert client.post(f"/needs/{need.id}/support", data={"csrf_token": token}).status_code == 302
    response = client.post(f"/needs/{need.id}/support", data={"csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200
    assert "已经为这条需求点过赞" in response.get_data(as_text=True)
    db.session.refresh(need)
    assert need.support_count == 1


def test_not_your_own_need_and_not_as_staff(make_need, make_user):
    resident = make_user("resident")
    need = make_need(by=resident)
    with pytest.raises(DomainError, match="自己提交"):
        services.support(need, resident)
    with pytest.raises(NotPermitted):
        services.support(need, make_user("buyer"))
    assert need.support_count == 0
