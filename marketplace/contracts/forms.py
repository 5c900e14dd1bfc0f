"""Contract forms: shape only."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

REQUIRED = _l("此项必填")


class ConfirmForm(FlaskForm):
    pass


class SignForm(FlaskForm):
    code = StringField(_l("验证码"), validators=[Optional(), Length(max=20)],
                       description=_l("采购人签署须输入验证器中的 6 位数字"),
                       render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"})


class AmendForm(FlaskForm):
    rationale = TextAreaField(_l("变更理由（将公开）"), validators=[DataRequired(REQUIRED), Length(max=2000)],
                              render_kw={"rows": 3})
    ends_on = DateField(_l("服务结束日期"), validators=[Optional()])
    term_justification = TextAreaField(_l("超过一年的理由"), validators=[Optional(), Length(max=2000)],
                                       render_kw={"rows": 2})
    deliverables = TextAreaField(_l("服务内容与交付成果"), validators=[Optional(), Length(max=5000)],
                                 render_kw={"rows": 5})


class EndForm(FlaskForm):
    outcome = RadioField(_l("结束方式"), validators=[DataRequired(REQUIRED)],
                         choices=[("complete", _l("履行完毕")), ("incomplete", _l("提前终止（未完成）"))])
    reason = TextAreaField(_l("理由（将公开）"), validators=[DataRequired(REQUIRED), Length(max=1000)],
                           render_kw={"rows": 3})
