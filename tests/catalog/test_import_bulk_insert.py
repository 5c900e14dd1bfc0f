"""The importer writes its rows in one INSERT (not an ORM object per row): what it leaves must be what it was before —
the version's items readable at once, every column as parsed, and search told about the published items."""

from decimal import Decimal

from sqlalchemy import select

from marketplace.catalog import services
from marketplace.catalog.models import CatalogKind
from marketplace.extensions import db
from marketplace.search import documents
from marketplace.search.services import SearchQueue


def test_imported_rows_are_the_versions_items_with_every_column(bureaus, csv_bytes):
    version = services.import_catalog(bureaus["city"], 2026, CatalogKind.purchase, csv_bytes(
        "code,name,description,unit_standard,price_min,price_max,negative,negative_reason",
        "A,公共服务,,,,,否,",
        "A10,社会治理服务,社区营造,项目,50000,500000.5,否,",
        "A1002,网格员劳务派遣,,,,,是,以劳务派遣方式用工属于负面清单",
    ), "city.csv", by=None)
    items = {item.code: item for item in version.items}
    assert sorted(items) == ["A", "A10", "A1002"]
    assert (items["A10"].level, items["A10"].parent_code, items["A10"].unit_standard) == (2, "A", "项目")
    assert (items["A10"].price_min, items["A10"].price_max) == (Decimal("50000"), Decimal("500000.50"))
    assert items["A1002"].negative and items["A1002"].negative_reason == "以劳务派遣方式用工属于负面清单"
    assert items["A"].required_conditions == "" and items["A"].description is None


def test_publishing_an_imported_catalog_queues_all_its_items_for_search(bureaus, csv_bytes):
    version = services.import_catalog(bureaus["city"], 2026, CatalogKind.purchase, csv_bytes(
        "code,name", "A,公共服务", "A10,社会治理服务", "A1001,社区治理服务"), "city.csv", by=None, publish_now=True)
    db.session.flush()
    queued = db.session.execute(select(SearchQueue.kind, SearchQueue.object_id)).all()
    assert ("catalog_version", version.id) in queued
    assert documents.expand(queued)["item"] >= {item.id for item in version.items}
