"""Registration through the web, the registrar's workflow, the team and the public directory."""

import io
from datetime import date

from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.organizations import records, services
from marketplace.organizations.models import (
    CreditList,
    FactKind,
    Membership,
    Organization,
    OrgInvitation,
    OrgRole,
    OrgStatus,
    OrgType,
)

from .conftest import PDF, code_for, manager_of


def _form(**overrides):
    data = {"name": "东城区阳光社会工作服务中心", "uscc": code_for(), "org_type": "social_service", "public_class": "",
            "registering_authority": "北京市东城区民政局", "registered_on": "2018-05-01", "region_code": "110101001",
            "address": "东城区某路 1 号", "legal_representative": "王芳", "contact_name": "孙悦",
            "contact_phone": "010-65000000", "contact_email": "contact@example.org", "fulltime_staff": "8",
            "parttime_staff": "2", "introduction": "", "certificate": (io.BytesIO(PDF), "证书.pdf")}
    return data | overrides


def _post(client, data):
    return client.post("/organizations/register", data=data, content_type="multipart/form-data")


def test_a_wrong_check_character_names_the_expected_one_and_keeps_everything(client, login_as, make_region):
    make_region("110101001")
    login_as("org_member")
    good = code_for()
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    response = _post(client, _form(uscc=wrong))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"第 18 位应为 “{good[17]}”" in html
    assert 'value="东城区阳光社会工作服务中心"' in html and f'value="{wrong}"' in html
    assert "已收到您上传的证书文件" in html  # the certificate is kept: no need to choose it again
    token = html.split('name="certificate_token" type="hidden" value="')[1].split('"')[0]
    done = _post(client, _form(uscc=good, certificate_token=token, certificate=(io.BytesIO(b""), "")))
    assert done.status_code == 302
    org = db.session.query(Organization).one()
    assert org.status == OrgStatus.pending and org.uscc == good and org.documents[0].kind.value == "certificate"


def test_type_prefix_duplicates_and_ineligible_public_bodies_are_refused(client, login_as, make_region, make_org):
    make_region("110101001")
    login_as("org_member")
    wrong_type = _post(client, _form(uscc=code_for(OrgType.foundation))).get_data(as_text=True)
    assert "应以 “52” 开头；您填写的代码以 “53” 开头（基金会）" in wrong_type
    taken = make_org(manager=False)
    duplicate = _post(client, _form(uscc=taken.uscc)).get_data(as_text=True)
    assert "已由“" in duplicate and "一个代码只能登记一个机构" in duplicate
    class_1 = _post(client, _form(uscc=code_for(OrgType.public_institution), org_type="public_institution",
                                  public_class="class_1")).get_data(as_text=True)
    assert "公益一类事业单位不能作为政府购买服务的承接主体" in class_1
    funded = _post(client, _form(uscc=code_for(OrgType.mass_organization), org_type="mass_organization",
                                 budget_funded="y")).get_data(as_text=True)
    assert "由财政拨款保障的群团组织不能" in funded
    assert db.session.query(Organization).count() == 1


def test_registrar_asks_for_more_then_verifies_and_the_organization_sees_it(client, login_as, make_org, registrar):
    org = make_org(status="pending")
    manager = manager_of(org)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = str(registrar.id), True
    assert org.name in client.get("/registrar/").get_data(as_text=True)
    refused = client.post(f"/registrar/organizations/{org.id}/request_info", data={"reason": ""})
    assert refused.status_code == 400 and "请写明理由" in refused.get_data(as_text=True)
    client.post(f"/registrar/organizations/{org.id}/request_info", data={"reason": "请补充章程扫描件"})
    db.session.expire_all()
    assert org.status == OrgStatus.info_requested

    login_as_manager(client, manager)
    page = client.get("/organizations/mine").get_data(as_text=True)
    assert "请补充章程扫描件" in page and "修改登记信息并重新提交" in page
    services.update_registration(org, {**{n: getattr(org, n) for n in services.REGISTRATION_FIELDS},
                                       "uscc": org.uscc}, org.region, [], by=manager)
    assert org.status == OrgStatus.pending
    services.decide(org, services.OrgAction.verify, by=registrar)
    db.session.commit()
    assert "机构已认证" in client.get("/organizations/mine").get_data(as_text=True)
    actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.seq)]
    assert actions[-3:] == ["organization.request_info", "organization.resubmitted", "organization.verify"]


def login_as_manager(client, user):
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = str(user.id), True


