from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

REQUIRED = _l("此项必填")
KIND_CHOICES = [("purchase", _l("购买服务目录")), ("function", _l("职能转移目录")),
                ("qualification", _l("承接资质目录"))]


class ImportForm(FlaskForm):
    kind = SelectField(_l("目录类型"), choices=KIND_CHOICES)
    year = IntegerField(_l("年度"), validators=[DataRequired(REQUIRED), NumberRange(2000, 2100)])
    file = FileField(_l("文件（.xlsx 或 .csv）"), validators=[FileRequired(REQUIRED)])


class PurchaseItemForm(FlaskForm):
    code = StringField(_l("编码"), validators=[DataRequired(REQUIRED), Length(max=16)],
                       description=_l("一个大写字母加两位数字的层级，如 A10、A1001"))
    name = StringField(_l("名称"), validators=[DataRequired(REQUIRED), Length(max=200)])
    description = TextAreaField(_l("说明"), validators=[Optional(), Length(max=2000)])
    unit_standard = StringField(_l("计量单位 / 标准"), validators=[Optional(), Length(max=200)])
    price_min = StringField(_l("参考价格下限（元）"), validators=[Optional(), Length(max=20)])
    price_max = StringField(_l("参考价格上限（元）"), validators=[Optional(), Length(max=20)])
    negative = BooleanField(_l("列入负面清单"))
    negative_reason = StringField(_l("负面清单原因"), validators=[Optional(), Length(max=500)])
    required_conditions = StringField(_l("必备资质条件编码（以分号分隔）"), validators=[Optional(), Length(max=500)])
    preferred_conditions = StringField(_l("优先资质条件编码（以分号分隔）"), validators=[Optional(), Length(max=500)])
    functions = StringField(_l("对应的职能转移事项编码（以分号分隔）"), validators=[Optional(), Length(max=500)])


class FunctionItemForm(FlaskForm):
    code = StringField(_l("编码"), validators=[DataRequired(REQUIRED), Length(max=16)])
    department = StringField(_l("部门"), validators=[DataRequired(REQUIRED), Length(max=200)])
    function_name = TextAreaField(_l("职能"), validators=[DataRequired(REQUIRED), Length(max=500)])
    transfer_mode = StringField(_l("转移方式"), validators=[DataRequired(REQUIRED), Length(max=200)],
                                description=_l("委托、授权、购买等"))
    undertaker_type = StringField(_l("承接主体类型"), validators=[DataRequired(REQUIRED), Length(max=200)])
    agreement_start = DateField(_l("协议开始日期"), validators=[Optional()])
    agreement_end = DateField(_l("协议结束日期"), validators=[Optional()])
    guidance_years = IntegerField(_l("指导期（年）"), default=3,
                                  validators=[DataRequired(REQUIRED), NumberRange(1, 10)])
    status = SelectField(_l("状态"), choices=[("planned", _l("计划转移")), ("transferred", _l("已转移")),
                                              ("taken_back", _l("已收回"))])
    taken_back_reason = StringField(_l("收回原因"), validators=[Optional(), Length(max=500)])
    notes = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])


class ConditionForm(FlaskForm):
    code = StringField(_l("编码"), validators=[DataRequired(REQUIRED), Length(max=32)])
    condition = TextAreaField(_l("条件内容"), validators=[DataRequired(REQUIRED), Length(max=1000)])
    kind = SelectField(_l("类型"), choices=[("required", _l("必备")), ("preferred", _l("优先"))])
    rule = StringField(_l("机器校验规则"), validators=[DataRequired(REQUIRED), Length(max=500)],
                       description=_l("如 grade >= 3A and years_since_registration >= 2；无法机器校验时写 manual"))
    source = StringField(_l("出处"), validators=[Optional(), Length(max=1000)])


ITEM_FORMS = {"purchase": PurchaseItemForm, "function": FunctionItemForm, "qualification": ConditionForm}


class MoveForm(FlaskForm):
    parent_code = SelectField(_l("移动到上级事项"), choices=[])


class BudgetLineForm(FlaskForm):
    body_id = SelectField(_l("预算单位"), coerce=int, choices=[],
                          description=_l("财政部门可以为本地区的各单位安排预算"))
    item_code = StringField(_l("目录事项编码"), validators=[DataRequired(REQUIRED), Length(max=16)])
    amount = StringField(_l("预算金额（元）"), validators=[DataRequired(REQUIRED), Length(max=20)])
    source = StringField(_l("资金来源"), validators=[DataRequired(REQUIRED), Length(max=200)])
    year = IntegerField(_l("年度"), validators=[DataRequired(REQUIRED), NumberRange(2000, 2100)])
