import io

from marketplace.catalog import services
from marketplace.catalog.models import BudgetLine, CatalogKind, CatalogVersion, VersionStatus
from marketplace.extensions import db
from marketplace.regions.models import BodyKind


def _upload(client, content: bytes, name="catalog.csv", kind="purchase", year="2026"):
    return client.post("/catalogs/manage/import", data={"kind": kind, "year": year,
                                                        "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_upload_shows_every_error_and_saves_nothing(client, login_as, bureaus, csv_bytes):
    login_as("catalog_admin", body_=bureaus["district"])
    response = _upload(client, csv_bytes("code,name,negative,negative_reason", "A,公共服务,否,",
                                         "bad code,x,否,", "A01,劳务派遣,是,", "A01,重复,否,"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "第 3 行" in html and "第 4 行" in html and "第 5 行" in html
    assert db.session.query(CatalogVersion).count() == 0


def test_upload_preview_then_confirm_creates_a_draft(client, login_as, bureaus, csv_bytes):
    login_as("catalog_admin", body_=bureaus["district"])
    preview = _upload(client, csv_bytes("code,name", "A,公共服务", "A10,社会治理服务")).get_data(as_text=True)
    assert "检查通过，共 2 行" in preview
    assert db.session.query(CatalogVersion).count() == 0
    token = preview.split("/catalogs/manage/import/")[1].split('"')[0]
    done = client.post(f"/catalogs/manage/import/{token}", data={"kind": "purchase", "year": "2026",
                                                                "name": "catalog.csv"})
    assert done.status_code == 302
    version = db.session.query(CatalogVersion).one()
    assert version.status == VersionStatus.draft and len(version.items) == 2


def test_admin_edits_a_draft_and_publishes_after_confirming(client, login_as, bureaus, csv_bytes):
    draft = services.import_catalog(bureaus["district"], 2026, CatalogKind.purchase,
                                    csv_bytes("code,name", "A,公共服务"), "d.csv", by=None)
    db.session.commit()
    login_as("catalog_admin", body_=bureaus["district"])
    refused = client.post(f"/catalogs/manage/{draft.id}/items", data={
        "code": "A05", "name": "劳务派遣", "negative": "y", "negative_reason": ""})
    assert "必须写明原因" in refused.get_data(as_text=True) and 'value="劳务派遣"' in refused.get_data(as_text=True)
    client.post(f"/catalogs/manage/{draft.id}/items", data={"code": "A05", "name": "社保服务"})
    client.post(f"/catalogs/manage/{draft.id}/items", data={"code": "a05", "name": "社会保障服务"})  # edits it
    db.session.expire_all()
    assert [i.name for i in db.session.get(CatalogVersion, draft.id).purchase_items] == ["公共服务", "社会保障服务"]
    confirm = client.get(f"/catalogs/manage/{draft.id}/publish").get_data(as_text=True)
    assert "确认发布" in confirm
    assert client.post(f"/catalogs/manage/{draft.id}/publish").status_code == 302
    db.session.expire_all()
    assert db.session.get(CatalogVersion, draft.id).status == VersionStatus.published
    # Published: immutable through the web too.
    assert client.post(f"/catalogs/manage/{draft.id}/items", data={"code": "A06", "name": "x"}).status_code == 403


def test_other_bodies_and_residents_cannot_manage(client, login_as, bureaus, csv_bytes):
    draft = services.import_catalog(bureaus["district"], 2026, CatalogKind.purchase,
                                    csv_bytes("code,name", "A,公共服务"), "d.csv", by=None)
    db.session.commit()
    login_as("catalog_admin", body_=bureaus["city"])
    assert client.post(f"/catalogs/manage/{draft.id}/publish").status_code == 403
    login_as("resident")
    assert client.get("/catalogs/manage/").status_code == 403


def test_buyer_sets_a_budget_line_for_an_allowed_item_only(client, login_as, bureaus, published_city_and_district):
    db.session.commit()
    login_as("buyer", body_=bureaus["street"])
    refused = client.post("/catalogs/manage/budget", data={"year": "2026", "item_code": "A1002",
                                                           "amount": "100000", "source": "街道预算"})
    assert refused.status_code == 400 and "负面清单" in refused.get_data(as_text=True)
    ok = client.post("/catalogs/manage/budget", data={"year": "2026", "item_code": "a1001",
                                                      "amount": "120,000", "source": "街道预算"})
    assert ok.status_code == 302
    assert db.session.query(BudgetLine).one().item_code == "A1001"



def test_finance_bureau_sets_the_budget_line_of_a_street_office_in_its_district(client, login_as, bureaus, make_body,
                                                                             published_city_and_district):
    finance = make_body(BodyKind.finance, "110101", name="东城区财政局")
    login_as("catalog_admin", body_=finance)
    page = client.get("/catalogs/manage/budget").get_data(as_text=True)
    assert "东华门街道办事处" in page and "北京市民政局" not in page  # the city is not the district's to fund
    ok = client.post("/catalogs/manage/budget", data={"body_id": bureaus["street"].id, "year": "2026",
                                                      "item_code": "A1001", "amount": "300000", "source": "区级财政"})
    assert ok.status_code == 302
    line = db.session.query(BudgetLine).one()
    assert (line.body_id, line.amount) == (bureaus["street"].id, 300000)
    refused = client.post("/catalogs/manage/budget", data={"body_id": bureaus["city"].id, "year": "2026",
                                                           "item_code": "A1001", "amount": "1", "source": "x"})
    assert refused.status_code != 302 and db.session.query(BudgetLine).count() == 1


def test_a_street_office_sets_only_its_own_budget_lines(client, login_as, bureaus, published_city_and_district):
    login_as("buyer", body_=bureaus["street"])
    assert "预算单位" not in client.get("/catalogs/manage/budget").get_data(as_text=True)
    client.post("/catalogs/manage/budget", data={"body_id": bureaus["district"].id, "year": "2026",
                                                 "item_code": "A1001", "amount": "1", "source": "x"})
    assert db.session.query(BudgetLine).count() == 0
