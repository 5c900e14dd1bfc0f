"""Catalog import benchmark: a 10,000-row purchase catalog (.xlsx, the importer's own column layout) through the real
import path, `catalog.services.import_catalog`, as `flask catalogs import --draft` runs it. Goal: under 10 s.

    .venv/bin/python -m bench.import_bench --database-url sqlite:////tmp/demo.db [--rows 10000] [--issuer 110101]
        [--profile] [--keep] [--json /tmp/import.json]

The rows are realistic: a four-level code tree (A … A01 … A0101 … A010101), names and descriptions from the
benchmark vocabulary, unit standards, price ranges, a few negative-list items with their reason, and required /
preferred qualification conditions and function items that the issuer's published catalogs really define (so
every row passes the importer's reference checks). The file is written by `catalog.io.to_xlsx`, the exporter.

Timed phases: reading the workbook, checking every row (`check_file`), writing the draft (`import_catalog`,
which checks again and inserts), and the commit. The imported draft is deleted afterwards (--keep leaves it):
drafts never apply to tenders, but nobody wants 10,000 bench rows in the catalog list.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import procs

UNITS = ("元/人次", "元/户·年", "元/小时", "元/场", "元/项目", "元/人·月", "元/个案")
NEGATIVE_REASONS = ("属于政府必须自行履行的职责", "属于货物或工程，不属于服务", "劳务派遣、购买岗位（只买服务不养人）")


def catalog_rows(count: int, conditions: list[str], functions: list[str], seed: int = 1) -> list[list]:
    """`count` rows in the purchase layout (header first), a tree whose every parent comes before its children."""
    from bench import vocabulary  # imports marketplace: only once DATABASE_URL is set
    from marketplace.catalog.io import COLUMNS
    from marketplace.catalog.models import CatalogKind

    rng = random.Random(seed)
    names = [(name, words.split()) for _code, name, words in vocabulary.SERVICES]
    rows: list[list] = []

    def add(code: str, level: int) -> None:
        name, words = rng.choice(names)
        place = rng.choice(list(vocabulary.DISTRICTS))
        negative = level == 4 and rng.random() < 0.02
        low = rng.randrange(50, 5000, 50)
        rows.append([
            code, f"{name}（{'、'.join(rng.sample(words, 2))}）" if level > 2 else name,
            f"面向{place}{rng.choice(words)}对象，提供{rng.choice(words)}、{rng.choice(words)}等服务；"
            f"{rng.choice(vocabulary.GENERAL)}。" if level > 1 else "",
            rng.choice(UNITS) if level > 2 else "", low if level > 2 else "",
            low * rng.randint(2, 20) if level > 2 else "",
            "是" if negative else "否", rng.choice(NEGATIVE_REASONS) if negative else "",
            ";".join(rng.sample(conditions, min(len(conditions), rng.randint(0, 3)))) if level > 2 else "",
            ";".join(rng.sample(conditions, min(len(conditions), rng.randint(0, 2)))) if level > 2 else "",
            ";".join(rng.sample(functions, min(len(functions), rng.randint(0, 1)))) if level > 2 else "",
        ])

    # 5 × 20 × 10 × 10 = 10,000 leaves at most; the tree is cut where the count is reached.
    letters = "ABCDEFGHJK"
    for first in letters:
        add(first, 1)
        for second in range(1, 21):
            add(f"{first}{second:02d}", 2)
            for third in range(1, 11):
                add(f"{first}{second:02d}{third:02d}", 3)
                for fourth in range(1, 10):
                    if len(rows) >= count:
                        return [COLUMNS[CatalogKind.purchase], *rows]
                    add(f"{first}{second:02d}{third:02d}{fourth:02d}", 4)
    return [COLUMNS[CatalogKind.purchase], *rows]


def run(args) -> dict:
    from sqlalchemy import delete

    from marketplace.catalog import io as catalog_io
    from marketplace.catalog import services
    from marketplace.catalog.models import CatalogKind, PurchaseItem
    from marketplace.common.csvrows import read_table
    from marketplace.extensions import db

    issuer = services.issuer_for_region(args.issuer, by="bench")
    references = services.References.applicable_to(issuer, args.year)
    rows = catalog_rows(args.rows, sorted(references.conditions), sorted(references.functions), args.seed)
    content = catalog_io.to_xlsx(rows)
    db.session.commit()  # issuer_for_region may have created the body; the timed part starts clean
    report = {"rows": len(rows) - 1, "file_kb": round(len(content) / 1024), "issuer": issuer.name, "year": args.year,
              "conditions_referenced": len(references.conditions), "functions_referenced": len(references.functions)}

    t0 = time.perf_counter()
    read_table(content, "bench.xlsx")
    t1 = time.perf_counter()
    services.check_file(issuer, args.year, CatalogKind.purchase, content, "bench.xlsx")
    t2 = time.perf_counter()
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    t3 = time.perf_counter()
    version = services.import_catalog(issuer, args.year, CatalogKind.purchase, content, "bench.xlsx", by="bench")
    t4 = time.perf_counter()
    db.session.commit()
    t5 = time.perf_counter()
    if profiler:
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        report["profile"] = out.getvalue()
    total = t5 - t3
    report |= {"read_xlsx_s": round(t1 - t0, 2), "check_file_s": round(t2 - t1, 2),
               "import_catalog_s": round(t4 - t3, 2), "commit_s": round(t5 - t4, 2), "import_total_s": round(total, 2),
               "rows_per_s": round(report["rows"] / total), "goal_under_10_s": total < 10,
               "version": f"v{version.number} ({version.status.value})"}
    if not args.keep:
        version_id = version.id
        db.session.execute(delete(PurchaseItem).where(PurchaseItem.version_id == version_id))
        db.session.delete(version)
        db.session.commit()
        report["version"] += ", deleted after timing"
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--issuer", default="110101", help="division code of the issuing region (demo: 110101)")
    parser.add_argument("--year", type=int, default=datetime.now(UTC).year)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", action="store_true", help="cProfile the import (top 25 by cumulative time)")
    parser.add_argument("--keep", action="store_true", help="keep the imported draft")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url (or DATABASE_URL) is required")
    if not 1 <= args.rows <= 50_000:
        parser.error("--rows: 1 to 50,000 (the importer's own limit)")
    os.environ.update(procs.app_env(args.database_url))
    from marketplace import create_app

    app = create_app()
    with app.app_context(), app.test_request_context():
        report = run(args)
    report["database"] = args.database_url.split("@")[-1]
    profile = report.pop("profile", None)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    if profile:
        print(profile)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    return 0 if report["goal_under_10_s"] else 1


if __name__ == "__main__":
    sys.exit(main())
