"""Convert the project's reference data (../shared/data) into the platform's import layouts.

Run once from the repository root: `python catalogs/convert_reference.py ../shared/data`. The outputs are
committed; this script documents exactly how they were derived.
"""

import csv
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent

# Only checks that the rule language can express faithfully are converted; the rest need a person ("manual").
QUALIFICATION_RULES = {
    "SD-R1": "registered_type in {社会团体, 民办非企业单位, 基金会}",
    "SD-R6": "years_without_major_violation >= 3",
    "SD-R7": "last_annual_inspection == 合格 and not on_abnormal_list and not on_serious_violation_list",
    "SD-P1": "grade >= 3A",
    "SD-P2": "tax_exempt",
    "LH-P2": "tax_exempt",
    "TPL-R1": "last_annual_inspection == 合格",
    "TPL-R2": "years_without_major_violation >= 2",
    "GP-R5": "years_without_major_violation >= 3",
}


def write(name: str, header: list[str], rows: list[list[str]]) -> None:
    with (OUT / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def main(source: Path) -> None:
    with (source / "guiding_catalog_central_2020.csv").open(encoding="utf-8") as handle:
        central = [[r["code"], r["level2"] or r["level1"], r["notes"]] for r in csv.DictReader(handle)]
    write("purchase_central_2020.csv", ["code", "name", "description"], central)

    with (source / "function_transfer_catalog_sample.csv").open(encoding="utf-8") as handle:
        functions = [[f"F{i:03d}", r["department"], r["function_name"], r["transfer_mode"], r["undertaker_type"],
                      "transferred" if "签" in r["transfer_mode"] else "planned", r["notes"]]
                     for i, r in enumerate(csv.DictReader(handle), start=1)]
    write("function_transfer_sample.csv",
          ["code", "department", "function_name", "transfer_mode", "undertaker_type", "status", "notes"], functions)

    with (source / "qualification_catalog_sample.csv").open(encoding="utf-8") as handle:
        conditions = [[r["code"], r["condition"], r["kind"], QUALIFICATION_RULES.get(r["code"], "manual"),
                       f"{r['source']} | original check: {r['check']}"] for r in csv.DictReader(handle)]
    write("qualification_sample.csv", ["code", "condition", "kind", "rule", "source"], conditions)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
