"""Beneficiary records: verbs that flush (never commit) and write an audit row without personal data.

Callers check a `policies.can_*` first; these functions decrypt for whoever called them. Pages get masked rows
(`masked_rows`); the unmasked person comes only from `view_full`, which writes a `beneficiary.viewed` row.
"""

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.audit import services as audit
from marketplace.common import clock
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.regions.models import Region
from marketplace.regions.services import communities_of

from . import vault
from .models import AccessRole, BeneficiaryAccess, BeneficiaryRecord
from .people import (
    GENDER_LABELS,
    SERVICE_CATEGORY_LABELS,
    Gender,
    Person,
    ServiceCategory,
    age_band,
    normalized,
)

VIEW_PURPOSES = ("follow_up", "contact", "verify", "supervise", "edit")


# ---- Access ---------------------------------------------------------------------------------------------

def access_of(user, contract) -> BeneficiaryAccess | None:
    if not (user and user.is_authenticated):
        return None
    return db.session.execute(select(BeneficiaryAccess).where(
        BeneficiaryAccess.contract_id == contract.id, BeneficiaryAccess.user_id == user.id)).scalar_one_or_none()


def access_list(contract) -> list[BeneficiaryAccess]:
    return db.session.execute(select(BeneficiaryAccess).where(BeneficiaryAccess.contract_id == contract.id)
                              .order_by(BeneficiaryAccess.role, BeneficiaryAccess.granted_at)).scalars().all()


def grant_access(contract, user, role: AccessRole, *, by, membership) -> BeneficiaryAccess:
    """Assign a named person. A new case officer replaces the previous one (one at a time, a unique index).
    Nobody grants themselves: access to people's records always takes a second person (four eyes)."""
    from .policies import may_hold

    if user is None or not may_hold(user, contract, role, membership):
        raise DomainError(_("只能指定本机构的工作人员") if role == AccessRole.org_staff
                          else _("只能指定本购买主体的工作人员担任经办人"), field="user")
    if user.id == by.id:
        raise DomainError(_("不能为自己授权，请由另一位负责人授予"), field="user")
    if access_of(user, contract) is not None:
        raise DomainError(_("此人已有查看权限"), field="user")
    now = clock.now()
    if role == AccessRole.case_officer:
        for previous in access_list(contract):
            if previous.role == AccessRole.case_officer:
                revoke_access(previous, by=by)
        db.session.flush()  # the old officer's row goes before the new one meets the unique index
    access = BeneficiaryAccess(contract_id=contract.id, user_id=user.id, role=role, granted_by_id=by.id,
                               granted_at=now)
    db.session.add(access)
    db.session.flush()
    audit.record(by, "beneficiary.access_granted", contract,
                 data={"user_id": user.id, "role": role.value}, at=now)
    return access


def candidates(contract, role: AccessRole, *, by) -> list:
    """Whom a manager may pick: the organization's staff, or the buyer's staff for the case officer; never
    the manager themself."""
    from marketplace.accounts.models import Role, User
    from marketplace.organizations.models import Membership

    if role == AccessRole.org_staff:
        query = select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.organization_id == contract.organization_id, User.role == Role.org_member)
    else:
        query = select(User).where(User.role == Role.buyer, User.body_id == contract.buyer_id)
    return db.session.execute(query.where(User.id != by.id, User.deactivated_at.is_(None))
                              .order_by(User.name, User.id)).scalars().all()


def revoke_access(access: BeneficiaryAccess, *, by) -> None:
    audit.record(by, "beneficiary.access_revoked", ("contract", access.contract_id),
                 data={"user_id": access.user_id, "role": access.role.value})
    db.session.delete(access)
    db.session.flush()


# ---- Records --------------------------------------------------------------------------------------------

def community_choices(contract) -> list[Region]:
    """The communities the contract serves: those under the tender's areas, else under the buyer's region."""
    areas = [link.region for link in contract.tender.regions] or [contract.buyer.region]
    seen, result = set(), []
    for area in areas:
        for community in communities_of(area):
            if community.code not in seen:
                seen.add(community.code)
                result.append(community)
    return result


def get_record(record_id: int) -> BeneficiaryRecord | None:
    return db.session.get(BeneficiaryRecord, record_id)


def _check(contract, person: Person) -> Person:
    person = normalized(person, clock.today())
    if person.community_code not in {c.code for c in community_choices(contract)}:
        raise DomainError(_("请选择合同服务范围内的社区"), field="community_code")
    return person


def add_record(contract, person: Person, *, by) -> BeneficiaryRecord:
    """Refused (naming the missing consent) unless the consents the person's data needs are recorded."""
    person = _check(contract, person)
    now = clock.now()
    record = BeneficiaryRecord(contract_id=contract.id, payload=vault.seal(contract.id, person.to_dict()),
                               created_at=now, created_by_id=by.id, updated_at=now, updated_by_id=by.id)
    db.session.add(record)
    db.session.flush()
    audit.record(by, "beneficiary.created", record, data={"contract_id": contract.id}, at=now)
    return record


