"""Creating and publishing tenders: catalog refusals, budget, method, scoring, term and timetable rules."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from marketplace.audit.models import AuditEvent
from marketplace.common import clock
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.settings.services import set_setting
from marketplace.tenders import rules
from marketplace.tenders import services as tenders
from marketplace.tenders.models import Method, TenderStatus


def test_negative_list_item_is_refused_with_its_reason(market):
    with pytest.raises(DomainError) as error:
        tenders.create_tender(market["street"], "A1002", "", "100000", by=market["buyer"])
    assert "负面清单" in error.value.message and "劳务派遣" in error.value.message


def test_item_outside_the_catalog_is_refused(market):
    with pytest.raises(DomainError) as error:
        tenders.create_tender(market["street"], "B9999", "", "100000", by=market["buyer"])
    assert "不在" in error.value.message and "B9999" in error.value.message


def test_item_without_a_budget_line_is_refused(market):
    with pytest.raises(DomainError) as error:
        tenders.create_tender(market["street"], "A1003", "", "100000", by=market["buyer"])
    assert "没有" in error.value.message and "预算安排" in error.value.message


def test_budget_beyond_what_remains_on_the_line_is_refused(market):
    street, buyer = market["street"], market["buyer"]
    with pytest.raises(DomainError) as error:
        tenders.create_tender(street, "A0401", "", "500000.01", by=buyer)
    assert error.value.field == "budget" and "剩余额度 ¥500,000.00" in error.value.message
    first = tenders.create_tender(street, "A0401", "", "300000", by=buyer)
    with pytest.raises(DomainError) as error:
        tenders.create_tender(street, "A0401", "", "250000", by=buyer)
    assert "剩余额度 ¥200,000.00" in error.value.message and "¥300,000.00" in error.value.message
    tenders.create_tender(street, "A0401", "", "200000", by=buyer)
    tenders.cancel(first, "需求调整，改为明年实施", by=buyer)
    assert tenders.budget_view(street, 2026, "A0401").remaining == Decimal("300000.00")


def test_threshold_forces_open_tender(market, ready_tender):
    tender = tenders.create_tender(market["street"], "A1001", "", "2000000", by=market["buyer"])
    assert tender.method == Method.open  # the default follows the threshold
    with pytest.raises(DomainError) as error:
        tenders.save_method(tender, Method.consultation, "", by=market["buyer"])
    assert "必须采用公开招标" in error.value.message and "¥2,000,000.00" in error.value.message
    below = tenders.create_tender(market["street"], "A1001", "", "1999999.99", by=market["buyer"])
    tenders.save_method(below, Method.consultation, "", by=market["buyer"])
    assert below.method == Method.consultation


def test_a_regional_threshold_setting_is_followed(market):
    set_setting("procurement.open_tender_threshold", "4000000", by=None, region=market["street"].region.parent,
                valid_from=date(2026, 1, 1))
    tender = tenders.create_tender(market["street"], "A1001", "", "2500000", by=market["buyer"])
    tenders.save_method(tender, Method.consultation, "", by=market["buyer"])
    assert tender.method == Method.consultation


def test_single_source_needs_a_written_justification(market):
    tender = tenders.create_tender(market["street"], "A0401", "", "100000", by=market["buyer"])
    with pytest.raises(DomainError) as error:
        tenders.save_method(tender, Method.single_source, "  ", by=market["buyer"])
    assert error.value.field == "method_justification"
    tenders.save_method(tender, Method.single_source, "唯一具备长者食堂运营许可的机构", by=market["buyer"])
    assert tender.method_justification


@pytest.mark.parametrize(("price", "others", "message"), [
    (35, (("服务方案", 40), ("团队", 25)), "价格分权重须在 10–30 之间，当前为 35"),
    (5, (("服务方案", 70), ("团队", 25)), "当前为 5"),
    (20, (("服务方案", 50), ("团队", 20)), "合计须为 100，当前为 90"),
    (20, (("服务方案", 50), ("团队", 40)), "合计须为 100，当前为 110"),
])
def test_scoring_template_rules(market, criteria, price, others, message):
    tender = tenders.create_tender(market["street"], "A0401", "", "100000", by=market["buyer"])
    with pytest.raises(DomainError) as error:
        tenders.save_criteria(tender, criteria(price, others), by=market["buyer"])
    assert message in error.value.message


def test_a_valid_scoring_template_is_saved(market, criteria):
    tender = tenders.create_tender(market["street"], "A0401", "", "100000", by=market["buyer"])
    tenders.save_criteria(tender, criteria(30, (("服务方案", 45), ("团队", 25))), by=market["buyer"])
    assert [(c.name, c.weight, c.is_price) for c in tender.criteria] == [
        ("价格", 30, True), ("服务方案", 45, False), ("团队", 25, False)]


def test_scoring_needs_exactly_one_price_line_and_descriptions():
    rows = [rules.CriterionRow("服务方案", 60, ""), rules.CriterionRow("团队", 40, "x")]
    messages = [m for _f, m in rules.scoring_problems(rows)]
    assert any("有且只有一项价格分" in m for m in messages)
    assert any("如何得分" in m for m in messages)


def test_contract_term_rules():
    assert rules.term_problems(12, None) == []
    assert rules.term_problems(24, None)[0][0] == "term_justification"
    assert rules.term_problems(24, "三年期品牌项目，需保持服务连续") == []
    assert "1 到 36" in rules.term_problems(37, "理由")[0][1]


def test_minimum_tendering_period_by_method(market, ready_tender):
    now = clock.now()
    with pytest.raises(DomainError) as error:
        ready_tender(questions_close_at=now + timedelta(days=5), deadline_at=now + timedelta(days=9))
    assert "不得少于 10 日" in error.value.message
    tender = tenders.create_tender(market["street"], "A1001", "", "2500000", by=market["buyer"])
    with pytest.raises(DomainError) as error:
        tenders.save_timetable(tender, None, now + timedelta(days=5), now + timedelta(days=15), by=market["buyer"])
    assert "不得少于 20 日" in error.value.message and "公开招标" in error.value.message


def test_questions_must_close_before_the_deadline(market, ready_tender):
    now = clock.now()
    with pytest.raises(DomainError) as error:
        ready_tender(questions_close_at=now + timedelta(days=16), deadline_at=now + timedelta(days=15))
    assert error.value.field == "questions_close_at"


def test_publishing_refuses_an_incomplete_draft_and_lists_why(market):
    tender = tenders.create_tender(market["street"], "A0401", "", "100000", by=market["buyer"])
    problems = dict(tenders.readiness(tender))
    assert {"basics", "indicators", "timetable"} <= set(problems)
    with pytest.raises(DomainError) as error:
        tenders.publish(tender, by=market["buyer"])
    assert "服务区域" in error.value.message and "投标截止时间" in error.value.message
    assert tender.status == TenderStatus.draft


def test_publishing_is_audited_and_stamped(market, ready_tender):
    tender = ready_tender()
    tenders.publish(tender, by=market["buyer"])
    assert tender.status == TenderStatus.tendering
    assert tender.published_at == tender.tendering_at == clock.now()
    event = db.session.query(AuditEvent).filter_by(action="tender.publish_for_bids").one()
    assert event.subject_id == str(tender.id) and event.actor_id == market["buyer"].id


def test_inherited_conditions_come_from_the_item_and_can_be_extended(market):
    tender = tenders.create_tender(market["street"], "A0401", "", "100000", by=market["buyer"])
    assert {(c.code, c.required, c.inherited) for c in tender.conditions} == {
        ("SD-R1", True, True), ("TPL-R1", True, True), ("SD-P1", False, True)}
    tenders.save_conditions(tender, ["GP-R1"], ["SD-P2"], by=market["buyer"])
    codes = {(c.code, c.required) for c in tender.conditions}
    # What the item brought stays (SD-P1 included); the buyer's additions come on top.
    assert {("SD-R1", True), ("TPL-R1", True), ("SD-P1", False), ("GP-R1", True), ("SD-P2", False)} == codes
    with pytest.raises(DomainError):
        tenders.save_conditions(tender, ["XX-R9"], [], by=market["buyer"])
    assert [code for code, condition, _r in tender.eligibility_conditions() if condition is None] == []
