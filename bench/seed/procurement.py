"""Tenders: each one is a story told forward from its publication and cut at NOW, so whatever state it is in at
NOW is the state a real tender would be in (a tender published last week is still tendering, one from three years
ago is long contracted). Every time-driven rule the services apply is applied: minimum tender periods, opening at
the deadline, too few valid bids → 废标, the standstill of 7 working days, the next-ranked bid after an upheld
challenge. This module writes the tender, its Q&A and amendment; `bidding.py` the bids, `awarding.py` the opening
to the award, `delivery.py` the contract onwards.

Deadlines and enquiry periods still running at NOW end at least two weeks (one week for enquiries) after it, so
list pages opened in the days after seeding find nothing due (`tenders.catch_up_due` would otherwise open bids
on a page load). Awards in their standstill at NOW do end within 7 working days: run benchmarks in that window or
seed again with a later --anchor.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from . import words
from .awarding import Awarding
from .bidding import Bidding
from .delivery import Delivery
from .people import People
from .places import Body, Places
from .writer import Audit, Dates, Writer, later

OPEN_THRESHOLD = Decimal("2000000")
MIN_PERIOD = {"open": 20, "invited": 20}  # days; every other method 10 (tender.min_period_days*)
CRITERIA = [
    [("价格", 20, "满足要求且价格最低的为评标基准价，价格分=基准价/投标报价×权重", True),
     ("服务方案", 40, "需求分析准确、目标明确、活动设计可行、与指标对应", False),
     ("团队与专业能力", 25, "持证社会工作者人数、督导配备、相关项目经验", False),
     ("管理与保障", 15, "项目管理、档案、风险预案、财务制度", False)],
    [("价格", 30, "满足要求且价格最低的为评标基准价，价格分=基准价/投标报价×30", True),
     ("服务方案", 45, "需求分析准确、目标与指标对应、活动设计可行", False),
     ("团队与专业能力", 25, "持证社会工作者人数、督导配备、同类项目经验", False)],
]
QUESTIONS = ("请问服务对象的名单由街道提供还是由服务机构自行摸排？", "活动场地是否由社区无偿提供？",
             "服务人次是否包含电话回访？", "项目团队中的督导是否可以兼职？")
ANSWERS = ("服务对象名单由街道提供，服务机构可补充摸排。", "活动场地由社区协调提供，不收取费用。",
           "电话回访可以计入，但不超过总人次的三成。", "督导可以兼职，须具备中级以上社会工作师证书。")


@dataclass
class Story:
    """One tender's rows, parents first; the dicts are still changed after they are added."""
    rows: list = field(default_factory=list)

    def add(self, table: str, row: dict) -> dict:
        self.rows.append((table, row))
        return row


