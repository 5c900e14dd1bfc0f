"""Facts count only when confirmed and unexpired; credit lists block bidding; the engine explains itself."""

from datetime import date, timedelta

import pytest

from marketplace.catalog.models import QualificationCondition, Requirement
from marketplace.common import clock
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.notifications.models import Notification, OutboxMessage
from marketplace.organizations import eligibility as engine
from marketplace.organizations import policies, records
from marketplace.organizations.models import CreditEntry, CreditList, FactKind, OrgType, RemovalKind

from .conftest import manager_of


class Target:
    """Anything offering eligibility_conditions() (tenders will); here a plain list of conditions."""

    def __init__(self, *conditions):
        self.conditions = conditions

    def eligibility_conditions(self):
        return [(c.code, c, c.requirement == Requirement.required) for c in self.conditions]


def condition(code, rule, requirement=Requirement.required, text="条件"):
    return QualificationCondition(code=code, text=text, rule=rule, requirement=requirement)


def test_unconfirmed_facts_never_count(make_org, frozen_now, registrar):
    org = make_org()
    fact = records.submit_fact(org, FactKind.grade, {"grade": "4A", "valid_from": date(2025, 1, 1)}, None,
                               by=manager_of(org))
    result = engine.eligibility(org, Target(condition("G", "grade >= 3A")), clock.today())
    assert result.results[0].status == engine.UNKNOWN and "没有有效的、已确认的评估等级" in result.results[0].reasons[0]
    records.decide_fact(fact, True, by=registrar)
    assert engine.eligibility(org, Target(condition("G", "grade >= 3A")), clock.today()).eligible


def test_an_expired_grade_stops_counting_the_day_after_expiry(make_org, confirm_fact, frozen_now):
    org = make_org()
    fact = confirm_fact(org, FactKind.grade, grade="4A", valid_from=date(2021, 3, 2))
    assert fact.valid_until == date(2026, 3, 1)  # five years, the last day included
    target = Target(condition("G", "grade >= 3A"))
    assert engine.eligibility(org, target, date(2026, 3, 1)).results[0].status == engine.PASS
    after = engine.eligibility(org, target, date(2026, 3, 2))
    assert after.results[0].status == engine.UNKNOWN and not after.eligible


def test_explanations_for_pass_fail_and_unknown(make_org, confirm_fact, frozen_now):
    org = make_org(org_type=OrgType.social_service)
    confirm_fact(org, FactKind.grade, grade="2A", valid_from=date(2024, 6, 1))
    confirm_fact(org, FactKind.staff, count=8, valid_from=date(2026, 1, 10))
    target = Target(condition("T", "registered_type in {社会团体, 民办非企业单位, 基金会}"),
                    condition("G", "grade >= 3A"),
                    condition("S", "fulltime_staff >= 5 and certified_social_workers >= 2"),
                    condition("I", "last_annual_inspection == 合格"),
                    condition("M", "manual", text="具有健全的内部治理结构"),
                    condition("P", "tax_exempt", Requirement.preferred))
    result = engine.eligibility(org, target, clock.today())
    by_code = {r.code: r for r in result.results}
    assert by_code["T"].status == engine.PASS                    # 社会服务机构 answers to 民办非企业单位
    assert by_code["G"].status == engine.FAIL
    assert by_code["G"].reasons == ["社会组织评估等级：2A（有效期至 2029-05-31）；要求社会组织评估等级3A 及以上"]
    assert by_code["S"].status == engine.FAIL and "持证社会工作者 0 人" in by_code["S"].reasons[1]
    assert by_code["I"].status == engine.UNKNOWN and "没有已确认的年检结论" in by_code["I"].reasons[0]
    assert by_code["M"].status == engine.UNKNOWN
    assert result.status == engine.INELIGIBLE
    assert "需要做到：社会组织评估等级3A 及以上" in result.checklist
    assert any("最近一次年检结论" in todo for todo in result.checklist)
    assert not any("免税" in todo for todo in result.checklist)  # preferred conditions never block


def test_only_unknowns_leave_the_decision_open(make_org, confirm_fact, frozen_now):
    org = make_org()
    confirm_fact(org, FactKind.grade, grade="5A", valid_from=date(2025, 1, 1))
    result = engine.eligibility(org, Target(condition("G", "grade >= 3A"), condition("R", "annual_report_filed")),
                                clock.today())
    assert result.status == engine.UNDECIDED


