import itertools
from datetime import date

import pytest

from marketplace.extensions import db
from marketplace.organizations import records, services, uscc
from marketplace.organizations.demo import DEMO_PDF
from marketplace.organizations.models import FactKind, Membership, OrgAction, OrgRole, OrgType

_serial = itertools.count(1)
PDF = DEMO_PDF


def code_for(org_type: OrgType = OrgType.social_service, division: str = "110101") -> str:
    from marketplace.organizations.models import CODE_PREFIX
    return uscc.with_check_character(f"{CODE_PREFIX[org_type]}{division}MJ{next(_serial):07d}")


def registration(**overrides) -> dict:
    values = {"name": f"测试社会工作服务中心{next(_serial)}", "uscc": code_for(), "org_type": OrgType.social_service,
              "registering_authority": "北京市东城区民政局", "registered_on": date(2018, 5, 1),
              "address": "东城区某路 1 号",
              "legal_representative": "王芳", "contact_name": "孙悦", "contact_phone": "010-65000000",
              "contact_email": "contact@example.org", "fulltime_staff": 8, "parttime_staff": 2,
              "budget_funded": False, "public_class": None, "introduction": None}
    return values | overrides


@pytest.fixture
def registrar(make_user, make_body):
    from marketplace.regions.models import BodyKind
    return make_user("registrar", body_=make_body(BodyKind.civil_affairs, "110101", name="东城区民政局"))


@pytest.fixture
def make_org(make_region, registrar, make_user):
    """An organization in 东城区 (a street), verified by default, with a manager account."""

    def make(status="verified", manager=True, region_code="110101001", **overrides):
        region = make_region(region_code)
        org = services.record_organization(registration(**overrides), region, [], by=None)
        if manager:
            user = make_user("org_member")
            db.session.add(Membership(organization=org, user_id=user.id, role=OrgRole.manager,
                                      joined_at=org.created_at))
            db.session.flush()
        if status == "verified":
            reviewer = registrar if registrar.body.region.contains(region) else make_user("platform_admin")
            services.decide(org, OrgAction.verify, by=reviewer)
        return org

    return make


def manager_of(org):
    return next(m.user for m in org.memberships if m.role == OrgRole.manager)


@pytest.fixture
def confirm_fact(registrar):
    """Submit a fact as the organization's manager and confirm it as the registrar."""

    def confirm(org, kind: FactKind, **values):
        fact = records.submit_fact(org, kind, values, None, by=manager_of(org))
        return records.decide_fact(fact, True, by=registrar)

    return confirm
