"""Evaluation forms: shape only; evaluation.services and awards decide the rules."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

REQUIRED = _l("请填写此项")


class ConfirmForm(FlaskForm):
    pass


class AssignForm(FlaskForm):
    user_id = SelectField(_l("评审专家"), coerce=int, validators=[DataRequired(REQUIRED)])
    replaces_id = SelectField(_l("替换回避的专家"), coerce=int, validators=[Optional()],
                              description=_l("开标后只能替换已声明回避的专家"))


class DeclareForm(FlaskForm):
    conflicted = RadioField(_l("利害关系声明"), choices=[("no", _l("与以上投标机构均无利害关系")),
                                                         ("yes", _l("与其中的投标机构存在利害关系，申请回避"))],
                            validators=[DataRequired(REQUIRED)])
    note = TextAreaField(_l("说明（申请回避时必填）"), validators=[Optional(), Length(max=1000)],
                         render_kw={"rows": 2})


class ScoreForm(FlaskForm):
    """CSRF only: one points input and one reason per criterion are named points-<id> and why-<id>."""


def points_field(criterion_id: int) -> str:
    return f"points-{criterion_id}"


def reason_field(criterion_id: int) -> str:
    return f"why-{criterion_id}"


class ExcuseForm(FlaskForm):
    reason = TextAreaField(_l("替换原因"), validators=[DataRequired(REQUIRED), Length(max=1000)],
                           render_kw={"rows": 2})


class DisqualifyForm(FlaskForm):
    reason = TextAreaField(_l("资格审查不通过的理由（投标机构可见）"),
                           validators=[DataRequired(REQUIRED), Length(max=1000)], render_kw={"rows": 3})


class AwardForm(FlaskForm):
    bid_id = RadioField(_l("成交供应商"), coerce=int, validators=[DataRequired(REQUIRED)])
    deviation_reason = TextAreaField(_l("未选择推荐成交候选人的理由（将公开）"),
                                     validators=[Optional(), Length(max=1000)], render_kw={"rows": 3})


class ChallengeForm(FlaskForm):
    grounds = TextAreaField(_l("质疑事项、事实依据和请求"), validators=[DataRequired(REQUIRED), Length(max=5000)],
                            render_kw={"rows": 6})
    document = FileField(_l("证明材料（可选，PDF、JPG、PNG，≤10 MB）"))


class AnswerForm(FlaskForm):
    decision = RadioField(_l("答复结论"), choices=[("no", _l("质疑不成立，维持成交结果")),
                                                  ("yes", _l("质疑成立，撤销成交结果并依次递补"))],
                          validators=[DataRequired(REQUIRED)])
    answer = TextAreaField(_l("答复内容（将公开）"), validators=[DataRequired(REQUIRED), Length(max=5000)],
                           render_kw={"rows": 5})