def update_record(record: BeneficiaryRecord, person: Person, *, by) -> None:
    if record.withdrawn_at is not None:
        raise DomainError(_("此人已撤回同意，记录已删除，不能再修改"))
    before = person_of(record).to_dict()
    person = _check(record.contract, person)
    after = person.to_dict()
    changed = sorted(name for name in after if after[name] != before.get(name))
    if not changed:
        return
    now = clock.now()
    record.payload = vault.seal(record.contract_id, after)
    record.updated_at, record.updated_by_id = now, by.id
    audit.record(by, "beneficiary.updated", record, data={"fields": changed}, at=now)  # names, never values


def withdraw_consent(record: BeneficiaryRecord, *, by) -> None:
    """The person withdrew consent (PIPL art. 15/47): the personal data is erased, a tombstone keeps the count."""
    if record.withdrawn_at is not None:
        raise DomainError(_("此人已撤回同意"))
    now = clock.now()
    record.payload, record.withdrawn_at = None, now
    record.updated_at, record.updated_by_id = now, by.id
    audit.record(by, "beneficiary.consent_withdrawn", record, data={"contract_id": record.contract_id}, at=now)


def delete_record(record: BeneficiaryRecord, *, by) -> None:
    audit.record(by, "beneficiary.deleted", record, data={"contract_id": record.contract_id})
    db.session.delete(record)
    db.session.flush()


def person_of(record: BeneficiaryRecord) -> Person:
    """Decrypted, for the form and the services; pages show `masked_rows` or `view_full`."""
    return Person.from_dict(vault.unseal(record.contract_id, record.payload))


def view_full(record: BeneficiaryRecord, *, by, purpose: str) -> Person:
    """The one way to the unmasked record: every call leaves an audit row (who, which record, why)."""
    if purpose not in VIEW_PURPOSES:
        raise DomainError(_("请选择查看目的"), field="purpose")
    if record.withdrawn_at is not None:
        raise DomainError(_("此人已撤回同意，个人信息已删除"))
    audit.record(by, "beneficiary.viewed", record, data={"contract_id": record.contract_id, "purpose": purpose})
    return person_of(record)


# ---- Lists and counts -----------------------------------------------------------------------------------

@dataclass
class Row:
    """What a list shows: enough to recognise a person, ID number and phone masked, nothing sensitive."""

    id: int
    name: str
    gender: str
    age_band: str
    community: str
    category: str
    masked_id_number: str
    masked_phone: str
    updated_at: object
    withdrawn: bool


def _records(contract) -> list[BeneficiaryRecord]:
    return db.session.execute(select(BeneficiaryRecord).where(BeneficiaryRecord.contract_id == contract.id)
                              .order_by(BeneficiaryRecord.id)).scalars().all()


def _people(contract) -> list[tuple[BeneficiaryRecord, Person | None]]:
    records = _records(contract)
    live = [r for r in records if r.payload is not None]
    people = dict(zip([r.id for r in live], (Person.from_dict(d) for d in vault.unseal_all(
        contract.id, [r.payload for r in live])), strict=True)) if live else {}
    return [(r, people.get(r.id)) for r in records]


def _community_names(codes) -> dict[str, str]:
    if not codes:
        return {}
    return dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())


def community_name(code: str) -> str:
    return _community_names({code}).get(code, code)


def masked_rows(contract, today: date) -> list[Row]:
    pairs = _people(contract)
    names = _community_names({p.community_code for _r, p in pairs if p})
    rows = []
    for record, person in pairs:
        if person is None:
            rows.append(Row(record.id, _("（已撤回同意）"), "", "", "", "", "", "", record.updated_at, True))
            continue
        rows.append(Row(record.id, person.name, str(GENDER_LABELS[Gender(person.gender)]),
                        str(age_band(person, today)), names.get(person.community_code, person.community_code),
                        str(SERVICE_CATEGORY_LABELS[ServiceCategory(person.category)]),
                        person.masked_id_number, person.masked_phone, record.updated_at, False))
    return rows


def aggregates(contract, today: date) -> dict:
    """Counts by community, gender, age band and service category; each dimension on its own, never crossed."""
    pairs = _people(contract)
    people = [p for _r, p in pairs if p is not None]
    names = _community_names({p.community_code for p in people})
    return {
        "total": len(people),
        "withdrawn": len(pairs) - len(people),
        "community": Counter(names.get(p.community_code, p.community_code) for p in people),
        "gender": Counter(str(GENDER_LABELS[Gender(p.gender)]) for p in people),
        "age_band": Counter(str(age_band(p, today)) for p in people),
        "category": Counter(str(SERVICE_CATEGORY_LABELS[ServiceCategory(p.category)]) for p in people),
    }


def aggregate_csv(contract, today: date) -> str:
    counts = aggregates(contract, today)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("维度"), _("分组"), _("人数")])
    for key, title in (("community", _("社区")), ("gender", _("性别")), ("age_band", _("年龄段")),
                       ("category", _("服务类别"))):
        for label, n in sorted(counts[key].items()):
            writer.writerow([title, label, n])
    writer.writerow([_("合计"), "", counts["total"]])
    writer.writerow([_("已撤回同意"), "", counts["withdrawn"]])
    return "\ufeff" + out.getvalue()  # BOM: Excel opens UTF-8 Chinese correctly


def export_aggregates(contract, *, by) -> str:
    """Counts only — no names, ID numbers or phones — and the export itself is on the record."""
    audit.record(by, "beneficiary.exported", contract, data={"kind": "aggregates"})
    return aggregate_csv(contract, clock.today())
