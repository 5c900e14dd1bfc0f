"""The downloadable tables: each a list of fields (name, type, meaning in Chinese and English — the data
dictionary) and the rows, read in id order in batches so an export of any size holds one batch in memory."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from marketplace.api.jsonvalues import day, moment, money
from marketplace.api.ocds.facts import PUBLIC_CONTRACT
from marketplace.api.ocds.releases import ocid_of
from marketplace.bids.models import Bid
from marketplace.catalog.models import CatalogVersion, PurchaseItem, VersionStatus
from marketplace.contracts.models import Contract
from marketplace.evaluation.awards import NOTICE_STATES
from marketplace.evaluation.models import Award
from marketplace.extensions import db
from marketplace.organizations.models import Organization, OrgStatus
from marketplace.projects.queries import SIGNED
from marketplace.regions.models import GovernmentBody
from marketplace.tenders.models import Tender

BATCH = 500


@dataclass
class Field:
    name: str
    type: str  # integer | number | string | date | datetime | boolean
    zh: str
    en: str
    get: Callable


@dataclass
class Dataset:
    name: str
    zh: str
    en: str
    model: type
    fields: list[Field]
    where: Callable = lambda query: query
    load: tuple = ()

    def dictionary(self) -> list[dict]:
        return [{"field": f.name, "type": f.type, "zh": f.zh, "en": f.en} for f in self.fields]

    def records(self) -> Iterator[dict]:
        last = 0
        while True:
            query = self.where(select(self.model)).where(self.model.id > last).options(*self.load)
            rows = db.session.execute(query.order_by(self.model.id).limit(BATCH)).unique().scalars().all()
            if not rows:
                return
            for row in rows:
                yield {f.name: f.get(row) for f in self.fields}
            last = rows[-1].id
            db.session.expire_all()  # let the batch go before the next one is read


def _f(name, type_, zh, en, get):
    return Field(name, type_, zh, en, get)


BUYER = [_f("buyer_id", "integer", "采购人编号", "Buyer id", lambda r: r.buyer.id),
         _f("buyer_name", "string", "采购人名称", "Buyer name", lambda r: r.buyer.name),
         _f("region_code", "string", "采购人所在区划代码", "Buyer's division code", lambda r: r.buyer.region.code),
         _f("region_name", "string", "采购人所在区划", "Buyer's division", lambda r: r.buyer.region.name)]
BODY_LOAD = lambda column: joinedload(column).joinedload(GovernmentBody.region)  # noqa: E731

TENDERS = Dataset("tenders", "采购项目", "Tenders", Tender, [
    _f("id", "integer", "项目编号（内部）", "Tender id", lambda t: t.id),
    _f("reference", "string", "项目编号", "Tender reference", lambda t: t.reference),
    _f("ocid", "string", "开放缔约标识", "Open Contracting ID", ocid_of),
    _f("title", "string", "项目名称", "Title", lambda t: t.title),
    _f("status", "string", "状态", "Status", lambda t: t.status.value),
    _f("method", "string", "采购方式", "Procurement method", lambda t: t.method.value),
    _f("item_code", "string", "购买服务目录编码", "Purchase catalog code", lambda t: t.item_code),
    _f("item_name", "string", "购买服务目录条目", "Purchase catalog item", lambda t: t.item_name),
    _f("year", "integer", "预算年度", "Budget year", lambda t: t.year),
    _f("budget", "number", "预算金额（元）", "Budget (CNY)", lambda t: money(t.budget)),
    *BUYER,
    _f("published_at", "datetime", "发布时间（UTC）", "Published (UTC)", lambda t: moment(t.published_at)),
    _f("deadline_at", "datetime", "投标截止时间（UTC）", "Bid deadline (UTC)", lambda t: moment(t.deadline_at)),
    _f("awarded_at", "datetime", "成交时间（UTC）", "Awarded (UTC)", lambda t: moment(t.awarded_at)),
    _f("contracted_at", "datetime", "签约时间（UTC）", "Contracted (UTC)", lambda t: moment(t.contracted_at)),
], where=lambda q: q.where(Tender.published_at.is_not(None)), load=(BODY_LOAD(Tender.buyer),))

AWARDS = Dataset("awards", "成交结果", "Awards", Award, [
    _f("id", "integer", "成交结果编号", "Award id", lambda a: a.id),
    _f("tender_id", "integer", "项目编号（内部）", "Tender id", lambda a: a.tender_id),
    _f("ocid", "string", "开放缔约标识", "Open Contracting ID", lambda a: ocid_of(a.tender)),
    _f("title", "string", "项目名称", "Tender title", lambda a: a.tender.title),
    _f("organization_name", "string", "成交机构", "Supplier", lambda a: a.bid.organization.name),
    _f("organization_uscc", "string", "成交机构统一社会信用代码", "Supplier credit code",
       lambda a: a.bid.organization.uscc),
    _f("amount", "number", "成交金额（元）", "Amount (CNY)", lambda a: money(a.amount)),
    _f("rank", "integer", "评审排名", "Evaluation rank", lambda a: a.rank),
    _f("status", "string", "状态（noticed 公示中 / final 公示期满 / cancelled 已撤销）", "Status",
       lambda a: a.status.value),
    _f("noticed_at", "datetime", "公示时间（UTC）", "Notice published (UTC)", lambda a: moment(a.noticed_at)),
    _f("challenge_until", "date", "质疑截止日", "Last day to challenge", lambda a: day(a.challenge_until)),
    _f("cancel_reason", "string", "撤销理由", "Cancellation reason", lambda a: a.cancel_reason),
], where=lambda q: q.join(Tender, Tender.id == Award.tender_id).where(Tender.status.in_(NOTICE_STATES)),
    load=(joinedload(Award.tender), joinedload(Award.bid).joinedload(Bid.organization)))

CONTRACT_FIELDS = [
    _f("id", "integer", "合同编号（内部）", "Contract id", lambda c: c.id),
    _f("reference", "string", "合同编号", "Contract reference", lambda c: c.reference),
    _f("ocid", "string", "开放缔约标识", "Open Contracting ID", lambda c: ocid_of(c.tender)),
    _f("title", "string", "合同名称", "Title", lambda c: c.title),
    *BUYER,
    _f("organization_name", "string", "承接机构", "Supplier", lambda c: c.organization.name),
    _f("organization_uscc", "string", "承接机构统一社会信用代码", "Supplier credit code",
       lambda c: c.organization.uscc),
    _f("value", "number", "合同金额（元）", "Value (CNY)", lambda c: money(c.value)),
    _f("starts_on", "date", "服务开始日期", "Starts on", lambda c: day(c.starts_on)),
    _f("ends_on", "date", "服务结束日期", "Ends on", lambda c: day(c.ends_on)),
    _f("status", "string", "状态", "Status", lambda c: c.status.value),
]
CONTRACT_LOAD = (BODY_LOAD(Contract.buyer), joinedload(Contract.organization), joinedload(Contract.tender))
CONTRACTS = Dataset("contracts", "合同", "Contracts", Contract, CONTRACT_FIELDS,
                    where=lambda q: q.where(PUBLIC_CONTRACT), load=CONTRACT_LOAD)
PROJECTS = Dataset("projects", "资助项目", "Funded projects", Contract, [
    *CONTRACT_FIELDS,
    _f("item_code", "string", "购买服务目录编码", "Purchase catalog code", lambda c: c.tender.item_code),
    _f("item_name", "string", "购买服务目录条目", "Purchase catalog item", lambda c: c.tender.item_name),
    _f("year", "integer", "预算年度", "Budget year", lambda c: c.tender.year),
    _f("service_area", "string", "服务区域", "Service area", lambda c: c.service_area),
], where=lambda q: q.where(PUBLIC_CONTRACT, SIGNED), load=CONTRACT_LOAD)  # funded: both sides signed

ORGANIZATIONS = Dataset("organizations", "社会组织", "Organizations", Organization, [
    _f("id", "integer", "机构编号（内部）", "Organization id", lambda o: o.id),
    _f("name", "string", "机构名称", "Name", lambda o: o.name),
    _f("uscc", "string", "统一社会信用代码", "Unified social credit code", lambda o: o.uscc),
    _f("org_type", "string", "组织类型", "Type", lambda o: o.org_type.value),
    _f("region_code", "string", "所在区划代码", "Division code", lambda o: o.region.code),
    _f("registering_authority", "string", "登记管理机关", "Registering authority", lambda o: o.registering_authority),
    _f("registered_on", "date", "登记日期", "Registered on", lambda o: day(o.registered_on)),
    _f("status", "string", "状态", "Status", lambda o: o.status.value),
    _f("service_fields", "string", "服务领域（目录编码，分号分隔）", "Service fields (codes, ;-separated)",
       lambda o: ";".join(o.field_codes)),
], where=lambda q: q.where(Organization.status.in_([OrgStatus.verified, OrgStatus.suspended, OrgStatus.revoked])),
    load=(joinedload(Organization.region), joinedload(Organization.service_fields)))

CATALOGS = Dataset("catalogs", "购买服务目录条目", "Purchase-service catalog items", PurchaseItem, [
    _f("version_id", "integer", "目录版本编号", "Catalog version id", lambda i: i.version_id),
    _f("issuer", "string", "发布机关", "Issuer", lambda i: i.version.issuer.name),
    _f("year", "integer", "年度", "Year", lambda i: i.version.year),
    _f("version_status", "string", "版本状态", "Version status", lambda i: i.version.status.value),
    _f("code", "string", "编码", "Code", lambda i: i.code),
    _f("parent_code", "string", "上级编码", "Parent code", lambda i: i.parent_code),
    _f("level", "integer", "层级", "Level", lambda i: i.level),
    _f("name", "string", "名称", "Name", lambda i: i.name),
    _f("negative", "boolean", "是否列入负面清单", "On the negative list", lambda i: i.negative),
    _f("negative_reason", "string", "列入负面清单的理由", "Why it is on the negative list",
       lambda i: i.negative_reason),
], where=lambda q: q.join(CatalogVersion, CatalogVersion.id == PurchaseItem.version_id).where(
    CatalogVersion.status.in_([VersionStatus.published, VersionStatus.superseded])),
    load=(joinedload(PurchaseItem.version).joinedload(CatalogVersion.issuer),))

DATASETS = {d.name: d for d in (TENDERS, AWARDS, CONTRACTS, PROJECTS, ORGANIZATIONS, CATALOGS)}
