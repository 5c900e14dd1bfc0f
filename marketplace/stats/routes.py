"""Statistics: every chart on one page, filtered by region and year, and each chart's numbers as CSV."""

import csv
import io

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import Optional

from marketplace.opendata.cells import spreadsheet_cell
from marketplace.organizations import services as organizations
from marketplace.regions.services import region_by_code

from . import charts, queries

bp = Blueprint("stats", __name__, url_prefix="/stats")


class StatsFilterForm(FlaskForm):
    class Meta:
        csrf = False

    region = SelectField(_l("地区"), validators=[Optional()])
    year = SelectField(_l("年度"), validators=[Optional()])


def _filters() -> tuple[StatsFilterForm, dict]:
    form = StatsFilterForm(request.args)
    everything = ("", _("全部"))
    form.region.choices = [everything, *organizations.region_choices()]
    form.year.choices = [everything, *((str(y), str(y)) for y in queries.year_choices())]
    form.validate()
    region = form.region.data if form.region.data and not form.region.errors else None
    year = form.year.data if form.year.data and not form.year.errors else None
    return form, {"region": region_by_code(region) if region else None, "year": int(year) if year else None}


@bp.get("/")
def index():
    form, filters = _filters()
    shown = []
    for key, build in queries.CHARTS.items():
        chart = build(filters)
        shown.append((chart, charts.bar_chart(chart.rows, chart_id=key, title=chart.title, money=chart.money)))
    return render_template("stats/index.html", form=form, charts=shown,
                           args={k: v for k, v in request.args.items() if k in ("region", "year") and v})


@bp.get("/<key>.csv")
def download(key):
    if key not in queries.CHARTS:
        abort(404)
    _form, filters = _filters()
    chart = queries.CHARTS[key](filters)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([chart.label_heading, chart.value_heading])
    writer.writerows([spreadsheet_cell(label), value] for label, value in chart.rows)
    # The BOM lets Excel, which most offices open CSV files with, read the Chinese as UTF-8.
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={key}.csv"})
