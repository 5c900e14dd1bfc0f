"""Funded projects: the filtered list with its region drill-down, and one project's whole story."""

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

from marketplace.api.ocds.releases import ocid_of
from marketplace.common import clock
from marketplace.contracts.models import ContractStatus
from marketplace.outcomes.models import BENEFICIARY_GROUP_LABELS
from marketplace.pagination import paginate
from marketplace.regions.services import region_by_code

from . import queries, timeline
from .forms import ProjectFilterForm

bp = Blueprint("projects", __name__, url_prefix="/projects")


@bp.get("/")
def index():
    choices = queries.filter_choices()
    form = _filter_form(choices)
    filters = _filters(form)
    page = paginate(queries.list_query(filters), from_either_end=True,  # every SORTS order ends with the id
                    count=lambda: queries.count(filters))
    ancestors, places = queries.drill_down(filters)
    # The choices name every category a project has, so the page's own categories need no second look-up.
    return render_template("projects/index.html", form=form, page=page, region=filters["region"],
                           ancestors=ancestors, places=places, category_names=dict(choices.categories),
                           category_of=queries.category_of, feed_args=_feed_args(filters))


def _feed_args(filters: dict) -> dict:
    """The feed carries the region and category the reader chose (the only filters feeds take)."""
    args = {"region": filters["region"].code if filters["region"] else None, "category": filters["category"]}
    return {key: value for key, value in args.items() if value}


def _filter_form(choices: queries.FilterChoices) -> ProjectFilterForm:
    form = ProjectFilterForm(request.args)
    everything = ("", _("全部"))
    form.category.choices = [everything, *((code, f"{code} {name}") for code, name in choices.categories)]
    form.year.choices = [everything, *((str(y), str(y)) for y in choices.years)]
    form.validate()
    return form


def _filters(form: ProjectFilterForm) -> dict:
    """Only what validated: a hand-edited address with a value no choice offers is simply ignored."""
    def ok(f):
        return f.data if f.data and not f.errors else None

    def amount(f):
        return f.data if f.data is not None and not f.errors else None

    region = region_by_code(form.region.data) if (form.region.data or "").isdigit() else None
    if region is None:
        form.region.data = ""
    return {"region": region, "category": ok(form.category), "year": int(ok(form.year)) if ok(form.year) else None,
            "status": ContractStatus(ok(form.status)) if ok(form.status) else None,
            "organization": ok(form.organization),
            "amount_min": amount(form.amount_min), "amount_max": amount(form.amount_max),
            "sort": ok(form.sort) or "newest"}


@bp.get("/<int:tender_id>")
def show(tender_id):
    story = queries.load_story(tender_id)
    if story is None:
        abort(404)
    now = clock.now()
    return render_template("projects/show.html", story=story, tender=story.tender, contract=story.contract,
                           events=timeline.events(story, now), budget=queries.budget_of(story),
                           progress=queries.indicator_progress(story) if story.signed else [],
                           group_labels=BENEFICIARY_GROUP_LABELS, ocid=ocid_of(story.tender))
