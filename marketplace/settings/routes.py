from datetime import date

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.accounts import policies
from marketplace.common import clock
from marketplace.common.workdays import covered_years
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import show_domain_error
from marketplace.regions.services import region_by_code
from marketplace.security import require

from . import services
from .forms import CalendarDayForm, SettingForm
from .models import CalendarDay, Setting
from .registry import SPECS

bp = Blueprint("settings", __name__, url_prefix="/admin/settings")


def _page(form, calendar_form, status=200):
    rows = db.session.execute(select(Setting).order_by(Setting.key, Setting.valid_from.desc())).scalars().all()
    days = db.session.execute(select(CalendarDay).order_by(CalendarDay.day)).scalars().all()
    current = {spec.key: services.get_setting(spec.key) for spec in SPECS}
    return render_template("settings/index.html", specs=SPECS, rows=rows, current=current, form=form,
                           calendar_form=calendar_form, days=days, covered=covered_years()), status


def _setting_form():
    form = SettingForm()
    form.key.choices = [(spec.key, f"{spec.label}（{spec.key}）") for spec in SPECS]
    return form


@bp.get("/")
@login_required
def index():
    require(policies.can_administer(current_user))
    form = _setting_form()
    form.valid_from.data = form.valid_from.data or clock.today()
    return _page(form, CalendarDayForm())


@bp.post("/")
@login_required
def change():
    require(policies.can_administer(current_user))
    form = _setting_form()
    if form.validate_on_submit():
        region = region_by_code(form.region_code.data) if form.region_code.data else None
        try:
            if form.region_code.data and region is None:
                raise DomainError(_("没有代码为 %(code)s 的区划", code=form.region_code.data), field="region_code")
            services.set_setting(form.key.data, form.value.data, by=current_user, region=region,
                                 valid_from=form.valid_from.data, note=form.note.data)
        except DomainError as exc:
            show_domain_error(form, exc)
        else:
            db.session.commit()
            flash(_("设置已保存"), "success")
            return redirect(url_for("settings.index"))
    return _page(form, CalendarDayForm(), 400)


@bp.post("/calendar")
@login_required
def add_calendar_day():
    require(policies.can_administer(current_user))
    form = CalendarDayForm()
    if form.validate_on_submit():
        services.set_calendar_day(form.day.data, form.kind.data == "workday", form.name.data, by=current_user)
        db.session.commit()
        flash(_("日历已更新"), "success")
        return redirect(url_for("settings.index"))
    return _page(_setting_form(), form, 400)


@bp.post("/calendar/<day>/delete")
@login_required
def remove_calendar_day(day):
    require(policies.can_administer(current_user))
    services.remove_calendar_day(date.fromisoformat(day), by=current_user)
    db.session.commit()
    flash(_("日历已更新"), "success")
    return redirect(url_for("settings.index") + "#calendar")
