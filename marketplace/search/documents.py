"""What each kind of public thing looks like to search: a title, a short body of what ranks (names, summary,
keywords — not whole documents, which would slow every query and rank noise), facets and a link.

Each kind loads many objects in a constant number of queries (the writer and the rebuild work in batches), says
which objects are public, and names the models whose changes should queue it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.catalog.models import CatalogKind, CatalogVersion, PurchaseItem, VersionStatus
from marketplace.common import clock
from marketplace.contracts.models import Contract, ContractStatus
from marketplace.extensions import db
from marketplace.needs.models import Need
from marketplace.organizations.models import ORG_TYPE_LABELS, Organization, OrgStatus
from marketplace.regions.models import Region
from marketplace.tenders.models import PUBLIC_STATES, Tender, TenderRegion

BODY_LIMIT = 600  # characters of running text per document: enough to rank, small enough to stay fast
PUBLIC_ORG_STATES = {OrgStatus.verified, OrgStatus.suspended, OrgStatus.revoked}
PUBLIC_CATALOG_STATES = {VersionStatus.published, VersionStatus.superseded}


@dataclass(frozen=True)
class Document:
    key: str
    kind: str
    title: str
    body: str
    status: str
    category: str = ""
    year: str = ""
    regions: tuple[str, ...] = ()
    url: str = ""
    dated: datetime | None = None
    extra: dict = field(default_factory=dict, compare=False)


def _clip(*parts) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())[:BODY_LIMIT]


def _region_codes(regions: Iterable[Region]) -> tuple[str, ...]:
    """Every level of every region, so a filter on the district also finds a community's documents."""
    codes = []
    for region in regions:
        for code in [region.code, *(r.code for r in region.ancestors())]:
            if code not in codes:
                codes.append(code)
    return tuple(codes)


def _tenders(ids) -> dict[int, Document | None]:
    rows = db.session.execute(select(Tender).where(Tender.id.in_(ids)).options(
        selectinload(Tender.buyer), selectinload(Tender.regions).selectinload(TenderRegion.region))).scalars()
    return {t.id: Document(
        key=f"tender:{t.id}", kind="tender", title=t.title, status=t.status.value, category=t.item_code,
        year=str(t.year), url=f"/tenders/{t.id}", dated=t.published_at,
        body=_clip(t.reference, t.item_name, t.buyer.name, " ".join(r.region.name for r in t.regions),
                   t.description),
        regions=_region_codes([r.region for r in t.regions] or [t.buyer.region]),
    ) if t.status in PUBLIC_STATES else None for t in rows}


def _projects(ids) -> dict[int, Document | None]:
    rows = db.session.execute(select(Contract).where(Contract.id.in_(ids)).options(
        selectinload(Contract.organization), selectinload(Contract.buyer),
        selectinload(Contract.tender).selectinload(Tender.regions).selectinload(TenderRegion.region))).scalars()
    return {c.id: Document(
        key=f"project:{c.id}", kind="project", title=c.title, status=c.status.value, category=c.tender.item_code,
        year=str(c.starts_on.year), url=f"/projects/{c.tender_id}", dated=c.buyer_signed_at or c.created_at,
        body=_clip(c.reference, c.organization.name, c.organization.uscc, c.buyer.name, c.tender.item_name,
                   c.service_area, c.deliverables),
        regions=_region_codes([r.region for r in c.tender.regions] or [c.buyer.region]),
    ) if c.status != ContractStatus.awaiting_signatures else None for c in rows}


def _organizations(ids) -> dict[int, Document | None]:
    rows = db.session.execute(select(Organization).where(Organization.id.in_(ids)).options(
        selectinload(Organization.region))).scalars()
    return {o.id: Document(
        key=f"organization:{o.id}", kind="organization", title=o.name, status=o.status.value,
        year=str(o.registered_on.year), url=f"/organizations/{o.id}", dated=o.created_at,
        body=_clip(o.uscc, str(ORG_TYPE_LABELS[o.org_type]), o.registering_authority, o.introduction),
        regions=_region_codes([o.region]),
    ) if o.status in PUBLIC_ORG_STATES else None for o in rows}


def _items(ids) -> dict[int, Document | None]:
    rows = db.session.execute(select(PurchaseItem).where(PurchaseItem.id.in_(ids)).options(
        selectinload(PurchaseItem.version).selectinload(CatalogVersion.issuer))).scalars()
    return {i.id: Document(
        key=f"item:{i.id}", kind="item", title=i.name, status="negative" if i.negative else "listed",
        category=i.code, year=str(i.version.year), url=f"/catalogs/{i.version_id}/items/{i.code}",
        dated=i.version.published_at,
        body=_clip(i.code, i.version.title, i.description, i.unit_standard, i.negative_reason),
        regions=_region_codes([i.version.issuer.region]),
    ) if i.version.status in PUBLIC_CATALOG_STATES else None for i in rows}


def _needs(ids) -> dict[int, Document | None]:
    # Never the resident, their phone or photos: the public need page does not show them either.
    rows = db.session.execute(select(Need).where(Need.id.in_(ids)).options(selectinload(Need.community))).scalars()
    return {n.id: Document(
        key=f"need:{n.id}", kind="need", title=n.title, status=n.status.value, category=n.item_code,
        year=str(clock.to_local(n.submitted_at).year), url=f"/needs/{n.id}", dated=n.submitted_at,
        body=_clip(n.item_name, n.community.name, n.description), regions=_region_codes([n.community]),
    ) for n in rows}


@dataclass(frozen=True)
class Kind:
    name: str
    model: type
    load: Callable[[list[int]], dict[int, Document | None]]


KINDS = {k.name: k for k in [
    Kind("tender", Tender, _tenders),
    Kind("project", Contract, _projects),
    Kind("organization", Organization, _organizations),
    Kind("item", PurchaseItem, _items),
    Kind("need", Need, _needs),
]}


def affected(obj) -> list[tuple[str, int]]:
    """The documents a changed object may alter: itself, and the documents that show something of it."""
    kinds = [(kind.name, obj.id) for kind in KINDS.values() if isinstance(obj, kind.model)]
    if isinstance(obj, TenderRegion):
        kinds.append(("tender", obj.tender_id))
    elif isinstance(obj, Tender):
        kinds.append(("tender_projects", obj.id))
    elif isinstance(obj, Organization):
        kinds.append(("org_projects", obj.id))
    elif isinstance(obj, CatalogVersion) and obj.kind == CatalogKind.purchase:
        kinds.append(("catalog_version", obj.id))
    return kinds


def expand(pairs: Iterable[tuple[str, int]]) -> dict[str, set[int]]:
    """Queue entries that stand for several documents (a catalog version's items, an organization's projects)
    become the documents' own ids."""
    result: dict[str, set[int]] = {name: set() for name in KINDS}
    grouped: dict[str, set[int]] = {}
    for kind, object_id in pairs:
        grouped.setdefault(kind, set()).add(object_id)
    for kind, ids in grouped.items():
        if kind in KINDS:
            result[kind] |= ids
        elif kind == "catalog_version":
            result["item"] |= set(db.session.scalars(select(PurchaseItem.id).where(PurchaseItem.version_id.in_(ids))))
        elif kind == "org_projects":
            result["project"] |= set(db.session.scalars(select(Contract.id).where(Contract.organization_id.in_(ids))))
        elif kind == "tender_projects":
            result["project"] |= set(db.session.scalars(select(Contract.id).where(Contract.tender_id.in_(ids))))
    return result


def all_ids(kind: str) -> list[int]:
    return list(db.session.scalars(select(KINDS[kind].model.id).order_by(KINDS[kind].model.id)))
