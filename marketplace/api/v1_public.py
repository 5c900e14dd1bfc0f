"""/api/v1: catalogs and their items, organizations (public fields), residents' needs (without personal data)
and statistics."""

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from marketplace.catalog.models import (
    CatalogKind,
    CatalogVersion,
    FunctionItem,
    PurchaseItem,
    QualificationCondition,
    VersionStatus,
)
from marketplace.common import clock
from marketplace.contracts.models import Contract
from marketplace.extensions import db
from marketplace.needs.models import Need, NeedStatus
from marketplace.organizations.models import Organization, OrgStatus, OrgType, ServiceField
from marketplace.organizations.services import current_grades
from marketplace.projects.queries import SIGNED
from marketplace.regions.models import GovernmentBody, Region
from marketplace.stats.queries import grade_counts
from marketplace.tenders.models import Tender

from . import schemas as s
from . import serialize as out
from .blueprint import bp
from .cursors import Sort, page
from .jsonvalues import moment, money
from .ocds.facts import PUBLIC_CONTRACT
from .registry import Param, operation
from .v1_procurement import CATEGORY, REGION, YEAR, _in_region, _not_found, _region, _tender_in_region

PUBLIC_CATALOG = CatalogVersion.status.in_([VersionStatus.published, VersionStatus.superseded])
PUBLIC_ORG_STATES = [OrgStatus.verified, OrgStatus.suspended, OrgStatus.revoked]


@operation(bp, "/v1/catalogs", summary="已发布的目录版本（职能转移、购买服务、承接资质）", tag="目录",
           response=s.page_of(s.CATALOG), cursor=True, example="/api/v1/catalogs?kind=purchase", params=[
               YEAR, Param("kind", {"type": "string", "enum": [k.value for k in CatalogKind]}, "目录类别")])
def catalogs(args):
    query = select(CatalogVersion).where(PUBLIC_CATALOG).options(
        joinedload(CatalogVersion.issuer).joinedload(GovernmentBody.region))
    if args["year"]:
        query = query.where(CatalogVersion.year == args["year"])
    if args["kind"]:
        query = query.where(CatalogVersion.kind == CatalogKind(args["kind"]))
    return page(query, Sort("catalogs", CatalogVersion.id, CatalogVersion.id, kind="int"), args, "catalogs",
                lambda rows: [out.catalog(v) for v in rows], key_of=lambda v: v.id)


ITEM_TABLES = {CatalogKind.purchase: (PurchaseItem, out.purchase_item),
               CatalogKind.function: (FunctionItem, out.function_item),
               CatalogKind.qualification: (QualificationCondition, out.condition)}


@operation(bp, "/v1/catalogs/{catalog_id}/items", summary="一个目录版本的条目", tag="目录",
           response=s.page_of(s.CATALOG_ITEM), cursor=True, example="/api/v1/catalogs/1/items", params=[
               Param("catalog_id", {"type": "integer", "minimum": 1}, "目录版本 id", location="path", required=True)])
def catalog_items(args, catalog_id):
    version = db.session.execute(select(CatalogVersion).where(CatalogVersion.id == catalog_id, PUBLIC_CATALOG)) \
        .scalar_one_or_none()
    if version is None:
        _not_found("catalog")
    model, serialize = ITEM_TABLES[version.kind]
    query = select(model).where(model.version_id == version.id)
    return page(query, Sort(f"items-{version.id}", model.code, model.id, descending=False, kind="str"), args,
                "catalog_items", lambda rows: [serialize(i) for i in rows], key_of=lambda i: i.code,
                catalog_id=catalog_id)


# -- organizations ------------------------------------------------------------------------------------------

ORG_LOAD = [selectinload(Organization.service_fields), joinedload(Organization.region)]


def _organizations(rows) -> list[dict]:
    grades = current_grades([o.id for o in rows], clock.today())
    return [out.organization(o, grades.get(o.id)) for o in rows]


@operation(bp, "/v1/organizations", summary="社会组织名录（公开信息，不含联系人与联系方式）", tag="社会组织",
           response=s.page_of(s.ORGANIZATION), cursor=True, example="/api/v1/organizations?region=110101", params=[
               REGION, Param("org_type", {"type": "string", "enum": [t.value for t in OrgType]}, "组织类型"),
               Param("field", {"type": "string", "pattern": r"^[A-Z][0-9A-Z]{0,15}$", "maxLength": 16},
                     "服务领域（购买服务目录编码）"),
               Param("status", {"type": "string", "enum": [st.value for st in PUBLIC_ORG_STATES]}, "状态")])
