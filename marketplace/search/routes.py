"""The search page: `/search?q=…` with facets, highlighted snippets and pagination."""

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.contracts.models import CONTRACT_STATUS_LABELS
from marketplace.extensions import db
from marketplace.needs.models import NEED_STATUS_LABELS
from marketplace.organizations.models import ORG_STATUS_LABELS
from marketplace.regions.models import Region
from marketplace.tenders.models import TENDER_STATUS_LABELS

from . import services

bp = Blueprint("search", __name__)

KIND_LABELS = {"tender": _l("采购项目"), "project": _l("已签约项目"), "organization": _l("社会组织"),
               "item": _l("目录事项"), "need": _l("群众需求")}
ITEM_STATUS_LABELS = {"listed": _l("可购买"), "negative": _l("负面清单")}
REGION_FACETS = 12


def _status_labels() -> dict:
    labels = {}
    for table in (TENDER_STATUS_LABELS, CONTRACT_STATUS_LABELS, ORG_STATUS_LABELS, NEED_STATUS_LABELS):
        labels.update({status.value: label for status, label in table.items()})
    return labels | ITEM_STATUS_LABELS


@bp.get("/search")
def index():
    q = (request.args.get("q") or "").strip()[:100]
    filters = {name: (request.args.get("region" if name == "regions" else name) or "").strip()[:20]
               for name in services.FILTERS}
    page = request.args.get("page", 1, type=int) or 1
    results = services.search(q, filters, page) if q else None
    region_names = {}
    if results is not None:
        codes = sorted(results.facets.get("regions", {}), key=lambda c: -results.facets["regions"][c])
        codes = [c for c in codes if c != filters["regions"]][:REGION_FACETS]
        region_names = dict(db.session.execute(select(Region.code, Region.name).where(Region.code.in_(codes))).all())
    return render_template("search/index.html", q=q, results=results, filters=filters, kind_labels=KIND_LABELS,
                           status_labels=_status_labels(), region_names=region_names)
