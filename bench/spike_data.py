"""The database side of the deadline spike (bench/spike_bench.py): bidders prepared in bulk, the tender published
through the real services, and the check of what was recorded afterwards.

Bidders are eligible the way real ones become eligible — through data, not by bending the rules: each is a
verified social-service organization (民办非企业单位) with a confirmed grade, annual inspection, annual report,
staff count, certified social workers and tax exemption, on no credit list, with one member account whose e-mail
is confirmed. The rows are inserted directly (a bulk load, like a migration of existing records: no audit rows
for them); everything the benchmark measures — sign-in, the bid form, submission — goes through HTTP.
"""

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

PASSWORD = "spike-bench-2026"
BUDGET = Decimal("100000")  # under every open-tender threshold: 竞争性磋商
EMAIL = "spike-{tag}-{n:04d}@bench.zhengshe.invalid"


@dataclass
class Bidder:
    organization_id: int
    user_id: int
    email: str


def create_bidders(count: int) -> tuple[str, list[Bidder], float]:
    """`count` eligible organizations, each with one member; returns (tag, bidders, seconds)."""
    from marketplace import security
    from marketplace.accounts.models import Role, User
    from marketplace.common import clock
    from marketplace.extensions import db
    from marketplace.organizations.models import (
        Fact,
        FactKind,
        FactStatus,
        Membership,
        Organization,
        OrgRole,
        OrgStatus,
        OrgType,
        ServiceField,
        SocialWorkerLevel,
    )

    started = time.perf_counter()
    registrar = db.session.scalar(select(User).where(User.role == Role.registrar).order_by(User.id).limit(1))
    region = _organization_region()
    now, today = clock.now(), clock.today()
    tag = _free_tag(region.code[:6], count)
    password_hash = security.hash_password(PASSWORD)  # one Argon2 hash, verified at full cost on every sign-in
    recently, last_year = today - timedelta(days=200), today.year - 1
    organizations, users = [], []
    for n in range(count):
        org = Organization(
            name=f"【压测】{region.name}第{tag}批第{n + 1}号社会工作服务中心", uscc=_code(region.code[:6], tag, n),
            org_type=OrgType.social_service, budget_funded=False, registering_authority=f"{region.name}民政局",
            registered_on=date(today.year - 12, 3, 1), region_id=region.id, address="【压测】详细地址从略",
            legal_representative="【压测】法定代表人", contact_name="【压测】联系人", contact_phone="010-00000000",
            contact_email=EMAIL.format(tag=tag, n=n), fulltime_staff=30, parttime_staff=5,
            status=OrgStatus.verified, created_at=now - timedelta(days=400), pending_at=now - timedelta(days=400),
            verified_at=now - timedelta(days=390))
        org.service_fields = [ServiceField(item_code=code) for code in ("A1001", "A1002")]
        confirmed = {"status": FactStatus.confirmed, "submitted_at": now - timedelta(days=200),
                     "confirmed_at": now - timedelta(days=199), "confirmed_by_id": registrar.id if registrar else None}
        org.facts = [
            Fact(kind=FactKind.grade, grade="5A", valid_from=today - timedelta(days=365),
                 valid_until=today + timedelta(days=4 * 365), **confirmed),
            Fact(kind=FactKind.inspection, year=last_year, inspection_result="合格", valid_from=recently, **confirmed),
            Fact(kind=FactKind.annual_report, year=last_year, valid_from=recently, **confirmed),
            Fact(kind=FactKind.staff, count=30, valid_from=recently, **confirmed),
            Fact(kind=FactKind.tax_exempt, valid_from=recently, valid_until=recently + timedelta(days=5 * 365),
                 **confirmed),
            *(Fact(kind=FactKind.social_worker, worker_level=SocialWorkerLevel.worker,
                   certificate_no=f"BENCH-{tag}-{n:04d}-{w}", person_name=f"【压测】社工{w + 1}", valid_from=recently,
                   **confirmed) for w in range(8)),
        ]
        user = User(email=EMAIL.format(tag=tag, n=n), name=f"【压测】投标人 {n + 1}", password_hash=password_hash,
                    role=Role.org_member, created_at=now, email_confirmed_at=now, failed_logins=0)
        organizations.append(org)
        users.append(user)
    db.session.add_all([*organizations, *users])
    db.session.flush()
    db.session.add_all([Membership(organization_id=org.id, user_id=user.id, role=OrgRole.manager, joined_at=now)
                        for org, user in zip(organizations, users, strict=True)])
    db.session.commit()
    bidders = [Bidder(org.id, user.id, user.email) for org, user in zip(organizations, users, strict=True)]
    return tag, bidders, time.perf_counter() - started


