"""Accounts and organizations: staff of every body, evaluators, residents verified in their communities, grid
workers, and the organizations with their team, service fields, confirmed facts and credit record.

One password for every generated account, hashed once (with a salt derived from the seed, so the hash is the
same on every run); government staff have a fixed TOTP secret, so `flask --app app users otp <email>` signs
them in like the demo's accounts.
"""

import base64
import bisect
import csv
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from flask import current_app

from marketplace import security
from marketplace.organizations import uscc as credit_codes
from marketplace.organizations.models import CODE_PREFIX, OrgType
from marketplace.organizations.records import add_years

from . import words
from .places import Body, Place, Places
from .writer import Dates, Writer, later

PASSWORD = "zhengshe-bench-2026"
DOMAIN = "bench.zhengshe.cn"
ORG_TYPES = [(OrgType.social_service, 58), (OrgType.social_group, 24), (OrgType.foundation, 5),
             (OrgType.enterprise, 6), (OrgType.public_institution, 4), (OrgType.mass_organization, 3)]
CIVIL = {OrgType.social_service, OrgType.social_group, OrgType.foundation}
TYPE_SUFFIX = {OrgType.enterprise: "社会工作服务有限公司", OrgType.public_institution: "社会福利服务中心",
               OrgType.mass_organization: "志愿服务联合会"}
STATUS_REASONS = {"rejected": "登记证书扫描件不清晰，且与登记信息不一致", "info_requested": "请补充上传最新的年检结论",
                  "suspended": "被列入活动异常名录，暂停承接资格", "revoked": "登记证书已被登记管理机关撤销"}


def totp_secret(email: str) -> str:
    return base64.b32encode(hashlib.sha256(f"zhengshe-bench:{email}".encode()).digest()[:20]).decode()


@dataclass(eq=False)
class Org:
    id: int
    name: str
    uscc: str
    district: Place
    manager: tuple
    members: list
    eligible_from: datetime | None = None  # may bid from (verified, inspected 合格, registered 3 years)
    eligible_until: datetime | None = None
    team: list = field(default_factory=list)  # social workers as a bid's team names them


