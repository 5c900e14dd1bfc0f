"""Beneficiary fixtures: an active contract whose manager and buyer are assigned, and people in one line."""

from datetime import date

import pytest

from marketplace.beneficiaries import services
from marketplace.beneficiaries.models import AccessRole
from marketplace.beneficiaries.people import Person
from marketplace.common import clock
from marketplace.extensions import db
from marketplace.organizations.models import Membership, OrgRole
from tests.conftest import sign_in as sign_in_client
from tests.contracts.conftest import active_contract, awarded_tender, contract_parties  # noqa: F401 (fixtures)

ELDER_ID, ELDER_PHONE = "110105195603141239", "13812345678"
CHILD_ID = "110105201506011238"


def make_person(**fields) -> Person:
    """A 70-year-old in 多福巷社区 who consented in writing, with no sensitive information."""
    values = dict(name="张秀英", gender="female", birth_year=1956, community_code="110101001001",
                  category="home_visit", consent_by="张秀英", consent_on=date(2026, 3, 1), consent_method="written",
                  id_number=ELDER_ID, phone=ELDER_PHONE)
    return Person(**(values | fields))


@pytest.fixture
def assigned(contract_parties, make_user):  # noqa: F811
    """The organization's manager as its assigned staff (granted by a second manager), the buyer's officer as
    case officer (appointed by a colleague): nobody grants themselves."""
    contract, member, buyer = contract_parties["contract"], contract_parties["member"], contract_parties["buyer"]
    lead = make_user("org_member", name="第二负责人")
    db.session.add(Membership(organization_id=contract.organization_id, user_id=lead.id, role=OrgRole.manager,
                              joined_at=clock.now()))
    colleague = make_user("buyer", body_=contract.buyer, name="同事")
    services.grant_access(contract, member, AccessRole.org_staff, by=lead,
                          membership=db.session.query(Membership).filter_by(user_id=member.id).one())
    services.grant_access(contract, buyer, AccessRole.case_officer, by=colleague, membership=None)
    db.session.flush()
    return {"contract": contract, "staff": member, "officer": buyer, "lead": lead, "colleague": colleague}


@pytest.fixture
def elder(assigned):
    record = services.add_record(assigned["contract"], make_person(), by=assigned["staff"])
    db.session.commit()
    return record


@pytest.fixture
def colleague(assigned, make_user):
    """Another member of the same organization, never assigned."""
    user = make_user("org_member")
    db.session.add(Membership(organization_id=assigned["contract"].organization_id, user_id=user.id,
                              role=OrgRole.member, joined_at=user.created_at))
    db.session.flush()
    return user


@pytest.fixture
def sign_in(client):
    return lambda user: sign_in_client(client, user)