def _organization_region():
    """The district of the demo buyer (or of the first buyer), where the bidders are registered."""
    from marketplace.regions.models import RegionLevel

    body = pick_buyer().body
    region = body.region
    while region.level not in (RegionLevel.district, RegionLevel.city, RegionLevel.province) and region.parent:
        region = region.parent
    return region


def _code(division: str, tag: str, n: int) -> str:
    from marketplace.organizations import uscc

    return uscc.with_check_character(f"52{division}M{tag}{n:04d}")


def _free_tag(division: str, count: int) -> str:
    """Four digits that no earlier run used for this division (the credit codes must be new)."""
    from marketplace.extensions import db
    from marketplace.organizations.models import Organization

    tag = int(time.time()) % 10000
    while db.session.scalar(select(func.count()).where(
            Organization.uscc.in_([_code(division, f"{tag:04d}", n) for n in (0, count - 1)]))):
        tag = (tag + 1) % 10000
    return f"{tag:04d}"


def pick_buyer(email: str | None = None):
    from marketplace.accounts.models import Role, User
    from marketplace.extensions import db

    query = select(User).where(User.role == Role.buyer, User.body_id.is_not(None), User.deactivated_at.is_(None))
    if email:
        query = query.where(User.email == email)
    else:
        # The demo's street-office buyer when there is one, else the first buyer.
        query = query.order_by((User.email != "buyer@demo.zhengshe.cn"), User.id)
    buyer = db.session.scalar(query.limit(1))
    if buyer is None:
        raise SystemExit(f"no active buyer account{' ' + email if email else ''} in this database")
    return buyer


def publish_tender(deadline: datetime, buyer_email: str | None = None) -> dict:
    """A published tender (竞争性磋商) whose bid deadline is `deadline`, run through the real services on a clock
    set back 15 days (as the demo does); returns its id, reference, deadline and criteria ids."""
    from marketplace.common import clock
    from marketplace.extensions import db
    from marketplace.organizations import eligibility
    from marketplace.organizations.models import Organization, OrgStatus
    from marketplace.regions.models import Region
    from marketplace.tenders import demo, services
    from marketplace.tenders.models import IndicatorKind, Method

    buyer = pick_buyer(buyer_email)
    body, year = buyer.body, clock.to_local(deadline).year
    opened = deadline - timedelta(days=15)
    with clock.frozen(opened):
        code = _item_with_room(body, year, buyer)
        title = f"【压测】截止高峰投标测试 {clock.to_local(deadline):%m-%d %H:%M:%S}"
        tender = services.create_tender(body, code, title, BUDGET, by=buyer, year=year)
        streets = db.session.execute(select(Region).where(Region.parent_id == body.region_id)
                                     .order_by(Region.code).limit(3)).scalars().all()
        services.save_basics(tender, {"title": tender.title, "description": "截止时间前的投标高峰压力测试（bench）",
                                      "budget": BUDGET, "term_months": 12, "term_start": None,
                                      "term_justification": None, "deliverables": "压测：无实际服务内容"},
                             [r.id for r in streets] or [body.region_id], by=buyer)
        services.save_method(tender, Method.consultation, None, by=buyer)
        services.save_indicators(tender, [{"kind": IndicatorKind.output_quantity, "name": "服务人次",
                                           "comparison": ">=", "target": Decimal("100"), "unit": "人次"}], by=buyer)
        services.save_criteria(tender, demo.CRITERIA, by=buyer)
        services.save_timetable(tender, None, deadline - timedelta(days=3), deadline, by=buyer)
        services.publish(tender, by=buyer)
    db.session.commit()
    # One of the bidders, checked by the engine the bid route uses: a bench that cannot bid measures nothing.
    sample = db.session.scalar(select(Organization).where(Organization.status == OrgStatus.verified,
                                                          Organization.name.like("【压测】%"))
                               .order_by(Organization.id.desc()).limit(1))
    verdict = eligibility.eligibility(sample, tender, clock.today())
    if not verdict.eligible:
        raise SystemExit(f"the bench organizations are not eligible for {tender.reference}: {verdict.checklist}")
    return {"id": tender.id, "reference": tender.reference, "deadline": tender.deadline_at, "item": code,
            "conditions": [c.code for c in tender.conditions if c.required],
            "criteria": [c.id for c in tender.criteria if not c.is_price]}


