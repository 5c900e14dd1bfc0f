"""Demo organizations: the real ones of the reference sample, and clearly marked demo social-work agencies.

Real rows keep their real names and credit codes; where the sample does not give a district or address,
the organization is placed in the demo district and the address says so. Demo agencies get codes built
with the GB 32100 check algorithm, never typed by hand.
"""

import csv
import zlib
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.common import clock
from marketplace.extensions import db
from marketplace.regions.models import RegionLevel
from marketplace.regions.services import region_by_code

from . import records, services, uscc
from .models import CreditList, DocumentKind, FactKind, Membership, OrgAction, OrgRole, OrgType

SAMPLE = Path("social_orgs_sample.csv")
TYPES = {"基金会": OrgType.foundation, "社会团体": OrgType.social_group,
         "民办非企业单位（社会服务机构）": OrgType.social_service}
UNKNOWN_ADDRESS = "地址未收录（演示：所在区为演示假设）"
# A one-page PDF saying it is demo data: evidence files must be real PDF/JPG/PNG.
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 100]/Contents 4 0 R>>endobj\n"
            b"4 0 obj<</Length 44>>stream\nBT /F1 12 Tf 20 50 Td (DEMO DOCUMENT) Tj ET\nendstream endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def demo_code(prefix: str, division: str, name: str) -> str:
    """A valid, stable code for a demo agency: type prefix, division, a subject id derived from the name."""
    digits = f"{zlib.crc32(name.encode('utf-8')):09d}"[-7:]
    return uscc.with_check_character(f"{prefix}{division}MJ{digits}")


AGENCIES = [
    # name, street, grade awarded (years ago), state, manager's e-mail
    ("北京市东城区【演示】阳光社会工作服务中心", "110101001", ("4A", 2), "verified", "org@demo.zhengshe.cn"),
    ("北京市东城区【演示】邻里守望社会工作事务所", "110101002", ("2A", 3), "abnormal", None),
    ("北京市东城区【演示】安康为老服务中心", "110101003", None, "pending", None),
    ("北京市东城区【演示】和睦社区服务中心", "110101004", ("3A", 1), "verified", "org2@demo.zhengshe.cn"),
]


# Staff who are members but not managers: whoever serves a contract's people is granted access by a manager.
STAFF = {"北京市东城区【演示】阳光社会工作服务中心": "social@demo.zhengshe.cn"}


def load(registrar: User, admin: User, members: dict[str, User]) -> None:
    path = Path(current_app.config["DEMO_DATA_DIR"]) / "organizations" / SAMPLE
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            _real(row, registrar, admin)
    for name, region_code, grade, state, manager in AGENCIES:
        _agency(name, region_code, grade, state, registrar, members.get(manager), members.get(STAFF.get(name)))


def _values(name: str, code: str, org_type: OrgType, authority: str, registered_on: date, address: str) -> dict:
    return {"name": name, "uscc": code, "org_type": org_type, "registering_authority": authority,
            "registered_on": registered_on, "address": address, "legal_representative": "（未收录）",
            "contact_name": "（未收录）", "contact_phone": "010-00000000", "contact_email": "contact@example.org",
            "fulltime_staff": 0, "parttime_staff": 0, "budget_funded": False, "public_class": None,
            "introduction": None}


def _real(row: dict, registrar: User, admin: User) -> None:
    division = row["uscc"][2:8]
    region = region_by_code(division)
    if region is None or region.level != RegionLevel.district:  # only the district is an organization's location
        region = region_by_code("110101")
    authority = row["registering_authority"].split("（")[0]
    org = services.record_organization(
        _values(row["name"], row["uscc"], TYPES[row["type"]], authority, date(2000, 1, 1),
                UNKNOWN_ADDRESS if region.code != division else "上海市杨浦区（详细地址未收录）"),
        region, [], by="demo")
    org.introduction = f"真实机构，数据来源：{row['source']}"[:4000]
    reviewer = registrar if registrar.body.region.contains(region) else admin
    services.decide(org, OrgAction.verify, by=reviewer)


