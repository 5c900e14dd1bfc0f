"""Tender pages over HTTP: who may do what, forms that keep their input, the list without N+1 queries."""

import re
from datetime import timedelta

import pytest

from marketplace.catalog.models import CatalogVersion, PurchaseItem
from marketplace.common import clock
from marketplace.extensions import db
from marketplace.tenders import questions
from marketplace.tenders import services as tenders
from marketplace.tenders.models import Tender, TenderStatus
from tests.conftest import sign_in
from tests.organizations.conftest import manager_of


def test_only_buyers_start_tenders(client, market, make_user):
    sign_in(client, make_user("org_member"))
    assert client.get("/tenders/new").status_code == 403
    sign_in(client, market["buyer"])
    html = client.get("/tenders/new").get_data(as_text=True)
    assert "A0401 居家和社区养老服务（剩余预算 ¥500,000.00）" in html
    assert "A1002" not in html and "A1003" not in html  # negative list; no budget line


def test_the_new_tender_form_keeps_input_when_refused(client, market):
    sign_in(client, market["buyer"])
    token = client.csrf_token("/tenders/new")
    response = client.post("/tenders/new", data={"csrf_token": token, "item_code": "A0401",
                                                  "title": "长者助餐服务项目", "budget": "600000"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "剩余额度 ¥500,000.00" in html
    assert 'value="长者助餐服务项目"' in html and 'value="600000"' in html
    assert db.session.query(Tender).count() == 0


def test_a_wizard_step_refusal_keeps_every_row(client, market):
    tender = tenders.create_tender(market["street"], "A0401", "", "100000", by=market["buyer"])
    sign_in(client, market["buyer"])
    token = client.csrf_token(f"/tenders/{tender.id}/edit/scoring")
    rows = {"csrf_token": token}
    for i, (name, weight, price) in enumerate([("价格", "20", True), ("服务方案", "50", False), ("团队", "20", False)]):
        rows |= {f"rows-{i}-name": name, f"rows-{i}-weight": weight, f"rows-{i}-description": f"{name}标准"}
        if price:
            rows[f"rows-{i}-is_price"] = "y"
    response = client.post(f"/tenders/{tender.id}/edit/scoring", data=rows)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "合计须为 100，当前为 90" in html
    assert 'value="服务方案"' in html and 'value="50"' in html and "团队标准" in html
    db.session.expire_all()
    assert [c.weight for c in db.session.get(Tender, tender.id).criteria] == [20, 40, 25, 15]  # unchanged


def test_another_office_cannot_edit_a_draft(client, market, ready_tender, make_user, make_body):
    from marketplace.regions.models import BodyKind

    tender = ready_tender()
    other = make_user("buyer", body_=make_body(BodyKind.street_office, "110101002", name="景山街道办事处"))
    sign_in(client, other)
    assert client.get(f"/tenders/{tender.id}/edit/basics").status_code == 404  # drafts are invisible to others
    assert client.get(f"/tenders/{tender.id}/publish").status_code == 404


def test_publish_goes_through_a_confirm_page(client, market, ready_tender):
    tender = ready_tender()
    sign_in(client, market["buyer"])
    page = client.get(f"/tenders/{tender.id}/publish").get_data(as_text=True)
    assert "确认发布" in page and "¥300,000.00" in page
    assert db.session.get(Tender, tender.id).status == TenderStatus.draft
    token = client.csrf_token(f"/tenders/{tender.id}/publish")
    response = client.post(f"/tenders/{tender.id}/publish", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Tender, tender.id).status == TenderStatus.tendering


def test_an_organization_asks_over_http_and_sees_its_eligibility(client, market, open_tender, make_org, confirm_fact):
    org = make_org(name="东城区阳光社会工作服务中心")
    member = manager_of(org)
    sign_in(client, member)
    page = client.get(f"/tenders/{open_tender.id}").get_data(as_text=True)
    assert "能否投标" in page and "SD-R1" in page and "TPL-R1" in page
    token = client.csrf_token(f"/tenders/{open_tender.id}")
    response = client.post(f"/tenders/{open_tender.id}/questions", data={"csrf_token": token, "text": "短"})
    assert response.status_code == 400 and "短" in response.get_data(as_text=True)
    response = client.post(f"/tenders/{open_tender.id}/questions",
                           data={"csrf_token": token, "text": "请问是否接受联合体投标？"})
    assert response.status_code == 302
    assert tenders.is_following(open_tender, member)


def test_the_buyer_answers_and_amends_over_http(client, market, open_tender, make_org):
    member = manager_of(make_org())
    from marketplace.organizations.services import membership_of

    question = questions.ask(open_tender, "请问是否接受联合体投标？", by=member, membership=membership_of(member))
    sign_in(client, market["buyer"])
    token = client.csrf_token(f"/tenders/{open_tender.id}")
    client.post(f"/tenders/{open_tender.id}/questions/{question.id}/answer",
                data={"csrf_token": token, "answer": "不接受联合体投标"})
    db.session.expire_all()
    assert db.session.get(type(question), question.id).answer == "不接受联合体投标"
    token = client.csrf_token(f"/tenders/{open_tender.id}/amend")
    deadline = clock.to_local(open_tender.deadline_at + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(f"/tenders/{open_tender.id}/amend", data={
        "csrf_token": token, "rationale": "", "deadline_at": deadline})
    assert response.status_code == 400 and deadline in response.get_data(as_text=True)  # kept
    response = client.post(f"/tenders/{open_tender.id}/amend", data={
        "csrf_token": token, "rationale": "给机构更多准备时间", "deadline_at": deadline})
    assert response.status_code == 302
    db.session.expire_all()
    tender = db.session.get(Tender, open_tender.id)
    assert tender.version == 2 and len(tender.amendments) == 1


def test_the_catalog_item_page_lists_its_tenders(client, market, open_tender):
    item = db.session.query(PurchaseItem).join(CatalogVersion).filter(PurchaseItem.code == "A0401").one()
    html = client.get(f"/catalogs/{item.version_id}/items/A0401").get_data(as_text=True)
    assert open_tender.title in html and open_tender.reference in html


def test_the_public_list_runs_a_constant_number_of_queries(client, market, ready_tender, count_queries):
    def publish_some(n):
        for _ in range(n):
            tenders.publish(ready_tender(budget="10000"), by=market["buyer"])
        db.session.commit()

    publish_some(2)
    client.get("/tenders/")
    with count_queries() as few:
        assert client.get("/tenders/").status_code == 200
    publish_some(8)
    with count_queries() as many:
        html = client.get("/tenders/").get_data(as_text=True)
    assert html.count("东华门街道长者助餐服务项目") == 10
    assert many.count == few.count <= 10


def test_the_list_shows_open_tenders_by_deadline_then_the_rest_newest_first_on_every_page(app, client, market,
                                                                                           ready_tender):
    """Two parts read one after the other (each from its nearer end): pages must join up exactly."""
    made = []
    for n, days in enumerate([24, 18, 27, 21, 30, 19, 23]):  # the questions close 15 days ahead
        tender = ready_tender(budget="10000")
        tender.title = f"第{n}号"
        tenders.publish(tender, by=market["buyer"])
        tender.deadline_at = clock.now() + timedelta(days=days)
        made.append(tender)
    for tender in made[1::2]:  # 1, 3, 5 are over
        tender.status, tender.cancelled_at, tender.cancel_reason = TenderStatus.cancelled, clock.now(), "预算调整"
    db.session.commit()
    titles = lambda html: re.findall(r">(第\d号)<", html)  # noqa: E731
    expected = ["第6号", "第0号", "第2号", "第4号", "第5号", "第3号", "第1号"]
    app.config["PER_PAGE"], before = 3, app.config["PER_PAGE"]
    try:
        pages = [titles(client.get(f"/tenders/?page={n}").get_data(as_text=True)) for n in (1, 2, 3)]
    finally:
        app.config["PER_PAGE"] = before
    assert pages[0] + pages[1] + pages[2] == expected
    assert titles(client.get("/tenders/").get_data(as_text=True)) == expected


def test_filters_narrow_the_list(client, market, ready_tender):
    tenders.publish(ready_tender(budget="10000"), by=market["buyer"])
    big = tenders.create_tender(market["street"], "A1001", "社区治理大项目", "2500000", by=market["buyer"])
    db.session.commit()
    assert "长者助餐" in client.get("/tenders/?budget_max=20000").get_data(as_text=True)
    assert "长者助餐" not in client.get("/tenders/?budget_min=20000").get_data(as_text=True)
    assert "长者助餐" in client.get("/tenders/?method=consultation&status=tendering").get_data(as_text=True)
    assert "长者助餐" not in client.get("/tenders/?method=open").get_data(as_text=True)
    assert big.title not in client.get("/tenders/").get_data(as_text=True)  # still a draft
    assert client.get("/tenders/?budget_min=abc").status_code == 200  # a bad filter is ignored, not a 500


def _row(html: str, code: str) -> str:
    start = html.index(f"<code>{code}</code>")
    return html[start:html.index("</tr>", start)]


def test_the_checklist_on_the_tender_page_follows_the_organization(client, market, open_tender, make_org):
    from marketplace.organizations.models import OrgType

    sign_in(client, manager_of(make_org(org_type=OrgType.social_service)))
    html = client.get(f"/tenders/{open_tender.id}").get_data(as_text=True)
    assert "status-verified" in _row(html, "SD-R1")  # a 民办非企业单位 is a registered type SD-R1 accepts
    sign_in(client, manager_of(make_org(status="pending")))
    html = client.get(f"/tenders/{open_tender.id}").get_data(as_text=True)
    assert "目前不符合，不能投标" in html and "尚未通过" in html


def test_the_tender_page_costs_the_same_for_one_question_or_six(client, market, open_tender, make_org,
                                                                 count_queries):
    from marketplace.organizations.services import membership_of

    def ask(n):
        for i in range(n):
            member = manager_of(make_org())
            questions.ask(open_tender, f"第 {i} 个问题：服务对象如何确定？", by=member,
                          membership=membership_of(member))
        db.session.commit()

    ask(1)
    client.get(f"/tenders/{open_tender.id}")
    with count_queries() as one:
        client.get(f"/tenders/{open_tender.id}")
    ask(5)
    client.get(f"/tenders/{open_tender.id}")
    with count_queries() as six:
        html = client.get(f"/tenders/{open_tender.id}").get_data(as_text=True)
    assert "提问方 6" in html and six.count == one.count


def test_documents_are_uploaded_in_the_wizard_and_downloaded_by_anyone(client, market, ready_tender):
    import hashlib
    import io

    from tests.organizations.conftest import PDF

    tender = ready_tender()
    sign_in(client, market["buyer"])
    token = client.csrf_token(f"/tenders/{tender.id}/edit/documents")
    response = client.post(f"/tenders/{tender.id}/edit/documents", data={
        "csrf_token": token, "title": "采购需求书", "stay": "1",
        "document": (io.BytesIO(b"not a pdf"), "需求书.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 400 and "不是 PDF、JPG 或 PNG 文件" in response.get_data(as_text=True)
    response = client.post(f"/tenders/{tender.id}/edit/documents", data={
        "csrf_token": token, "title": "采购需求书", "stay": "1",
        "document": (io.BytesIO(PDF), "需求书.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    tenders.publish(db.session.get(Tender, tender.id), by=market["buyer"])
    db.session.commit()
    with client.session_transaction() as session:
        session.clear()
    html = client.get(f"/tenders/{tender.id}").get_data(as_text=True)
    assert "采购需求书" in html and hashlib.sha256(PDF).hexdigest()[:16] in html
    document = db.session.get(Tender, tender.id).documents[0]
    download = client.get(f"/tenders/{tender.id}/documents/{document.id}")
    assert download.status_code == 200 and download.data == PDF


def test_the_deadline_filter(client, market, ready_tender):
    now = clock.now()
    tenders.publish(ready_tender(budget="10000"), by=market["buyer"])
    db.session.commit()
    soon = clock.to_local(now + timedelta(days=20)).date().isoformat()
    early = clock.to_local(now + timedelta(days=5)).date().isoformat()
    assert "长者助餐" in client.get(f"/tenders/?deadline_before={soon}").get_data(as_text=True)
    assert "长者助餐" not in client.get(f"/tenders/?deadline_before={early}").get_data(as_text=True)


@pytest.mark.parametrize("query", ["method=bogus", "status=bogus", "budget_min=sNaN", "budget_max=Infinity",
                                   "budget_min=1e400", "page=99999999999999999999", "deadline_before=2026-13-45",
                                   "region=999999"])
def test_malformed_list_filters_are_ignored_not_a_500(client, market, query):
    assert client.get(f"/tenders/?{query}").status_code == 200


@pytest.mark.parametrize("path", ["/tenders/99999999999999999999", "/tenders/4294967296",
                                  "/tenders/1/documents/99999999999"])
def test_huge_ids_are_not_found(client, path):
    assert client.get(path).status_code == 404


def test_an_indicator_target_of_zero_is_a_value_and_infinity_is_not(client, market):
    tender = tenders.create_tender(market["street"], "A0401", "", "100000", by=market["buyer"])
    sign_in(client, market["buyer"])
    token = client.csrf_token(f"/tenders/{tender.id}/edit/indicators")
    row = {"csrf_token": token, "rows-0-kind": "output_cost", "rows-0-name": "超支金额", "rows-0-comparison": "<=",
           "rows-0-unit": "元"}
    assert client.post(f"/tenders/{tender.id}/edit/indicators", data=row | {"rows-0-target": "0"}).status_code == 302
    response = client.post(f"/tenders/{tender.id}/edit/indicators", data=row | {"rows-0-target": "Infinity"})
    assert response.status_code == 400


def test_a_cancelled_draft_stays_private(client, market, ready_tender):
    tender = ready_tender()
    tenders.cancel(tender, "不再需要", by=market["buyer"])
    db.session.commit()
    assert client.get(f"/tenders/{tender.id}").status_code == 404
    assert tender.title not in client.get("/tenders/").get_data(as_text=True)


def test_the_buyer_workspace_catches_up(client, market, open_tender):
    clock.freeze(open_tender.deadline_at + timedelta(minutes=1))
    sign_in(client, market["buyer"])
    html = client.get("/tenders/mine").get_data(as_text=True)
    assert "废标" in html  # no bids by the deadline: unsuccessful, not still 招标中


def test_a_need_linked_to_a_draft_does_not_reveal_it(client, market, ready_tender, make_user):
    from marketplace.needs import services as needs

    resident = make_user("resident")
    need = needs.submit_need({"community": market["community"], "item_code": "A0401", "title": "老人助餐",
                              "description": "希望社区有助餐点", "contact_phone": None}, [], by=resident)
    tender = ready_tender()
    tenders.link_needs(tender, [need.id], by=market["buyer"])
    db.session.commit()
    html = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert tender.reference not in html and f"/tenders/{tender.id}" not in html
    tenders.publish(tender, by=market["buyer"])
    db.session.commit()
    assert f"/tenders/{tender.id}" in client.get(f"/needs/{need.id}").get_data(as_text=True)
