"""Forms check shape only; the services decide the rules (code check digit, type prefix, eligibility …)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp, ValidationError

from marketplace.catalog.rules import GRADES, INSPECTION_RESULTS

from . import uscc as credit_code
from .models import ORG_TYPE_LABELS, CreditList, FactKind, OrgRole, SocialWorkerLevel

REQUIRED = _l("此项必填")
DATE_MESSAGE = _l("日期格式应为 年-月-日，如 2020-05-01")

PUBLIC_CLASS_CHOICES = [("", _l("（不适用）")), ("class_1", _l("公益一类")), ("class_2", _l("公益二类")),
                        ("other", _l("其他 / 未分类"))]
FACT_KIND_CHOICES = [(FactKind.grade.value, _l("社会组织评估等级")), (FactKind.inspection.value, _l("年检结论")),
                     (FactKind.annual_report.value, _l("年度工作报告报送")),
                     (FactKind.staff.value, _l("专职工作人员人数")),
                     (FactKind.social_worker.value, _l("持证社会工作者")),
                     (FactKind.tax_exempt.value, _l("非营利组织免税资格"))]
WORKER_LEVEL_CHOICES = [(SocialWorkerLevel.assistant.value, _l("助理社会工作师")),
                        (SocialWorkerLevel.worker.value, _l("社会工作师")),
                        (SocialWorkerLevel.senior.value, _l("高级社会工作师"))]
ORG_ROLE_CHOICES = [(OrgRole.member.value, _l("成员")), (OrgRole.manager.value, _l("管理员"))]
CREDIT_LIST_CHOICES = [(CreditList.abnormal.value, _l("活动异常名录")),
                       (CreditList.serious.value, _l("严重违法失信名单"))]


class RegistrationForm(FlaskForm):
    name = StringField(_l("机构名称"), validators=[DataRequired(REQUIRED), Length(max=200)],
                       description=_l("与登记证书上的名称一致"))
    uscc = StringField(_l("统一社会信用代码"), validators=[DataRequired(REQUIRED), Length(max=40)],
                       description=_l("18 位，见登记证书；系统会逐位核对并指出哪里不对"),
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    org_type = SelectField(_l("机构类型"), choices=[(t.value, label) for t, label in ORG_TYPE_LABELS.items()])
    public_class = SelectField(_l("事业单位分类"), choices=PUBLIC_CLASS_CHOICES, default="",
                               description=_l("仅事业单位填写；公益一类事业单位不能承接政府购买服务"))
    budget_funded = BooleanField(_l("由财政拨款保障（仅群团组织填写）"))
    registering_authority = StringField(_l("登记管理机关"), validators=[DataRequired(REQUIRED), Length(max=200)],
                                        description=_l("如 北京市东城区民政局"))
    registered_on = DateField(_l("成立登记日期"), validators=[DataRequired(DATE_MESSAGE)])
    region_code = SelectField(_l("所在区县 / 街道"), choices=[])
    address = StringField(_l("地址"), validators=[DataRequired(REQUIRED), Length(max=300)])
    legal_representative = StringField(_l("法定代表人"), validators=[DataRequired(REQUIRED), Length(max=100)])
    contact_name = StringField(_l("联系人"), validators=[DataRequired(REQUIRED), Length(max=100)])
    contact_phone = StringField(_l("联系电话"), validators=[
        DataRequired(REQUIRED), Regexp(r"^[0-9+\-() ]{7,20}$", message=_l("电话号码只能包含数字、空格和 + - ( )"))])
    contact_email = EmailField(_l("联系邮箱"), validators=[DataRequired(REQUIRED), Email(_l("邮箱格式不正确"))])
    fulltime_staff = IntegerField(_l("专职工作人员（人）"), default=0,
                                  validators=[Optional(), NumberRange(0, 100000, _l("人数不能为负"))])
    parttime_staff = IntegerField(_l("兼职工作人员（人）"), default=0,
                                  validators=[Optional(), NumberRange(0, 100000, _l("人数不能为负"))])
    service_fields = SelectMultipleField(_l("服务领域"), choices=[],
                                         description=_l("从购买服务目录中选择，可多选（按住 Ctrl 或 ⌘）"))
    introduction = TextAreaField(_l("机构简介"), validators=[Optional(), Length(max=4000)])
    certificate = FileField(_l("登记证书（PDF、JPG 或 PNG，不超过 10 MB）"))
    certificate_token = HiddenField()

    def validate_uscc(self, field):
        # The check digit is pure arithmetic, so it is reported with the other field errors at once.
        try:
            credit_code.validate(field.data)
        except credit_code.CodeError as exc:
            raise ValidationError(exc.message) from None


class FactForm(FlaskForm):
    kind = SelectField(_l("资质类型"), choices=FACT_KIND_CHOICES)
    valid_from = DateField(_l("取得 / 生效日期"), validators=[DataRequired(DATE_MESSAGE)],
                           description=_l("评估等级填颁发日期，有效期 5 年由系统计算"))
    valid_until = DateField(_l("有效期至（如有）"), validators=[Optional()])
    grade = SelectField(_l("评估等级"), choices=[("", "—"), *[(g, g) for g in GRADES]], default="")
    year = IntegerField(_l("年度"), validators=[Optional()])
    inspection_result = SelectField(_l("年检结论"), choices=[("", "—"), *[(r, r) for r in INSPECTION_RESULTS]],
                                    default="")
    count = IntegerField(_l("人数"), validators=[Optional(), NumberRange(0, 100000)])
    worker_level = SelectField(_l("证书等级"), choices=[("", "—"), *WORKER_LEVEL_CHOICES], default="")
    certificate_no = StringField(_l("证书编号"), validators=[Optional(), Length(max=50)])
    person_name = StringField(_l("持证人姓名"), validators=[Optional(), Length(max=100)])
    document = FileField(_l("证明材料（PDF、JPG 或 PNG）"))


class RepairForm(FlaskForm):
    statement = TextAreaField(_l("整改情况说明"), validators=[DataRequired(REQUIRED), Length(max=4000)])
    document = FileField(_l("证明材料（可选）"))


class InviteForm(FlaskForm):
    email = EmailField(_l("同事的电子邮箱"), validators=[DataRequired(REQUIRED), Email(_l("邮箱格式不正确"))])
    role = SelectField(_l("在机构中的角色"), choices=ORG_ROLE_CHOICES)


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("理由（机构会看到）"), validators=[Optional(), Length(max=1000)])


class CreditEntryForm(FlaskForm):
    list_kind = SelectField(_l("名单"), choices=CREDIT_LIST_CHOICES)
    reason = TextAreaField(_l("列入事由"), validators=[DataRequired(REQUIRED), Length(max=1000)])
    authority = StringField(_l("作出决定的机关"), validators=[DataRequired(REQUIRED), Length(max=200)])
    listed_on = DateField(_l("列入日期"), validators=[DataRequired(DATE_MESSAGE)])


class DirectoryFilterForm(FlaskForm):
    class Meta:
        csrf = False

    org_type = SelectField(_l("类型"), choices=[("", _l("全部")), *[(t.value, label) for t, label in
                                                                 ORG_TYPE_LABELS.items()]], default="")
    region = SelectField(_l("地区"), choices=[], default="")
    grade = SelectField(_l("评估等级"), choices=[("", _l("不限")), *[(g, f"{g}+") for g in GRADES]], default="")
    field = SelectField(_l("服务领域"), choices=[], default="")