def test_suspension_and_revocation_need_reasons_and_a_confirm_page(client, make_org, registrar):
    org = make_org()
    db.session.commit()
    login_as_manager(client, registrar)
    client.post(f"/registrar/organizations/{org.id}/suspend", data={"reason": "年检不合格，限期整改"})
    db.session.expire_all()
    assert org.status == OrgStatus.suspended and org.status_reason == "年检不合格，限期整改"
    assert "确认撤销" in client.get(f"/registrar/organizations/{org.id}/revoke").get_data(as_text=True)
    client.post(f"/registrar/organizations/{org.id}/revoke", data={"reason": "被登记管理机关撤销登记"})
    db.session.expire_all()
    assert org.status == OrgStatus.revoked
    again = client.post(f"/registrar/organizations/{org.id}/reinstate", data={"reason": ""})
    assert again.status_code == 400


def test_registrars_only_review_their_own_region(client, make_org, make_user, make_body):
    from marketplace.regions.models import BodyKind
    org = make_org(status="pending")
    elsewhere = make_user("registrar", body_=make_body(BodyKind.civil_affairs, "310105", name="长宁区民政局"))
    db.session.commit()
    login_as_manager(client, elsewhere)
    assert client.get(f"/registrar/organizations/{org.id}").status_code == 403
    assert org.name not in client.get("/registrar/").get_data(as_text=True)


def test_facts_are_submitted_with_evidence_and_confirmed_by_the_registrar(client, make_org, registrar, frozen_now):
    org = make_org()
    manager = manager_of(org)
    db.session.commit()
    login_as_manager(client, manager)
    no_file = client.post("/organizations/mine/facts", data={"kind": "grade", "grade": "4A",
                                                             "valid_from": "2025-06-01"})
    assert no_file.status_code == 400 and "请上传证明材料" in no_file.get_data(as_text=True)
    not_pdf = client.post("/organizations/mine/facts", data={
        "kind": "grade", "grade": "4A", "valid_from": "2025-06-01", "document": (io.BytesIO(b"hello"), "x.pdf")},
        content_type="multipart/form-data")
    assert "不是 PDF、JPG 或 PNG 文件" in not_pdf.get_data(as_text=True)
    ok = client.post("/organizations/mine/facts", data={
        "kind": "grade", "grade": "4A", "valid_from": "2025-06-01", "document": (io.BytesIO(PDF), "等级证书.pdf")},
        content_type="multipart/form-data")
    assert ok.status_code == 302
    fact = db.session.query(services.Fact).one()
    login_as_manager(client, registrar)
    client.post(f"/registrar/facts/{fact.id}/confirm")
    db.session.expire_all()
    assert fact.status.value == "confirmed" and fact.valid_until == date(2030, 5, 31)
    assert client.get(f"/organizations/documents/{fact.document_id}").data.startswith(b"%PDF")
    login_as_manager(client, manager)
    zero = client.post("/organizations/mine/facts", data={
        "kind": "staff", "count": "0", "valid_from": "2026-01-05", "document": (io.BytesIO(PDF), "社保清单.pdf")},
        content_type="multipart/form-data")
    assert zero.status_code == 302  # none full-time is a fact too, not a missing value


def test_evidence_files_are_not_public(client, make_org, make_user):
    org = make_org()
    document = services.store_document(org, services.DocumentKind.certificate, "证书.pdf", PDF, by=None)
    stranger = make_user("org_member")
    db.session.commit()
    assert client.get(f"/organizations/documents/{document.id}").status_code == 302  # to sign-in
    login_as_manager(client, stranger)
    assert client.get(f"/organizations/documents/{document.id}").status_code == 403


def test_team_invitation_join_and_the_last_manager_stays(client, make_org, make_user, app):
    org = make_org()
    manager = manager_of(org)
    colleague = make_user("org_member", email="colleague@example.cn")
    db.session.commit()
    login_as_manager(client, manager)
    client.post("/organizations/mine/team/invite", data={"email": "Colleague@Example.cn", "role": "member"})
    invitation = db.session.query(OrgInvitation).one()
    assert invitation.email == "colleague@example.cn"
    from marketplace.notifications.models import OutboxMessage
    mail = db.session.query(OutboxMessage).filter_by(to_address="colleague@example.cn").one()
    token = mail.body_text.split("/organizations/join/")[1].split()[0]
    login_as_manager(client, colleague)
    assert org.name in client.get(f"/organizations/join/{token}").get_data(as_text=True)
    client.post(f"/organizations/join/{token}")
    membership = db.session.query(Membership).filter_by(user_id=colleague.id).one()
    assert membership.organization_id == org.id and membership.role == OrgRole.member
    login_as_manager(client, manager)
    own = db.session.query(Membership).filter_by(user_id=manager.id).one()
    refused = client.post(f"/organizations/mine/team/{own.id}", data={"role": "member"}, follow_redirects=True)
    assert "至少要保留一名管理员" in refused.get_data(as_text=True)


