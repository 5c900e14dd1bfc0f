"""Forms check shape only; tenders.services and tenders.rules decide what is allowed."""

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from marketplace.common.clock import LOCAL_TZ
from marketplace.forms import FiniteDecimalField, MultiCheckboxField

from .models import COMPARISONS, INDICATOR_KIND_LABELS, METHOD_LABELS, TENDER_STATUS_LABELS, TenderStatus

REQUIRED = _l("此项必填")
TIME_HELP = _l("北京时间")
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def to_utc(local: datetime | None) -> datetime | None:
    """A time typed in Beijing time (the form has no zone) as aware UTC."""
    return None if local is None else local.replace(tzinfo=LOCAL_TZ).astimezone(UTC)


def to_local_input(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(LOCAL_TZ).replace(tzinfo=None)


def method_choices():
    return [(m.value, label) for m, label in METHOD_LABELS.items()]


class NewTenderForm(FlaskForm):
    item_code = SelectField(_l("购买服务事项"), validators=[DataRequired(REQUIRED)],
                            description=_l("只列出本单位适用目录中、已安排预算的事项"))
    title = StringField(_l("项目名称"), validators=[DataRequired(REQUIRED), Length(max=200)])
    budget = StringField(_l("预算金额（元）"), validators=[DataRequired(REQUIRED), Length(max=20)],
                         render_kw={"inputmode": "decimal"})


class BasicsForm(FlaskForm):
    title = StringField(_l("项目名称"), validators=[DataRequired(REQUIRED), Length(max=200)])
    description = TextAreaField(_l("项目概述"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 4})
    budget = StringField(_l("预算金额（元）"), validators=[DataRequired(REQUIRED), Length(max=20)],
                         render_kw={"inputmode": "decimal"})
    regions = MultiCheckboxField(_l("服务区域"), coerce=int, description=_l("可多选街道或社区"))
    term_months = IntegerField(_l("服务期限（月）"), validators=[DataRequired(REQUIRED), NumberRange(1, 36)],
                               description=_l("一般不超过 12 个月；超过须写明理由，最长 36 个月"))
    term_start = DateField(_l("计划开始日期"), validators=[Optional()])
    term_justification = TextAreaField(_l("超过一年的理由"), validators=[Optional(), Length(max=2000)],
                                       render_kw={"rows": 2})
    deliverables = TextAreaField(_l("服务内容与交付成果"), validators=[DataRequired(REQUIRED), Length(max=5000)],
                                 description=_l("每行一项，如“大型社区活动 7 场，每场不少于 200 人”"),
                                 render_kw={"rows": 5})


class MethodForm(FlaskForm):
    method = RadioField(_l("采购方式"), choices=method_choices(), validators=[DataRequired(REQUIRED)])
    method_justification = TextAreaField(_l("单一来源理由"), validators=[Optional(), Length(max=2000)],
                                         description=_l("采用单一来源时必填，并随公告公示"), render_kw={"rows": 3})


class IndicatorRow(Form):
    # Defaults so that padding rows a client did not send still validate (they are blank and skipped).
    kind = SelectField(_l("类别"), choices=[(k.value, label) for k, label in INDICATOR_KIND_LABELS.items()],
                       default="output_quantity")
    name = StringField(_l("指标"), validators=[Optional(), Length(max=200)])
    comparison = SelectField(_l("比较"), choices=[(k, v) for k, v in COMPARISONS.items()], default=">=")
    target = FiniteDecimalField(_l("目标值"), validators=[Optional(), NumberRange(min=0)], places=None)
    unit = StringField(_l("单位"), validators=[Optional(), Length(max=20)])

    def is_blank(self) -> bool:
        return not (self.name.data or "").strip() and self.target.data is None and not (self.unit.data or "").strip()


class IndicatorsForm(FlaskForm):
    rows = FieldList(FormField(IndicatorRow), min_entries=6, max_entries=30)


class ConditionsForm(FlaskForm):
    required = MultiCheckboxField(_l("追加必备条件"))
    preferred = MultiCheckboxField(_l("追加优先条件"))


class CriterionRowForm(Form):
    name = StringField(_l("评分因素"), validators=[Optional(), Length(max=100)])
    weight = IntegerField(_l("分值"), validators=[Optional(), NumberRange(0, 100)])
    description = TextAreaField(_l("得分标准"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    is_price = BooleanField(_l("价格分"))

    def is_blank(self) -> bool:
        return not (self.name.data or "").strip() and self.weight.data is None


class ScoringForm(FlaskForm):
    rows = FieldList(FormField(CriterionRowForm), min_entries=6, max_entries=20)


class TimetableForm(FlaskForm):
    enquiry_until = DateTimeLocalField(_l("需求征询截止（可选）"), format=DATETIME_FORMAT, validators=[Optional()],
                                       description=_l("填写后项目先公开征询意见，到时自动开始接受投标"))
    questions_close_at = DateTimeLocalField(_l("提问截止"), format=DATETIME_FORMAT,
                                            validators=[DataRequired(REQUIRED)], description=TIME_HELP)
    deadline_at = DateTimeLocalField(_l("投标截止（开标时间）"), format=DATETIME_FORMAT,
                                     validators=[DataRequired(REQUIRED)], description=TIME_HELP)


class DocumentForm(FlaskForm):
    title = StringField(_l("文件名称"), validators=[Optional(), Length(max=200)])
    document = FileField(_l("文件（PDF、JPG、PNG，≤10 MB）"))


class NeedsForm(FlaskForm):
    needs = MultiCheckboxField(_l("本项目回应的群众需求"), coerce=int)


class ConfirmForm(FlaskForm):
    pass


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("终止理由（将公开）"), validators=[DataRequired(REQUIRED), Length(max=1000)],
                           render_kw={"rows": 3})


class QuestionForm(FlaskForm):
    text = TextAreaField(_l("问题"), validators=[DataRequired(REQUIRED), Length(min=5, max=2000)],
                         description=_l("采购人和公众只会看到“提问方 N”，看不到贵机构名称"), render_kw={"rows": 3})


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("答复（向所有人公开）"), validators=[DataRequired(REQUIRED), Length(max=5000)],
                           render_kw={"rows": 3})


class AmendForm(FlaskForm):
    rationale = TextAreaField(_l("变更理由（将公开）"), validators=[DataRequired(REQUIRED), Length(max=2000)],
                              render_kw={"rows": 3})
    title = StringField(_l("项目名称"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("项目概述"), validators=[Optional(), Length(max=5000)], render_kw={"rows": 4})
    deliverables = TextAreaField(_l("服务内容与交付成果"), validators=[Optional(), Length(max=5000)],
                                 render_kw={"rows": 5})
    budget = StringField(_l("预算金额（元）"), validators=[Optional(), Length(max=20)])
    term_months = IntegerField(_l("服务期限（月）"), validators=[Optional(), NumberRange(1, 36)])
    questions_close_at = DateTimeLocalField(_l("提问截止"), format=DATETIME_FORMAT, validators=[Optional()])
    deadline_at = DateTimeLocalField(_l("投标截止"), format=DATETIME_FORMAT, validators=[Optional()])
    document_title = StringField(_l("补充文件名称"), validators=[Optional(), Length(max=200)])
    document = FileField(_l("补充文件（可选）"))


class TenderFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("关键词"), validators=[Optional(), Length(max=100)])
    region = SelectField(_l("区域"), validators=[Optional()])
    item_code = StringField(_l("目录编码"), validators=[Optional(), Length(max=16)])
    method = SelectField(_l("采购方式"), choices=[("", _l("全部"))] + method_choices(), validators=[Optional()])
    status = SelectField(_l("状态"), validators=[Optional()],
                         choices=[("", _l("全部"))] + [(s.value, label) for s, label in TENDER_STATUS_LABELS.items()
                                                       if s != TenderStatus.draft])
    budget_min = FiniteDecimalField(_l("预算不低于（元）"), validators=[Optional(), NumberRange(min=0)])
    budget_max = FiniteDecimalField(_l("预算不高于（元）"), validators=[Optional(), NumberRange(min=0)])
    deadline_before = DateField(_l("截止不晚于"), validators=[Optional()])
