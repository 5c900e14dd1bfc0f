"""Outcome reports: the organization's draft, its submissions (each kept as a version), the buyer's review.

Accepting a report opens the milestone's evaluation (`evaluations.py`). Services flush, never commit; every
state change writes its audit row in the caller's transaction.
"""

import json
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.audit import services as audit
from marketplace.common import clock, files
from marketplace.common.locks import lock
from marketplace.common.money import CENT
from marketplace.common.states import transition
from marketplace.common.wording import join_items
from marketplace.contracts.models import Contract, Milestone
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db
from marketplace.follows import services as follows
from marketplace.notifications import services as notifications
from marketplace.organizations.models import Membership
from marketplace.organizations.services import membership_of
from marketplace.tenders.services import buyer_staff
from marketplace.web import external_url

from . import evaluations, policies
from .evaluations import public_context  # noqa: F401 (the public contract page asks here)
from .models import (
    BENEFICIARY_GROUP_LABELS,
    REPORT_TRANSITIONS,
    BeneficiaryCount,
    BeneficiaryGroup,
    EvidenceKind,
    OutcomeReport,
    ReportAction,
    ReportActivity,
    ReportActual,
    ReportEvidence,
    ReportStatus,
    ReportVersion,
    ReviewDecision,
)

MAX_EVIDENCE_FILES = 20


def get_milestone(milestone_id: int) -> Milestone | None:
    return db.session.get(Milestone, milestone_id)


def report_of(milestone: Milestone) -> OutcomeReport | None:
    return db.session.execute(select(OutcomeReport).where(OutcomeReport.milestone_id == milestone.id)
                              ).scalar_one_or_none()


def is_late(milestone: Milestone, at: datetime) -> bool:
    """Late when sent after the report due date, counted in Beijing dates (the due day itself is on time)."""
    return clock.to_local(at).date() > milestone.report_due_on


def _check_writer(milestone: Milestone, report: OutcomeReport | None, by) -> None:
    if not policies.can_write_report(by, milestone.contract, membership_of(by), report):
        raise NotPermitted(_("只有承接机构可以在报告为草稿或被退回时填写"))
    if not policies.milestone_reportable(milestone):
        raise NotPermitted(_("合同未生效或已在本节点前终止，无需提交本节点报告"))


def save_draft(milestone: Milestone, values: dict, uploads: list[tuple[EvidenceKind, str, bytes]] = (), *,
               by) -> OutcomeReport:
    """Replace the working copy: actuals per indicator, beneficiaries by group (counts only), activities,
    narrative; evidence files are added (stored once by SHA-256) and never silently dropped."""
    report = report_of(milestone)
    _check_writer(milestone, report, by)
    now = clock.now()
    if report is None:
        report = OutcomeReport(milestone=milestone, contract_id=milestone.contract_id, status=ReportStatus.draft,
                               narrative="", created_at=now, updated_at=now)
        db.session.add(report)
    known = {i.id for i in milestone.contract.indicators}
    # Deletes first: the unit of work would insert the new rows before deleting the old, against the unique keys.
    report.actuals.clear()
    report.beneficiaries.clear()
    db.session.flush()
    report.actuals = [ReportActual(indicator_id=iid, actual=_non_negative(value, f"actual_{iid}"))
                      for iid, value in values.get("actuals", {}).items() if iid in known and value is not None]
    report.beneficiaries = [BeneficiaryCount(group=BeneficiaryGroup(group), people=_people(n, f"people_{group}"))
                            for group, n in values.get("beneficiaries", {}).items() if n]
    report.activities = [ReportActivity(held_on=a["held_on"], title=a["title"].strip()[:200],
                                        participants=_people(a.get("participants") or 0, "activities"))
                         for a in values.get("activities", [])]
    report.narrative = (values.get("narrative") or "").strip()
    if len(report.evidence) + len(uploads) > MAX_EVIDENCE_FILES:
        raise DomainError(_("佐证材料最多 %(n)d 个文件", n=MAX_EVIDENCE_FILES), field="evidence")
    known = {e.sha256 for e in report.evidence}
    for kind, name, content in uploads:
        stored = files.store(name, content, field="evidence")
        if stored.sha256 in known:  # the same file chosen twice (or kept and chosen again) is one piece of evidence
            continue
        known.add(stored.sha256)
        report.evidence.append(ReportEvidence(kind=kind, original_name=stored.name, sha256=stored.sha256,
                                              content_type=stored.content_type, size=stored.size, added_at=now))
    report.updated_at = now
    db.session.flush()
    audit.record(by, "outcome_report.saved", report, at=now,
                 data={"milestone": milestone.id, "evidence": [e.sha256 for e in report.evidence]})
    return report


