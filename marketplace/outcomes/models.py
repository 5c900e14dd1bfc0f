"""Outcomes (绩效): the organization's report per milestone, the buyer's review, and the milestone's evaluation
with residents' ratings (final = w·R + (1−w)·G)."""

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.common.types import UTCDateTime, enum_column
from marketplace.contracts.models import Contract, ContractIndicator, Milestone
from marketplace.extensions import db

Score = Numeric(5, 2, asdecimal=True)  # 0.00 … 100.00


class ReportStatus(enum.Enum):
    draft = "draft"
    submitted = "submitted"
    returned = "returned"        # the buyer sent it back with comments
    resubmitted = "resubmitted"
    accepted = "accepted"


REPORT_STATUS_LABELS = {
    ReportStatus.draft: _l("草稿"),
    ReportStatus.submitted: _l("已提交，待审核"),
    ReportStatus.returned: _l("已退回修改"),
    ReportStatus.resubmitted: _l("已重新提交，待审核"),
    ReportStatus.accepted: _l("已通过"),
}
EDITABLE_REPORT_STATES = {ReportStatus.draft, ReportStatus.returned}
AWAITING_REVIEW = {ReportStatus.submitted, ReportStatus.resubmitted}


class ReportAction(enum.Enum):
    submit = "submit"
    resubmit = "resubmit"
    accept = "accept"
    return_ = "return"


REPORT_TRANSITIONS = {
    (ReportStatus.draft, ReportAction.submit): ReportStatus.submitted,
    (ReportStatus.submitted, ReportAction.accept): ReportStatus.accepted,
    (ReportStatus.submitted, ReportAction.return_): ReportStatus.returned,
    (ReportStatus.returned, ReportAction.resubmit): ReportStatus.resubmitted,
    (ReportStatus.resubmitted, ReportAction.accept): ReportStatus.accepted,
    (ReportStatus.resubmitted, ReportAction.return_): ReportStatus.returned,
}


class BeneficiaryGroup(enum.Enum):
    elderly = "elderly"
    youth = "youth"
    disabled = "disabled"
    hardship = "hardship"
    other = "other"


BENEFICIARY_GROUP_LABELS = {
    BeneficiaryGroup.elderly: _l("老年人"),
    BeneficiaryGroup.youth: _l("儿童青少年"),
    BeneficiaryGroup.disabled: _l("残疾人"),
    BeneficiaryGroup.hardship: _l("困难群众"),
    BeneficiaryGroup.other: _l("其他"),
}


class EvidenceKind(enum.Enum):
    photo = "photo"
    sign_in_sheet = "sign_in_sheet"
    other = "other"


EVIDENCE_KIND_LABELS = {EvidenceKind.photo: _l("活动照片"), EvidenceKind.sign_in_sheet: _l("签到表"),
                        EvidenceKind.other: _l("其他材料")}


class OutcomeReport(db.Model):
    """One report per milestone. The rows hanging off it are the working copy the organization edits while the
    report is a draft or returned; every submission freezes them into a `ReportVersion`."""

    __tablename__ = "outcome_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("contract_milestone.id", ondelete="CASCADE"), unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    status: Mapped[ReportStatus] = mapped_column(enum_column(ReportStatus), default=ReportStatus.draft, index=True)
    narrative: Mapped[str] = mapped_column(Text, default="")
    # Late is decided by the first submission: that is what the track record's on-time rate counts.
    late: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resubmitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    milestone: Mapped[Milestone] = relationship()
    contract: Mapped[Contract] = relationship()
    actuals: Mapped[list["ReportActual"]] = relationship(back_populates="report", cascade="all, delete-orphan")
    beneficiaries: Mapped[list["BeneficiaryCount"]] = relationship(back_populates="report",
                                                                   cascade="all, delete-orphan")
    activities: Mapped[list["ReportActivity"]] = relationship(back_populates="report",
                                                              order_by="ReportActivity.held_on",
                                                              cascade="all, delete-orphan")
    evidence: Mapped[list["ReportEvidence"]] = relationship(back_populates="report", order_by="ReportEvidence.id",
                                                            cascade="all, delete-orphan")
    versions: Mapped[list["ReportVersion"]] = relationship(back_populates="report", order_by="ReportVersion.number",
                                                           cascade="all, delete-orphan")

    @property
    def editable(self) -> bool:
        return self.status in EDITABLE_REPORT_STATES


