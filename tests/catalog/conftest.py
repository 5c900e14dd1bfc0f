from pathlib import Path

import pytest

from marketplace.catalog import services
from marketplace.catalog.models import CatalogKind
from marketplace.regions.models import BodyKind


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture
def bureaus(make_body):
    """A city-level and a district-level civil-affairs bureau, and a street office in the district."""
    return {
        "city": make_body(BodyKind.civil_affairs, "110000", name="北京市民政局"),
        "district": make_body(BodyKind.civil_affairs, "110101", name="东城区民政局"),
        "street": make_body(BodyKind.street_office, "110101001", name="东华门街道办事处"),
    }


@pytest.fixture
def published_city_and_district(bureaus):
    """City: A › A10 › A1001 (allowed) and A1002 (negative). District adds A1003, tries to re-allow A1002."""
    city = services.import_catalog(bureaus["city"], 2026, CatalogKind.purchase, _csv(
        "code,name,negative,negative_reason",
        "A,公共服务,否,",
        "A10,社会治理服务,否,",
        "A1001,社区治理服务,否,",
        "A1002,网格员劳务派遣,是,以劳务派遣方式用工属于负面清单",
    ), "city.csv", by=None, publish_now=True)
    district = services.import_catalog(bureaus["district"], 2026, CatalogKind.purchase, _csv(
        "code,name,negative,negative_reason",
        "A1002,网格员服务（区级改写）,否,",
        "A1003,社区矫正社会工作服务,否,",
        "A1004,社区公益岗位,是,设置公益性岗位不属于购买服务",
    ), "district.csv", by=None, publish_now=True)
    return city, district


@pytest.fixture
def csv_bytes():
    return _csv


CATALOGS = Path(__file__).resolve().parents[2] / "catalogs"


@pytest.fixture
def city_references(bureaus):
    """The shipped qualification and function-transfer samples, published by the city for 2026."""
    return {kind: services.import_catalog(bureaus["city"], 2026, kind, (CATALOGS / name).read_bytes(), name,
                                          by=None, publish_now=True)
            for kind, name in [(CatalogKind.qualification, "qualification_sample.csv"),
                               (CatalogKind.function, "function_transfer_sample.csv")]}
