"""Demo beneficiaries for one contract: the organization's social worker (assigned by its manager) and the buyer's
case officer (appointed by a colleague) see the records; three people
(an elder with a separate consent for health information, a child with the guardian's consent, one who withdrew).
Invented names and numbers; the ID numbers carry valid check digits so the masks look real."""

from datetime import date

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.organizations.models import Membership

from . import services
from .models import AccessRole
from .people import Person


def load(contract, *, manager, worker, officer, colleague) -> int:
    """Call with the clock set inside the contract's term; returns the number of records made."""
    membership = db.session.execute(select(Membership).where(Membership.user_id == worker.id)).scalar_one_or_none()
    services.grant_access(contract, worker, AccessRole.org_staff, by=manager, membership=membership)
    services.grant_access(contract, officer, AccessRole.case_officer, by=colleague, membership=None)
    community = services.community_choices(contract)[0].code
    consent = {"consent_on": date(contract.starts_on.year, contract.starts_on.month, 1), "consent_method": "written"}
    people = [
        Person(name="张秀英", gender="female", birth_year=1946, id_number="110101194603141239", phone="13811112222",
               community_code=community, category="home_visit", sensitive=["health"], sensitive_consent=True,
               sensitive_consent_on=consent["consent_on"], notes="独居，每周探访一次", consent_by="张秀英", **consent),
        Person(name="李小明", gender="male", birth_year=2016, community_code=community, category="group",
               guardian_name="李强", guardian_relation="父亲", guardian_consent=True, consent_by="李强", **consent),
        Person(name="王建国", gender="male", birth_year=1958, phone="13933334444", community_code=community,
               category="casework", consent_by="王建国", **consent),
    ]
    records = [services.add_record(contract, person, by=worker) for person in people]
    services.withdraw_consent(records[-1], by=worker)
    return len(records)