class ReportActual(db.Model):
    __tablename__ = "outcome_report_actual"
    __table_args__ = (UniqueConstraint("report_id", "indicator_id"),
                      CheckConstraint("actual >= 0", name="actual_non_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("outcome_report.id", ondelete="CASCADE"), index=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("contract_indicator.id", ondelete="CASCADE"))
    actual: Mapped[Decimal] = mapped_column(Numeric(14, 2))

    report: Mapped[OutcomeReport] = relationship(back_populates="actuals")
    indicator: Mapped[ContractIndicator] = relationship()


class BeneficiaryCount(db.Model):
    """Aggregates only: how many people of a group were served. Never names (PIPL: collect the minimum)."""

    __tablename__ = "outcome_beneficiary_count"
    __table_args__ = (UniqueConstraint("report_id", "group"),
                      CheckConstraint("people >= 0", name="people_non_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("outcome_report.id", ondelete="CASCADE"), index=True)
    group: Mapped[BeneficiaryGroup] = mapped_column(enum_column(BeneficiaryGroup))
    people: Mapped[int] = mapped_column(Integer)

    report: Mapped[OutcomeReport] = relationship(back_populates="beneficiaries")


class ReportActivity(db.Model):
    __tablename__ = "outcome_report_activity"
    __table_args__ = (CheckConstraint("participants >= 0", name="participants_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("outcome_report.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    participants: Mapped[int] = mapped_column(Integer, default=0)

    report: Mapped[OutcomeReport] = relationship(back_populates="activities")


class ReportEvidence(db.Model):
    """A photo or sign-in sheet, stored by `common.files` under its SHA-256, which is kept here and published."""

    __tablename__ = "outcome_report_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("outcome_report.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EvidenceKind] = mapped_column(enum_column(EvidenceKind, length=20))
    original_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)

    report: Mapped[OutcomeReport] = relationship(back_populates="evidence")


class ReviewDecision(enum.Enum):
    accepted = "accepted"
    returned = "returned"


class ReportVersion(db.Model):
    """A submission as it was sent (JSON of the working copy), with the buyer's decision on it. Never changed
    after the decision; both sides see the whole history."""

    __tablename__ = "outcome_report_version"
    __table_args__ = (
        UniqueConstraint("report_id", "number"),
        CheckConstraint("decision IS NULL OR reviewed_at IS NOT NULL", name="decision_dated"),
        CheckConstraint("decision IS NULL OR decision != 'returned' OR review_comments IS NOT NULL",
                        name="return_has_comments"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("outcome_report.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    late: Mapped[bool] = mapped_column(Boolean)
    decision: Mapped[ReviewDecision | None] = mapped_column(enum_column(ReviewDecision))
    review_comments: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    report: Mapped[OutcomeReport] = relationship(back_populates="versions")


class EvaluationStatus(enum.Enum):
    rating = "rating"  # residents may rate until rating_ends_at
    passed = "passed"
    failed = "failed"


EVALUATION_STATUS_LABELS = {EvaluationStatus.rating: _l("居民评价中"), EvaluationStatus.passed: _l("评价合格"),
                            EvaluationStatus.failed: _l("评价不合格")}


class EvaluationAction(enum.Enum):
    passes = "pass"
    fails = "fail"


EVALUATION_TRANSITIONS = {
    (EvaluationStatus.rating, EvaluationAction.passes): EvaluationStatus.passed,
    (EvaluationStatus.rating, EvaluationAction.fails): EvaluationStatus.failed,
}


class Evaluation(db.Model):
    """A milestone's evaluation, opened when its report is accepted. The indicator score I is computed then;
    reviewers (the buyer, invited experts and third-party evaluators) add marks while the residents rate.
    At closing G = (1 − m)·I + m·mean(marks), and m, G, R, w, the quorum and the final score are frozen."""

    __tablename__ = "outcome_evaluation"
    __table_args__ = (
        CheckConstraint("computed_g BETWEEN 0 AND 100", name="computed_g_range"),
        CheckConstraint("status = 'rating' OR (final_score IS NOT NULL AND resident_weight >= 0.70 "
                        "AND government_score IS NOT NULL AND closed_at IS NOT NULL)", name="closed_is_scored"),
        CheckConstraint("rating_opened_at < rating_ends_at", name="window_order"),
        CheckConstraint("extensions >= 0", name="extensions_counted"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("contract_milestone.id", ondelete="CASCADE"), unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    status: Mapped[EvaluationStatus] = mapped_column(enum_column(EvaluationStatus),
                                                     default=EvaluationStatus.rating, index=True)
    rating_opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rating_ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # How many times the window was lengthened because too few residents had rated.
    extensions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    computed_g: Mapped[Decimal] = mapped_column(Score)  # I: from the indicators and the accepted report
    # Frozen at closing, so the published numbers never move when a setting changes later.
    reviewer_weight: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    reviewer_score: Mapped[Decimal | None] = mapped_column(Score)
    reviewer_count: Mapped[int | None] = mapped_column(Integer)
    government_score: Mapped[Decimal | None] = mapped_column(Score)
    resident_weight: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    quorum: Mapped[int | None] = mapped_column(Integer)
    pass_score: Mapped[Decimal | None] = mapped_column(Score)
    rating_count: Mapped[int | None] = mapped_column(Integer)
    resident_score: Mapped[Decimal | None] = mapped_column(Score)
    final_score: Mapped[Decimal | None] = mapped_column(Score)
    provisional: Mapped[bool | None] = mapped_column(Boolean)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    milestone: Mapped[Milestone] = relationship()
    contract: Mapped[Contract] = relationship()
    ratings: Mapped[list["Rating"]] = relationship(back_populates="evaluation", order_by="Rating.id")
    marks: Mapped[list["ReviewerMark"]] = relationship(back_populates="evaluation", order_by="ReviewerMark.id")

    @property
    def closed(self) -> bool:
        return self.status != EvaluationStatus.rating


class ReviewerKind(enum.Enum):
    buyer = "buyer"              # the buyer's own officer
    expert = "expert"            # an expert from the evaluator pool (评审专家)
    third_party = "third_party"  # a third-party evaluation agency (第三方评估机构)


REVIEWER_KIND_LABELS = {ReviewerKind.buyer: _l("采购人"), ReviewerKind.expert: _l("评审专家"),
                        ReviewerKind.third_party: _l("第三方评估机构")}


class ReviewerMark(db.Model):
    """A reviewer's mark on one milestone: invited (score empty), then marked with a published reasoning and a
    declaration of no conflict of interest. Marks can be revised until the evaluation closes; the audit log
    keeps every version."""

    __tablename__ = "outcome_reviewer_mark"
    __table_args__ = (
        UniqueConstraint("evaluation_id", "reviewer_id"),
        CheckConstraint("score IS NULL OR score BETWEEN 0 AND 100", name="score_range"),
        CheckConstraint("score IS NULL OR (comment IS NOT NULL AND marked_at IS NOT NULL "
                        "AND no_conflict_at IS NOT NULL)", name="mark_complete"),
        # One mark speaks for the buyer, whichever of its officers gives it.
        Index("uq_outcome_reviewer_mark_one_buyer", "evaluation_id", unique=True,
              sqlite_where=text("kind = 'buyer'"), postgresql_where=text("kind = 'buyer'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("outcome_evaluation.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[ReviewerKind] = mapped_column(enum_column(ReviewerKind, length=20))
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[Decimal | None] = mapped_column(Score)
    comment: Mapped[str | None] = mapped_column(Text)
    no_conflict_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    evaluation: Mapped[Evaluation] = relationship(back_populates="marks")
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])


class Pseudonym(db.Model):
    """The number a resident rates under on one contract ("居民 7"): stable for that contract, unrelated across
    contracts, and the only thing pages ever show."""

    __tablename__ = "outcome_pseudonym"
    __table_args__ = (UniqueConstraint("contract_id", "user_id"), UniqueConstraint("contract_id", "number"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    number: Mapped[int] = mapped_column(Integer)


class Rating(db.Model):
    """One rating per resident per milestone (the database enforces it)."""

    __tablename__ = "outcome_rating"
    __table_args__ = (
        UniqueConstraint("milestone_id", "user_id"),
        CheckConstraint("stars BETWEEN 1 AND 5", name="stars_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("outcome_evaluation.id", ondelete="CASCADE"), index=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("contract_milestone.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    pseudonym_id: Mapped[int] = mapped_column(ForeignKey("outcome_pseudonym.id"))
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    evaluation: Mapped[Evaluation] = relationship(back_populates="ratings")
    pseudonym: Mapped[Pseudonym] = relationship()
    user: Mapped[User] = relationship()

    @property
    def score(self) -> int:
        return (self.stars - 1) * 25
