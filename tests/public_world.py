"""A world for the statement-count tests: `World().grow(n)` brings every public list to n rows, and makes a fresh
*subject* — the tender, project, contract, organization, need, catalog, evaluation and donation the detail pages
show — with n rows of everything that hangs off it (bids, results, challenges, questions, amendments, documents,
regions, milestones, reports, ratings, marks, payments, supports, facts …). Rows are written straight into the
tables, like `tests/projects/conftest.make_project`, so that 25 of everything take a second; the rules that
produce them are tested in their own domains. Grow twice (3, then 25) and a page that reads one row at a time
shows up as a different count."""

import csv
import itertools
import json
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from marketplace.audit import services as audit
from marketplace.bids.models import Bid, BidStatus, Opening
from marketplace.catalog.models import BudgetLine, CatalogKind, CatalogVersion, PurchaseItem, VersionStatus
from marketplace.common import clock
from marketplace.contracts.models import (
    Contract,
    ContractAmendment,
    ContractIndicator,
    ContractStatus,
    Milestone,
    MilestoneKind,
)
from marketplace.evaluation.models import Award, AwardStatus, BidResult, Challenge
from marketplace.extensions import db
from marketplace.follows.models import Follow, Subject
from marketplace.needs.models import Need, NeedPhoto, NeedStatus, NeedSupport, NeedUpdate
from marketplace.organizations.models import (
    CreditEntry,
    CreditList,
    Fact,
    FactKind,
    FactStatus,
    RemovalKind,
    ServiceField,
    SocialWorkerLevel,
)
from marketplace.outcomes.models import (
    BeneficiaryCount,
    BeneficiaryGroup,
    Evaluation,
    EvaluationStatus,
    OutcomeReport,
    Pseudonym,
    Rating,
    ReportActual,
    ReportStatus,
    ReviewerKind,
    ReviewerMark,
)
from marketplace.payments.models import Payment, PaymentKind, PaymentStatus
from marketplace.regions.models import BodyKind
from marketplace.tenders.models import (
    Amendment,
    Criterion,
    Indicator,
    IndicatorKind,
    Method,
    Question,
    Tender,
    TenderCondition,
    TenderDocument,
    TenderRegion,
    TenderStatus,
)
from marketplace.tenders.models import Pseudonym as TenderPseudonym
from tests import factories
from tests.catalog.conftest import CATALOGS
from tests.projects.conftest import make_org
from tests.tenders.conftest import build_market

ITEM = "A0401"
_serial = itertools.count(1)
_HASH = "ab" * 32


def _street(j: int) -> str:
    """The code of the j-th street of the district: rows spread over streets, so that a page showing where each
    row is cannot get away with reading one street's ancestors once."""
    return f"110101{100 + j:03d}"


def _top_up(rows: list, n: int, make):
    """Add rows made by `make(related)` until there are n; the first one added has n related rows of each kind (it
    is the new subject, returned), the others one each."""
    first = len(rows)
    while len(rows) < n:
        rows.append(make(n if len(rows) == first else 1))
    return rows[first]


def _conditions() -> list[str]:
    with (CATALOGS / "qualification_sample.csv").open(encoding="utf-8") as source:
        return [row["code"] for row in csv.DictReader(source)]


