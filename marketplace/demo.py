"""The demo district: 东城区 (Beijing) with its 17 street offices and 34 communities, one user per role.

Each domain's demo data is loaded here, in the order the domains depend on each other.
"""

import base64
import hashlib
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import ResidentVerification, Role, User, VerificationStatus
from marketplace.common import clock
from marketplace.extensions import db
from marketplace.regions import services as regions
from marketplace.regions.models import BodyKind, GovernmentBody, Region, RegionLevel

DEMO_PASSWORD = "zhengshe-demo-2026"
DEMO_DISTRICT = "110101"
DEMO_USERS = [
    # email, name, role, body (region code, kind), 2FA enrolled
    ("admin@demo.zhengshe.cn", "平台管理员 王敏", Role.platform_admin, None, True),
    ("catalog@demo.zhengshe.cn", "区民政局 刘洋", Role.catalog_admin, ("110101", BodyKind.civil_affairs), True),
    ("finance@demo.zhengshe.cn", "区财政局 周静", Role.catalog_admin, ("110101", BodyKind.finance), True),
    ("registrar@demo.zhengshe.cn", "区民政局登记科 陈晨", Role.registrar, ("110101", BodyKind.civil_affairs), True),
    ("buyer@demo.zhengshe.cn", "东华门街道 李娜", Role.buyer, ("110101001", BodyKind.street_office), True),
    ("buyer2@demo.zhengshe.cn", "东华门街道 赵强", Role.buyer, ("110101001", BodyKind.street_office), True),
    ("district@demo.zhengshe.cn", "区民政局 马骏", Role.buyer, ("110101", BodyKind.civil_affairs), True),
    ("evaluator@demo.zhengshe.cn", "评审专家 赵磊", Role.evaluator, None, False),
    ("evaluator2@demo.zhengshe.cn", "评审专家 钱蕾", Role.evaluator, None, False),
    ("evaluator3@demo.zhengshe.cn", "评审专家 孙立", Role.evaluator, None, False),
    ("org@demo.zhengshe.cn", "社工机构 孙悦", Role.org_member, None, False),
    ("social@demo.zhengshe.cn", "社工 周芳", Role.org_member, None, False),
    ("org2@demo.zhengshe.cn", "社区服务中心 钱程", Role.org_member, None, False),
    ("resident@demo.zhengshe.cn", "居民 张伟", Role.resident, None, False),
    ("resident2@demo.zhengshe.cn", "居民 黄芳", Role.resident, None, False),
    ("grid@demo.zhengshe.cn", "网格员 吴静", Role.grid_worker, None, False),
]

def demo_totp_secret(email: str) -> str:
    """Fixed per demo account, so a visitor can add it to an authenticator app (or run `flask users otp`)."""
    return base64.b32encode(hashlib.sha256(f"zhengshe-demo:{email}".encode()).digest()[:20]).decode()


def is_empty() -> bool:
    return db.session.execute(select(User.id).limit(1)).first() is None


def load(echo=print) -> list[tuple[str, str, str]]:
    """Load everything into an empty, migrated database; returns (role, email, secret) rows."""
    data_dir = Path(current_app.config["DEMO_DATA_DIR"])
    echo("· 区划 regions …")
    regions.import_divisions_file(data_dir / "regions" / "divisions.csv")
    echo("· 政府部门 government bodies …")
    _create_bodies()
    echo("· 演示账号 demo accounts …")
    credentials = _create_users()
    echo("· 目录与预算 catalogs and budget lines …")
    from marketplace.catalog import demo as catalog_demo

    catalog_demo.load(_body_for(DEMO_DISTRICT, BodyKind.civil_affairs), _body_for("110101001", BodyKind.street_office))
    echo("· 社会组织 organizations …")
    from marketplace.organizations import demo as organizations_demo

    organizations_demo.load(*organizations_demo.demo_users())
    echo("· 群众需求 residents' needs …")
    from marketplace.needs import demo as needs_demo

    needs_demo.load()
    echo("· 采购项目 tenders …")
    from marketplace.tenders import demo as tenders_demo

    tenders_demo.load(_body_for("110101001", BodyKind.street_office), _body_for(DEMO_DISTRICT, BodyKind.civil_affairs),
                      accounts.find_user("buyer@demo.zhengshe.cn"), accounts.find_user("district@demo.zhengshe.cn"))
    echo("· 评审与定标 evaluation and award …")
    from marketplace.evaluation import demo as evaluation_demo

    evaluation_demo.load(accounts.find_user("buyer@demo.zhengshe.cn"))
    echo("· 合同 contracts …")
    from marketplace.contracts import demo as contracts_demo

    contracts_demo.load(_body_for("110101001", BodyKind.street_office), accounts.find_user("buyer@demo.zhengshe.cn"))
    db.session.flush()
    return credentials


def _create_bodies() -> None:
    district = regions.region_by_code(DEMO_DISTRICT)
    regions.create_body("北京市东城区民政局", BodyKind.civil_affairs, district)
    regions.create_body("北京市东城区财政局", BodyKind.finance, district)
    streets = db.session.execute(select(Region).where(
        Region.level == RegionLevel.street).order_by(Region.code)).scalars()
    for street in streets:
        kind = BodyKind.township if street.name.endswith(("镇", "乡")) else BodyKind.street_office
        suffix = "人民政府" if kind == BodyKind.township else "办事处"
        regions.create_body(f"{street.parent.full_name}{street.name}{suffix}", kind, street)


def _body_for(region_code: str, kind: BodyKind):
    region = regions.region_by_code(region_code)
    return db.session.execute(select(GovernmentBody).where(
        GovernmentBody.region_id == region.id, GovernmentBody.kind == kind)).scalar_one()


def _create_users() -> list[tuple[str, str, str]]:
    now, rows = clock.now(), []
    for email, name, role, body_ref, enrolled in DEMO_USERS:
        body = _body_for(*body_ref) if body_ref else None
        user = accounts.create_user(email, name, DEMO_PASSWORD, role, body=body, confirmed=True)
        secret = demo_totp_secret(email) if enrolled else ""
        if secret:
            user.totp_secret, user.totp_enabled_at = secret, now
            accounts.replace_recovery_codes(user)
        rows.append((role.value, email, secret))
    communities = regions.communities_of(regions.region_by_code("110101001"))
    resident = accounts.find_user("resident@demo.zhengshe.cn")
    resident.verified_community = communities[0]
    db.session.add(ResidentVerification(
        user=resident, community=communities[0], address_note="1号楼2单元", created_at=now,
        status=VerificationStatus.approved, decided_at=now, decided_by=accounts.find_user("buyer@demo.zhengshe.cn")))
    accounts.request_verification(accounts.find_user("resident2@demo.zhengshe.cn"), communities[1], "3号楼1单元")
    return rows
