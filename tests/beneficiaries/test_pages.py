"""The pages: masked everywhere but the audited full view, 403 for everyone not named on the access list,
the form keeps what was typed when a consent is missing, and the managers run the access list."""

import pytest
from sqlalchemy import func, select

from marketplace.audit.models import AuditEvent
from marketplace.beneficiaries import services
from marketplace.beneficiaries.models import AccessRole
from marketplace.errors import DomainError
from marketplace.extensions import db
from tests.beneficiaries.conftest import ELDER_ID, ELDER_PHONE

MASKED_ID, MASKED_PHONE = "110105********1239", "138****5678"


def _views() -> int:
    return db.session.execute(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "beneficiary.viewed")).scalar()


def _pages(contract, record) -> list[str]:
    return [f"/beneficiaries/contract/{contract.id}", f"/beneficiaries/contract/{contract.id}/new",
            f"/beneficiaries/{record.id}/edit", f"/beneficiaries/contract/{contract.id}/access",
            f"/beneficiaries/{record.id}/withdraw", f"/contracts/{contract.id}", "/contracts/mine"]


@pytest.mark.parametrize("who", ["staff", "officer"])
def test_every_page_masks_id_numbers_and_phones(client, sign_in, assigned, elder, who):
    sign_in(assigned[who])
    listing = client.get(f"/beneficiaries/contract/{assigned['contract'].id}").get_data(as_text=True)
    assert "张秀英" in listing and MASKED_ID in listing and MASKED_PHONE in listing  # the control
    for path in _pages(assigned["contract"], elder):
        response = client.get(path)
        assert response.status_code in (200, 403), path
        html = response.get_data(as_text=True)
        assert ELDER_ID not in html and ELDER_PHONE not in html, path


def test_the_full_view_is_an_explicit_audited_action(client, sign_in, assigned, elder):
    sign_in(assigned["officer"])
    assert client.get(f"/beneficiaries/{elder.id}/view").status_code == 405
    before = _views()
    response = client.post(f"/beneficiaries/{elder.id}/view", data={"purpose": "contact"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and ELDER_ID in html and ELDER_PHONE in html
    assert response.headers["Cache-Control"] == "no-store"
    assert _views() == before + 1
    event = db.session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc())).scalars().first()
    assert (event.action, event.actor_id, event.subject_id) == ("beneficiary.viewed", assigned["officer"].id,
                                                                str(elder.id))
    assert event.data == f'{{"contract_id": {assigned["contract"].id}, "purpose": "contact"}}'


def test_opening_the_edit_form_is_audited_as_a_view(client, sign_in, assigned, elder):
    sign_in(assigned["staff"])
    before = _views()
    html = client.get(f"/beneficiaries/{elder.id}/edit").get_data(as_text=True)
    assert "张秀英" in html and MASKED_ID in html
    assert _views() == before + 1


def _outsiders(assigned, colleague, make_user, make_body):
    contract = assigned["contract"]
    return {"colleague": colleague,
            "other_buyer_staff": make_user("buyer", body_=contract.buyer),
            "other_buyer": make_user("buyer", body_=make_body(region_code="110101002")),
            "other_org_member": make_user("org_member"),
            "admin": make_user("platform_admin"),
            "registrar": make_user("registrar")}


@pytest.mark.parametrize("outsider", ["colleague", "other_buyer_staff", "other_buyer", "other_org_member", "admin",
                                      "registrar"])
def test_nobody_else_sees_the_records(client, sign_in, assigned, elder, colleague, make_user, make_body, outsider):
    user = sign_in(_outsiders(assigned, colleague, make_user, make_body)[outsider])
    contract = assigned["contract"]
    for method, path in [("get", f"/beneficiaries/contract/{contract.id}"),
                         ("post", f"/beneficiaries/{elder.id}/view"),
                         ("get", f"/beneficiaries/{elder.id}/edit"),
                         ("get", f"/beneficiaries/contract/{contract.id}/counts.csv"),
                         ("get", f"/beneficiaries/contract/{contract.id}/new"),
                         ("post", f"/beneficiaries/{elder.id}/delete")]:
        response = getattr(client, method)(path, data={"purpose": "contact"} if method == "post" else None)
        assert response.status_code == 403, (user.role, path)
    assert _views() == 0
    assert services.get_record(elder.id) is not None


def test_the_assigned_people_do_get_in(client, sign_in, assigned, elder):
    """The control for the refusals above: the same requests succeed for the staff on the list."""
    sign_in(assigned["staff"])
    assert client.get(f"/beneficiaries/contract/{assigned['contract'].id}/counts.csv").status_code == 200
    assert client.post(f"/beneficiaries/{elder.id}/view", data={"purpose": "contact"}).status_code == 200


def test_the_case_officer_reads_but_does_not_edit(client, sign_in, assigned, elder):
    sign_in(assigned["officer"])
    assert client.get(f"/beneficiaries/contract/{assigned['contract'].id}").status_code == 200
    assert client.get(f"/beneficiaries/{elder.id}/edit").status_code == 403


