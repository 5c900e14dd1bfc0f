"""Build test data in one line. Each factory flushes; the test's transaction is rolled back after."""

import itertools

from marketplace import security
from marketplace.accounts.models import ROLES_REQUIRING_2FA, Role, User
from marketplace.common import clock
from marketplace.extensions import db
from marketplace.regions.models import BodyKind, GovernmentBody, Region, RegionLevel

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def region(code: str = "110101", name: str | None = None, level: RegionLevel | None = None,
           parent: Region | None = None) -> Region:
    existing = db.session.query(Region).filter_by(code=code).one_or_none()
    if existing:
        return existing
    if level is None:
        level = {9: RegionLevel.street, 12: RegionLevel.community}.get(len(code))
        if level is None:  # six digits: 110000 province, 110100 city, 110101 district
            level = (RegionLevel.province if code.endswith("0000") else
                     RegionLevel.city if code.endswith("00") else RegionLevel.district)
    if parent is None and level != RegionLevel.province:
        parent_code = {RegionLevel.city: code[:2] + "0000", RegionLevel.district: code[:4] + "00",
                       RegionLevel.street: code[:6], RegionLevel.community: code[:9]}[level]
        parent_level = {RegionLevel.city: RegionLevel.province, RegionLevel.district: RegionLevel.city,
                        RegionLevel.street: RegionLevel.district, RegionLevel.community: RegionLevel.street}[level]
        parent = region(parent_code, level=parent_level)
    node = Region(code=code, name=name or f"区划{code}", level=level, parent=parent)
    db.session.add(node)
    db.session.flush()
    return node


def body(kind: BodyKind = BodyKind.street_office, region_code: str = "110101001", name: str | None = None):
    node = region(region_code)
    existing = db.session.query(GovernmentBody).filter_by(region_id=node.id, kind=kind).first()
    if existing:
        return existing
    item = GovernmentBody(name=name or f"{node.name}{kind.value}", kind=kind, region=node)
    db.session.add(item)
    db.session.flush()
    return item


def user(role: Role | str = Role.resident, *, email: str | None = None, password: str = PASSWORD,
         confirmed: bool = True, with_2fa: bool | None = None, body_=None, **fields) -> User:
    role = Role(role)
    if body_ is None and role in {Role.buyer, Role.catalog_admin, Role.registrar}:
        body_ = body(BodyKind.street_office) if role == Role.buyer else body(BodyKind.civil_affairs, "110101")
    now = clock.now()
    item = User(email=email or f"user{next(_counter)}@example.cn", name=fields.pop("name", "测试用户"),
                role=role, body=body_, password_hash=security.hash_password(password), created_at=now,
                failed_logins=0, email_confirmed_at=now if confirmed else None, **fields)
    if with_2fa if with_2fa is not None else role in ROLES_REQUIRING_2FA:
        item.totp_secret, item.totp_enabled_at = security.new_totp_secret(), now
    db.session.add(item)
    db.session.flush()
    return item
