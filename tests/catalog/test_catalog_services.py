from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from marketplace.audit.services import verify_chain
from marketplace.catalog import services
from marketplace.catalog.models import CatalogKind, CatalogVersion, PurchaseItem, VersionStatus
from marketplace.common.csvrows import ImportRejected
from marketplace.errors import DomainError, InvalidTransition
from marketplace.extensions import db
from marketplace.regions.models import GovernmentBody


def test_inheritance_adds_items_and_never_reallows_a_negative_item(bureaus, published_city_and_district):
    catalog = services.effective_catalog(bureaus["street"].region, 2026)
    assert catalog.get("A1001").inherited and not catalog.get("A1001").negative
    assert not catalog.get("A1003").negative and catalog.get("A1003").source == "东城区民政局"
    assert catalog.get("A1002").negative            # the district's attempt to re-allow is ignored
    assert catalog.get("A1004").negative            # a lower level may add its own negative items
    assert {"X01", "X02", "X03", "X04", "X05"} <= {i.code for i in catalog.negative_list}


def test_another_district_does_not_see_this_districts_items(bureaus, published_city_and_district, make_region):
    other = services.effective_catalog(make_region("310105"), 2026)
    assert other.get("A1003") is None and other.get("A1001") is None  # 上海 has no catalog here


def test_is_purchasable_explains_each_check(bureaus, published_city_and_district):
    street = bureaus["street"]
    missing = services.is_purchasable("A1009", street, 2026)
    assert not missing.ok and "不在 2026 年适用于东华门街道办事处的购买服务目录中" in missing.reason

    negative = services.is_purchasable("A1002", street, 2026)
    assert not negative.ok and "负面清单" in negative.reason and "劳务派遣" in negative.reason

    no_budget = services.is_purchasable("A1001", street, 2026)
    assert not no_budget.ok and [c.name for c in no_budget.checks if not c.passed] == ["budget"]

    services.set_budget_line(street, 2026, "A1001", "480000", "2026年区级财政预算", by=None)
    ok = services.is_purchasable("A1001", street, 2026)
    assert ok.ok and ok.budget.amount == Decimal("480000.00")
    assert "¥480,000.00" in [c.message for c in ok.checks][-1]


def test_budget_lines_are_refused_for_negative_or_unknown_items(bureaus, published_city_and_district):
    with pytest.raises(DomainError, match="负面清单"):
        services.set_budget_line(bureaus["street"], 2026, "X05", "100000", "预算", by=None)
    with pytest.raises(DomainError, match="不在适用的购买服务目录中"):
        services.set_budget_line(bureaus["street"], 2026, "Z99", "100000", "预算", by=None)
    with pytest.raises(DomainError, match="大于零"):
        services.set_budget_line(bureaus["street"], 2026, "A1001", "0", "预算", by=None)


def test_a_published_version_cannot_be_edited_or_published_again(bureaus, published_city_and_district):
    city, _district = published_city_and_district
    with pytest.raises(InvalidTransition, match="已发布的目录不能修改"):
        services.ensure_editable(city)
    with pytest.raises(InvalidTransition):
        services.publish(city, by=None)


def test_publishing_a_new_version_supersedes_the_old_one(bureaus, published_city_and_district, csv_bytes):
    city, _ = published_city_and_district
    newer = services.import_catalog(bureaus["city"], 2026, CatalogKind.purchase, csv_bytes(
        "code,name", "A,公共服务", "A10,社会治理服务"), "v2.csv", by=None, publish_now=True)
    db.session.refresh(city)
    assert city.status == VersionStatus.superseded and city.superseded_at is not None
    assert newer.number == 2 and newer.status == VersionStatus.published
    assert services.published_version(bureaus["city"], 2026, CatalogKind.purchase) is newer
    assert verify_chain().ok


def test_database_allows_one_published_version_per_issuer_year_and_kind(bureaus, published_city_and_district):
    city, _ = published_city_and_district
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(CatalogVersion(issuer=bureaus["city"], year=2026, kind=CatalogKind.purchase, number=9,
                                      title="x", status=VersionStatus.published, created_at=city.created_at,
                                      published_at=city.published_at))
        db.session.flush()