def test_a_missing_separate_consent_is_named_and_the_form_keeps_the_input(client, sign_in, assigned):
    sign_in(assigned["staff"])
    response = client.post(f"/beneficiaries/contract/{assigned['contract'].id}/new", data={
        "name": "赵桂兰", "gender": "female", "birth_year": "1948", "phone": "13911112222",
        "community_code": "110101001001", "category": "casework", "sensitive": ["disability", "health"],
        "consent_by": "赵桂兰", "consent_on": "2026-03-01", "consent_method": "written"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "敏感个人信息（残疾、健康状况）" in html and "单独同意" in html
    assert 'value="赵桂兰"' in html and 'value="13911112222"' in html and 'value="1948"' in html
    assert services.masked_rows(assigned["contract"], None) == []


def test_a_child_needs_the_guardian_on_the_form_too(client, sign_in, assigned):
    sign_in(assigned["staff"])
    data = {"name": "李小明", "gender": "male", "birth_year": "2015", "community_code": "110101001001",
            "category": "group", "consent_by": "李强", "consent_on": "2026-03-01", "consent_method": "written"}
    path = f"/beneficiaries/contract/{assigned['contract'].id}/new"
    assert "监护人同意" in client.post(path, data=data).get_data(as_text=True)
    ok = client.post(path, data=data | {"guardian_name": "李强", "guardian_relation": "父亲", "guardian_consent": "y"})
    assert ok.status_code == 302


def test_editing_without_retyping_keeps_the_id_number_and_phone(client, sign_in, assigned, elder):
    sign_in(assigned["staff"])
    data = {"name": "张秀英", "gender": "female", "birth_year": "1956", "community_code": "110101001001",
            "category": "casework", "consent_by": "张秀英", "consent_on": "2026-03-01", "consent_method": "written"}
    assert client.post(f"/beneficiaries/{elder.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    person = services.person_of(services.get_record(elder.id))
    assert (person.id_number, person.phone, person.category) == (ELDER_ID, ELDER_PHONE, "casework")
    client.post(f"/beneficiaries/{elder.id}/edit", data=data | {"clear_phone": "y"})
    db.session.expire_all()
    assert services.person_of(services.get_record(elder.id)).phone == ""


def test_the_manager_assigns_a_colleague_who_then_sees_the_list(client, sign_in, assigned, colleague):
    contract = assigned["contract"]
    sign_in(colleague)
    assert client.get(f"/beneficiaries/contract/{contract.id}").status_code == 403
    sign_in(assigned["staff"])
    page = client.get(f"/beneficiaries/contract/{contract.id}/access").get_data(as_text=True)
    assert colleague.email in page
    assert client.post(f"/beneficiaries/contract/{contract.id}/access", data={"user": colleague.id}).status_code == 302
    sign_in(colleague)
    assert client.get(f"/beneficiaries/contract/{contract.id}").status_code == 200
    assert client.get(f"/beneficiaries/contract/{contract.id}/access").status_code == 403  # not a manager


def test_the_buyer_cannot_assign_organization_staff_nor_revoke_them(client, sign_in, assigned, colleague):
    contract = assigned["contract"]
    sign_in(assigned["officer"])
    response = client.post(f"/beneficiaries/contract/{contract.id}/access", data={"user": colleague.id})
    assert response.status_code == 400 and services.access_of(colleague, contract) is None
    staff_grant = services.access_of(assigned["staff"], contract)
    assert client.post(f"/beneficiaries/access/{staff_grant.id}/revoke").status_code == 403
    db.session.expire_all()
    assert services.access_of(assigned["staff"], contract).role == AccessRole.org_staff


def test_the_export_page_sends_counts_only(client, sign_in, assigned, elder):
    sign_in(assigned["officer"])
    response = client.get(f"/beneficiaries/contract/{assigned['contract'].id}/counts.csv")
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/csv" and "合计,,1" in body
    assert "张秀英" not in body and ELDER_ID not in body and ELDER_PHONE not in body


def test_consent_is_withdrawn_even_after_the_contract_ended(client, sign_in, assigned, elder):
    from marketplace.contracts import services as contracts

    contracts.end(assigned["contract"], False, "提前终止", by=assigned["officer"])
    db.session.commit()
    sign_in(assigned["staff"])
    response = client.post(f"/beneficiaries/{elder.id}/withdraw", data={})
    assert response.status_code == 302
    db.session.expire_all()
    assert services.get_record(elder.id).withdrawn_at is not None and services.get_record(elder.id).payload is None


def test_nobody_grants_themselves_access(client, sign_in, contract_parties):
    """Four eyes: the manager and the buyer's staff cannot put themselves on the access list, on the page or in
    the service; a colleague must."""
    contract, member, buyer = contract_parties["contract"], contract_parties["member"], contract_parties["buyer"]
    sign_in(member)
    page = client.get(f"/beneficiaries/contract/{contract.id}/access").get_data(as_text=True)
    assert f"（{member.email}）" not in page  # not offered in the picker
    response = client.post(f"/beneficiaries/contract/{contract.id}/access", data={"user": member.id})
    assert response.status_code == 400 and services.access_of(member, contract) is None
    sign_in(buyer)
    response = client.post(f"/beneficiaries/contract/{contract.id}/access", data={"user": buyer.id})
    assert response.status_code == 400 and services.access_of(buyer, contract) is None
    with pytest.raises(DomainError, match="不能为自己授权"):
        services.grant_access(contract, buyer, AccessRole.case_officer, by=buyer, membership=None)