class Procurement(Bidding, Awarding):
    """Tenders, told one at a time; bids and the award are in the two mixins."""

    def __init__(self, writer: Writer, dates: Dates, places: Places, people: People, audit: Audit, rng,
                 master_key: str, needs):
        self.w, self.dates, self.places, self.people, self.audit, self.rng = writer, dates, places, people, audit, rng
        self.master = master_key.encode()
        self.needs = needs
        self.delivery = Delivery(writer, dates, places, people, audit, rng)
        self.live_budget: dict[tuple, Decimal] = defaultdict(Decimal)
        # Every tender needed a budget line with room for it when it was created, even one that later failed.
        self.largest_released: dict[tuple, Decimal] = defaultdict(Decimal)
        self.states: dict[str, int] = defaultdict(int)
        self.contract_states: dict[str, int] = defaultdict(int)
        self.failed: dict[tuple, list[int]] = defaultdict(list)  # (buyer, item) → tender ids to re-tender
        buyers, weights = [], []
        for body in places.bodies:
            if body.kind in ("street_office", "township"):
                buyers.append(body), weights.append(8)
            elif body.kind == "civil_affairs" and body.region.level == "district":
                buyers.append(body), weights.append(3)
            elif body.kind == "other_department":
                buyers.append(body), weights.append(1)
        self.buyers, self.buyer_weights = buyers, weights
        self.item_weights = [4 if row[0] in ("A1002", "A0401") else 1 for row in words.ITEMS]

    # -- one tender -------------------------------------------------------------------------------------------

    def tender(self, published: datetime, *, force: dict | None = None) -> str:
        force = force or {}
        rng, dates, now = self.rng, self.dates, self.dates.now
        story = Story()
        buyer: Body = force.get("buyer") or rng.choices(self.buyers, self.buyer_weights)[0]
        district = buyer.region.district
        item = rng.choices(words.ITEMS, self.item_weights)[0]
        code, item_name, _unit, low, high = item[:5]
        service = rng.choice(item[7])
        if buyer.kind == "civil_affairs" and rng.random() < 0.12:
            budget = Decimal(rng.randint(2_000, 3_600)) * 1000
        else:
            budget = Decimal(max(rng.randint(low, max(low, min(high, 1_900_000))) // 1000, 10)) * 1000
        if budget >= OPEN_THRESHOLD:
            method = "open"
        else:
            method = rng.choices(("consultation", "inquiry", "negotiation", "single_source", "invited"),
                                 (78, 10, 6, 3, 3))[0]
        term = rng.choices((12, 6, 9, 10, 24, 36), (60, 8, 8, 8, 12, 4))[0]
        has_enquiry = force.get("enquiry", rng.random() < 0.25)
        enquiry_days = rng.randint(5, 8)
        period = MIN_PERIOD.get(method, 10) + rng.randint(1, 10)
        if "deadline" in force:  # placed by its deadline: publication is worked out backwards
            deadline = force["deadline"]
            bidding_opens = deadline - timedelta(days=period + 1)
            published = bidding_opens - timedelta(days=enquiry_days) if has_enquiry else bidding_opens
            published = dates.office_hours(rng, dates.local_date(published))
        created = published - timedelta(seconds=rng.randrange(86400, 14 * 86400))
        if created >= now:
            created = now - timedelta(seconds=rng.randrange(3600, 5 * 86400))
        year = dates.local_date(created).year
        if year not in dates.years:
            return "skipped"
        enquiry_until = later(published, rng, enquiry_days, enquiry_days) if has_enquiry else None
        if enquiry_until is not None and enquiry_until > now:
            enquiry_until = max(enquiry_until, later(now, rng, 7, 12))
        opens = enquiry_until or published
        deadline = dates.at(dates.local_date(opens) + timedelta(days=period + 1), 9.5)
        if deadline > now:
            deadline = max(deadline, dates.at(dates.local_date(now) + timedelta(days=rng.randint(14, 34)), 9.5))
        questions_close = deadline - timedelta(days=3)

        tid = self.w.id("tender")
        reference = f"ZS{buyer.region.code}-{year}-{tid:05d}"
        staff = buyer.staff["buyer"]
        officer = staff[0]
        regions = self._service_regions(buyer)
        title = self._title(buyer, regions, year, service[0])
        retender = None
        failed = self.failed[(buyer.id, code)]
        if failed and failed[0][1] < created and rng.random() < 0.5:
            retender = failed.pop(0)[0]
        t = story.add("tender", {
            "id": tid, "reference": reference, "buyer_id": buyer.id, "created_by_id": officer[0], "year": year,
            "item_code": code, "item_name": item_name, "title": title,
            "description": words.paragraph(rng, service, buyer.region.name, 60, 180),
            "budget": budget, "method": method,
            "method_justification": "该服务具有专业延续性，只能由原服务机构提供" if method == "single_source" else None,
            "term_months": term, "term_start": None,
            "term_justification": "服务需保持团队和服务对象关系的连续性" if term > 12 else None,
            "deliverables": words.deliverables(rng, service), "enquiry_until": enquiry_until,
            "questions_close_at": questions_close, "deadline_at": deadline, "status": "draft", "version": 1,
            "created_at": created, "published_at": None, "enquiry_at": None, "tendering_at": None,
            "evaluation_at": None, "awarded_at": None, "contracted_at": None, "cancelled_at": None,
            "unsuccessful_at": None, "cancel_reason": None, "unsuccessful_reason": None, "retender_of_id": retender,
            "demo_source": None, "blocked_notice_at": None})
        for region in regions:
            story.add("tender_region", {"id": self.w.id("tender_region"), "tender_id": tid, "region_id": region.id})
        criteria = []
        for position, (name, weight, text, is_price) in enumerate(CRITERIA[rng.random() < 0.7]):
            criteria.append(story.add("tender_criterion", {
                "id": self.w.id("tender_criterion"), "tender_id": tid, "position": position, "name": name,
                "weight": weight, "description": text, "is_price": is_price}))
        indicators = []
        for position, (kind, name, unit, lo, hi) in enumerate(rng.sample(item[8], rng.randint(1, len(item[8])))):
            indicators.append(story.add("tender_indicator", {
                "id": self.w.id("tender_indicator"), "tender_id": tid, "position": position, "kind": kind,
                "name": name, "comparison": ">=", "target": Decimal(rng.randint(lo, hi)), "unit": unit}))
        for codes, required in ((item[5], True), (item[6], False)):
            for condition in filter(None, codes.split(";")):
                story.add("tender_condition", {"id": self.w.id("tender_condition"), "tender_id": tid,
                                               "code": condition, "required": required, "inherited": True})
        ctx = Context(story, t, buyer, district, officer, method, criteria, indicators, regions, service, item)
        ctx.cancel_stage = force.get("cancel", rng.choices(
            (None, "draft", "enquiry", "tendering", "evaluation", "awarded"), (940, 15, 10, 25, 7, 3))[0])
        ctx.bid_count = force.get("bids")
        ctx.limit = dates.now
        state = self._run(ctx, created, published)
        self.states[state] += 1
        if state not in ("cancelled", "unsuccessful"):
            self.live_budget[(buyer.id, year, code)] += budget
        else:
            key = (buyer.id, year, code)
            self.largest_released[key] = max(self.largest_released[key], budget)
            if t["published_at"] is not None:  # a later tender of the buyer for the item may re-tender it
                self.failed[(buyer.id, code)].append((tid, t["cancelled_at"] or t["unsuccessful_at"]))
        self.needs.finish(story, ctx.needs)
        for table, row in story.rows:
            self.w.add(table, row)
        return state

    def _service_regions(self, buyer: Body) -> list:
        rng, region = self.rng, buyer.region
        if region.level == "street":
            if rng.random() < 0.2 or not region.children:
                return [region]
            return rng.sample(region.children, min(len(region.children), rng.randint(1, 3)))
        return rng.sample(region.children, min(len(region.children), rng.randint(1, 3)))

    def _title(self, buyer: Body, regions, year: int, service: str) -> str:
        rng, place = self.rng, buyer.region
        pattern = rng.randrange(4)
        if pattern == 0:
            return f"{place.name}{year}年{service}项目"
        if pattern == 1 and place.level == "street" and regions and regions[0].level == "community":
            return f"{place.name}{regions[0].name.removesuffix('居委会')}{service}项目"
        if pattern == 2:
            return f"{place.name}“{rng.choice(words.ORG_BRANDS)}{rng.choice(('行动', '计划', '工程'))}”{service}项目"
        return f"{place.district.name}{year}年度{service}采购项目（第{rng.randint(1, 4)}包）"

    # -- the story, cut at NOW -------------------------------------------------------------------------------

    def _run(self, c: "Context", created: datetime, published: datetime) -> str:
        rng, now, t = self.rng, self.dates.now, c.t
        if c.cancel_stage == "draft" or published > now:
            cancel_at = later(created, rng, 1, 20)
            if c.cancel_stage == "draft" and cancel_at <= now and cancel_at < published:
                return self._cancel(c, cancel_at, "draft")
            return "draft"
        t["published_at"] = published
        state = "enquiry" if t["enquiry_until"] else "tendering"
        t[f"{state}_at"] = published
        t["status"] = state
        action = "publish" if state == "enquiry" else "publish_for_bids"
        self.audit.record(published, f"tender.{action}", "tender", t["id"], c.officer,
                          {"from": "draft", "to": state, "budget": str(t["budget"]), "method": t["method"],
                           "deadline": t["deadline_at"].isoformat()})
        self.needs.plan_for_tender(c, published)
        if t["enquiry_until"]:
            if c.cancel_stage == "enquiry":
                at = later(published, rng, 0.5, 4)
                if at <= now:
                    return self._cancel(c, at, "enquiry")
            if t["enquiry_until"] > now:
                return "enquiry"
            t["status"], t["tendering_at"] = "tendering", t["enquiry_until"]
            self.audit.record(t["enquiry_until"], "tender.open_bidding", "tender", t["id"], None,
                              {"from": "enquiry", "to": "tendering"})
        opens, deadline = t["enquiry_until"] or published, t["deadline_at"]
        cancel_at = None
        if c.cancel_stage == "tendering":
            cancel_at = (opens + (deadline - opens) * rng.uniform(0.2, 0.9)).replace(microsecond=0)
            c.limit = min(cancel_at, now)
        self._questions(c, published, deadline)
        amendment = self._amendment(c, opens, deadline)
        bids = self._bids(c, opens, deadline, amendment)
        if cancel_at is not None and cancel_at <= now:
            return self._cancel(c, cancel_at, "tendering")
        if deadline > now:
            return "tendering"
        return self._open(c, bids, deadline)

    def _cancel(self, c: "Context", at: datetime, stage: str) -> str:
        t = c.t
        reason = self.rng.choice(words.CANCEL_REASONS)
        t.update(status="cancelled", cancelled_at=at, cancel_reason=reason)
        if stage != "draft":
            self.audit.record(at, "tender.cancel", "tender", t["id"], c.officer,
                              {"from": stage, "to": "cancelled", "reason": reason})
        self.needs.reopen_for_tender(c, at, f"已终止（{reason}）")
        return "cancelled"

    def _questions(self, c: "Context", published: datetime, deadline: datetime) -> None:
        rng, now = self.rng, c.limit
        if rng.random() >= 0.2:
            return
        askers = self.people.bidders(c.district, published, rng.randint(1, 2))
        for number, org in enumerate(askers, start=1):
            pseudonym = c.story.add("tender_pseudonym", {"id": self.w.id("tender_pseudonym"), "tender_id": c.t["id"],
                                                         "organization_id": org.id, "number": number})
            asked = later(published, rng, 0.2, max(0.3, (c.t["questions_close_at"] - published).days - 0.5))
            if asked > now:
                continue
            answered = min(later(asked, rng, 0.2, 2.5), deadline - timedelta(hours=1))
            n = rng.randrange(len(QUESTIONS))
            done = answered <= now
            c.story.add("tender_question", {
                "id": self.w.id("tender_question"), "tender_id": c.t["id"], "pseudonym_id": pseudonym["id"],
                "asked_by_id": org.manager[0], "text": QUESTIONS[n], "asked_at": asked,
                "answer": ANSWERS[n] if done else None, "answered_at": answered if done else None,
                "answered_by_id": c.officer[0] if done else None})
            self.audit.record(asked, "tender.question_asked", "tender", c.t["id"], org.manager, {"pseudonym": number})
            if done:
                self.audit.record(answered, "tender.question_answered", "tender", c.t["id"], c.officer, {})

    def _amendment(self, c: "Context", opens: datetime, deadline: datetime) -> datetime | None:
        rng, t = self.rng, c.t
        if rng.random() >= 0.08 or deadline - opens < timedelta(days=6):
            return None
        at = later(opens, rng, 0.5, (deadline - opens).days - 4)
        if at > c.limit:
            return None
        c.amended_at = at
        before = t["deliverables"]
        t["deliverables"] = before + "\n节假日服务不停止"
        t["version"] = 2
        c.story.add("tender_amendment", {
            "id": self.w.id("tender_amendment"), "tender_id": t["id"], "number": 1,
            "rationale": "根据社区反馈，补充节假日服务要求",
            "changes": json.dumps([{"field": "deliverables", "before": before, "after": t["deliverables"]}],
                                  ensure_ascii=False),
            "deadline_before": deadline, "deadline_after": deadline, "created_at": at, "created_by_id": c.officer[0]})
        self.audit.record(at, "tender.amended", "tender", t["id"], c.officer,
                          {"number": 1, "version": 2, "fields": ["deliverables"]})
        return at


@dataclass
class Context:
    """What the parts of one tender's story share."""

    story: Story
    t: dict
    buyer: Body
    district: object
    officer: tuple
    method: str
    criteria: list
    indicators: list
    regions: list
    service: tuple
    item: tuple
    cancel_stage: str | None = None
    bid_count: int | None = None
    key: bytes | None = None
    seal_key: dict | None = None
    amended_at: datetime | None = None
    limit: datetime | None = None  # where the story is cut: NOW, or an earlier cancellation
    plain: dict = field(default_factory=dict)
    orgs: dict = field(default_factory=dict)
    ranked: list = field(default_factory=list)
    needs: list = field(default_factory=list)