class People:
    def __init__(self, writer: Writer, dates: Dates, places: Places, rng, seed: int, audit):
        self.w, self.dates, self.places, self.rng, self.audit = writer, dates, places, rng, audit
        # The configured hasher (tests use a cheap one), with a fixed salt: same seed, same bytes.
        self.password_hash = security._hasher.hash(PASSWORD, salt=hashlib.sha256(f"salt:{seed}".encode()).digest()[:16])
        self.admin = None
        self.evaluators: list[tuple] = []
        self.residents: dict[str, list[tuple]] = {}  # community code → [(user id, email, verified at)]
        self.grid_workers: dict[str, tuple] = {}     # street code → user
        self.orgs: list[Org] = []
        self.pools: dict[str, tuple[list, list]] = {}  # district code → (eligible_from list, orgs) sorted
        self.all_pool: tuple[list, list] = ([], [])
        self.codes: set[str] = set()

    def user(self, email: str, name: str, role: str, created: datetime, *, body: Body | None = None,
             totp: bool = False, community: Place | None = None) -> tuple:
        uid = self.w.id("user_account")
        self.w.add("user_account", {
            "id": uid, "email": email, "name": name, "password_hash": self.password_hash, "role": role,
            "body_id": body.id if body else None, "locale": None, "created_at": created, "email_confirmed_at": created,
            "last_login_at": None, "deactivated_at": None, "failed_logins": 0, "locked_until": None,
            "totp_secret": totp_secret(email) if totp else None, "totp_enabled_at": created if totp else None,
            "totp_last_step": None, "verified_community_id": community.id if community else None})
        return uid, email

    # -- government, evaluators, residents ----------------------------------------------------------------

    def staff(self) -> None:
        rng, at = self.rng, self.dates.reference
        self.admin = self.user(f"admin@{DOMAIN}", "平台管理员 " + words.person(rng), "platform_admin", at, totp=True)
        roles = {"civil_affairs": ("buyer", "catalog_admin", "registrar"), "finance": ("catalog_admin",),
                 "other_department": ("buyer",), "street_office": ("buyer", "buyer"), "township": ("buyer",)}
        for body in self.places.bodies:
            wanted = ("catalog_admin", "registrar") if body in self.places.provincial else roles[body.kind]
            for n, role in enumerate(wanted, start=1):
                email = f"{role.replace('_', '')}-{body.id}-{n}@{DOMAIN}"
                body.staff.setdefault(role, []).append(
                    self.user(email, f"{body.name[-8:]} {words.person(rng)}", role, at, body=body, totp=True))

    def evaluators_pool(self, count: int) -> None:
        for n in range(1, count + 1):
            self.evaluators.append(self.user(f"evaluator{n}@{DOMAIN}", "评审专家 " + words.person(self.rng),
                                             "evaluator", self.dates.reference))

    def residents_and_grid(self, per_community: int) -> None:
        """Residents verified in their community by the street office; a few requests pending or refused; one
        grid worker per street."""
        rng, dates, n = self.rng, self.dates, 0
        span = (dates.now - timedelta(days=60) - dates.start).total_seconds()
        for street in self.places.streets:
            office = street.bodies[0]
            decider = office.staff["buyer"][0]
            self.grid_workers[street.code] = self.user(f"grid{street.id}@{DOMAIN}", "网格员 " + words.person(rng),
                                                       "grid_worker", dates.reference + timedelta(days=10))
            for community in street.children:
                living = self.residents.setdefault(community.code, [])
                for _ in range(max(1, round(rng.gauss(per_community, per_community / 3)))):
                    n += 1
                    created = (dates.reference + timedelta(days=rng.randint(0, 50)) if rng.random() < 0.75
                               else dates.start + timedelta(seconds=rng.randrange(int(span))))
                    fate = rng.random()
                    status = "approved" if fate < 0.96 else "pending" if fate < 0.985 else "rejected"
                    email = f"resident{n}@{DOMAIN}"
                    user = self.user(email, "居民 " + words.person(rng), "resident", created,
                                     community=community if status == "approved" else None)
                    decided = later(created, rng, 0.1, 5) if status != "pending" else None
                    self.w.add("resident_verification", {
                        "id": self.w.id("resident_verification"), "user_id": user[0], "community_id": community.id,
                        "address_note": f"{rng.randint(1, 30)}号楼{rng.randint(1, 6)}单元", "status": status,
                        "reason": "地址与社区登记信息不符" if status == "rejected" else None, "created_at": created,
                        "decided_at": decided, "decided_by_id": decider[0] if decided else None})
                    if status == "approved":
                        living.append((user[0], email, decided))

    # -- organizations --------------------------------------------------------------------------------------

    def organizations(self, count: int, progress) -> None:
        real = self._real_sample()
        for row in real:
            self._organization(*row)
            progress(1)
        districts = self.places.districts
        weights = [len(d.children) for d in districts]
        types, type_weights = zip(*ORG_TYPES, strict=True)
        for _ in range(count - len(real)):
            district = self.rng.choices(districts, weights)[0]
            self._organization(district, self.rng.choices(types, type_weights)[0])
            progress(1)
        for pool in [*self.pools.values(), self.all_pool]:
            order = sorted(range(len(pool[1])), key=lambda i: (pool[0][i], pool[1][i].id))
            pool[0][:] = [pool[0][i] for i in order]
            pool[1][:] = [pool[1][i] for i in order]

    def _real_sample(self) -> list[tuple]:
        """The real organizations of data/organizations (real names and credit codes), placed as the demo
        places them: in their own district when we have it, else in 东城区."""
        path = Path(current_app.config["DEMO_DATA_DIR"]) / "organizations" / "social_orgs_sample.csv"
        types = {"基金会": OrgType.foundation, "社会团体": OrgType.social_group,
                 "民办非企业单位（社会服务机构）": OrgType.social_service}
        rows = []
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["type"] not in types:
                    continue
                district = next((d for d in self.places.districts if d.code == row["uscc"][2:8]),
                                self.places.districts[0])
                rows.append((district, types[row["type"]], row["name"], row["uscc"],
                             row["registering_authority"].split("（")[0]))
        return rows

    def _code(self, org_type: OrgType, division: str) -> str:
        while True:
            subject = "".join(self.rng.choice(credit_codes.CHARSET) for _ in range(9))
            code = credit_codes.with_check_character(f"{CODE_PREFIX[org_type]}{division}{subject}")
            if code not in self.codes:
                self.codes.add(code)
                return code

    def _organization(self, district: Place, org_type: OrgType, name: str | None = None, code: str | None = None,
                      authority: str | None = None) -> Org:
        rng, dates, w = self.rng, self.dates, self.w
        oid = w.id("organization")
        street = rng.choice(district.children)
        place = rng.choices([district, street, rng.choice(street.children or [street])], [3, 6, 1])[0]
        full = district.full_name
        if name is None:
            name = (f"{full}{rng.choice(words.ORG_BRANDS)}{rng.choice(words.ORG_EXTRA)}{TYPE_SUFFIX[org_type]}"
                    if org_type in TYPE_SUFFIX else words.org_name(rng, full))
            code = self._code(org_type, district.code)
            authority = {OrgType.enterprise: f"{full}市场监督管理局",
                         OrgType.public_institution: f"{full}事业单位登记管理局",
                         OrgType.mass_organization: f"{full}总工会"}.get(org_type, f"{full}民政局")
        else:
            self.codes.add(code)
        span = (dates.anchor - date(2000, 1, 1)).days
        registered = date(2000, 1, 1) + timedelta(days=int(span * rng.random() ** 0.6))
        registered = min(registered, dates.anchor - timedelta(days=90))
        joined_floor = max(dates.reference, dates.at(registered) + timedelta(days=30))
        created = joined_floor + (dates.now - timedelta(days=3) - joined_floor) * (rng.random() ** 1.8)
        created = created.replace(microsecond=0)
        fate = rng.random()
        status = ("verified" if fate < 0.85 else "suspended" if fate < 0.88 else "revoked" if fate < 0.90
                  else "info_requested" if fate < 0.93 else "rejected" if fate < 0.96 else "pending")
        stamps = {"pending_at": created, "info_requested_at": None, "verified_at": None, "rejected_at": None,
                  "suspended_at": None, "revoked_at": None}
        decided = later(created, rng, 0.5, 10)
        if status in ("pending",) or decided >= dates.now:
            status = "pending"
        elif status in ("rejected", "info_requested"):
            stamps[f"{status}_at"] = decided
        else:
            stamps["verified_at"] = decided
            if status in ("suspended", "revoked"):
                ended = later(decided, rng, 60, max(61, (dates.now - decided).days))
                if ended >= dates.now:
                    status = "verified"
                else:
                    stamps[f"{status}_at"] = ended
        registrar = self.places.body_of(district, "civil_affairs").staff["registrar"][0]
        manager = self.user(f"org{oid}-1@{DOMAIN}", words.person(rng), "org_member", created)
        joined = [min(later(created, rng, 1, 90), dates.now) for _ in range(rng.choice((0, 0, 0, 1, 1, 2)))]
        members = [self.user(f"org{oid}-{n}@{DOMAIN}", words.person(rng), "org_member", at)
                   for n, at in enumerate(joined, start=2)]
        fulltime = rng.randint(2, 40)
        w.add("organization", {
            "id": oid, "name": name, "uscc": code, "org_type": org_type.value,
            "public_class": ("class_2" if org_type == OrgType.public_institution else None), "budget_funded": False,
            "registering_authority": authority, "registered_on": registered, "region_id": place.id,
            "address": f"{place.full_name}{rng.choice(words.PLACE_STEMS)}路{rng.randint(1, 300)}号",
            "legal_representative": words.person(rng), "contact_name": words.person(rng),
            "contact_phone": words.phone(rng), "contact_email": f"contact{oid}@org.example.cn",
            "fulltime_staff": fulltime, "parttime_staff": rng.randint(0, 20),
            "introduction": words.paragraph(rng, rng.choice(rng.choice(words.ITEMS)[7]), full, 60, 200),
            "status": status, "status_reason": STATUS_REASONS.get(status), "created_at": created,
            "created_by_id": manager[0], **stamps})
        w.add("org_membership", {"id": w.id("org_membership"), "organization_id": oid, "user_id": manager[0],
                                 "role": "manager", "joined_at": created})
        for member, at in zip(members, joined, strict=True):
            w.add("org_membership", {"id": w.id("org_membership"), "organization_id": oid, "user_id": member[0],
                                     "role": "member", "joined_at": at})
        self.audit.record(created, "organization.registered", "organization", oid, manager,
                          {"name": name, "uscc": code})
        for action, stamp in (("verify", "verified_at"), ("reject", "rejected_at"),
                              ("request_info", "info_requested_at"), ("suspend", "suspended_at"),
                              ("revoke", "revoked_at")):
            if stamps[stamp] is not None:
                self.audit.record(stamps[stamp], f"organization.{action}", "organization", oid, registrar,
                                  {"reason": STATUS_REASONS.get(status) if action != "verify" else None})
        for item_code in rng.sample(words.PURCHASABLE, rng.choice((1, 2, 2, 3))):
            w.add("org_service_field", {"id": w.id("org_service_field"), "organization_id": oid,
                                        "item_code": item_code})
        org = Org(oid, name, code, district, manager, members)
        self.orgs.append(org)
        if stamps["verified_at"] is not None:
            self._facts(org, org_type, registered, created, manager, registrar, fulltime)
            self._credit(org, status, stamps, registrar)
            if org.eligible_from is not None and org.eligible_from < dates.now:
                for pool in (self.pools.setdefault(district.code, ([], [])), self.all_pool):
                    pool[0].append(org.eligible_from)
                    pool[1].append(org)
        return org

    def _fact(self, org_id: int, kind: str, valid_from: date, submitter, registrar, *, confirm=True, **values):
        rng, dates = self.rng, self.dates
        submitted = later(dates.at(valid_from), rng, 1, 20)
        decided = later(submitted, rng, 0.5, 10)
        if submitted >= dates.now:
            return None
        status = "confirmed" if confirm else "rejected"
        if decided >= dates.now:
            status, decided = "submitted", None
        warned = None
        if status == "confirmed" and values.get("valid_until") is not None:
            # The expiry job's first tick in the 30 days before the last valid day (or the confirmation, if later).
            warned = max(dates.at(values["valid_until"] - timedelta(days=30), 0.01), decided)
            if warned > dates.now or dates.local_date(warned) > values["valid_until"]:
                warned = None
        fid = self.w.id("org_fact")
        self.w.add("org_fact", {
            "id": fid, "organization_id": org_id, "kind": kind, "grade": None, "year": None, "inspection_result": None,
            "count": None, "worker_level": None, "certificate_no": None, "person_name": None,
            "valid_from": valid_from, "valid_until": None, "document_id": None, "status": status,
            "submitted_at": submitted, "submitted_by_id": submitter[0],
            "confirmed_at": decided if status == "confirmed" else None,
            "confirmed_by_id": registrar[0] if status == "confirmed" else None,
            "rejected_at": decided if status == "rejected" else None,
            "reject_reason": "证明材料与填报内容不一致" if status == "rejected" else None,
            "expiry_warned_at": warned, **values})
        return decided if status == "confirmed" else None

    def _facts(self, org: Org, org_type, registered: date, created: datetime, manager, registrar, fulltime) -> None:
        """Inspections (年检) for the first year the history needs and the latest year concluded; the annual report;
        a grade for some; certified social workers; staff; tax exemption for a few."""
        rng, dates = self.rng, self.dates
        floor = max(dates.local_date(created), registered)
        if org_type in CIVIL:
            good = rng.random() < 0.9
            first_year = max(registered.year, dates.first_year - 2)
            last_year = max(y for y in range(first_year, dates.anchor.year)
                            if date(y + 1, 5, 31) <= dates.anchor - timedelta(days=30)) \
                if date(first_year + 1, 5, 31) <= dates.anchor - timedelta(days=30) else None
            confirmed_first = None
            if last_year is not None:
                years = sorted({first_year, last_year})
                for n, year in enumerate(years):
                    result = "合格" if good or n < len(years) - 1 else rng.choice(("基本合格", "不合格"))
                    on = max(date(year + 1, 5, 31), floor)
                    decided = self._fact(org.id, "inspection", on, manager, registrar, year=year,
                                         inspection_result=result)
                    if n == 0:
                        confirmed_first = decided
                    elif not good and decided is not None:
                        org.eligible_until = decided
                self._fact(org.id, "annual_report", max(date(last_year + 1, 5, 31), floor), manager, registrar,
                           year=last_year)
            if confirmed_first is not None:
                org.eligible_from = max(confirmed_first, dates.at(add_years(registered, 3)))
        if rng.random() < 0.3:
            on = max(floor, dates.anchor - timedelta(days=rng.randint(60, 1500)))
            self._fact(org.id, "grade", on, manager, registrar, grade=rng.choice(("2A", "3A", "3A", "4A", "4A", "5A")),
                       valid_until=add_years(on, 5) - timedelta(days=1))
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
            person, level = words.person(rng), rng.choice(("assistant", "assistant", "worker", "senior"))
            number = f"SW{rng.randint(2008, 2024)}{rng.randrange(10**8):08d}"
            if self._fact(org.id, "social_worker", floor, manager, registrar, worker_level=level,
                          certificate_no=number, person_name=person) is not None:
                org.team.append({"name": person, "certificate_no": number, "level": level})
        if rng.random() < 0.5:
            self._fact(org.id, "staff", floor, manager, registrar, count=fulltime)
        if rng.random() < 0.2:
            self._fact(org.id, "tax_exempt", floor, manager, registrar, confirm=rng.random() < 0.9,
                       valid_until=add_years(floor, 5))

    def _credit(self, org: Org, status: str, stamps: dict, registrar) -> None:
        rng, dates = self.rng, self.dates
        authority = f"{org.district.full_name}民政局"

        def entry(kind, reason, listed: date, removed: date | None = None, removal: str | None = None,
                  removal_reason: str | None = None, escalated_from: int | None = None, by=registrar):
            row = self.w.add("credit_entry", {
                "id": self.w.id("credit_entry"), "organization_id": org.id, "list_kind": kind, "reason": reason,
                "authority": authority, "listed_on": listed, "removed_on": removed, "removal_kind": removal,
                "removal_reason": removal_reason, "escalated_from_id": escalated_from,
                "created_at": dates.at(listed, 11 if by else 0.01), "created_by_id": by[0] if by else None})
            return row["id"]

        if status in ("suspended", "revoked"):
            listed = dates.local_date(stamps[f"{status}_at"]) - timedelta(days=rng.randint(1, 30))
            escalation = add_years(listed, 2)  # two years on the abnormal list: the job moves it to the serious one
            if escalation <= dates.anchor:
                text = f"列入活动异常名录满两年（{listed.isoformat()} 起）仍未移出"
                first = entry("abnormal", "未按规定报送年度工作报告", listed, escalation, "escalated", text)
                entry("serious", text, escalation, escalated_from=first, by=None)
            else:
                entry("abnormal", "未按规定报送年度工作报告", listed)
                if status == "revoked" and rng.random() < 0.5:
                    entry("serious", "弄虚作假骗取登记，被撤销登记", dates.local_date(stamps["revoked_at"]))
            org.eligible_until = min(filter(None, [org.eligible_until, dates.at(listed)]))
        elif rng.random() < 0.02:
            listed = dates.local_date(stamps["verified_at"]) + timedelta(days=rng.randint(30, 400))
            removed = listed + timedelta(days=rng.randint(20, 120))
            if dates.at(removed) < dates.now:
                entry("abnormal", "通过登记的住所无法联系", listed, removed, "repaired",
                      "已补报年度工作报告，申请信用修复获准")
                org.eligible_until = min(filter(None, [org.eligible_until, dates.at(listed)]))

    # -- choosing bidders ----------------------------------------------------------------------------------------

    def bidders(self, district: Place, at: datetime, count: int) -> list[Org]:
        """`count` organizations that could bid at `at` (verified, inspected 合格, three years registered, not
        listed), from the district first, then from anywhere."""
        chosen: list[Org] = []
        for pool in (self.pools.get(district.code), self.all_pool):
            if pool is None:
                continue
            times, orgs = pool
            limit = bisect.bisect_right(times, at)
            tries = 0
            while limit and len(chosen) < count and tries < count * 8:
                tries += 1
                org = orgs[self.rng.randrange(limit)]
                if org in chosen or (org.eligible_until is not None and org.eligible_until <= at):
                    continue
                chosen.append(org)
            if len(chosen) >= count:
                break
        return chosen
