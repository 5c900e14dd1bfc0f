"""Records at rest and the services' rules: ciphertext only, consents enforced, every change and view audited
without personal data, erasure on withdrawal, counts without names."""

from datetime import date

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from marketplace.audit.models import AuditEvent
from marketplace.beneficiaries import policies, services, vault
from marketplace.beneficiaries.models import AccessRole, BeneficiaryAccess, BeneficiaryRecord
from marketplace.beneficiaries.people import Refused
from marketplace.common import clock
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.organizations.models import Membership
from tests.beneficiaries.conftest import CHILD_ID, ELDER_ID, ELDER_PHONE, make_person

PLAINTEXT = ["张秀英", ELDER_ID, ELDER_PHONE, "多福巷", "110101001001"]


def _audit(action: str) -> list[AuditEvent]:
    return db.session.execute(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.seq)).scalars().all()


def _raw_row(record_id: int) -> str:
    row = db.session.execute(text("SELECT * FROM beneficiary_record WHERE id = :id"), {"id": record_id}).one()
    return " ".join(bytes(v).decode("latin-1") if isinstance(v, (bytes, memoryview)) else str(v) for v in row)


def _payload(record_id: int):
    return db.session.execute(text("SELECT payload FROM beneficiary_record WHERE id = :id"), {"id": record_id}).scalar()


def test_a_record_is_only_ciphertext_in_the_database(elder):
    stored = _raw_row(elder.id)
    for value in PLAINTEXT:
        assert value not in stored
        assert value.encode("utf-8").decode("latin-1") not in stored  # nor as raw UTF-8 bytes
    # Positive control: the same row decrypts to the person, so the search above looked at the right bytes.
    payload = _payload(elder.id)
    opened = vault.unseal(elder.contract_id, bytes(payload))
    assert opened["name"] == "张秀英" and opened["id_number"] == ELDER_ID and opened["phone"] == ELDER_PHONE


def test_the_contract_key_is_stored_wrapped(elder):
    wrapped = db.session.execute(text("SELECT wrapped_key FROM beneficiary_key WHERE contract_id = :id"),
                                 {"id": elder.contract_id}).scalar()
    assert wrapped is not None
    key = vault._key(elder.contract_id)
    assert key not in bytes(wrapped)


def test_no_personal_data_in_the_audit_trail(elder, assigned):
    services.update_record(elder, make_person(phone="13900001111", notes="独居，每周探访"), by=assigned["staff"])
    services.view_full(elder, by=assigned["officer"], purpose="follow_up")
    events = db.session.execute(select(AuditEvent).where(AuditEvent.action.like("beneficiary.%"))).scalars().all()
    assert {e.action for e in events} >= {"beneficiary.created", "beneficiary.updated", "beneficiary.viewed"}
    for event in events:
        for value in [*PLAINTEXT, "13900001111", "独居"]:
            assert value not in event.data
    assert _audit("beneficiary.updated")[-1].data == '{"fields": ["notes", "phone"]}'


def test_sensitive_data_without_separate_consent_is_not_saved(assigned):
    with pytest.raises(Refused, match="单独同意"):
        services.add_record(assigned["contract"], make_person(sensitive=["disability"]), by=assigned["staff"])
    assert db.session.execute(select(BeneficiaryRecord)).first() is None
    services.add_record(assigned["contract"], make_person(sensitive=["disability"], sensitive_consent=True,
                                                          sensitive_consent_on=date(2026, 3, 1)), by=assigned["staff"])
    assert db.session.execute(select(BeneficiaryRecord)).first() is not None


def test_a_child_without_guardian_consent_is_not_saved(assigned):
    child = make_person(name="李小明", birth_year=2015, id_number=CHILD_ID, consent_by="李强")
    with pytest.raises(Refused, match="监护人"):
        services.add_record(assigned["contract"], child, by=assigned["staff"])
    assert db.session.execute(select(BeneficiaryRecord)).first() is None


def test_a_community_outside_the_contract_is_refused(assigned, make_region):
    make_region("110101002001")
    with pytest.raises(DomainError, match="服务范围"):
        services.add_record(assigned["contract"], make_person(community_code="110101002001"), by=assigned["staff"])


def test_every_full_view_writes_an_audit_row(elder, assigned):
    before = len(_audit("beneficiary.viewed"))
    person = services.view_full(elder, by=assigned["officer"], purpose="verify")
    services.view_full(elder, by=assigned["officer"], purpose="verify")
    events = _audit("beneficiary.viewed")
    assert person.id_number == ELDER_ID
    assert len(events) == before + 2
    assert (events[-1].actor_id, events[-1].subject_type, events[-1].subject_id) == \
        (assigned["officer"].id, "beneficiary_record", str(elder.id))