def _agency(name, region_code, grade, state, registrar: User, member: User, staff: User | None) -> None:
    code = demo_code("52", "110101", name)
    values = _values(name, code, OrgType.social_service, "北京市东城区民政局", date(2015, 4, 20),
                     "【演示】北京市东城区演示路 1 号")
    values |= {"legal_representative": "【演示】王芳", "contact_name": "【演示】孙悦", "contact_phone": "010-65000000",
               "contact_email": "org@demo.zhengshe.cn", "fulltime_staff": 12, "parttime_staff": 5,
               "introduction": "演示数据 DEMO：专业社会工作服务机构，提供为老、社区治理和青少年服务。"}
    org = services.record_organization(values, region_by_code(region_code), ["A0401", "A1001", "A1002"], by="demo")
    services.store_document(org, DocumentKind.certificate, "登记证书（演示）.pdf", DEMO_PDF, by="demo")
    if state == "pending":
        return
    services.decide(org, OrgAction.verify, by=registrar)
    manager = member if state == "verified" else None
    if manager is not None:
        db.session.add(Membership(organization=org, user_id=manager.id, role=OrgRole.manager, joined_at=clock.now()))
        if staff is not None:
            db.session.add(Membership(organization=org, user_id=staff.id, role=OrgRole.member, joined_at=clock.now()))
        db.session.flush()
        _facts(org, grade, registrar, manager)
    if state == "abnormal":
        records.put_on_list(org, CreditList.abnormal, "未按规定报送上一年度工作报告（演示）", "北京市东城区民政局",
                            clock.today() - timedelta(days=80), by=registrar)


def _facts(org, grade, registrar: User, manager: User) -> None:
    document = services.store_document(org, DocumentKind.grade, "评估等级证书（演示）.pdf", DEMO_PDF, by=manager)
    today = clock.today()
    # Confirmed long enough ago to count for the demo procurements run on a clock set back up to a year.
    last_year, recently = today.year - 1, today - timedelta(days=500)
    confirmed = [
        records.submit_fact(org, FactKind.grade, {"grade": grade[0], "valid_from": records.add_years(today, -grade[1])},
                            document, by=manager),
        records.submit_fact(org, FactKind.inspection, {"year": last_year, "inspection_result": "合格",
                                                       "valid_from": recently}, document, by=manager),
        records.submit_fact(org, FactKind.annual_report, {"year": last_year, "valid_from": recently}, document,
                            by=manager),
        records.submit_fact(org, FactKind.staff, {"count": 12, "valid_from": recently}, document, by=manager),
        *(records.submit_fact(org, FactKind.social_worker, {"worker_level": level, "certificate_no": number,
                                                            "person_name": person, "valid_from": recently},
                              document, by=manager)
          for level, number, person in [("worker", f"DEMO-SW-{org.id:03d}1", "【演示】李明"),
                                        ("assistant", f"DEMO-SW-{org.id:03d}2", "【演示】赵倩"),
                                        ("assistant", f"DEMO-SW-{org.id:03d}3", "【演示】周洋")]),
    ]
    for fact in confirmed:
        records.decide_fact(fact, True, by=registrar)
    # One fact still waits for the registrar, so the queue has something in it.
    records.submit_fact(org, FactKind.tax_exempt, {"valid_from": recently,
                                                   "valid_until": records.add_years(recently, 5)}, document, by=manager)


def demo_users() -> tuple[User, User, dict[str, User]]:
    find = {u.email: u for u in db.session.execute(select(User)).scalars()}
    members = {email: find[email] for email in [*(a[-1] for a in AGENCIES if a[-1]), *STAFF.values()]}
    return find["registrar@demo.zhengshe.cn"], find["admin@demo.zhengshe.cn"], members
