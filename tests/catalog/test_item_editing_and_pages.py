"""Row-by-row editing of every kind of draft, moving items, item pages and reference checks at publish."""

import io
import json

import pytest

from marketplace.audit.models import AuditEvent
from marketplace.catalog import services
from marketplace.catalog.models import CatalogKind, CatalogVersion, VersionStatus
from marketplace.errors import DomainError
from marketplace.extensions import db


def _draft(bureau, kind, *lines, csv_bytes):
    version = services.import_catalog(bureau, 2026, kind, csv_bytes(*lines), "draft.csv", by=None)
    db.session.commit()
    return version


def _reload(version_id):
    db.session.expire_all()
    return db.session.get(CatalogVersion, version_id)


def test_conditions_are_added_edited_and_deleted_row_by_row(client, login_as, bureaus, csv_bytes):
    draft = _draft(bureaus["district"], CatalogKind.qualification, "code,condition,kind,rule",
                   "DC-1,年检合格,required,last_annual_inspection == 合格", csv_bytes=csv_bytes)
    login_as("catalog_admin", body_=bureaus["district"])
    bad = client.post(f"/catalogs/manage/{draft.id}/items", data={
        "code": "DC-2", "condition": "专职人员不少于 5 人", "kind": "required", "rule": "staff >= 5"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "未知字段" in html and 'value="staff &gt;= 5"' in html
    added = client.post(f"/catalogs/manage/{draft.id}/items", data={
        "code": "DC-2", "condition": "专职人员不少于 5 人", "kind": "required", "rule": "fulltime_staff>=5"})
    assert added.status_code == 302
    item = _reload(draft.id).conditions[1]
    assert item.rule == "fulltime_staff >= 5"  # stored in canonical form

    edit_page = client.get(f"/catalogs/manage/{draft.id}/items/{item.id}/edit").get_data(as_text=True)
    assert "专职人员不少于 5 人" in edit_page and "readonly" in edit_page
    client.post(f"/catalogs/manage/{draft.id}/items/{item.id}/edit", data={
        "code": "SOMETHING-ELSE", "condition": "专职人员不少于 3 人", "kind": "preferred",
        "rule": "fulltime_staff >= 3"})
    version = _reload(draft.id)
    assert [(c.code, c.text, c.requirement.value) for c in version.conditions] == [
        ("DC-1", "年检合格", "required"), ("DC-2", "专职人员不少于 3 人", "preferred")]

    assert client.post(f"/catalogs/manage/{draft.id}/items/{item.id}/delete").status_code == 302
    assert [c.code for c in _reload(draft.id).conditions] == ["DC-1"]
    actions = [e.action for e in db.session.query(AuditEvent).order_by(AuditEvent.seq)]
    assert actions.count("catalog.item_saved") == 2 and "catalog.item_deleted" in actions


def test_function_transfer_rows_are_edited_in_the_browser(client, login_as, bureaus, csv_bytes):
    draft = _draft(bureaus["district"], CatalogKind.function,
                   "code,department,function_name,transfer_mode,undertaker_type",
                   "DF1,区民政局,社会组织等级评估,购买,社会组织", csv_bytes=csv_bytes)
    item = draft.function_items[0]
    login_as("catalog_admin", body_=bureaus["district"])
    form = {"code": "DF1", "department": "区民政局", "function_name": "社会组织等级评估", "transfer_mode": "购买",
            "undertaker_type": "社会组织", "guidance_years": "3", "status": "taken_back", "taken_back_reason": ""}
    refused = client.post(f"/catalogs/manage/{draft.id}/items/{item.id}/edit", data=form)
    assert refused.status_code == 400 and "必须写明原因" in refused.get_data(as_text=True)
    form |= {"taken_back_reason": "承接机构评估不合格", "agreement_start": "2026-01-01", "agreement_end": "2026-12-31"}
    assert client.post(f"/catalogs/manage/{draft.id}/items/{item.id}/edit", data=form).status_code == 302
    saved = _reload(draft.id).function_items[0]
    assert saved.status.value == "taken_back" and saved.taken_back_reason == "承接机构评估不合格"
    assert str(saved.agreement_end) == "2026-12-31"


def test_moving_an_item_recodes_its_subtree(bureaus, csv_bytes):
    draft = _draft(bureaus["city"], CatalogKind.purchase, "code,name", "A,公共服务", "A04,养老服务",
                   "A0401,居家养老", "A10,社会治理服务", "A1003,社区矫正", "A100301,社区矫正个案", csv_bytes=csv_bytes)
    a1003 = next(i for i in draft.purchase_items if i.code == "A1003")
    assert "A1003" not in services.move_targets(draft, a1003)
    assert "A100301" not in services.move_targets(draft, a1003)   # not into its own subtree
    assert "A0401" not in services.move_targets(draft, a1003)     # its child would need a fifth level
    with pytest.raises(DomainError):
        services.move_purchase_item(draft, a1003, "A100301", by=None)

    new_code = services.move_purchase_item(draft, a1003, "A04", by=None)
    db.session.commit()
    assert new_code == "A0402"  # A0401 is taken
    version = _reload(draft.id)
    assert [(i.code, i.parent_code, i.level) for i in version.purchase_items if i.name.startswith("社区矫正")] == [
        ("A0402", "A04", 3), ("A040201", "A0402", 4)]
    moved = db.session.query(AuditEvent).filter_by(action="catalog.item_moved").one()
    assert json.loads(moved.data)["renamed"] == {"A1003": "A0402", "A100301": "A040201"}


def test_moving_through_the_web_and_under_an_inherited_parent(client, login_as, bureaus, csv_bytes,
                                                               published_city_and_district):
    draft = _draft(bureaus["district"], CatalogKind.purchase, "code,name", "A1005,社区心理服务",
                   csv_bytes=csv_bytes)
    item = draft.purchase_items[0]
    login_as("catalog_admin", body_=bureaus["district"])
    page = client.get(f"/catalogs/manage/{draft.id}/items/{item.id}/edit").get_data(as_text=True)
    assert '<option value="A">' in page  # the city's top level is a possible parent
    client.post(f"/catalogs/manage/{draft.id}/items/{item.id}/move", data={"parent_code": "A"})
    assert [i.code for i in _reload(draft.id).purchase_items] == ["A01"]
    refused = client.post(f"/catalogs/manage/{draft.id}/items/{item.id}/move", data={"parent_code": "ZZ"},
                          follow_redirects=True)
    assert "不能移动到" in refused.get_data(as_text=True)


def test_upload_preview_knows_the_codes_inherited_from_the_city(client, login_as, bureaus, csv_bytes,
                                                                 published_city_and_district):
    login_as("catalog_admin", body_=bureaus["district"])
    upload = (io.BytesIO(csv_bytes("code,name", "A1005,社区心理服务")), "d.csv")
    response = client.post("/catalogs/manage/import", data={"kind": "purchase", "year": "2026", "file": upload},
        content_type="multipart/form-data")
    assert response.status_code == 200 and "检查通过，共 1 行" in response.get_data(as_text=True)


def test_item_page_resolves_conditions_functions_budget_and_usage(client, bureaus, csv_bytes, city_references):
    services.import_catalog(bureaus["city"], 2026, CatalogKind.purchase, csv_bytes(
        "code,name,required_conditions,preferred_conditions,functions",
        "A,公共服务,,,", "A10,社会治理服务,,,", "A1001,社区治理服务,SD-R1;SD-R0,SD-P1,F001"), "c.csv", by=None,
        publish_now=True)
    services.set_budget_line(bureaus["street"], 2026, "A1001", "480000", "街道预算", by=None)
    db.session.commit()
    version = db.session.query(CatalogVersion).filter_by(kind=CatalogKind.purchase).one()
    html = client.get(f"/catalogs/{version.id}/items/A1001").get_data(as_text=True)
    assert "在民政部门登记注册的社会团体" in html and "registered_type in {社会团体, 民办非企业单位, 基金会}" in html
    assert "人工审核" in html                       # SD-R0 cannot be checked by machine
    assert "社会工作者职业水平证书登记" in html       # F001 resolved
    assert "东华门街道办事处" in html and "¥480,000.00" in html
    assert "还没有招标或项目使用此事项" in html
    assert client.get(f"/catalogs/{version.id}/items/A1099").status_code == 404

    condition_version = city_references[CatalogKind.qualification]
    condition_page = client.get(f"/catalogs/{condition_version.id}/items/SD-R1").get_data(as_text=True)
    assert "A1001" in condition_page and "社区治理服务" in condition_page


def test_item_page_lists_usages_from_registered_providers(client, bureaus, published_city_and_district,
                                                          monkeypatch):
    class Usage:
        title, url, label = "东华门街道社区营造项目", "/tenders/1", "招标中"

    monkeypatch.setattr(services, "ITEM_USAGE_PROVIDERS", [lambda code, region, year: [Usage()] if code == "A1001"
                                                           else []])
    city, _ = published_city_and_district
    assert "东华门街道社区营造项目" in client.get(f"/catalogs/{city.id}/items/A1001").get_data(as_text=True)


def test_publishing_refuses_references_that_no_longer_resolve(bureaus, csv_bytes, city_references):
    draft = services.import_catalog(bureaus["city"], 2026, CatalogKind.purchase, csv_bytes(
        "code,name,required_conditions", "A,公共服务,SD-R1"), "c.csv", by=None)
    # The qualification catalog is replaced by a version without SD-R1 before the purchase catalog is published.
    services.import_catalog(bureaus["city"], 2026, CatalogKind.qualification, csv_bytes(
        "code,condition,kind,rule", "SD-R2,治理结构健全,required,manual"), "q.csv", by=None, publish_now=True)
    with pytest.raises(DomainError, match="SD-R1"):
        services.publish(draft, by=None)
    assert draft.status == VersionStatus.draft