def _non_negative(value, field: str) -> Decimal:
    value = Decimal(value)
    if not value.is_finite() or value < 0 or value >= Decimal("1e12"):
        raise DomainError(_("请填写不小于 0 的数值"), field=field)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _people(value, field: str) -> int:
    if int(value) < 0 or int(value) > 10_000_000:
        raise DomainError(_("人数须为 0 或正整数"), field=field)
    return int(value)


def content_of(report: OutcomeReport) -> dict:
    """The working copy as the JSON a version keeps: Decimals as strings, dates ISO, evidence by hash."""
    names = {i.id: i for i in report.contract.indicators}
    return {
        "actuals": [{"indicator_id": a.indicator_id, "name": names[a.indicator_id].name, "actual": str(a.actual),
                     "target": str(names[a.indicator_id].target), "comparison": names[a.indicator_id].comparison,
                     "unit": names[a.indicator_id].unit}
                    for a in sorted(report.actuals, key=lambda a: names[a.indicator_id].position)],
        "beneficiaries": {b.group.value: b.people for b in sorted(report.beneficiaries, key=lambda b: b.group.value)},
        "activities": [{"held_on": a.held_on.isoformat(), "title": a.title, "participants": a.participants}
                       for a in report.activities],
        "narrative": report.narrative,
        "evidence": [{"kind": e.kind.value, "name": e.original_name, "sha256": e.sha256} for e in report.evidence],
    }


def version_content(version: ReportVersion) -> dict:
    return json.loads(version.content)


def missing_items(report: OutcomeReport) -> list[str]:
    """What a report still needs before it can be sent: an actual for every indicator and a narrative."""
    have = {a.indicator_id for a in report.actuals}
    missing = [_("指标“%(name)s”的实际完成值", name=i.name) for i in report.contract.indicators if i.id not in have]
    if not report.narrative:
        missing.append(_("工作总结"))
    return missing


def submit_report(report: OutcomeReport, *, by) -> ReportVersion:
    """Send the working copy to the buyer as a new version; a returned report is resubmitted."""
    lock(report)  # a double click submits once; the second sees a report no longer editable
    _check_writer(report.milestone, report, by)
    missing = missing_items(report)
    if missing:
        raise DomainError(_("还缺：%(items)s", items=join_items(missing)))
    now = clock.now()
    action = ReportAction.submit if report.status == ReportStatus.draft else ReportAction.resubmit
    transition(report, action, REPORT_TRANSITIONS, at=now, label=_("绩效报告"))
    late = is_late(report.milestone, now)
    if report.late is None:
        report.late = late
    version = ReportVersion(report=report, number=len(report.versions) + 1, submitted_at=now, submitted_by_id=by.id,
                            late=late, content=json.dumps(content_of(report), ensure_ascii=False, sort_keys=True))
    db.session.add(version)
    db.session.flush()
    audit.record(by, f"outcome_report.{report.status.value}", report, at=now,
                 data={"version": version.number, "late": late, "milestone": report.milestone_id})
    message = _("“%(title)s”的%(stage)s绩效报告已提交（第 %(n)d 版），请审核",
                title=report.contract.title, stage=_stage(report.milestone), n=version.number)
    for user in buyer_staff(report.contract.tender):
        notifications.notify(user, message, external_url("outcomes.report", milestone_id=report.milestone_id))
    return version


