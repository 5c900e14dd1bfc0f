"""Outcome reports: drafts, submissions kept as versions, the buyer's review, the late flag, reminders."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEvent
from marketplace.common import clock
from marketplace.errors import DomainError, NotPermitted
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.outcomes import services
from marketplace.outcomes.models import EvidenceKind, ReportStatus, ReviewDecision
from tests.outcomes.conftest import report_values

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _submitted(parties, **values):
    contract = parties["contract"]
    report = services.save_draft(contract.milestones[0], report_values(contract, **values), by=parties["member"])
    services.submit_report(report, by=parties["member"])
    return report


def test_a_returned_report_resubmitted_keeps_every_version(contract_parties):
    report = _submitted(contract_parties, actual="15000")
    services.return_report(report, "签到表缺少第 3 周，请补充", by=contract_parties["buyer"])
    assert report.status == ReportStatus.returned and report.editable
    services.save_draft(report.milestone, report_values(contract_parties["contract"], actual="21000"),
                        by=contract_parties["member"])
    services.submit_report(report, by=contract_parties["member"])
    assert report.status == ReportStatus.resubmitted and report.resubmitted_at is not None
    first, second = report.versions
    assert (first.decision, first.review_comments) == (ReviewDecision.returned, "签到表缺少第 3 周，请补充")
    assert services.version_content(first)["actuals"][0]["actual"] == "15000.00"
    assert services.version_content(second)["actuals"][0]["actual"] == "21000.00"
    services.accept_report(report, by=contract_parties["buyer"])
    assert report.status == ReportStatus.accepted and second.decision == ReviewDecision.accepted
    actions = db.session.execute(select(AuditEvent.action).where(AuditEvent.subject_type == "outcome_report",
                                                                 AuditEvent.subject_id == str(report.id))).scalars()
    assert {"outcome_report.submitted", "outcome_report.returned", "outcome_report.resubmitted",
            "outcome_report.accepted"} <= set(actions)


def test_returning_a_report_needs_comments(contract_parties):
    report = _submitted(contract_parties)
    with pytest.raises(DomainError, match="修改意见"):
        services.return_report(report, "  ", by=contract_parties["buyer"])


def test_a_submitted_report_cannot_be_edited_and_only_the_buyer_reviews(contract_parties):
    report = _submitted(contract_parties)
    with pytest.raises(NotPermitted):
        services.save_draft(report.milestone, report_values(contract_parties["contract"]),
                            by=contract_parties["member"])
    with pytest.raises(NotPermitted):
        services.accept_report(report, by=contract_parties["member"])


def test_a_report_without_every_actual_cannot_be_sent(contract_parties):
    contract = contract_parties["contract"]
    values = report_values(contract) | {"actuals": {}}
    report = services.save_draft(contract.milestones[0], values, by=contract_parties["member"])
    with pytest.raises(DomainError, match="助餐服务人次"):
        services.submit_report(report, by=contract_parties["member"])


def test_a_report_sent_after_its_due_day_is_flagged_late(contract_parties):
    milestone = contract_parties["contract"].milestones[0]
    clock.freeze(clock.local_midnight(milestone.report_due_on) + timedelta(hours=23, minutes=59))
    on_time = _submitted(contract_parties)
    assert on_time.late is False and on_time.versions[0].late is False

    second = contract_parties["contract"].milestones[1]
    clock.freeze(clock.local_midnight(second.report_due_on + timedelta(days=1)))
    report = services.save_draft(second, report_values(contract_parties["contract"]), by=contract_parties["member"])
    services.submit_report(report, by=contract_parties["member"])
    assert report.late is True and report.versions[0].late is True


def test_evidence_files_are_kept_with_their_sha256(contract_parties):
    import hashlib

    contract = contract_parties["contract"]
    report = services.save_draft(contract.milestones[0], report_values(contract),
                                 [(EvidenceKind.sign_in_sheet, "签到表.png", PNG)], by=contract_parties["member"])
    assert report.evidence[0].sha256 == hashlib.sha256(PNG).hexdigest()
    services.submit_report(report, by=contract_parties["member"])
    assert services.version_content(report.versions[0])["evidence"][0]["sha256"] == hashlib.sha256(PNG).hexdigest()


def test_the_organization_is_reminded_once_a_week_before_the_report_is_due(contract_parties):
    milestone = contract_parties["contract"].milestones[0]
    member = contract_parties["member"]
    clock.freeze(clock.local_midnight(milestone.report_due_on - timedelta(days=8)) + timedelta(hours=9))
    assert services.remind_due() == 0
    clock.advance(timedelta(days=1))
    assert services.remind_due() == 1
    assert services.remind_due() == 0  # idempotent
    notes = db.session.execute(select(Notification.message).where(Notification.user_id == member.id)).scalars()
    assert sum("须在" in note for note in notes) == 1
