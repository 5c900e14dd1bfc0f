from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from marketplace.accounts import policies
from marketplace.pagination import paginate
from marketplace.security import require

from . import services

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/")
@login_required
def index():
    require(policies.can_view_audit(current_user))
    filters = {key: request.args.get(key, "").strip() or None for key in ("action", "actor", "subject_type")}
    query = services.events_query(**filters, since=_date_arg("since"), until=_date_arg("until"))
    return render_template("audit/index.html", page=paginate(query, per_page=50), filters=filters,
                           since=request.args.get("since", ""), until=request.args.get("until", ""))


@bp.post("/verify")
@login_required
def verify():
    require(policies.can_view_audit(current_user))
    return render_template("audit/verify.html", report=services.verify_chain())
