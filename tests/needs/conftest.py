"""A district with a civil-affairs bureau, a street office, two communities and a published purchase catalog."""

import itertools
from types import SimpleNamespace

import pytest

from marketplace.catalog import services as catalog
from marketplace.catalog.models import CatalogKind
from marketplace.needs import services
from marketplace.regions.models import BodyKind

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
_serial = itertools.count(1)


@pytest.fixture
def place(frozen_now, make_body, make_region):
    """东城区民政局 over 东华门街道办事处, whose communities 多福巷 and 韶九 raise needs; the city's 2026 catalog."""
    city = make_body(BodyKind.civil_affairs, "110000", name="北京市民政局")
    district = make_body(BodyKind.civil_affairs, "110101", name="东城区民政局")
    office = make_body(BodyKind.street_office, "110101001", name="东华门街道办事处")
    community = make_region("110101001001", name="多福巷社区")
    other = make_region("110101001002", name="韶九社区")
    catalog.import_catalog(city, 2026, CatalogKind.purchase, (
        "code,name,negative,negative_reason\n"
        "A,公共服务,否,\nA04,社会保障服务,否,\nA0401,养老服务,否,\nA10,社会治理服务,否,\n"
        "A1001,社区治理服务,否,\nA1004,社区网格员劳务派遣,是,以劳务派遣方式用工属于负面清单\n"
    ).encode(), "city.csv", by=None, publish_now=True)
    return SimpleNamespace(district=district, office=office, community=community, other=other)


def need_values(community, **overrides) -> dict:
    values = {"community": community, "item_code": "A0401", "title": f"社区老年人助餐服务需求{next(_serial)}",
              "description": "楼里独居老人多，希望有社区食堂送餐。", "contact_phone": ""}
    return values | overrides


@pytest.fixture
def make_need(place, make_user):
    """A need submitted today by a fresh resident (or `by`), in 多福巷社区 unless told otherwise."""

    def make(by=None, photos=(), **overrides):
        submitter = by or make_user("resident")
        return services.submit_need(need_values(overrides.pop("community", place.community), **overrides),
                                    list(photos), by=submitter)

    return make