def test_an_organization_on_a_credit_list_cannot_bid(make_org, registrar, frozen_now, confirm_fact):
    org = make_org()
    confirm_fact(org, FactKind.grade, grade="5A", valid_from=date(2025, 1, 1))
    target = Target(condition("G", "grade >= 3A"), condition("A", "not on_abnormal_list"))
    assert policies.can_bid(org, clock.today()) and engine.eligibility(org, target, clock.today()).eligible
    records.put_on_list(org, CreditList.abnormal, "未按规定报送年度工作报告", "东城区民政局", date(2026, 2, 1),
                        by=registrar)
    result = engine.eligibility(org, target, clock.today())
    assert not policies.can_bid(org, clock.today()) and result.status == engine.INELIGIBLE
    assert "2026-02-01 起列入活动异常名录（未按规定报送年度工作报告），不能参加投标" in result.blockers[0]
    assert {r.code: r.status for r in result.results}["A"] == engine.FAIL
    assert any("列入活动异常名录" in n.message for n in db.session.query(Notification))


def test_a_pending_organization_cannot_bid(make_org):
    org = make_org(status="pending")
    assert not policies.can_bid(org, clock.today())
    assert "尚未通过" in engine.blockers(org, clock.today())[0]


def test_two_years_on_the_abnormal_list_moves_the_organization_to_the_serious_list(make_org, registrar, frozen_now):
    org = make_org()
    entry = records.put_on_list(org, CreditList.abnormal, "失联", "东城区民政局", date(2024, 3, 3), by=registrar)
    assert records.escalate_abnormal_entries(date(2026, 3, 2)) == 0        # one day short of two years
    clock.advance(timedelta(days=1))
    assert records.escalate_abnormal_entries(date(2026, 3, 3)) == 1
    assert entry.removal_kind == RemovalKind.escalated and entry.removed_on == date(2026, 3, 3)
    serious = records.open_entry(org, CreditList.serious)
    assert serious.escalated_from_id == entry.id and serious.listed_on == date(2026, 3, 3)
    clock.advance(timedelta(days=1))
    assert records.escalate_abnormal_entries(date(2026, 3, 4)) == 0        # done once


def test_credit_repair_is_requested_and_approved_with_its_history_kept(make_org, registrar, frozen_now):
    org = make_org()
    entry = records.put_on_list(org, CreditList.abnormal, "未报送年报", "东城区民政局", date(2026, 1, 5), by=registrar)
    with pytest.raises(DomainError, match="已有一份"):
        records.request_repair(entry, "已补报 2025 年度报告", None, by=manager_of(org))
        records.request_repair(entry, "再来一次", None, by=manager_of(org))
    request = entry.repairs[0]
    with pytest.raises(DomainError, match="理由"):
        records.decide_repair(request, True, " ", by=registrar)
    records.decide_repair(request, True, "已补报，材料齐全", by=registrar)
    assert entry.removed_on == clock.today() and entry.removal_kind == RemovalKind.repaired
    assert policies.can_bid(org, clock.today())
    assert db.session.query(CreditEntry).count() == 1  # removed, never deleted


def test_managers_hear_thirty_days_before_a_fact_expires_once(make_org, confirm_fact, frozen_now, app):
    app.config["MAIL_SEND_AFTER_COMMIT"] = False
    try:
        org = make_org()
        confirm_fact(org, FactKind.grade, grade="3A", valid_from=date(2021, 4, 2))  # last day 2026-04-01
        assert records.warn_expiring_facts(date(2026, 3, 1)) == 0
        assert records.warn_expiring_facts(date(2026, 3, 2)) == 1
        assert records.warn_expiring_facts(date(2026, 3, 3)) == 0
        mail = db.session.query(OutboxMessage).filter(OutboxMessage.subject.contains("资质即将到期")).one()
        assert "2026-04-01" in mail.body_text and mail.to_address == manager_of(org).email
    finally:
        app.config["MAIL_SEND_AFTER_COMMIT"] = True


def test_years_without_major_violation_counts_from_the_last_serious_listing(make_org, registrar, frozen_now):
    org = make_org(registered_on=date(2015, 1, 1))
    facts = engine.facts_at(org, clock.today())
    assert facts["years_without_major_violation"].value == 11
    records.put_on_list(org, CreditList.serious, "虚假材料", "东城区民政局", date(2024, 1, 1), by=registrar)
    assert engine.facts_at(org, clock.today())["years_without_major_violation"].value == 0
    assert engine.facts_at(org, clock.today() + timedelta(days=0))["on_serious_violation_list"].value is True
