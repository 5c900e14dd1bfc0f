"""Validation of OCDS output against the official 1.1 schemas (offline), plus the checks a schema cannot make."""

import json
import os
from datetime import datetime
from pathlib import Path

from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

# The official OCDS 1.1.5 schemas, unmodified, kept beside the tests so validation needs neither the network nor a
# checkout next door (source and commit in ocds_schemas/README.md).
SCHEMA_DIR = Path(os.environ.get("OCDS_SCHEMA_DIR", Path(__file__).resolve().parent / "ocds_schemas"))


def _registry() -> tuple[Registry, dict]:
    schemas = {p.name: json.loads(p.read_text()) for p in SCHEMA_DIR.glob("*.json")}
    # Every file under its own id, so $refs between them resolve from disk, never from the network.
    registry = Registry().with_resources(
        (s["id"], Resource.from_contents(s, default_specification=DRAFT4)) for s in schemas.values())
    return registry, schemas


def schema_errors(document: dict, kind: str) -> list[str]:
    """Every schema error of a release package ("release-package"), record package ("record-package") or
    release ("release"), as readable lines."""
    registry, schemas = _registry()
    errors = []

    def check(instance, schema):
        validator = Draft4Validator(schema, registry=registry, format_checker=FormatChecker())
        errors.extend(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance))

    if kind == "release":
        check(document, schemas["release-schema.json"])
    else:
        check(document, schemas[f"{kind}-schema.json"])
    if kind == "release-package":
        for release in document["releases"]:
            check(release, schemas["dereferenced-release-schema.json"])
    if kind == "record-package":
        for record in document["records"]:
            check(record["compiledRelease"], schemas["release-schema.json"])
    return errors


ROLE_OF_REFERENCE = {("buyer",): "buyer", ("tender", "procuringEntity"): "procuringEntity",
                     ("tender", "tenderers"): "tenderer", ("awards", "suppliers"): "supplier",
                     ("contracts", "implementation", "transactions", "payer"): "payer",
                     ("contracts", "implementation", "transactions", "payee"): "payee"}


def _refs(node, path: tuple):
    """Organization references found at `path` (lists are walked through)."""
    if not path:
        yield from (node if isinstance(node, list) else [node])
        return
    if isinstance(node, list):
        for item in node:
            yield from _refs(item, path)
    elif isinstance(node, dict) and path[0] in node:
        yield from _refs(node[path[0]], path[1:])


def _id_arrays(node, where="release"):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _id_arrays(value, f"{where}.{key}")
    elif isinstance(node, list):
        if node and all(isinstance(i, dict) and "id" in i for i in node):
            yield where, [str(i["id"]) for i in node]
        for item in node:
            yield from _id_arrays(item, where + "[]")


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def reference_problems(release: dict) -> list[str]:
    """Organization references resolve to a party with the right role; ids unique within each array; dates in
    order (tender period, contract period, amendments, transactions up to the release date)."""
    problems = []
    parties = {p["id"]: p for p in release.get("parties", [])}
    for path, role in ROLE_OF_REFERENCE.items():
        for ref in _refs(release, path):
            party = parties.get(ref["id"])
            if party is None:
                problems.append(f"{'.'.join(path)} {ref['id']} is not a party")
            elif role not in party.get("roles", []):
                problems.append(f"{'.'.join(path)} {ref['id']} lacks the role {role}")
            elif party["name"] != ref["name"]:
                problems.append(f"{'.'.join(path)} {ref['id']} is named differently from its party")
    for where, ids in _id_arrays(release):
        if len(ids) != len(set(ids)) and not where.endswith("releases"):
            problems.append(f"{where}: duplicate ids {ids}")
    released = _when(release["date"])
    tender = release.get("tender", {})
    for period in [tender.get("tenderPeriod"), tender.get("enquiryPeriod"),
                   *[c.get("period") for c in release.get("contracts", [])]]:
        if period and "startDate" in period and "endDate" in period \
                and _when(period["startDate"]) > _when(period["endDate"]):
            problems.append(f"period ends before it starts: {period}")
    dated = [a["date"] for a in tender.get("amendments", [])] + [a["date"] for a in release.get("awards", [])]
    for contract in release.get("contracts", []):
        dated += [t["date"] for t in contract.get("implementation", {}).get("transactions", [])]
        dated += [a["date"] for a in contract.get("amendments", [])]
        dated += [m["dateMet"] for m in contract.get("milestones", []) if "dateMet" in m]
    problems += [f"{d} is after the release date {release['date']}" for d in dated if _when(d) > released]
    return problems


def package_problems(package: dict) -> list[str]:
    releases = package["releases"]
    problems = [p for r in releases for p in reference_problems(r)]
    dates = [_when(r["date"]) for r in releases]
    if dates != sorted(dates):
        problems.append("releases are not in date order")
    ids = [r["id"] for r in releases]
    if len(ids) != len(set(ids)):
        problems.append("release ids repeat")
    return problems
