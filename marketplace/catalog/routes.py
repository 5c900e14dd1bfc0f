"""Public catalog pages: published versions, the effective catalog of a region, diffs, downloads."""

from flask import Blueprint, Response, abort, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from marketplace.common import clock
from marketplace.extensions import db
from marketplace.pagination import paginate
from marketplace.regions.models import GovernmentBody
from marketplace.regions.services import load_ancestors, region_by_code

from . import io as catalog_io
from . import services
from .models import CatalogKind, CatalogVersion, VersionStatus

bp = Blueprint("catalog", __name__, url_prefix="/catalogs")
PUBLIC_STATES = {VersionStatus.published, VersionStatus.superseded}


def _public_version_or_404(version_id: int) -> CatalogVersion:
    version = db.session.get(CatalogVersion, version_id,
                             options=[joinedload(CatalogVersion.issuer).joinedload(GovernmentBody.region)])
    if version is None or version.status not in PUBLIC_STATES:
        abort(404)
    return version


@bp.get("/")
def index():
    page = paginate(services.versions_of(published_only=True))
    return render_template("catalog/index.html", page=page, counts=services.item_counts(page.items))


@bp.get("/<int:version_id>")
def version(version_id):
    version = _public_version_or_404(version_id)
    history = db.session.execute(select(CatalogVersion).where(
        CatalogVersion.issuer_id == version.issuer_id, CatalogVersion.year == version.year,
        CatalogVersion.kind == version.kind, CatalogVersion.status.in_(PUBLIC_STATES))
        .order_by(CatalogVersion.number)).scalars().all()
    return render_template("catalog/version.html", version=version, history=history, kinds=CatalogKind)


@bp.get("/<int:version_id>/items/<code>")
def item(version_id, code):
    """One item with what it points to (conditions, functions) and what points to it (budgets, tenders)."""
    version = _public_version_or_404(version_id)
    item = next((i for i in version.items if i.code == code), None) or abort(404)
    context = {"version": version, "item": item, "kinds": CatalogKind}
    if version.kind == CatalogKind.purchase:
        load_ancestors([version.issuer.region])
        references = services.References.applicable_to(version.issuer, version.year)
        context |= {
            "ancestors": [i for i in version.purchase_items if code.startswith(i.code) and i.code != code],
            "children": [i for i in version.purchase_items if i.parent_code == code],
            "required": _resolve(item.required_conditions, references.conditions),
            "preferred": _resolve(item.preferred_conditions, references.conditions),
            "functions": _resolve(item.function_codes, references.functions),
            "budget_lines": services.budget_lines_for_item(version.issuer.region, version.year, code),
            "usages": services.item_usages(code, version.issuer.region, version.year),
        }
    else:
        context["referring"] = services.items_referring_to(version, code)
    return render_template("catalog/item.html", **context)


def _resolve(codes: str, known: dict) -> list[tuple[str, object]]:
    """Each referenced code with what it resolves to (None when no applicable catalog defines it any more)."""
    return [(code, known.get(code)) for code in services.split_codes(codes)]


@bp.get("/effective/<region_code>")
def effective(region_code):
    region = region_by_code(region_code) or abort(404)
    year = request.args.get("year", clock.today().year, type=int)
    return render_template("catalog/effective.html", catalog=services.effective_catalog(region, year), year=year)


@bp.get("/diff/<int:old_id>/<int:new_id>")
def diff(old_id, new_id):
    old, new = _public_version_or_404(old_id), _public_version_or_404(new_id)
    return render_template("catalog/diff.html", old=old, new=new, diff=services.diff_versions(old, new))


@bp.get("/<int:version_id>.<any(csv, xlsx):fmt>")
def download(version_id, fmt):
    version = _public_version_or_404(version_id)
    return _file(catalog_io.export_rows(version), f"catalog-{version.kind.value}-{version.year}-v{version.number}",
                 fmt)


@bp.get("/template/<any(purchase, function, qualification):kind>.<any(csv, xlsx):fmt>")
def template(kind, fmt):
    return _file(catalog_io.template_rows(CatalogKind(kind)), f"template-{kind}", fmt)


def _file(rows, stem: str, fmt: str) -> Response:
    if fmt == "xlsx":
        body, mimetype = catalog_io.to_xlsx(rows), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, mimetype = catalog_io.to_csv(rows), "text/csv; charset=utf-8"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={stem}.{fmt}"})
