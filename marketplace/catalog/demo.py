"""Demo catalogs: the reference data issued by 北京市民政局 and the district's own (marked demo) items."""

from pathlib import Path

from flask import current_app

from marketplace.regions.models import BodyKind
from marketplace.regions.services import create_body, region_by_code

from . import services
from .models import CatalogKind

YEAR = 2026
CITY_FILES = [
    (CatalogKind.purchase, "purchase_central_2020.csv"),
    (CatalogKind.function, "function_transfer_sample.csv"),
    (CatalogKind.qualification, "qualification_sample.csv"),
]
DRAFT_ROW = ("A1005,【演示】社区心理服务,演示数据 DEMO ROW：心理健康讲座与个案咨询,项目/年,50000,300000,否,,"
             "SD-R1,SD-P1,\n")
BUDGET_LINES = [("A1001", "480000", "2026年东城区区级财政预算"), ("A0401", "300000", "2026年东城区区级财政预算")]


def load(district_bureau, street_office) -> None:
    """City catalogs (published), the district's additions (published, plus a draft) and budget lines."""
    folder = Path(current_app.root_path).parent / "catalogs"
    city = create_body("北京市民政局", BodyKind.civil_affairs, region_by_code("110000"))
    for kind, name in CITY_FILES:
        services.import_catalog(city, YEAR, kind, (folder / name).read_bytes(), name, by="demo", publish_now=True)
    district_file = folder / "purchase_demo_dongcheng_2026.csv"
    services.import_catalog(district_bureau, YEAR, CatalogKind.purchase, district_file.read_bytes(),
                            district_file.name, by="demo", publish_now=True)
    draft = district_file.read_text(encoding="utf-8") + DRAFT_ROW
    services.import_catalog(district_bureau, YEAR, CatalogKind.purchase, draft.encode("utf-8"), "draft.csv",
                            by="demo")
    for code, amount, source in BUDGET_LINES:
        services.set_budget_line(street_office, YEAR, code, amount, source, by="demo")
