from flask import Blueprint, abort, render_template
from sqlalchemy import select

from marketplace.extensions import db

from . import services
from .models import GovernmentBody, Region

bp = Blueprint("regions", __name__, url_prefix="/regions")


@bp.get("/")
def index():
    roots = db.session.execute(
        select(Region).where(Region.parent_id.is_(None)).order_by(Region.code)
    ).scalars().all()
    return render_template("regions/index.html", roots=roots)


@bp.get("/<code>")
def detail(code):
    region = services.region_by_code(code) or abort(404)
    bodies = db.session.execute(
        select(GovernmentBody).where(GovernmentBody.region_id == region.id).order_by(GovernmentBody.name)
    ).scalars().all()
    return render_template("regions/detail.html", region=region, bodies=bodies)
