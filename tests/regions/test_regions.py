from pathlib import Path

import pytest

from marketplace.common.csvrows import ImportRejected
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.regions.models import BodyKind, Region, RegionLevel
from marketplace.regions.services import create_body, import_divisions, import_divisions_file, region_by_code

DIVISIONS = Path(__file__).resolve().parents[2] / "data" / "regions" / "divisions.csv"


def test_the_shipped_divisions_build_the_tree():
    report = import_divisions_file(DIVISIONS)
    assert report.created == 68
    community = region_by_code("110101001001")
    assert [r.level for r in community.ancestors()] == [
        RegionLevel.province, RegionLevel.city, RegionLevel.district, RegionLevel.street]
    assert community.full_name.startswith("北京市东城区东华门街道")
    assert len(region_by_code("110101").children) == 17


def test_a_file_with_three_bad_rows_reports_all_three_and_imports_nothing():
    csv = (
        "code,name,level,parent_code\n"
        "110000,北京市,province,\n"
        "110100,市辖区,city,110000\n"
        "1101,东城区,district,110100\n"          # line 4: code too short
        "110101,东城区,district,110100\n"
        "110101001,东华门街道,town,110101\n"     # line 6: unknown level
        "110102001,错位街道,street,110101\n"     # line 7: does not start with its parent
    )
    with pytest.raises(ImportRejected) as rejected:
        import_divisions(csv)
    assert [e.line for e in rejected.value.errors] == [4, 6, 7]
    assert "6 位数字" in str(rejected.value.errors[0])
    assert db.session.query(Region).count() == 0


def test_a_missing_parent_is_reported():
    with pytest.raises(ImportRejected) as rejected:
        import_divisions("code,name,level,parent_code\n110101,东城区,district,110100\n")
    assert "上级区划 “110100” 不存在" in rejected.value.errors[0].message


def test_reimport_updates_instead_of_duplicating():
    import_divisions_file(DIVISIONS)
    again = import_divisions_file(DIVISIONS)
    assert again.created == 0 and again.updated == 68


def test_street_offices_sit_on_streets_only(make_region):
    district = make_region("110101")
    with pytest.raises(DomainError):
        create_body("错误的街道办", BodyKind.street_office, district)
    assert create_body("东城区民政局", BodyKind.civil_affairs, district).region is district


def test_region_pages_are_public(client, make_region, make_body):
    make_body(BodyKind.street_office, "110101001", name="东华门街道办事处")
    db.session.commit()
    page = client.get("/regions/110101001").get_data(as_text=True)
    assert "东华门街道办事处" in page
    assert client.get("/regions/999999").status_code == 404


def test_subtrees_are_found_by_the_significant_prefix_of_each_level():
    import_divisions_file(DIVISIONS)
    beijing, dongcheng, street = region_by_code("110000"), region_by_code("110101"), region_by_code("110101001")
    assert (beijing.code_prefix, dongcheng.code_prefix, street.code_prefix) == ("11", "110101", "110101001")
    assert beijing.contains(street) and dongcheng.contains(street) and not street.contains(dongcheng)
    assert not region_by_code("310000").contains(dongcheng)
