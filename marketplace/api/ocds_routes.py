"""OCDS endpoints: a release package and a record package per contracting process, and a bulk release package."""

from datetime import timedelta

from flask import Response, abort, stream_with_context

from marketplace.common import clock
from marketplace.extensions import on_replica

from . import http
from .blueprint import bp
from .jsonvalues import public_url
from .ocds import packages
from .registry import Param, operation, schema

OCID = Param("ocid", {"type": "string", "maxLength": 100}, "开放缔约标识（ocds-前缀-项目编号）", location="path",
             required=True)
PACKAGE = {"type": "object", "required": ["uri", "version", "publisher", "publishedDate"],
           "properties": {"uri": {"type": "string"}, "version": {"const": "1.1"},
                          "extensions": {"type": "array", "items": {"type": "string"}},
                          "publishedDate": {"type": "string"}, "publisher": {"type": "object"}}}
RELEASE_PACKAGE = schema("OcdsReleasePackage", {
    **PACKAGE, "description": "https://standard.open-contracting.org/schema/1__1__5/release-package-schema.json",
    "required": [*PACKAGE["required"], "releases"],
    "properties": {**PACKAGE["properties"], "releases": {"type": "array", "items": {"type": "object"}}}})
RECORD_PACKAGE = schema("OcdsRecordPackage", {
    **PACKAGE, "description": "https://standard.open-contracting.org/schema/1__1__5/record-package-schema.json",
    "required": [*PACKAGE["required"], "records"],
    "properties": {**PACKAGE["properties"], "records": {"type": "array", "items": {"type": "object"}}}})
OCDS_JSON = "application/json"


def _tender(ocid: str):
    tender = packages.tender_for_ocid(ocid)
    if tender is None:
        abort(http.error_response(404, "no such contracting process"))
    return tender


@operation(bp, "/ocds/releases/{ocid}.json", summary="一个采购项目的全部 OCDS 发布（release package）",
           tag="OCDS", response=RELEASE_PACKAGE, params=[OCID], example="/api/ocds/releases/{ocid}.json")
def ocds_releases(args, ocid):
    return packages.release_package(_tender(ocid))


@operation(bp, "/ocds/records/{ocid}.json", summary="一个采购项目的 OCDS 记录（含合并后的 compiledRelease）",
           tag="OCDS", response=RECORD_PACKAGE, params=[OCID], example="/api/ocds/records/{ocid}.json")
def ocds_record(args, ocid):
    return packages.record_package(_tender(ocid))


FROM = Param("from", {"type": "string", "format": "date"}, "起始日期（含，北京时间，YYYY-MM-DD）", required=True)
MAX_DAYS = 31  # each release is built from its process's facts: a month of a district's releases, streamed
TO = Param("to", {"type": "string", "format": "date"}, f"截止日期（含，北京时间）；最长 {MAX_DAYS} 天", required=True)


@operation(bp, "/ocds/releases.json", summary="日期范围内的全部 OCDS 发布（批量 release package）", tag="OCDS",
           response=RELEASE_PACKAGE, params=[FROM, TO], example="/api/ocds/releases.json?from=2026-01-01&to=2026-01-31")
def ocds_bulk(args):
    start, end = args["from"], args["to"]
    if start is None or end is None:
        abort(http.bad_request("from and to are required (YYYY-MM-DD)"))
    if not (2000 <= start.year <= 2200 and 2000 <= end.year <= 2200):
        abort(http.bad_request("dates must lie between the years 2000 and 2200"))
    if end < start or (end - start).days >= MAX_DAYS:
        abort(http.bad_request(f"to must be on or after from and the range at most {MAX_DAYS} days "
                               "(ask month by month)"))
    uri = public_url("api.ocds_bulk", **{"from": start.isoformat(), "to": end.isoformat()})
    chunks = packages.bulk_chunks(clock.local_midnight(start), clock.local_midnight(end + timedelta(days=1)), uri)
    # Streamed, so without an ETag: the package is written as its releases are built.
    return Response(stream_with_context(on_replica(chunks)), mimetype=OCDS_JSON)
