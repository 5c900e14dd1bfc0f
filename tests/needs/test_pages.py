from datetime import timedelta

import pytest

from marketplace.common import clock
from marketplace.extensions import db
from marketplace.needs import services
from marketplace.regions.models import BodyKind

from .conftest import PNG


@pytest.fixture
def private_need(make_need, make_user):
    submitter = make_user("resident", name="王秀英", email="wangxiuying@example.cn")
    need = make_need(by=submitter, contact_phone="13812341234", title="楼道照明坏了很久")
    db.session.commit()
    return need


def test_the_public_never_sees_who_asked_or_their_phone(client, private_need, login_as):
    def pages():
        for path in ["/needs/", f"/needs/{private_need.id}"]:
            yield path, client.get(path).get_data(as_text=True)

    for path, html in pages():
        assert "楼道照明坏了很久" in html
        for secret in ["王秀英", "wangxiuying", "13812341234", "138****1234"]:
            assert secret not in html, (path, secret)
    login_as("resident")  # other residents are the public too
    for path, html in pages():
        assert "138****1234" not in html and "13812341234" not in html, path


def test_the_office_sees_the_phone_masked_and_still_not_the_name(client, private_need, login_as):
    login_as("buyer")
    html = client.get(f"/needs/{private_need.id}").get_data(as_text=True)
    assert "138****1234" in html
    for secret in ["王秀英", "wangxiuying", "13812341234"]:
        assert secret not in html


def test_the_list_costs_the_same_queries_for_two_needs_or_seven(client, make_need, make_user, make_body,
                                                               make_region, count_queries):
    make_need(), make_need()
    db.session.commit()
    client.get("/needs/")
    with count_queries() as few:
        assert client.get("/needs/").status_code == 200
    make_body(BodyKind.street_office, "110101002", name="景山街道办事处")
    for n in range(5):
        need = make_need(community=make_region(f"11010100200{n}", name=f"景山社区{n}"))
        services.support(need, make_user("resident"))
    db.session.commit()
    with count_queries() as many:
        html = client.get("/needs/").get_data(as_text=True)
    assert "景山街道办事处" in html and "景山社区4" in html
    assert many.count == few.count


def test_filters_narrow_the_public_list(client, make_need, make_user, place):
    elder = make_need(title="社区老年人助餐服务需求")
    governance = make_need(title="楼门院议事会", item_code="A1001", community=place.other)
    services.reply(governance, "已收到", by=make_user("buyer"))
    clock.advance(timedelta(days=4))  # elder is now past its reply deadline
    db.session.commit()

    def titles(query):
        html = client.get(f"/needs/?{query}").get_data(as_text=True)
        return {n.title for n in (elder, governance) if n.title in html}

    assert titles("") == {elder.title, governance.title}
    assert titles("status=replied") == {governance.title}
    assert titles(f"area={place.other.code}") == {governance.title}
    assert titles("area=110101001") == {elder.title, governance.title}
    assert titles("category=A04") == {elder.title}
    assert titles("overdue=y") == {elder.title}
    assert titles("q=议事") == {governance.title}
    assert "超期" in client.get(f"/needs/{elder.id}").get_data(as_text=True)


def test_the_office_desk_puts_the_nearest_deadline_first(client, login_as, make_need, make_user):
    buyer = login_as("buyer")
    later = make_need(title="后提交的需求")
    clock.advance(timedelta(days=-7))
    overdue = make_need(title="早已超期的需求")
    clock.advance(timedelta(days=1))
    closed = make_need(title="已经办结的需求")
    services.resolve(closed, "已解决", by=buyer)
    clock.advance(timedelta(days=6))
    db.session.commit()
    html = client.get("/needs/office").get_data(as_text=True)
    positions = [html.index(n.title) for n in (overdue, later, closed)]
    assert positions == sorted(positions)
    assert 'class="card need-card overdue"' in html


def test_district_staff_see_what_was_escalated_to_them(client, login_as, make_need, place):
    need = make_need(title="一直没人答复的需求")
    clock.advance(timedelta(days=10))
    services.escalate_overdue(clock.now())
    db.session.commit()
    login_as("catalog_admin", body_=place.district)
    html = client.get("/needs/office").get_data(as_text=True)
    assert "提请本单位督办的需求" in html and need.title in html


def test_the_desk_is_for_government_staff(client, login_as, place):
    login_as("resident")
    assert client.get("/needs/office").status_code == 403


def test_photos_are_shown_on_the_page(client, make_need):
    need = make_need(photos=[("door.png", PNG)])
    db.session.commit()
    html = client.get(f"/needs/{need.id}").get_data(as_text=True)
    photo = need.photos[0]
    assert f"/needs/photos/{photo.id}" in html
    response = client.get(f"/needs/photos/{photo.id}")
    assert response.status_code == 200 and response.data == PNG and response.mimetype == "image/png"
