"""The project list's filters: shape only. The route turns what validated into query filters."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional

from marketplace.contracts.models import CONTRACT_STATUS_LABELS
from marketplace.forms import FiniteDecimalField

from .queries import PROJECT_STATES

SORT_CHOICES = [("newest", _l("最新签约")), ("value", _l("合同金额从高到低")), ("ends", _l("服务结束日期由近及远"))]


class ProjectFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search: bookmarkable, nothing changes

    region = HiddenField()  # set by the region links; shown as the breadcrumb above the form
    category = SelectField(_l("服务类别"), validators=[Optional()])
    year = SelectField(_l("年度"), validators=[Optional()])
    status = SelectField(_l("合同状态"), validators=[Optional()],
                         choices=[("", _l("全部"))] + [(s.value, CONTRACT_STATUS_LABELS[s]) for s in PROJECT_STATES])
    # Typed, not chosen: a province has tens of thousands of contracted organizations, far too many for a list.
    organization = StringField(_l("承接机构（名称或统一社会信用代码）"), filters=[lambda v: v.strip() if v else v],
                               validators=[Optional(), Length(max=100)])
    amount_min = FiniteDecimalField(_l("合同金额不低于（元）"), validators=[Optional(), NumberRange(min=0)],
                                    render_kw={"inputmode": "decimal"})
    amount_max = FiniteDecimalField(_l("合同金额不高于（元）"), validators=[Optional(), NumberRange(min=0)],
                                    render_kw={"inputmode": "decimal"})
    sort = SelectField(_l("排序"), choices=SORT_CHOICES, default="newest", validators=[Optional()])