def _item_with_room(body, year: int, buyer) -> str:
    """A purchase item the body may tender whose conditions the platform can decide by itself (no `manual`);
    its budget line is raised by BUDGET when what is left would not cover the tender."""
    from marketplace.catalog import rules
    from marketplace.catalog import services as catalog
    from marketplace.catalog.models import BudgetLine
    from marketplace.extensions import db
    from marketplace.tenders import services as tenders

    effective = catalog.effective_catalog(body.region, year)
    conditions = catalog.References.applicable_to(body, year).conditions

    def decidable(entry) -> bool:
        if entry is None or entry.negative or entry.item is None or entry.level < 2:
            return False
        codes = catalog.split_codes(entry.item.required_conditions)
        return all(code in conditions and not rules.parse(conditions[code].rule).manual for code in codes)

    lines = db.session.execute(select(BudgetLine).where(BudgetLine.body_id == body.id, BudgetLine.year == year)
                               .order_by(BudgetLine.id)).scalars().all()
    code = next((line.item_code for line in lines if decidable(effective.get(line.item_code))), None)
    if code is None:
        code = next((entry.code for entry in effective.items.values() if decidable(entry)), None)
    if code is None:
        raise SystemExit(f"{body.name} has no purchasable catalog item for {year} without manual conditions")
    view = tenders.budget_view(body, year, code)
    if view is None or view.remaining < BUDGET:
        committed = view.committed if view else Decimal(0)
        catalog.set_budget_line(body, year, code, committed + BUDGET,
                                view.source if view else "压测预算（bench，非真实预算）", by=buyer)
    return code


def verify(tender_id: int, receipts: dict[int, int], late_orgs: set[int]) -> dict:
    """What the database holds after the spike, against what the bidders were told.

    `receipts` maps organization id → the bid id its receipt named. Opens the bids first if nothing did
    (as the `tenders.advance` job would).
    """
    from marketplace.bids.models import Bid, BidStatus, Opening
    from marketplace.common import clock
    from marketplace.extensions import db
    from marketplace.tenders import services as tenders
    from marketplace.tenders.models import Tender

    tender = db.session.get(Tender, tender_id)
    opened_by = "a request after the deadline"
    if tenders.catch_up(tender, clock.now()):
        db.session.commit()
        opened_by = "the bench (tenders.catch_up, as the job would)"
    bids = db.session.execute(select(Bid).where(Bid.tender_id == tender_id)).scalars().all()
    sealed = {b.id: b for b in bids if b.content_sha256 is not None}
    opening = db.session.scalar(select(Opening).where(Opening.tender_id == tender_id))
    deadline = tender.deadline_at
    lost = [bid_id for org_id, bid_id in receipts.items()
            if bid_id not in sealed or sealed[bid_id].organization_id != org_id]
    return {
        "tender_status": tender.status.value, "opened_by": opened_by if opening else None,
        "sealed_bids": len(sealed), "receipts": len(receipts), "lost": lost,
        "recorded_without_receipt": sorted(b.id for b in sealed.values() if receipts.get(b.organization_id) != b.id),
        "accepted_late": sorted(b.id for b in sealed.values() if b.submitted_at >= deadline),
        "late_group_with_bids": sorted(b.id for b in sealed.values() if b.organization_id in late_orgs),
        "drafts_left": sum(1 for b in bids if b.status == BidStatus.draft),
        "opening_bid_count": opening.bid_count if opening else None,
        "not_opened": sorted(b.id for b in sealed.values() if b.status != BidStatus.opened),
        "hash_mismatches": sorted(b.id for b in sealed.values() if b.opened_sha256 not in (None, b.content_sha256)),
        "last_submitted_before_deadline_ms": round((deadline - max(b.submitted_at for b in sealed.values()))
                                                   .total_seconds() * 1000) if sealed else None,
        "sha256": {b.id: b.content_sha256 for b in sealed.values()},
    }