class World:
    """Everything public, n of each; `subject` holds what the detail pages of the last `grow` show."""

    def __init__(self):
        self.market = build_market()
        self.street = self.market["street"]
        self.district_bureau = factories.body(BodyKind.civil_affairs, "110101", name="东城区民政局")
        self.conditions = _conditions()
        self.orgs, self.residents, self.evaluators = [], [], []
        self.procurements, self.open_tenders, self.needs, self.versions, self.provinces = [], [], [], [], []
        self.district_catalog: CatalogVersion | None = None
        self.budgeted = {self.street.id}
        city = db.session.scalars(select(CatalogVersion).where(CatalogVersion.issuer_id == self.market["city"].id)
                                  .order_by(CatalogVersion.id)).all()
        self.city_qualifications, self.city_purchases = city
        self.subject: dict = {}

    @property
    def diff_base(self) -> CatalogVersion:
        """What the subject catalog is compared with: the version it replaced, or the city's."""
        return self.subject["previous_catalog"] or self.city_purchases

    # -- growing ---------------------------------------------------------------------------------------------

    def grow(self, n: int) -> "World":
        """Every list to n rows; a new subject with n related rows of each kind. Commits."""
        now = clock.now()
        while len(self.residents) < n:
            self.residents.append(factories.user("resident", verified_community_id=self.market["community"].id))
            self.evaluators.append(factories.user("evaluator"))
        first_org = len(self.orgs)
        while len(self.orgs) < n:  # each in a street of its own, like the places and buyers below
            self.orgs.append(make_org(_street(len(self.orgs)), name=f"计数测试社会工作服务中心{next(_serial)}"))
        org = self.orgs[first_org]
        self._qualify(org, n)
        # The subject organization wins every other procurement (the subject's first): it has a track record.
        start = len(self.procurements)
        subject = {"org": org, **_top_up(self.procurements, n, lambda related: self._procurement(
            self.orgs[len(self.procurements) % n] if (len(self.procurements) - start) % 2 else org, related))}
        subject["open_tender"] = _top_up(self.open_tenders, n, self._open_tender)
        subject["need"] = _top_up(self.needs, n, lambda related: self._need(related, now))
        subject |= self._catalogs(n)
        while len(self.provinces) < n:
            self.provinces.append(factories.region(f"{60 + len(self.provinces)}0000", name="计数测试省"))
        self.subject = subject
        db.session.commit()
        return self

    # -- organizations ---------------------------------------------------------------------------------------

    def _qualify(self, org, n: int) -> None:
        """n service fields, n confirmed facts (a grade, inspections, social workers) and n credit entries."""
        now, today = clock.now(), clock.today()
        org.service_fields = [ServiceField(item_code=ITEM)] + [ServiceField(item_code=f"A05{j:02d}")
                                                               for j in range(1, n)]
        facts = [Fact(kind=FactKind.grade, grade="5A", valid_from=date(2024, 1, 1), valid_until=date(2028, 12, 31))]
        facts += [Fact(kind=FactKind.inspection, year=today.year - 1 - j, inspection_result="合格",
                       valid_from=date(today.year - j, 1, 1)) for j in range(n // 2)]
        facts += [Fact(kind=FactKind.social_worker, worker_level=SocialWorkerLevel.worker, person_name="王芳",
                       certificate_no=f"SW-QC{org.id:04d}{j:03d}", valid_from=date(2020, 1, 1))
                  for j in range(n - 1 - n // 2)]
        for fact in facts:
            fact.organization_id, fact.status, fact.submitted_at, fact.confirmed_at = org.id, FactStatus.confirmed, \
                now, now
        db.session.add_all(facts)
        db.session.add_all(CreditEntry(organization_id=org.id, list_kind=CreditList.abnormal, reason="未按时报送年报",
                                       authority="东城区民政局", listed_on=date(2015, 1, 1) + timedelta(days=40 * j),
                                       removed_on=date(2015, 1, 20) + timedelta(days=40 * j),
                                       removal_kind=RemovalKind.repaired, removal_reason="已补报", created_at=now)
                           for j in range(n))
        db.session.flush()

    # -- a tender, all the way to a delivered project ---------------------------------------------------------

    def _tender(self, r: int, status: TenderStatus, **fields) -> Tender:
        """A published tender for A0401 with r service places, indicators, criteria, conditions and documents."""
        now, k = clock.now(), next(_serial)
        buyer = factories.body(BodyKind.street_office, _street(k % 50))
        if buyer.id not in self.budgeted:  # each buyer's budget line is listed on the catalog item's page
            db.session.add(BudgetLine(body_id=buyer.id, year=2026, item_code=ITEM, amount=Decimal("900000"),
                                      source="2026年区级财政预算", created_at=now))
            self.budgeted.add(buyer.id)
        tender = Tender(reference=f"QC-T-{k:05d}", buyer_id=buyer.id, year=2026, item_code=ITEM,
                        item_name="居家和社区养老服务", title=f"计数测试养老服务项目{k}",
                        description="为辖区老人提供助餐服务",
                        budget=Decimal("300000"), method=Method.consultation, term_months=12, status=status,
                        version=1, created_at=now - timedelta(days=70), published_at=now - timedelta(days=69),
                        deliverables="长者食堂运营", **fields)
        # Each place in a street of its own: a page naming places must not read their ancestors one by one.
        tender.regions = [TenderRegion(region_id=factories.region(_street(j) + "001").id) for j in range(r)]
        tender.indicators = [Indicator(position=j + 1, kind=IndicatorKind.output_quantity, name=f"服务人次{j}",
                                       comparison=">=", target=Decimal(100 + j), unit="人次") for j in range(r)]
        tender.criteria = [Criterion(position=1, name="价格", weight=20, description="", is_price=True)] + [
            Criterion(position=j + 2, name=f"服务方案{j}", weight=max(1, 80 // r), description="按方案打分")
            for j in range(r)]
        tender.conditions = [TenderCondition(code=code, required=j % 2 == 0)
                             for j, code in enumerate(self.conditions[:r])]
        tender.documents = [TenderDocument(title=f"附件{j}", original_name=f"附件{j}.pdf", sha256=_HASH,
                                           content_type="application/pdf", size=1000, uploaded_at=now)
                            for j in range(r)]
        db.session.add(tender)
        db.session.flush()
        asker = self.residents[0]
        for j in range(r):
            pseudonym = TenderPseudonym(tender_id=tender.id, organization_id=self.orgs[j].id, number=j + 1)
            db.session.add(pseudonym)
            db.session.flush()
            db.session.add(Question(tender_id=tender.id, pseudonym_id=pseudonym.id, asked_by_id=asker.id,
                                    text=f"问题{j}", asked_at=now - timedelta(days=60), answer="答复",
                                    answered_at=now - timedelta(days=59)))
        db.session.add_all(Follow(user_id=user.id, subject=Subject.tender, subject_id=tender.id, created_at=now)
                           for user in self.residents[:r])
        audit.record(None, "tender.publish", tender)
        return tender

    def _procurement(self, winner, r: int) -> dict:
        now, today = clock.now(), clock.today()
        tender = self._tender(r, TenderStatus.contracted, deadline_at=now - timedelta(days=50),
                              questions_close_at=now - timedelta(days=55), tendering_at=now - timedelta(days=69),
                              evaluation_at=now - timedelta(days=50), awarded_at=now - timedelta(days=40),
                              contracted_at=now - timedelta(days=20))
        tender.version = r + 1
        db.session.add_all(Amendment(tender_id=tender.id, number=j + 1, rationale="更正", created_at=now,
                                     changes=json.dumps([{"field": "description", "before": "原文\n第二行",
                                                          "after": "新文\n第二行"}], ensure_ascii=False))
                           for j in range(r))
        bidders = [winner] + [org for org in self.orgs if org is not winner][:r - 1]
        bids = [Bid(tender_id=tender.id, organization_id=org.id, status=BidStatus.opened, sealed_content=b"x",
                    content_sha256=_HASH, tender_version=1, price=Decimal(240000 + 1000 * j),
                    submitted_at=now - timedelta(days=51), opened_at=now - timedelta(days=50))
                for j, org in enumerate(bidders)]
        db.session.add_all(bids)
        db.session.flush()
        db.session.add(Opening(tender_id=tender.id, opened_at=now - timedelta(days=50), bid_count=r, entries=json.dumps(
            [{"bid": b.id, "organization": org.name, "uscc": org.uscc, "sha256": _HASH, "matches": True,
              "submitted_at": b.submitted_at.isoformat()} for b, org in zip(bids, bidders, strict=True)])))
        db.session.add_all(BidResult(tender_id=tender.id, bid_id=b.id, price_score=Decimal("20"),
                                     technical_score=Decimal(70 - j), total=Decimal(90 - j), rank=j + 1,
                                     computed_at=now - timedelta(days=45)) for j, b in enumerate(bids))
        award = Award(tender_id=tender.id, bid_id=bids[0].id, rank=1, amount=bids[0].price, status=AwardStatus.final,
                      confirmed_at=now - timedelta(days=40), noticed_at=now - timedelta(days=40),
                      notice_due_on=today - timedelta(days=38), challenge_until=today - timedelta(days=30),
                      final_at=now - timedelta(days=29))
        db.session.add(award)
        db.session.flush()
        db.session.add_all(Challenge(award_id=award.id, bid_id=bids[j % len(bids)].id, filed_by_id=self.residents[0].id,
                                     grounds=f"质疑理由{j}", filed_at=now - timedelta(days=35),
                                     answer_due_on=today - timedelta(days=28), answer="质疑不成立", upheld=False,
                                     answered_at=now - timedelta(days=31)) for j in range(r))
        contract = self._contract(tender, award, winner, r)
        needs = [self._need(1, now, tender=tender) for _ in range(r)]
        return {"tender": tender, "award": award, "contract": contract, "linked_needs": needs,
                **self._delivery(contract, r)}

    def _contract(self, tender, award, org, r: int) -> Contract:
        now, starts = clock.now(), clock.today() - timedelta(days=10)
        contract = Contract(
            reference=f"QC-C-{tender.id:05d}", tender_id=tender.id, award_id=award.id, buyer_id=tender.buyer_id,
            organization_id=org.id, title=tender.title, value=award.amount, term_months=12, starts_on=starts,
            ends_on=starts + timedelta(days=360), service_area="东华门街道", deliverables="助餐",
            status=ContractStatus.active,
            created_at=now - timedelta(days=20), sign_by=clock.today(), buyer_signed_at=now - timedelta(days=15),
            organization_signed_at=now - timedelta(days=15), active_at=now - timedelta(days=15), version=r + 1)
        share = (award.amount / r).quantize(Decimal("0.01"))
        kinds = [MilestoneKind.start, *[MilestoneKind.midterm] * max(r - 2, 0), MilestoneKind.final][-r:]
        contract.milestones = [
            Milestone(position=j + 1, kind=kind, due_on=starts + timedelta(days=5 + 10 * j),
                      report_due_on=starts + timedelta(days=8 + 10 * j), tranche_percent=100 // r,
                      tranche_amount=share if j < r - 1 else award.amount - share * (r - 1))
            for j, kind in enumerate(kinds)]
        contract.indicators = [ContractIndicator(position=j + 1, kind=IndicatorKind.output_quantity,
                                                 name=f"服务人次{j}", comparison=">=", target=Decimal(100 + j),
                                                 unit="人次", weight=max(1, 100 // r)) for j in range(r)]
        contract.amendments = [ContractAmendment(number=j + 1, rationale="顺延", created_at=now, changes=json.dumps(
            [{"field": "ends_on", "before": "2027-01-01", "after": "2027-02-01"}])) for j in range(r)]
        db.session.add(contract)
        db.session.flush()
        db.session.add_all(Follow(user_id=user.id, subject=Subject.project, subject_id=contract.id, created_at=now)
                           for user in self.residents[:r])
        audit.record(None, "contract.signed", contract)
        return contract

    def _delivery(self, contract, r: int) -> dict:
        """Every milestone reported, accepted, evaluated (passed) and paid; the first evaluation has r ratings and
        r reviewers' marks, and the project r donations."""
        now = clock.now()
        pseudonyms = [Pseudonym(contract_id=contract.id, user_id=user.id, number=j + 1)
                      for j, user in enumerate(self.residents[:r])]
        db.session.add_all(pseudonyms)
        evaluations = []
        for position, milestone in enumerate(contract.milestones):
            report = OutcomeReport(milestone_id=milestone.id, contract_id=contract.id, status=ReportStatus.accepted,
                                   created_at=now, updated_at=now, submitted_at=now, accepted_at=now,
                                   late=position % 2 == 1)
            report.actuals = [ReportActual(indicator_id=i.id, actual=Decimal(90 + j))
                              for j, i in enumerate(contract.indicators[:3])]
            report.beneficiaries = [BeneficiaryCount(group=g, people=10 + position)
                                    for g in (BeneficiaryGroup.elderly, BeneficiaryGroup.youth)]
            evaluation = Evaluation(
                milestone_id=milestone.id, contract_id=contract.id, status=EvaluationStatus.passed,
                rating_opened_at=now - timedelta(days=9), rating_ends_at=now - timedelta(days=2),
                computed_g=Decimal("90"), reviewer_weight=Decimal("0.5"), reviewer_score=Decimal("88"),
                reviewer_count=r if not position else 1, government_score=Decimal("89"),
                resident_weight=Decimal("0.7"), quorum=3, pass_score=Decimal("60"),
                rating_count=r if not position else 1, resident_score=Decimal("80"), final_score=Decimal("82.70"),
                provisional=False, closed_at=now - timedelta(days=2), passed_at=now - timedelta(days=2))
            db.session.add_all([report, evaluation])
            db.session.flush()
            milestone.evaluation_passed_at = now - timedelta(days=2)
            raters = r if not position else 1
            db.session.add_all(Rating(evaluation_id=evaluation.id, milestone_id=milestone.id, user_id=p.user_id,
                                      pseudonym_id=p.id, stars=4, comment="很好", created_at=now - timedelta(days=5))
                               for p in pseudonyms[:raters])
            db.session.add_all(ReviewerMark(evaluation_id=evaluation.id, reviewer_id=user.id, kind=ReviewerKind.expert,
                                            invited_by_id=self.market["buyer"].id, invited_at=now - timedelta(days=9),
                                            score=Decimal("88"), comment="达到预期", no_conflict_at=now,
                                            marked_at=now - timedelta(days=3))
                               for user in self.evaluators[:raters])
            db.session.add(Payment(kind=PaymentKind.tranche, status=PaymentStatus.succeeded,
                                   amount=milestone.tranche_amount, contract_id=contract.id,
                                   milestone_id=milestone.id, idempotency_key=f"qc-tranche-{milestone.id}",
                                   created_at=now, updated_at=now, succeeded_at=now - timedelta(days=1)))
            evaluations.append(evaluation)
        donations = [Payment(kind=PaymentKind.donation, status=PaymentStatus.succeeded, amount=Decimal("100"),
                             contract_id=contract.id, idempotency_key=f"qc-donation-{contract.id}-{j}",
                             public_token=f"qc-{contract.id}-{j}-" + "t" * 20, donor_name=f"捐赠人{j}",
                             created_at=now, updated_at=now, succeeded_at=now - timedelta(hours=j + 1))
                     for j in range(r)]
        db.session.add_all(donations)
        db.session.flush()
        return {"evaluation": evaluations[0], "donation": donations[0]}

    def _open_tender(self, r: int) -> Tender:
        """Tendering now: r questions, documents and sealed bids (only their number is public)."""
        now = clock.now()
        tender = self._tender(r, TenderStatus.tendering, deadline_at=now + timedelta(days=15),
                              questions_close_at=now + timedelta(days=10), tendering_at=now - timedelta(days=5))
        db.session.add_all(Bid(tender_id=tender.id, organization_id=org.id, status=BidStatus.submitted,
                               sealed_content=b"x", content_sha256=_HASH, tender_version=1,
                               submitted_at=now - timedelta(days=1)) for org in self.orgs[:r])
        db.session.flush()
        return tender

    # -- needs -------------------------------------------------------------------------------------------------

    def _need(self, r: int, now, tender=None) -> Need:
        """A need of the community with r supports, public updates and photos (planned when a tender answers it)."""
        k = next(_serial)
        office = factories.body(BodyKind.street_office, _street(k % 50))
        need = Need(community_id=factories.region(office.region.code + "001").id, office_id=office.id, item_code=ITEM,
                    item_name="居家和社区养老服务", title=f"计数测试需求{k}", description="希望开设老年食堂",
                    contact_phone="13800138000", submitted_by_id=self.residents[0].id,
                    status=NeedStatus.planned if tender else NeedStatus.replied, submitted_at=now - timedelta(days=5),
                    replied_at=now - timedelta(days=4), planned_at=now if tender else None,
                    reply_due_on=clock.today() - timedelta(days=1), close_due_on=clock.today() + timedelta(days=3),
                    reply_text="已收到", tender_id=tender.id if tender else None, support_count=r)
        need.photos = [NeedPhoto(original_name=f"照片{j}.jpg", sha256=_HASH, content_type="image/jpeg", size=1000)
                       for j in range(r)]
        need.updates = [NeedUpdate(status=NeedStatus.replied, message=f"进展{j}", created_at=now,
                                   created_by_id=self.market["buyer"].id) for j in range(r)]
        db.session.add(need)
        db.session.flush()
        db.session.add_all(NeedSupport(need_id=need.id, user_id=user.id, created_at=now) for user in self.residents[:r])
        audit.record(None, "need.submitted", need)
        return need

    # -- catalogs ---------------------------------------------------------------------------------------------

    def _catalogs(self, n: int) -> dict:
        """A new published district purchase catalog with n items (the last one superseded, so the two differ),
        each item requiring n qualification conditions; and earlier years' published catalogs up to n in all."""
        now = clock.now()
        previous = self.district_catalog
        if previous is not None:
            previous.status, previous.superseded_at = VersionStatus.superseded, now
            db.session.flush()
        number = previous.number + 1 if previous else 1
        version = CatalogVersion(issuer_id=self.district_bureau.id, year=2026, kind=CatalogKind.purchase,
                                 number=number, title=f"东城区政府购买服务目录（第{number}版）",
                                 status=VersionStatus.published, created_at=now, published_at=now)
        required = ";".join(self.conditions[:n])
        version.purchase_items = [
            PurchaseItem(code="A", level=1, name="公共服务"),
            PurchaseItem(code="A04", parent_code="A", level=2, name="养老服务"),
            PurchaseItem(code=ITEM, parent_code="A04", level=3, name="居家和社区养老服务",
                         required_conditions=required),
            *(PurchaseItem(code=f"A04{j + 2:02d}", parent_code="A04", level=3, name=f"计数测试服务{j}-{number}",
                           required_conditions=required) for j in range(n))]
        db.session.add(version)
        self.district_catalog = version
        published = 3 + len(self.versions)  # the market's two city catalogs and the district's one
        while published < n:
            year = 2025 - len(self.versions)
            old = CatalogVersion(issuer_id=self.market["city"].id, year=year, kind=CatalogKind.purchase, number=1,
                                 title=f"{year}年政府购买服务目录", status=VersionStatus.published, created_at=now,
                                 published_at=now)
            old.purchase_items = [PurchaseItem(code="A", level=1, name="公共服务")]
            db.session.add(old)
            self.versions.append(old)
            published += 1
        db.session.flush()
        return {"catalog": version, "previous_catalog": previous}