def test_database_refuses_a_negative_item_without_reason(bureaus, published_city_and_district):
    city, _ = published_city_and_district
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(PurchaseItem(version=city, code="A1009", level=3, name="x", negative=True))
        db.session.flush()


def test_diff_between_versions(bureaus, csv_bytes):
    old = services.import_catalog(bureaus["city"], 2026, CatalogKind.purchase, csv_bytes(
        "code,name,negative,negative_reason", "A,公共服务,否,", "A10,社会治理服务,否,", "A1001,社区治理服务,否,",
        "A1002,养老服务,否,"), "v1.csv", by=None, publish_now=True)
    new = services.import_catalog(bureaus["city"], 2026, CatalogKind.purchase, csv_bytes(
        "code,name,negative,negative_reason", "A,公共服务,否,", "A10,社会治理与社区服务,否,",
        "A1002,养老服务,是,改由事业单位直接提供", "A1003,社会工作服务,否,"), "v2.csv", by=None, publish_now=True)
    diff = services.diff_versions(old, new)
    assert [i.code for i in diff.added] == ["A1003"]
    assert [i.code for i in diff.removed] == ["A1001"]
    assert {c.code for c in diff.changed} == {"A10", "A1002"}
    assert [c.code for c in diff.moved_to_negative] == ["A1002"]


def test_import_with_three_bad_rows_reports_all_line_numbers_and_imports_nothing(bureaus, csv_bytes):
    content = csv_bytes(
        "code,name,negative,negative_reason",
        "A,公共服务,否,",
        "A10,社会治理服务,否,",
        "a1O01,坏编码,否,",                  # line 4: bad code
        "A1002,劳务派遣,是,",                # line 5: negative without reason
        "A1003,社会工作服务,否,",
        "A10,重复,否,",                      # line 7: duplicate code
    )
    with pytest.raises(ImportRejected) as rejected:
        services.import_catalog(bureaus["district"], 2026, CatalogKind.purchase, content, "bad.csv", by=None)
    assert [e.line for e in rejected.value.errors] == [4, 5, 7]
    assert "格式不对" in rejected.value.errors[0].message
    assert "必须写明原因" in rejected.value.errors[1].message
    assert "重复（第 3 行已有）" in rejected.value.errors[2].message
    assert db.session.query(CatalogVersion).count() == 0


def test_qualification_import_rejects_bad_rules_with_their_lines(bureaus, csv_bytes):
    content = csv_bytes("code,condition,kind,rule", "Q1,年检合格,required,last_annual_inspection == 合格",
                        "Q2,资金充足,required,budget >= 1", "Q3,等级,preferred,grade >= 3A", "Q4,x,sometimes,manual")
    with pytest.raises(ImportRejected) as rejected:
        services.import_catalog(bureaus["district"], 2026, CatalogKind.qualification, content, "q.csv", by=None)
    assert [(e.line, "budget" in e.message or "sometimes" in e.message) for e in rejected.value.errors] == [
        (3, True), (5, True)]


def test_issuer_is_created_for_a_known_region_on_a_fresh_database():
    body = services.issuer_for_region("110101")
    assert body.name == "北京市东城区民政局"
    with pytest.raises(DomainError, match="区县级及以上"):
        services.issuer_for_region("110101001")


def test_the_service_itself_refuses_to_change_a_published_version(bureaus, published_city_and_district):
    city, _ = published_city_and_district
    with pytest.raises(InvalidTransition):
        services.save_item(city, {"code": "A1009", "name": "新增"}, by=None)
    with pytest.raises(InvalidTransition):
        services.delete_item(city, city.purchase_items[-1], by=None)


def test_finding_an_issuer_never_creates_one(make_region):
    district = make_region("110105")
    assert services.find_issuer(district) is None
    assert db.session.query(GovernmentBody).count() == 0
