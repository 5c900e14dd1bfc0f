"""Catalog administrators: drafts, file import with preview, item editing, publishing, budget lines."""

import secrets
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.common import clock
from marketplace.common.csvrows import ImportRejected
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import show_domain_error
from marketplace.pagination import paginate
from marketplace.security import require

from . import io as catalog_io
from . import policies, services
from .forms import ITEM_FORMS, BudgetLineForm, ImportForm, MoveForm
from .models import BudgetLine, CatalogKind, CatalogVersion

bp = Blueprint("catalog_admin", __name__, url_prefix="/catalogs/manage")


def _version_or_404(version_id: int) -> CatalogVersion:
    return db.session.get(CatalogVersion, version_id) or abort(404)


def _uploads() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _manage_page(form, status=200):
    page = paginate(services.versions_of(current_user.body))
    return render_template("catalog/manage/index.html", page=page, counts=services.item_counts(page.items),
                           form=form), status


@bp.get("/")
@login_required
def index():
    # Administrators act for their own body; a platform admin without one has nothing to manage here.
    require(policies.can_manage_catalogs_of(current_user, current_user.body))
    return _manage_page(ImportForm(year=clock.today().year))


@bp.post("/import")
@login_required
def upload():
    """Check the whole file and show a preview; nothing is saved until the administrator confirms."""
    require(policies.can_manage_catalogs_of(current_user, current_user.body))
    form = ImportForm()
    if not form.validate_on_submit():
        return _manage_page(form, 400)
    upload_file, kind = form.file.data, CatalogKind(form.kind.data)
    content, name = upload_file.read(), Path(upload_file.filename or "upload.csv").name
    try:
        rows = services.check_file(current_user.body, form.year.data, kind, content, name)
    except ImportRejected as rejected:
        return render_template("catalog/manage/import_errors.html", errors=rejected.errors, name=name), 400
    token = secrets.token_hex(16)
    (_uploads() / f"{token}{Path(name).suffix.lower()}").write_bytes(content)
    return render_template("catalog/manage/import_preview.html", rows=rows[:50], total=len(rows), kind=kind,
                           year=form.year.data, name=name, token=token)


@bp.post("/import/<token>")
@login_required
def confirm_import(token):
    require(policies.can_manage_catalogs_of(current_user, current_user.body))
    matches = list(_uploads().glob(f"{token}.*")) if token.isalnum() else []
    if not matches:
        flash(_("上传的文件已过期，请重新上传"), "error")
        return redirect(url_for("catalog_admin.index"))
    path = matches[0]
    try:
        kind, year = CatalogKind(request.form.get("kind", "")), int(request.form.get("year", ""))
    except ValueError:
        abort(400)
    try:
        version = services.import_catalog(current_user.body, year, kind, path.read_bytes(),
                                          request.form.get("name", path.name), by=current_user)
    except ImportRejected as rejected:
        return render_template("catalog/manage/import_errors.html", errors=rejected.errors, name=path.name), 400
    db.session.commit()
    path.unlink(missing_ok=True)
    flash(_("已导入为草稿，请检查后发布"), "success")
    return redirect(url_for("catalog_admin.draft", version_id=version.id))


def _item_or_404(version: CatalogVersion, item_id: int):
    item = db.session.get(catalog_io.MODELS[version.kind], item_id)
    if item is None or item.version_id != version.id:
        abort(404)
    return item


def _draft_page(version: CatalogVersion, form=None, status=200):
    form = form or ITEM_FORMS[version.kind.value]()
    return render_template("catalog/manage/draft.html", version=version, form=form,
                           can_edit=policies.can_edit_version(current_user, version)), status


@bp.get("/<int:version_id>")
@login_required
def draft(version_id):
    version = _version_or_404(version_id)
    require(policies.can_manage_catalogs_of(current_user, version.issuer))
    return _draft_page(version)


@bp.post("/<int:version_id>/items")
@login_required
def save_item(version_id):
    """Add an item; entering an existing code edits that item instead (the page says so)."""
    version = _version_or_404(version_id)
    require(policies.can_edit_version(current_user, version))
    form = ITEM_FORMS[version.kind.value]()
    code = (form.code.data or "").strip()
    code = code.upper() if version.kind == CatalogKind.purchase else code
    item = next((i for i in version.items if i.code == code), None)
    if _saved(version, form, item):
        return redirect(url_for("catalog_admin.draft", version_id=version.id))
    return _draft_page(version, form, 400)