def _stage(milestone: Milestone) -> str:
    from marketplace.contracts.models import MILESTONE_KIND_LABELS

    return str(MILESTONE_KIND_LABELS[milestone.kind])


def _review(report: OutcomeReport, action: ReportAction, comments: str | None, by) -> ReportVersion:
    lock(report)  # an accept and a return at once: the second finds the report already decided
    if not policies.can_review_report(by, report):
        raise NotPermitted(_("只有采购人可以审核已提交的报告"))
    now = clock.now()
    transition(report, action, REPORT_TRANSITIONS, at=now, label=_("绩效报告"))
    version = report.versions[-1]
    version.decision = ReviewDecision.accepted if action == ReportAction.accept else ReviewDecision.returned
    version.review_comments, version.reviewed_at, version.reviewed_by_id = comments, now, by.id
    db.session.flush()
    audit.record(by, f"outcome_report.{report.status.value}", report, at=now,
                 data={"version": version.number, "comments": comments})
    return version


def return_report(report: OutcomeReport, comments: str, *, by) -> ReportVersion:
    """Send the report back with comments; the organization edits and resubmits, the history stays."""
    comments = (comments or "").strip()
    if not comments:
        raise DomainError(_("退回时请写明修改意见"), field="comments")
    version = _review(report, ReportAction.return_, comments, by)
    _tell_organization(report.contract, _("“%(title)s”的%(stage)s绩效报告被退回，请按意见修改后重新提交",
                                          title=report.contract.title, stage=_stage(report.milestone)),
                       external_url("outcomes.report", milestone_id=report.milestone_id))
    return version


def accept_report(report: OutcomeReport, comments: str | None = None, *, by):
    """Accept the report: the milestone's evaluation opens and residents may rate."""
    _review(report, ReportAction.accept, (comments or "").strip() or None, by)
    evaluation = evaluations.open_evaluation(report, by=by)
    message = _("“%(title)s”的%(stage)s绩效报告已通过，居民评价已开放", title=report.contract.title,
                stage=_stage(report.milestone))
    _tell_organization(report.contract, message, external_url("outcomes.report", milestone_id=report.milestone_id))
    follows.announce_project(report.contract, message)
    return evaluation


def _tell_organization(contract: Contract, message: str, link: str) -> None:
    for membership in db.session.execute(select(Membership).where(
            Membership.organization_id == contract.organization_id)).scalars():
        notifications.notify(membership.user, message, link)


def remind_due(today=None) -> int:
    """In-app notice to the organization 7 days before a report is due, once per milestone (`reminded_at`)."""
    from datetime import timedelta

    from marketplace.contracts.models import ContractStatus

    today = today or clock.today()
    now = clock.now()
    due = db.session.execute(
        select(Milestone).join(Contract).outerjoin(OutcomeReport, OutcomeReport.milestone_id == Milestone.id)
        .where(Contract.status == ContractStatus.active, Milestone.reminded_at.is_(None),
               Milestone.report_due_on <= today + timedelta(days=7), Milestone.report_due_on >= today,
               (OutcomeReport.id.is_(None)) | (OutcomeReport.status == ReportStatus.draft))
        .order_by(Milestone.id).with_for_update(of=Milestone)
    ).scalars().all()
    for milestone in due:
        milestone.reminded_at = now
        _tell_organization(milestone.contract, _("“%(title)s”的%(stage)s绩效报告须在 %(day)s 前提交",
                                                 title=milestone.contract.title, stage=_stage(milestone),
                                                 day=milestone.report_due_on.isoformat()),
                           external_url("outcomes.edit_report", milestone_id=milestone.id))
        audit.record(None, "milestone.report_reminded", milestone, at=now,
                     data={"report_due_on": milestone.report_due_on.isoformat()})
    return len(due)


def group_labels() -> dict:
    return BENEFICIARY_GROUP_LABELS
