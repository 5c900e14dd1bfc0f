"""Forms check shape only; the services decide the rules (who, when, what is missing)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from marketplace.forms import FiniteDecimalField

from .models import (
    BENEFICIARY_GROUP_LABELS,
    EVIDENCE_KIND_LABELS,
    REVIEWER_KIND_LABELS,
    BeneficiaryGroup,
    ReviewerKind,
)

REQUIRED = _l("此项必填")
ACTIVITY_ROWS = 3  # empty rows offered below the activities already entered


class ActivityForm(Form):
    held_on = DateField(_l("日期"), validators=[Optional()])
    title = StringField(_l("活动名称"), validators=[Optional(), Length(max=200)])
    participants = IntegerField(_l("参加人次"), validators=[Optional(), NumberRange(min=0)],
                                render_kw={"inputmode": "numeric"})


class ReportForm(FlaskForm):
    """The indicator and beneficiary fields are added per contract by `report_form()`."""

    activities = FieldList(FormField(ActivityForm), min_entries=ACTIVITY_ROWS)
    narrative = TextAreaField(_l("工作总结"), validators=[Length(max=8000)],
                              description=_l("做了什么、效果如何、遇到的困难。请不要写服务对象的姓名、身份证号、电话"))
    evidence_kind = SelectField(_l("材料类型"), choices=[(k.value, label) for k, label in EVIDENCE_KIND_LABELS.items()])
    evidence = MultipleFileField(_l("佐证材料（活动照片、签到表；PDF、JPG 或 PNG）"),
                                 render_kw={"accept": "application/pdf,image/jpeg,image/png"})
    evidence_tokens = HiddenField()  # files received on an attempt that failed, kept for the next one
    clear_evidence = BooleanField(_l("不要已选择的材料，重新选择"))


def report_form(indicators, *, data=None, **kwargs) -> ReportForm:
    """A ReportForm with one field per indicator (`actual_<id>`) and per beneficiary group (`people_<group>`)."""

    class Bound(ReportForm):
        pass

    for indicator in indicators:
        setattr(Bound, f"actual_{indicator.id}", FiniteDecimalField(
            f"{indicator.name}（{indicator.unit}）", places=2, validators=[Optional(), NumberRange(min=0)],
            description=_l("目标 %(cmp)s %(target)s %(unit)s", cmp=indicator.comparison,
                           target=indicator.target.normalize(), unit=indicator.unit),
            render_kw={"inputmode": "decimal"}))
    for group in BeneficiaryGroup:
        setattr(Bound, f"people_{group.value}", IntegerField(
            BENEFICIARY_GROUP_LABELS[group], validators=[Optional(), NumberRange(min=0)],
            render_kw={"inputmode": "numeric"}))
    return Bound(data=data, **kwargs) if data is not None else Bound(**kwargs)


class ReviewForm(FlaskForm):
    comments = TextAreaField(_l("审核意见（退回时必填，双方可见）"), validators=[Length(max=4000)])


class InviteReviewerForm(FlaskForm):
    reviewer = SelectField(_l("评审"), validators=[DataRequired(REQUIRED)])
    kind = SelectField(_l("身份"), choices=[(k.value, REVIEWER_KIND_LABELS[k])
                                           for k in (ReviewerKind.expert, ReviewerKind.third_party)])


class MarkForm(FlaskForm):
    score = FiniteDecimalField(_l("评分（0–100）"), places=2,
                               validators=[DataRequired(REQUIRED), NumberRange(min=0, max=100)],
                               render_kw={"inputmode": "decimal"})
    comment = TextAreaField(_l("打分理由（公开，不显示您的姓名）"),
                            validators=[DataRequired(REQUIRED), Length(max=2000)],
                            description=_l("如：实地核查台账与活动记录、抽访服务对象的结论"))
    no_conflict = BooleanField(_l("本人与承接机构及其负责人没有利害关系"),
                               validators=[DataRequired(_l("有利害关系的请回避，不要打分"))])


class CloseForm(FlaskForm):
    pass


class RatingForm(FlaskForm):
    stars = RadioField(_l("您对本阶段服务的评价"), coerce=int, validators=[DataRequired(_l("请选择星级"))],
                       choices=[(5, _l("5 星 · 很满意")), (4, _l("4 星 · 满意")), (3, _l("3 星 · 一般")),
                                (2, _l("2 星 · 不满意")), (1, _l("1 星 · 很不满意"))])
    comment = TextAreaField(_l("留言（可选，公开显示）"), validators=[Optional(), Length(max=500)],
                            description=_l("以“居民 + 编号”公开，不显示您的姓名。请不要写他人的姓名、电话"))