@bp.route("/<int:version_id>/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_item(version_id, item_id):
    version = _version_or_404(version_id)
    require(policies.can_edit_version(current_user, version))
    item = _item_or_404(version, item_id)
    form_class = ITEM_FORMS[version.kind.value]
    form = form_class() if request.method == "POST" else form_class(data=catalog_io.item_form_data(version.kind, item))
    form.code.data = item.code  # the code is the item's identity; purchase items change it by moving
    if request.method == "POST" and _saved(version, form, item):
        return redirect(url_for("catalog_admin.draft", version_id=version.id))
    move_form = None
    if version.kind == CatalogKind.purchase:
        move_form = MoveForm()
        move_form.parent_code.choices = services.move_targets(version, item)
    return render_template("catalog/manage/edit_item.html", version=version, item=item, form=form,
                           move_form=move_form), 400 if request.method == "POST" else 200


def _saved(version, form, item) -> bool:
    if not form.validate_on_submit():
        return False
    try:
        saved = services.save_item(version, form.data, by=current_user, item=item)
    except DomainError as exc:
        show_domain_error(form, exc)
        return False
    db.session.commit()
    flash(_("已保存事项 %(code)s", code=saved.code), "success")
    return True


@bp.post("/<int:version_id>/items/<int:item_id>/move")
@login_required
def move_item(version_id, item_id):
    version = _version_or_404(version_id)
    require(policies.can_edit_version(current_user, version) and version.kind == CatalogKind.purchase)
    item = _item_or_404(version, item_id)
    old_code = item.code
    try:
        new_code = services.move_purchase_item(version, item, request.form.get("parent_code", ""), by=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("catalog_admin.edit_item", version_id=version.id, item_id=item.id))
    db.session.commit()
    flash(_("已将 %(old)s 移动为 %(new)s（下级事项一并重新编码）", old=old_code, new=new_code), "success")
    return redirect(url_for("catalog_admin.draft", version_id=version.id))


@bp.post("/<int:version_id>/items/<int:item_id>/delete")
@login_required
def delete_item(version_id, item_id):
    version = _version_or_404(version_id)
    require(policies.can_edit_version(current_user, version))
    item = _item_or_404(version, item_id)
    try:
        services.delete_item(version, item, by=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("已删除事项 %(code)s", code=item.code), "success")
    return redirect(url_for("catalog_admin.draft", version_id=version.id))


@bp.route("/<int:version_id>/publish", methods=["GET", "POST"])
@login_required
def publish(version_id):
    """Publishing is irreversible: a confirm page first, showing what changes against the current version."""
    version = _version_or_404(version_id)
    require(policies.can_publish(current_user, version))
    current = services.published_version(version.issuer, version.year, version.kind)
    if request.method == "GET":
        diff = services.diff_versions(current, version) if current else None
        return render_template("catalog/manage/publish_confirm.html", version=version, current=current, diff=diff)
    try:
        services.publish(version, by=current_user)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("catalog_admin.publish", version_id=version.id))
    db.session.commit()
    flash(_("目录已发布：%(title)s", title=version.title), "success")
    return redirect(url_for("catalog.version", version_id=version.id))


@bp.route("/budget", methods=["GET", "POST"])
@login_required
def budget():
    bodies = services.budget_bodies(current_user)
    require(bool(bodies))
    form = BudgetLineForm(year=clock.today().year, body_id=bodies[0].id)
    form.body_id.choices = [(b.id, b.name) for b in bodies]
    status = 200
    if form.validate_on_submit():
        body = next(b for b in bodies if b.id == form.body_id.data)
        try:
            services.set_budget_line(body, form.year.data, form.item_code.data.strip().upper(), form.amount.data,
                                     form.source.data, by=current_user)
        except DomainError as exc:
            show_domain_error(form, exc)
            status = 400
        else:
            db.session.commit()
            flash(_("预算已保存"), "success")
            return redirect(url_for("catalog_admin.budget"))
    lines = db.session.execute(select(BudgetLine).where(BudgetLine.body_id.in_([b.id for b in bodies]))
                               .order_by(BudgetLine.year.desc(), BudgetLine.body_id, BudgetLine.item_code)
                               ).scalars().all()
    return render_template("catalog/manage/budget.html", form=form, lines=lines, body=bodies[0],
                           names={b.id: b.name for b in bodies}), status
