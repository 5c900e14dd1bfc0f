"""Tenders (采购项目): what a buyer buys from its catalog, how, on what timetable, and what was asked and changed."""

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.common.money import MoneyColumn
from marketplace.common.types import UTCDateTime, enum_column
from marketplace.extensions import db
from marketplace.regions.models import GovernmentBody, Region


class Method(enum.Enum):
    open = "open"                      # 公开招标
    invited = "invited"                # 邀请招标
    consultation = "consultation"      # 竞争性磋商
    negotiation = "negotiation"        # 竞争性谈判
    inquiry = "inquiry"                # 询价
    single_source = "single_source"    # 单一来源


METHOD_LABELS = {
    Method.open: _l("公开招标"),
    Method.invited: _l("邀请招标"),
    Method.consultation: _l("竞争性磋商"),
    Method.negotiation: _l("竞争性谈判"),
    Method.inquiry: _l("询价"),
    Method.single_source: _l("单一来源"),
}


class TenderStatus(enum.Enum):
    draft = "draft"
    enquiry = "enquiry"            # 需求征询: published for comment, bids not yet accepted
    tendering = "tendering"        # accepting bids until the deadline
    evaluation = "evaluation"
    awarded = "awarded"            # 公示 standstill
    contracted = "contracted"
    cancelled = "cancelled"
    unsuccessful = "unsuccessful"


TENDER_STATUS_LABELS = {
    TenderStatus.draft: _l("草稿"),
    TenderStatus.enquiry: _l("需求征询"),
    TenderStatus.tendering: _l("招标中"),
    TenderStatus.evaluation: _l("评审中"),
    TenderStatus.awarded: _l("已成交（公示）"),
    TenderStatus.contracted: _l("已签约"),
    TenderStatus.cancelled: _l("已终止"),
    TenderStatus.unsuccessful: _l("废标"),
}
PUBLIC_STATES = set(TenderStatus) - {TenderStatus.draft}
FINAL_STATES = {TenderStatus.contracted, TenderStatus.cancelled, TenderStatus.unsuccessful}


class TenderAction(enum.Enum):
    publish = "publish"                  # draft → enquiry (with an enquiry period) …
    publish_for_bids = "publish_for_bids"  # … or draft → tendering
    open_bidding = "open_bidding"        # enquiry period over (time)
    close_bidding = "close_bidding"      # deadline passed and every question answered (time)
    award = "award"
    fail = "fail"                        # too few valid bids
    contract = "contract"
    cancel = "cancel"


TENDER_TRANSITIONS = {
    (TenderStatus.draft, TenderAction.publish): TenderStatus.enquiry,
    (TenderStatus.draft, TenderAction.publish_for_bids): TenderStatus.tendering,
    (TenderStatus.enquiry, TenderAction.open_bidding): TenderStatus.tendering,
    (TenderStatus.tendering, TenderAction.close_bidding): TenderStatus.evaluation,
    (TenderStatus.evaluation, TenderAction.award): TenderStatus.awarded,
    (TenderStatus.evaluation, TenderAction.fail): TenderStatus.unsuccessful,
    (TenderStatus.awarded, TenderAction.contract): TenderStatus.contracted,
    # An upheld challenge cancelled the award and no ranked valid bid is left to take its place.
    (TenderStatus.awarded, TenderAction.fail): TenderStatus.unsuccessful,
    **{(state, TenderAction.cancel): TenderStatus.cancelled
       for state in (TenderStatus.draft, TenderStatus.enquiry, TenderStatus.tendering, TenderStatus.evaluation,
                     TenderStatus.awarded)},
}