def test_directory_filters_and_profile(client, make_org, confirm_fact, registrar, frozen_now, count_queries):
    graded = make_org(name="甲社工中心")
    confirm_fact(graded, FactKind.grade, grade="4A", valid_from=date(2025, 1, 1))
    graded.service_fields = [services.ServiceField(item_code="A1001")]
    make_org(name="乙基金会", uscc=code_for(OrgType.foundation), org_type=OrgType.foundation)
    make_org(name="丙长宁机构", region_code="310105001")
    make_org(name="丁待审核", status="pending")
    listed = make_org(name="戊异常")
    records.put_on_list(listed, CreditList.abnormal, "失联", "东城区民政局", date(2026, 1, 1), by=registrar)
    db.session.commit()

    def names(query=""):
        html = client.get(f"/organizations/?{query}").get_data(as_text=True)
        return {n for n in ["甲社工中心", "乙基金会", "丙长宁机构", "丁待审核", "戊异常"] if n in html}

    assert names() == {"甲社工中心", "乙基金会", "丙长宁机构", "戊异常"}  # pending registrations are not listed
    assert names("org_type=foundation") == {"乙基金会"}
    assert names("region=110101") == {"甲社工中心", "乙基金会", "戊异常"}
    assert names("grade=3A") == {"甲社工中心"} and names("grade=5A") == set()
    assert names("field=A10") == {"甲社工中心"}
    profile = client.get(f"/organizations/{graded.id}").get_data(as_text=True)
    assert graded.uscc in profile and "4A" in profile and "王芳" not in profile  # public facts only
    pending = db.session.query(Organization).filter_by(name="丁待审核").one()
    assert client.get(f"/organizations/{pending.id}").status_code == 404
    with count_queries() as few:
        client.get("/organizations/")
    for n in range(6):
        make_org(name=f"更多机构{n}")
    db.session.commit()
    with count_queries() as many:
        client.get("/organizations/")
    assert many.count == few.count


def test_members_see_their_eligibility_for_a_catalog_item(client, make_org, confirm_fact, frozen_now, make_body):
    from marketplace.catalog import services as catalog
    from marketplace.catalog.models import CatalogKind
    from marketplace.regions.models import BodyKind

    bureau = make_body(BodyKind.civil_affairs, "110101", name="东城区民政局")
    catalog.import_catalog(bureau, 2026, CatalogKind.qualification, (
        "code,condition,kind,rule\nQ1,评估等级 3A 及以上,required,grade >= 3A\n"
        "Q2,有持证社工,preferred,certified_social_workers >= 1\n").encode(), "q.csv", by=None, publish_now=True)
    version = catalog.import_catalog(bureau, 2026, CatalogKind.purchase, (
        "code,name,required_conditions,preferred_conditions\nA,公共服务,,\nA10,社区治理服务,Q1,Q2\n").encode(),
        "p.csv", by=None, publish_now=True)
    org = make_org()
    confirm_fact(org, FactKind.grade, grade="2A", valid_from=date(2025, 1, 1))
    db.session.commit()
    item = version.purchase_items[1]
    login_as_manager(client, manager_of(org))
    assert "查看我的机构能否承接" in client.get(f"/catalogs/{version.id}/items/A10").get_data(as_text=True)
    html = client.get(f"/organizations/eligibility/{item.id}").get_data(as_text=True)
    assert "目前不符合，不能投标" in html and "2A" in html and "需要做到：社会组织评估等级3A 及以上" in html


def test_the_service_itself_requires_a_certificate(make_user, make_region):
    import pytest

    from marketplace.errors import DomainError
    from tests.organizations.conftest import registration

    with pytest.raises(DomainError, match="请上传登记证书"):
        services.register_organization(make_user("org_member"), registration(), make_region("110101001"), [], None)
    assert db.session.query(Organization).count() == 0


def test_the_registrar_queue_does_not_grow_queries_with_its_length(client, make_org, registrar, count_queries,
                                                                   frozen_now):
    from marketplace.organizations import records as org_records

    def pending_with_fact():
        make_org(status="pending")
        org = make_org()  # a verified organization: only the fact brings it onto the page
        org_records.submit_fact(org, FactKind.staff, {"count": 3, "valid_from": date(2026, 1, 5)}, None,
                                by=manager_of(org))

    pending_with_fact()
    db.session.commit()
    login_as_manager(client, registrar)
    with count_queries() as few:
        client.get("/registrar/")
    for _ in range(4):
        pending_with_fact()
    db.session.commit()
    with count_queries() as many:
        html = client.get("/registrar/").get_data(as_text=True)
    assert html.count("#facts") >= 5 and many.count == few.count
