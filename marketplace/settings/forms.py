from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

REQUIRED = _l("此项必填")


class SettingForm(FlaskForm):
    key = SelectField(_l("设置项"), validators=[DataRequired(REQUIRED)])
    value = StringField(_l("新值"), validators=[DataRequired(REQUIRED), Length(max=100)])
    region_code = StringField(_l("适用区划代码（留空为全国）"), validators=[Optional(), Length(max=12)])
    valid_from = DateField(_l("生效日期"), validators=[DataRequired(REQUIRED)])
    note = StringField(_l("依据 / 备注"), validators=[Optional(), Length(max=500)])


class CalendarDayForm(FlaskForm):
    day = DateField(_l("日期"), validators=[DataRequired(REQUIRED)])
    kind = SelectField(_l("类型"), choices=[("holiday", _l("放假")), ("workday", _l("调休上班"))])
    name = StringField(_l("名称（如 春节）"), validators=[DataRequired(REQUIRED), Length(max=100)])
