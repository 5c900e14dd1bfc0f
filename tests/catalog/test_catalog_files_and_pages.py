import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from marketplace.catalog import io as catalog_io
from marketplace.catalog import services
from marketplace.catalog.models import CatalogKind
from marketplace.common.csvrows import ImportRejected
from marketplace.extensions import db

CATALOGS = Path(__file__).resolve().parents[2] / "catalogs"


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("kind", "filename", "count"), [
    (CatalogKind.purchase, "purchase_central_2020.csv", 32),
    (CatalogKind.function, "function_transfer_sample.csv", 20),
    (CatalogKind.qualification, "qualification_sample.csv", 44),
])
def test_shipped_reference_catalogs_import_from_csv_and_round_trip_through_xlsx(bureaus, kind, filename, count):
    version = services.import_catalog(bureaus["city"], 2026, kind, (CATALOGS / filename).read_bytes(), filename,
                                      by=None, publish_now=True)
    assert len(version.items) == count
    exported = catalog_io.to_xlsx(catalog_io.export_rows(version))
    again = services.import_catalog(bureaus["city"], 2026, kind, exported, "again.xlsx", by=None)
    assert services.diff_versions(version, again).changed == []
    assert len(again.items) == count


def test_xlsx_with_three_bad_rows_reports_spreadsheet_line_numbers(bureaus):
    content = _xlsx([["code", "name", "price_min", "price_max"], ["A", "公共服务", None, None],
                     ["A10", "社会治理服务", 100, 50], [None, None, None, None], ["A99X", "坏", None, None],
                     ["A1001", "社区治理", "很多", None]])
    with pytest.raises(ImportRejected) as rejected:
        services.import_catalog(bureaus["district"], 2026, CatalogKind.purchase, content, "bad.xlsx", by=None)
    assert [e.line for e in rejected.value.errors] == [3, 5, 6]


def test_district_file_hangs_items_under_inherited_codes(bureaus, city_references):
    services.import_catalog(bureaus["city"], 2026, CatalogKind.purchase,
                            (CATALOGS / "purchase_central_2020.csv").read_bytes(), "central.csv", by=None,
                            publish_now=True)
    district = services.import_catalog(bureaus["district"], 2026, CatalogKind.purchase,
                                       (CATALOGS / "purchase_demo_dongcheng_2026.csv").read_bytes(), "demo.csv",
                                       by=None, publish_now=True)
    assert {i.code for i in district.purchase_items} >= {"A1001", "A1004"}
    catalog = services.effective_catalog(bureaus["street"].region, 2026)
    assert catalog.get("A10").inherited and catalog.get("A1004").negative


def test_references_to_conditions_and_functions_must_resolve_in_published_catalogs(bureaus, csv_bytes,
                                                                                   city_references):
    header = "code,name,required_conditions,preferred_conditions,functions"
    with pytest.raises(ImportRejected) as rejected:
        services.import_catalog(bureaus["city"], 2026, CatalogKind.purchase, csv_bytes(
            header, "A,公共服务,,,", "A10,社会治理服务,SD-R1;NOPE-1,SD-P1,F001", "A11,社区服务,SD-R1,,F999",
            "A12,养老服务,,NOPE-2,"), "refs.csv", by=None)
    assert [(e.line, "NOPE-1" in e.message or "F999" in e.message or "NOPE-2" in e.message)
            for e in rejected.value.errors] == [(3, True), (4, True), (5, True)]
    # The qualification catalog of another year does not count.
    with pytest.raises(ImportRejected):
        services.import_catalog(bureaus["city"], 2027, CatalogKind.purchase, csv_bytes(header, "A,公共服务,SD-R1,,"),
                                "refs.csv", by=None)
    ok = services.import_catalog(bureaus["city"], 2026, CatalogKind.purchase, csv_bytes(
        header, "A,公共服务,,,", "A10,社会治理服务,SD-R1;TPL-R1,SD-P1,F001"), "refs.csv", by=None)
    assert ok.purchase_items[1].required_conditions == "SD-R1;TPL-R1"


def test_templates_download_in_both_formats(client):
    csv_text = client.get("/catalogs/template/qualification.csv").get_data().decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "code,condition,kind,rule,source"
    sheet = load_workbook(io.BytesIO(client.get("/catalogs/template/purchase.xlsx").data)).active
    assert [c.value for c in sheet[1]][:2] == ["code", "name"]


def test_public_pages_show_published_catalogs_and_mark_the_negative_list(client, bureaus,
                                                                        published_city_and_district):
    city, district = published_city_and_district
    db.session.commit()
    index = client.get("/catalogs/").get_data(as_text=True)
    assert city.title in index and district.title in index
    page = client.get(f"/catalogs/{district.id}").get_data(as_text=True)
    assert 'class="level-3 negative"' in page and "设置公益性岗位不属于购买服务" in page
    effective = client.get("/catalogs/effective/110101001?year=2026").get_data(as_text=True)
    assert "社区治理服务" in effective and "货物和工程" in effective
    assert client.get(f"/catalogs/{district.id}.csv").status_code == 200


def test_drafts_are_not_public(client, bureaus, csv_bytes):
    draft = services.import_catalog(bureaus["district"], 2026, CatalogKind.purchase,
                                    csv_bytes("code,name", "A,公共服务"), "d.csv", by=None)
    db.session.commit()
    assert client.get(f"/catalogs/{draft.id}").status_code == 404
    assert draft.title not in client.get("/catalogs/").get_data(as_text=True)


def test_version_diff_page(client, bureaus, csv_bytes):
    old = services.import_catalog(bureaus["city"], 2026, CatalogKind.purchase,
                                  csv_bytes("code,name", "A,公共服务", "A10,社会治理服务"), "1.csv", by=None,
                                  publish_now=True)
    new = services.import_catalog(bureaus["city"], 2026, CatalogKind.purchase,
                                  csv_bytes("code,name,negative,negative_reason", "A,公共服务,否,",
                                            "A10,社会治理服务,是,改为政府直接履职"), "2.csv", by=None,
                                  publish_now=True)
    db.session.commit()
    html = client.get(f"/catalogs/diff/{old.id}/{new.id}").get_data(as_text=True)
    assert "移入负面清单" in html


def test_catalog_list_issues_the_same_number_of_queries_for_2_or_8_versions(client, bureaus, csv_bytes,
                                                                           count_queries):
    def publish_versions(n):
        for i in range(n):
            services.import_catalog(bureaus["city"], 2020 + i, CatalogKind.purchase,
                                    csv_bytes("code,name", "A,公共服务", "A10,社会治理服务"), f"{i}.csv", by=None,
                                    publish_now=True)
        db.session.commit()

    publish_versions(2)
    with count_queries() as few:
        assert "2020" in client.get("/catalogs/").get_data(as_text=True)
    publish_versions(8)  # 2020–2021 get a second version, 2022–2027 their first
    with count_queries() as many:
        html = client.get("/catalogs/").get_data(as_text=True)
    assert "2027" in html and few.count == many.count
