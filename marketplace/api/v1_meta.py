"""/api/v1: the index, the OpenAPI document, the change feed, the audit roots, single needs and catalogs; and the
documentation page /api/. The OpenAPI document and the page are both made from the registry."""

from datetime import UTC, date, datetime

from flask import current_app, render_template
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from marketplace.audit.models import AuditEvent
from marketplace.catalog.models import CatalogVersion
from marketplace.extensions import db
from marketplace.needs.models import Need
from marketplace.regions.models import GovernmentBody

from . import schemas as s
from . import serialize as out
from .blueprint import bp
from .changes import changes_after
from .jsonvalues import public_url
from .registry import OPERATIONS, SCHEMAS, Param, operation
from .v1_procurement import _not_found
from .v1_public import PUBLIC_CATALOG

TAG_ORDER = ["采购", "合同与项目", "社会组织", "目录", "群众需求", "统计", "变更与审计", "OCDS", "说明"]


@operation(bp, "/v1/changes", summary="变更流：公开对象的每一次变更，按顺序（镜像站据此同步）", tag="变更与审计",
           response=s.CHANGES, example="/api/v1/changes?since=0", params=[
               Param("since", {"type": "string", "pattern": r"^\d{1,12}$", "maxLength": 12},
                     "上次返回的 next_cursor（首次用 0）"),
               Param("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 500},
                     "每次最多检查的审计事件数")])
def changes(args):
    since = int(args["since"] or 0)
    found, last = changes_after(since, args["limit"] or 500)
    return {"data": [c.as_dict() for c in found], "next_cursor": str(last),
            "next": public_url("api.changes", since=str(last), limit=args["limit"] or 500)}


@operation(bp, "/v1/audit/roots", summary="审计链每日根哈希（当天最后一条事件的哈希，按 UTC 日期）", tag="变更与审计",
           response=s.ROOTS, example="/api/v1/audit/roots?since=2026-01-01",
           params=[Param("since", {"type": "string", "format": "date"}, "起始日期")])
def audit_roots(args):
    return {"data": roots_since(args["since"])}


def roots_since(since: date | None) -> list[dict]:
    """audit.services.daily_roots with `since` inside the query: the chain grows every day, and computing every
    day's root to drop most of them would cost more each year."""
    last_of_day = select(func.max(AuditEvent.seq)).group_by(func.date(AuditEvent.at))
    if since is not None:  # days are UTC dates, as daily_roots counts them
        last_of_day = last_of_day.where(AuditEvent.at >= datetime(since.year, since.month, since.day, tzinfo=UTC))
    rows = db.session.execute(select(AuditEvent.at, AuditEvent.seq, AuditEvent.hash)
                              .where(AuditEvent.seq.in_(last_of_day)).order_by(AuditEvent.seq)).all()
    return [{"date": at.date().isoformat(), "seq": seq, "hash": h} for at, seq, h in rows]


@operation(bp, "/v1/needs/{need_id}", summary="一条群众需求", tag="群众需求", response=s.NEED,
           example="/api/v1/needs/1", params=[
               Param("need_id", {"type": "integer", "minimum": 1}, "需求 id", location="path", required=True)])
def need(args, need_id):
    row = db.session.execute(select(Need).where(Need.id == need_id)
                             .options(joinedload(Need.community), joinedload(Need.office))).scalar_one_or_none()
    if row is None:
        _not_found("need")
    return out.need(row, out.published_tenders([row.tender_id]))


@operation(bp, "/v1/catalogs/{catalog_id}", summary="一个目录版本", tag="目录", response=s.CATALOG,
           example="/api/v1/catalogs/1", params=[
               Param("catalog_id", {"type": "integer", "minimum": 1}, "目录版本 id", location="path", required=True)])
def catalog(args, catalog_id):
    row = db.session.execute(select(CatalogVersion).where(CatalogVersion.id == catalog_id, PUBLIC_CATALOG).options(
        joinedload(CatalogVersion.issuer).joinedload(GovernmentBody.region))).scalar_one_or_none()
    if row is None:
        _not_found("catalog")
    return out.catalog(row)


@operation(bp, "/v1", summary="接口索引", tag="说明", response=s.INDEX, example="/api/v1")
def index(args):
    return {"name": "政社通开放数据接口 ZhengShe open data API", "openapi": public_url("api.openapi"),
            "documentation": public_url("api.documentation"),
            "operations": [{"path": "/api" + op.path, "summary": op.summary, "example": op.example}
                           for op in OPERATIONS]}


def openapi_document() -> dict:
    paths = {}
    for op in OPERATIONS:
        parameters = [{"name": p.name, "in": p.location, "required": p.required or p.location == "path",
                       "description": p.description, "schema": p.schema} for p in op.params]
        responses = {"200": {"description": "OK", "content": {op.media_type: {"schema": op.response}}},
                     "304": {"description": "未变化（If-None-Match 与 ETag 相同）"},
                     "429": {"description": "请求过于频繁", "content": {"application/json": {"schema": s.ERROR}}}}
        if op.params:
            responses["400"] = {"description": "参数错误", "content": {"application/json": {"schema": s.ERROR}}}
        if any(p.location == "path" for p in op.params):
            responses["404"] = {"description": "不存在", "content": {"application/json": {"schema": s.ERROR}}}
        paths["/api" + op.path] = {"get": {"operationId": op.endpoint, "summary": op.summary, "tags": [op.tag],
                                           "parameters": parameters, "responses": responses}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "政社通开放数据接口 ZhengShe open data API", "version": "1",
                 "description": "政府购买社会服务的公开数据：目录、社会组织、采购、成交、合同、项目、评估、需求、统计、"
                                "变更流与 OCDS 1.1。只读；匿名访问限流，持 X-API-Key 限额更高。"},
        "servers": [{"url": current_app.config["PUBLIC_URL"]}],
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "security": [{}, {"apiKey": []}],
        "tags": [{"name": t} for t in TAG_ORDER],
        "paths": paths,
        "components": {"schemas": dict(SCHEMAS),
                       "securitySchemes": {"apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}},
    }


@operation(bp, "/v1/openapi.json", summary="本接口的 OpenAPI 3.1 文档", tag="说明", response=s.OPENAPI,
           example="/api/v1/openapi.json")
def openapi(args):
    return openapi_document()


@bp.get("/api/")
def documentation():
    groups = {tag: [op for op in OPERATIONS if op.tag == tag] for tag in TAG_ORDER}
    return render_template("api/index.html", groups=groups, prefix=current_app.config["OCDS_PREFIX"],
                           scheme=current_app.config["OCDS_SCHEME"])
