from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session, url_for
from sqlalchemy import text

from marketplace.extensions import csrf, db
from marketplace.projects import home as portal_home
from marketplace.regions.services import region_by_code
from marketplace.settings.services import get_setting
from marketplace.web import is_local_path

bp = Blueprint("portal", __name__)


@bp.get("/")
def home():
    code = request.args.get("region", "")
    region = region_by_code(code) if code.isdigit() else None
    return render_template("portal/home.html", reply_days=get_setting("need.reply_working_days"),
                           close_days=get_setting("need.close_working_days"), region=region,
                           open_tenders=portal_home.open_tenders(region), awards=portal_home.latest_awards(region),
                           ending=portal_home.near_completion(region), headline=portal_home.headline(region))


@bp.get("/about")
def about():
    return render_template("portal/about.html")


@bp.post("/language")
@csrf.exempt  # a forged switch only changes the language; a token here would make every public page uncacheable
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    target = request.form.get("next") or url_for("portal.home")
    return redirect(target if is_local_path(target) else "/")


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 — any failure means "not healthy"
        return jsonify(status="error", database=str(exc.__class__.__name__)), 503
    return jsonify(status="ok", database="ok")