def test_withdrawn_consent_erases_the_person(elder, assigned):
    services.withdraw_consent(elder, by=assigned["staff"])
    db.session.flush()
    assert _payload(elder.id) is None
    assert services.aggregates(assigned["contract"], clock.today())["withdrawn"] == 1
    assert _audit("beneficiary.consent_withdrawn")[-1].subject_id == str(elder.id)
    with pytest.raises(DomainError):
        services.view_full(elder, by=assigned["staff"], purpose="follow_up")


def test_the_database_refuses_a_payload_erased_without_withdrawal(elder):
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(text("UPDATE beneficiary_record SET payload = NULL WHERE id = :id"), {"id": elder.id})


def test_the_export_has_counts_and_no_names_or_numbers(elder, assigned):
    services.add_record(assigned["contract"], make_person(name="王建国", gender="male", id_number="", phone="",
                                                          category="casework", consent_by="王建国"),
                        by=assigned["staff"])
    csv_text = services.export_aggregates(assigned["contract"], by=assigned["officer"])
    for value in ["张秀英", "王建国", ELDER_ID, ELDER_PHONE, "1239", "5678"]:
        assert value not in csv_text
    lines = csv_text.lstrip("\ufeff").splitlines()
    assert "社区,多福巷社区,2" in lines and "性别,女,1" in lines and "性别,男,1" in lines
    assert "服务类别,上门探访,1" in lines and "合计,,2" in lines
    # Control: the names the export must not contain are what the (masked) list shows.
    assert {r.name for r in services.masked_rows(assigned["contract"], clock.today())} == {"张秀英", "王建国"}
    assert _audit("beneficiary.exported")


def test_only_the_organizations_staff_can_be_assigned(assigned, make_user, make_body):
    stranger = make_user("org_member")
    with pytest.raises(DomainError, match="本机构"):
        services.grant_access(assigned["contract"], stranger, AccessRole.org_staff, by=assigned["staff"],
                              membership=None)
    with pytest.raises(DomainError, match="购买主体"):
        services.grant_access(assigned["contract"], make_user("buyer", body_=make_body(region_code="110101002")),
                              AccessRole.case_officer, by=assigned["officer"], membership=None)


def test_a_new_case_officer_replaces_the_old_one(assigned, make_user):
    contract = assigned["contract"]
    successor = make_user("buyer", body_=contract.buyer)
    services.grant_access(contract, successor, AccessRole.case_officer, by=assigned["officer"], membership=None)
    officers = [a.user_id for a in services.access_list(contract) if a.role == AccessRole.case_officer]
    assert officers == [successor.id]
    assert _audit("beneficiary.access_revoked")[-1].data == \
        f'{{"role": "case_officer", "user_id": {assigned["officer"].id}}}'


def test_the_database_holds_one_case_officer_per_contract(assigned, make_user):
    contract = assigned["contract"]
    second = make_user("buyer", body_=contract.buyer)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(BeneficiaryAccess(contract_id=contract.id, user_id=second.id, role=AccessRole.case_officer,
                                         granted_by_id=second.id, granted_at=clock.now()))
        db.session.flush()


def test_staff_who_leave_the_organization_lose_access(assigned):
    contract, staff = assigned["contract"], assigned["staff"]
    membership = db.session.query(Membership).filter_by(user_id=staff.id).one()
    access = services.access_of(staff, contract)
    assert policies.can_see_records(staff, contract, access, membership)
    db.session.delete(membership)
    db.session.flush()
    assert not policies.can_see_records(staff, contract, access, None)


def test_the_demo_data_meets_the_rules(contract_parties, make_user):
    from marketplace.beneficiaries import demo
    from marketplace.organizations.models import Membership, OrgRole

    contract = contract_parties["contract"]
    worker = make_user("org_member")
    db.session.add(Membership(organization_id=contract.organization_id, user_id=worker.id, role=OrgRole.member,
                              joined_at=clock.now()))
    db.session.flush()
    assert demo.load(contract, manager=contract_parties["member"], worker=worker, officer=contract_parties["buyer"],
                     colleague=make_user("buyer", body_=contract.buyer)) == 3
    counts = services.aggregates(contract, clock.today())
    assert (counts["total"], counts["withdrawn"]) == (2, 1)