def organizations(args):
    query = select(Organization).where(Organization.status.in_(PUBLIC_ORG_STATES)).options(*ORG_LOAD)
    query = _in_region(query, Organization.region_id, args["region"])
    if args["org_type"]:
        query = query.where(Organization.org_type == OrgType(args["org_type"]))
    if args["field"]:
        query = query.where(select(ServiceField.id).where(ServiceField.organization_id == Organization.id,
                                                          ServiceField.item_code.startswith(args["field"])).exists())
    if args["status"]:
        query = query.where(Organization.status == OrgStatus(args["status"]))
    return page(query, Sort("organizations", Organization.id, Organization.id, descending=False, kind="int"), args,
                "organizations", _organizations, key_of=lambda o: o.id)


@operation(bp, "/v1/organizations/{organization_id}", summary="一个社会组织", tag="社会组织",
           response=s.ORGANIZATION, example="/api/v1/organizations/1", params=[
               Param("organization_id", {"type": "integer", "minimum": 1}, "机构 id", location="path", required=True)])
def organization(args, organization_id):
    org = db.session.execute(select(Organization).where(Organization.id == organization_id,
                                                        Organization.status.in_(PUBLIC_ORG_STATES))
                             .options(*ORG_LOAD)).unique().scalar_one_or_none()
    if org is None:
        _not_found("organization")
    return _organizations([org])[0]


# -- needs --------------------------------------------------------------------------------------------------

@operation(bp, "/v1/needs", summary="群众需求（不含提交人和联系电话）", tag="群众需求", response=s.page_of(s.NEED),
           cursor=True, example="/api/v1/needs?status=submitted", params=[
               REGION, CATEGORY, Param("status", {"type": "string", "enum": [n.value for n in NeedStatus]}, "状态")])
def needs(args):
    query = select(Need).options(joinedload(Need.community), joinedload(Need.office))
    query = _in_region(query, Need.community_id, args["region"])
    if args["item_code"]:
        query = query.where(Need.item_code.startswith(args["item_code"]))
    if args["status"]:
        query = query.where(Need.status == NeedStatus(args["status"]))
    return page(query, Sort("needs", Need.submitted_at, Need.id), args, "needs",
                _needs, key_of=lambda n: n.submitted_at)


def _needs(rows) -> list[dict]:
    published = out.published_tenders(n.tender_id for n in rows)
    return [out.need(n, published) for n in rows]


# -- statistics ---------------------------------------------------------------------------------------------

@operation(bp, "/v1/statistics", summary="统计：按类别、年度、地区的合同金额，机构等级分布，已付金额", tag="统计",
           response=s.STATISTICS, example="/api/v1/statistics", params=[REGION, YEAR])
def statistics(args):
    from marketplace.payments.models import Payment, PaymentKind, PaymentStatus

    # Money counts once both sides signed (not by status: a contract can be terminated before it is signed).
    contracts = select(Contract.id).join(Tender, Tender.id == Contract.tender_id).where(PUBLIC_CONTRACT, SIGNED)
    contracts = _tender_in_region(contracts, Contract.tender_id, args["region"])
    if args["year"]:
        contracts = contracts.where(Tender.year == args["year"])
    ids = contracts.scalar_subquery()

    def grouped(key, name, *joins) -> list[dict]:
        query = select(key, name, func.count(Contract.id), func.sum(Contract.value)).select_from(Contract) \
            .join(Tender, Tender.id == Contract.tender_id)
        for join in joins:
            query = query.join(*join)
        rows = db.session.execute(query.where(Contract.id.in_(ids)).group_by(key, name).order_by(key)).all()
        return [{"key": str(k), "name": str(n), "contracts": c, "value": money(v or Decimal(0))} for k, n, c, v in rows]

    tenders = select(Tender.status, func.count(Tender.id)).where(Tender.published_at.is_not(None))
    tenders = _tender_in_region(tenders, Tender.id, args["region"])
    if args["year"]:
        tenders = tenders.where(Tender.year == args["year"])
    # As /stats/ counts them: verified organizations based in the region, graded as at the end of the year.
    region = _region(args["region"]) if args["region"] else None
    grades = {} if args["region"] and region is None else \
        grade_counts({"region": region, "year": args["year"]})[0]
    paid = db.session.scalar(select(func.sum(Payment.amount)).where(
        Payment.contract_id.in_(ids), Payment.kind == PaymentKind.tranche, Payment.status == PaymentStatus.succeeded))
    return {
        "tenders_by_status": {st.value: n for st, n in db.session.execute(tenders.group_by(Tender.status)).all()},
        "spend_by_category": grouped(Tender.item_code, Tender.item_name),
        "spend_by_year": grouped(Tender.year, Tender.year),
        "spend_by_region": grouped(Region.code, Region.name, (GovernmentBody, GovernmentBody.id == Contract.buyer_id),
                                   (Region, Region.id == GovernmentBody.region_id)),
        "organizations_by_grade": dict(sorted(grades.items())),
        "paid_total": money(paid or Decimal(0)),
        "as_of": moment(clock.now().replace(second=0, microsecond=0)),
    }