class Tender(db.Model):
    __tablename__ = "tender"
    __table_args__ = (
        CheckConstraint("budget > 0", name="budget_positive"),
        CheckConstraint("term_months BETWEEN 1 AND 36", name="term_range"),
        CheckConstraint("term_months <= 12 OR term_justification IS NOT NULL", name="long_term_justified"),
        CheckConstraint("method != 'single_source' OR method_justification IS NOT NULL",
                        name="single_source_justified"),
        CheckConstraint("status != 'cancelled' OR cancel_reason IS NOT NULL", name="cancel_has_reason"),
        CheckConstraint("status != 'unsuccessful' OR unsuccessful_reason IS NOT NULL",
                        name="unsuccessful_has_reason"),
        CheckConstraint("questions_close_at IS NULL OR deadline_at IS NULL OR questions_close_at <= deadline_at",
                        name="questions_close_before_deadline"),
        CheckConstraint("enquiry_until IS NULL OR deadline_at IS NULL OR enquiry_until < deadline_at",
                        name="enquiry_before_deadline"),
        CheckConstraint("version >= 1", name="version_positive"),
        # The public feeds and the API list tenders newest first: an index walk, not a sort of every tender.
        Index("ix_tender_published_at_id", "published_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("government_body.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    year: Mapped[int] = mapped_column(Integer, index=True)
    item_code: Mapped[str] = mapped_column(String(16), index=True)
    item_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    budget: Mapped[Decimal] = mapped_column(MoneyColumn)
    method: Mapped[Method] = mapped_column(enum_column(Method, length=20))
    method_justification: Mapped[str | None] = mapped_column(Text)
    term_months: Mapped[int] = mapped_column(Integer, default=12)
    term_start: Mapped[date | None] = mapped_column(Date)
    term_justification: Mapped[str | None] = mapped_column(Text)
    deliverables: Mapped[str] = mapped_column(Text, default="")

    enquiry_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    questions_close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    status: Mapped[TenderStatus] = mapped_column(enum_column(TenderStatus), default=TenderStatus.draft, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enquiry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tendering_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evaluation_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    awarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsuccessful_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(String(1000))
    unsuccessful_reason: Mapped[str | None] = mapped_column(String(1000))
    # A re-tender (after 废标 or cancellation) points to the tender it repeats.
    retender_of_id: Mapped[int | None] = mapped_column(ForeignKey("tender.id"))
    # Which real procurement a demo tender was modelled on (tender_examples.csv id and URL); empty for real ones.
    demo_source: Mapped[str | None] = mapped_column(String(500))
    # Set when the deadline passed with questions unanswered and the buyer has been told.
    blocked_notice_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    buyer: Mapped[GovernmentBody] = relationship()
    created_by: Mapped[User | None] = relationship()
    regions: Mapped[list["TenderRegion"]] = relationship(back_populates="tender", cascade="all, delete-orphan")
    indicators: Mapped[list["Indicator"]] = relationship(back_populates="tender", order_by="Indicator.position",
                                                         cascade="all, delete-orphan")
    conditions: Mapped[list["TenderCondition"]] = relationship(back_populates="tender",
                                                               order_by="TenderCondition.code",
                                                               cascade="all, delete-orphan")
    criteria: Mapped[list["Criterion"]] = relationship(back_populates="tender", order_by="Criterion.position",
                                                       cascade="all, delete-orphan")
    documents: Mapped[list["TenderDocument"]] = relationship(back_populates="tender",
                                                             order_by="TenderDocument.id",
                                                             cascade="all, delete-orphan")
    questions: Mapped[list["Question"]] = relationship(back_populates="tender", order_by="Question.id",
                                                       cascade="all, delete-orphan")
    amendments: Mapped[list["Amendment"]] = relationship(back_populates="tender", order_by="Amendment.number",
                                                         cascade="all, delete-orphan")

    def eligibility_conditions(self) -> list:
        """(code, QualificationCondition | None, required) for the eligibility engine of organizations."""
        from marketplace.catalog import services as catalog

        known = catalog.References.applicable_to(self.buyer, self.year).conditions
        return [(c.code, known.get(c.code), c.required) for c in sorted(self.conditions,
                                                                          key=lambda c: (not c.required, c.code))]

    def __repr__(self) -> str:
        return f"<Tender {self.reference} {self.status.value}>"


class TenderRegion(db.Model):
    """Where the service is delivered: streets or communities (or the whole area of the buyer)."""

    __tablename__ = "tender_region"
    __table_args__ = (UniqueConstraint("tender_id", "region_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)

    tender: Mapped[Tender] = relationship(back_populates="regions")
    region: Mapped[Region] = relationship()


class IndicatorKind(enum.Enum):
    output_quantity = "output_quantity"
    output_quality = "output_quality"
    output_timeliness = "output_timeliness"
    output_cost = "output_cost"
    benefit_social = "benefit_social"
    benefit_lasting = "benefit_lasting"
    satisfaction = "satisfaction"


INDICATOR_KIND_LABELS = {
    IndicatorKind.output_quantity: _l("产出·数量"),
    IndicatorKind.output_quality: _l("产出·质量"),
    IndicatorKind.output_timeliness: _l("产出·时效"),
    IndicatorKind.output_cost: _l("产出·成本"),
    IndicatorKind.benefit_social: _l("效益·社会效益"),
    IndicatorKind.benefit_lasting: _l("效益·可持续影响"),
    IndicatorKind.satisfaction: _l("满意度"),
}
COMPARISONS = {">=": "≥", "<=": "≤", "=": "="}


INDICATOR_CHECKS = ("target >= 0", "target_non_negative"), ("comparison IN ('>=', '<=', '=')", "comparison_known")


class IndicatorTarget:
    """What an indicator states — kind, name, comparison, target, unit — for the tender's indicators and the
    contract's copies of them alike (each table adds INDICATOR_CHECKS to its own constraints)."""

    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[IndicatorKind] = mapped_column(enum_column(IndicatorKind, length=24))
    name: Mapped[str] = mapped_column(String(200))
    comparison: Mapped[str] = mapped_column(String(2), default=">=")
    target: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    unit: Mapped[str] = mapped_column(String(20))

    @property
    def text(self) -> str:
        return f"{self.name} {COMPARISONS[self.comparison]} {self.target.normalize():f} {self.unit}"


class Indicator(IndicatorTarget, db.Model):
    """A performance indicator (绩效指标) with its target: "大型社区活动 ≥ 7 场"."""

    __tablename__ = "tender_indicator"
    __table_args__ = tuple(CheckConstraint(sql, name=name) for sql, name in INDICATOR_CHECKS)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)

    tender: Mapped[Tender] = relationship(back_populates="indicators")


class TenderCondition(db.Model):
    """A qualification condition (资质目录 code) a bidder must (required) or should (preferred) meet."""

    __tablename__ = "tender_condition"
    __table_args__ = (UniqueConstraint("tender_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    required: Mapped[bool] = mapped_column(default=True)
    inherited: Mapped[bool] = mapped_column(default=False)  # from the catalog item, not added by the buyer

    tender: Mapped[Tender] = relationship(back_populates="conditions")


class Criterion(db.Model):
    """One line of the scoring template (综合评分法)."""

    __tablename__ = "tender_criterion"
    __table_args__ = (CheckConstraint("weight BETWEEN 1 AND 100", name="weight_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    weight: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    is_price: Mapped[bool] = mapped_column(default=False)

    tender: Mapped[Tender] = relationship(back_populates="criteria")


class TenderDocument(db.Model):
    __tablename__ = "tender_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    original_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Documents added while tendering arrive by amendment; which one says so publicly.
    amendment_number: Mapped[int | None] = mapped_column(Integer)

    tender: Mapped[Tender] = relationship(back_populates="documents")


class Pseudonym(db.Model):
    """How an organization appears in one tender's Q&A: "提问方 3". The link to the organization never leaves
    the server: pages for the buyer and the public show the label only."""

    __tablename__ = "tender_pseudonym"
    __table_args__ = (UniqueConstraint("tender_id", "organization_id"), UniqueConstraint("tender_id", "number"))

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)


class Question(db.Model):
    __tablename__ = "tender_question"
    __table_args__ = (
        CheckConstraint("(answer IS NULL) = (answered_at IS NULL)", name="answered_iff_answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    pseudonym_id: Mapped[int] = mapped_column(ForeignKey("tender_pseudonym.id"))
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    text: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    tender: Mapped[Tender] = relationship(back_populates="questions")
    pseudonym: Mapped[Pseudonym] = relationship()


class Amendment(db.Model):
    """A change made while the tender was public: the rationale and each field's before and after."""

    __tablename__ = "tender_amendment"
    __table_args__ = (UniqueConstraint("tender_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    rationale: Mapped[str] = mapped_column(Text)
    changes: Mapped[str] = mapped_column(Text)  # JSON list of {field, label, before, after}
    deadline_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    tender: Mapped[Tender] = relationship(back_populates="amendments")

