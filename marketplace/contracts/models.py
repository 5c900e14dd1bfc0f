"""Contracts (购买服务合同): generated from the award, signed by both sides, with milestones, payment tranches
and the performance indicators the outcome reports are measured against."""

import enum
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.common.money import MoneyColumn
from marketplace.common.types import UTCDateTime, enum_column
from marketplace.extensions import db
from marketplace.organizations.models import Organization
from marketplace.regions.models import GovernmentBody
from marketplace.tenders.models import INDICATOR_CHECKS, IndicatorTarget, Tender


class ContractStatus(enum.Enum):
    awaiting_signatures = "awaiting_signatures"
    active = "active"          # both sides signed: delivery under way
    completed = "completed"    # terminated as complete (all milestones done)
    terminated = "terminated"  # ended early, incomplete, with a reason


CONTRACT_STATUS_LABELS = {
    ContractStatus.awaiting_signatures: _l("待签署"),
    ContractStatus.active: _l("履行中"),
    ContractStatus.completed: _l("已完成"),
    ContractStatus.terminated: _l("已终止"),
}


class ContractAction(enum.Enum):
    sign = "sign"              # the second signature makes it active
    complete = "complete"
    terminate = "terminate"


CONTRACT_TRANSITIONS = {
    (ContractStatus.awaiting_signatures, ContractAction.sign): ContractStatus.active,
    (ContractStatus.active, ContractAction.complete): ContractStatus.completed,
    (ContractStatus.active, ContractAction.terminate): ContractStatus.terminated,
    (ContractStatus.awaiting_signatures, ContractAction.terminate): ContractStatus.terminated,
}


class Contract(db.Model):
    __tablename__ = "contract"
    __table_args__ = (
        CheckConstraint("value > 0", name="value_positive"),
        CheckConstraint("term_months BETWEEN 1 AND 36", name="term_range"),
        CheckConstraint("term_months <= 12 OR term_justification IS NOT NULL", name="long_term_justified"),
        CheckConstraint("starts_on <= ends_on", name="term_order"),
        CheckConstraint("status != 'terminated' OR termination_reason IS NOT NULL", name="termination_reasoned"),
        CheckConstraint("status != 'active' OR (buyer_signed_at IS NOT NULL AND organization_signed_at IS NOT NULL)",
                        name="active_means_signed"),
        CheckConstraint("version >= 1", name="version_positive"),
        # The public project list's three orders (projects.queries.SORTS), each ending with the id: a page is read
        # by walking one of these from either end instead of sorting every project.
        Index("ix_contract_created_at_id", "created_at", "id"),
        Index("ix_contract_value_id", "value", "id"),
        Index("ix_contract_ends_on_id", "ends_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), unique=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id"), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("government_body.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    value: Mapped[Decimal] = mapped_column(MoneyColumn)
    term_months: Mapped[int] = mapped_column(Integer)
    term_justification: Mapped[str | None] = mapped_column(Text)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    service_area: Mapped[str] = mapped_column(Text)        # the tender's streets/communities, by name
    deliverables: Mapped[str] = mapped_column(Text)
    proposal_summary: Mapped[str] = mapped_column(Text, default="")  # from the winning bid's proposals
    status: Mapped[ContractStatus] = mapped_column(enum_column(ContractStatus, length=24),
                                                   default=ContractStatus.awaiting_signatures, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sign_by: Mapped[date] = mapped_column(Date)  # within 30 days (setting) of the award
    sign_warning_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    buyer_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    buyer_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    organization_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    organization_signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    terminated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    termination_reason: Mapped[str | None] = mapped_column(String(1000))

    tender: Mapped[Tender] = relationship()
    buyer: Mapped[GovernmentBody] = relationship()
    organization: Mapped[Organization] = relationship()
    milestones: Mapped[list["Milestone"]] = relationship(back_populates="contract", order_by="Milestone.position",
                                                         cascade="all, delete-orphan")
    indicators: Mapped[list["ContractIndicator"]] = relationship(back_populates="contract",
                                                                 order_by="ContractIndicator.position",
                                                                 cascade="all, delete-orphan")
    amendments: Mapped[list["ContractAmendment"]] = relationship(back_populates="contract",
                                                                 order_by="ContractAmendment.number",
                                                                 cascade="all, delete-orphan")


class MilestoneKind(enum.Enum):
    start = "start"
    midterm = "midterm"
    final = "final"


MILESTONE_KIND_LABELS = {MilestoneKind.start: _l("启动"), MilestoneKind.midterm: _l("中期"),
                         MilestoneKind.final: _l("结项")}


class Milestone(db.Model):
    """A stage with its report due date and payment tranche; the tranche is payable once its evaluation
    passed (`evaluation_passed_at`), which the outcomes domain records."""

    __tablename__ = "contract_milestone"
    __table_args__ = (
        UniqueConstraint("contract_id", "position"),
        CheckConstraint("tranche_percent BETWEEN 0 AND 100", name="tranche_range"),
        CheckConstraint("report_due_on >= due_on", name="report_after_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[MilestoneKind] = mapped_column(enum_column(MilestoneKind))
    due_on: Mapped[date] = mapped_column(Date)
    report_due_on: Mapped[date] = mapped_column(Date, index=True)
    tranche_percent: Mapped[int] = mapped_column(Integer)
    tranche_amount: Mapped[Decimal] = mapped_column(MoneyColumn)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evaluation_passed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contract: Mapped[Contract] = relationship(back_populates="milestones")

    @property
    def label(self) -> str:
        """启动 / 中期 / 结项, with the mid-term stages numbered when the setting gives more than one."""
        base = str(MILESTONE_KIND_LABELS[self.kind])
        several = self.kind == MilestoneKind.midterm and len(self.contract.milestones) > 3
        return f"{base} {self.position}" if several else base

    @property
    def payable(self) -> bool:
        """Its evaluation passed, on a contract both sides signed (payments ask only this)."""
        return (self.evaluation_passed_at is not None and self.tranche_amount > 0
                and self.contract.active_at is not None)


class ScoringRule(enum.Enum):
    linear = "linear"        # points in proportion to the target (capped at full marks)
    pass_fail = "pass_fail"  # full marks when the target is met, none otherwise


SCORING_RULE_LABELS = {ScoringRule.linear: _l("按完成比例计分"), ScoringRule.pass_fail: _l("达标得分，不达标不得分")}


class ContractIndicator(IndicatorTarget, db.Model):
    """An indicator of the contract, copied from the tender, with its weight and scoring rule."""

    __tablename__ = "contract_indicator"
    __table_args__ = (CheckConstraint("weight BETWEEN 0 AND 100", name="weight_range"),
                      *(CheckConstraint(sql, name=name) for sql, name in INDICATOR_CHECKS))

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    weight: Mapped[int] = mapped_column(Integer)
    rule: Mapped[ScoringRule] = mapped_column(enum_column(ScoringRule), default=ScoringRule.linear)

    contract: Mapped[Contract] = relationship(back_populates="indicators")


class ContractAmendment(db.Model):
    __tablename__ = "contract_amendment"
    __table_args__ = (UniqueConstraint("contract_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    rationale: Mapped[str] = mapped_column(Text)
    changes: Mapped[str] = mapped_column(Text)  # JSON list of {field, before, after}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    contract: Mapped[Contract] = relationship(back_populates="amendments")
