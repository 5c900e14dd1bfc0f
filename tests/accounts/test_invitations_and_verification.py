from urllib.parse import urlparse

import pytest

from marketplace.accounts.models import ResidentVerification, Role, User, VerificationStatus
from marketplace.extensions import db
from marketplace.regions.models import BodyKind


def test_admin_invites_a_buyer_who_sets_a_password_and_must_enrol_2fa(client, login_as, make_body, smtp_server):
    office = make_body(BodyKind.street_office, "110101001")
    db.session.commit()
    login_as("platform_admin")
    response = client.post("/staff/invite", data={"email": "new.buyer@example.cn", "role": "buyer",
                                                  "body_id": office.id})
    assert response.status_code == 302
    mail = smtp_server.wait_for(1)[0]
    assert mail["To"] == "new.buyer@example.cn"
    path = urlparse(smtp_server.first_link(mail)).path

    client.post("/logout")
    accepted = client.post(path, data={"name": "新同事", "password": "a-good-password-1",
                                       "password_again": "a-good-password-1"})
    assert accepted.headers["Location"].endswith("/account/2fa/setup")
    user = db.session.query(User).filter_by(email="new.buyer@example.cn").one()
    assert user.role == Role.buyer and user.body_id == office.id and user.email_confirmed_at
    client.post("/logout")
    assert client.get(path).status_code == 404  # used once


def test_buyer_cannot_invite_into_another_body(client, login_as, make_body):
    other = make_body(BodyKind.civil_affairs, "110101")
    db.session.commit()
    login_as("buyer")
    client.post("/staff/invite", data={"email": "x@example.cn", "role": "buyer", "body_id": other.id})
    assert db.session.query(User).filter_by(email="x@example.cn").count() == 0


@pytest.fixture
def pending_request(client, make_user, make_region):
    """A resident of 东华门社区 (street 110101001) has asked to be verified, through the web form."""
    community = make_region("110101001001", name="东华门社区")
    resident = make_user("resident")
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = str(resident.id)
    client.post("/account/community", data={"community_id": community.id, "address_note": "3号楼"})
    client.post("/logout")
    return db.session.query(ResidentVerification).filter_by(user_id=resident.id).one()


def test_street_officer_approves_a_resident_of_its_community(client, login_as, make_body, pending_request):
    officer = login_as("buyer", body_=make_body(BodyKind.street_office, "110101001"))
    assert "东华门社区" in client.get("/staff/verifications").get_data(as_text=True)
    client.post(f"/staff/verifications/{pending_request.id}", data={"decision": "approve"})
    db.session.expire_all()
    assert pending_request.user.verified_community_id == pending_request.community_id
    assert pending_request.decided_by_id == officer.id


def test_officer_of_another_street_cannot_decide(client, login_as, make_body, pending_request):
    login_as("buyer", body_=make_body(BodyKind.street_office, "110101002"))
    assert client.post(f"/staff/verifications/{pending_request.id}", data={"decision": "approve"}).status_code == 403
    db.session.expire_all()
    assert pending_request.status == VerificationStatus.pending


def test_rejection_needs_a_reason(client, login_as, make_body, pending_request):
    login_as("buyer", body_=make_body(BodyKind.street_office, "110101001"))
    response = client.post(f"/staff/verifications/{pending_request.id}", data={"decision": "reject"},
                           follow_redirects=True)
    assert "驳回时请填写原因" in response.get_data(as_text=True)
    db.session.expire_all()
    assert pending_request.status == VerificationStatus.pending
