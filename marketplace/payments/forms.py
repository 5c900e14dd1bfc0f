"""Payment forms: shape only; services decide the rules."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from marketplace.forms import FiniteDecimalField

REQUIRED = _l("此项必填")


class ReleaseForm(FlaskForm):
    code = StringField(_l("验证码"), validators=[DataRequired(REQUIRED), Length(max=20)],
                       description=_l("请输入验证器中的 6 位数字确认付款"),
                       render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"})


class DonationForm(FlaskForm):
    amount = FiniteDecimalField(_l("捐赠金额（元）"), places=2, validators=[DataRequired(REQUIRED)],
                                render_kw={"inputmode": "decimal"})
    name = StringField(_l("署名（可选）"), validators=[Optional(), Length(max=100)])
    anonymous = BooleanField(_l("匿名捐赠（不公开姓名）"))
    message = TextAreaField(_l("留言（可选，将公开）"), validators=[Optional(), Length(max=500)], render_kw={"rows": 2})
    email = EmailField(_l("电子邮箱（用于接收捐赠收据，不公开）"),
                       validators=[Optional(), Email(_l("请填写有效的电子邮箱")), Length(max=254)])


class TestPayForm(FlaskForm):
    payment_method = SelectField(_l("测试支付方式"), choices=[("pm_card_visa", _l("测试卡：支付成功 (pm_card_visa)")),
                                                         ("pm_card_chargeCustomerFail",
                                                          _l("测试卡：被拒付 (pm_card_chargeCustomerFail)"))])


class RefundForm(FlaskForm):
    reason = TextAreaField(_l("退款理由"), validators=[DataRequired(REQUIRED), Length(max=1000)], render_kw={"rows": 3})


class PayerForm(FlaskForm):
    body_id = IntegerField(_l("采购单位编号"), validators=[DataRequired(REQUIRED)])
    customer = StringField(_l("Stripe 客户编号（cus_…）"), validators=[DataRequired(REQUIRED), Length(max=255)])
    payment_method = StringField(_l("Stripe 支付方式编号（pm_…）"),
                                 validators=[DataRequired(REQUIRED), Length(max=255)])


class PayeeForm(FlaskForm):
    organization_id = IntegerField(_l("服务机构编号"), validators=[DataRequired(REQUIRED)])
    account = StringField(_l("Stripe 关联账户编号（acct_…）"), validators=[DataRequired(REQUIRED), Length(max=255)])


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    kind = SelectField(_l("类型"), validators=[Optional()], choices=[("", _l("全部")), ("tranche", _l("合同款")),
                                                                   ("donation", _l("捐赠"))])
    status = SelectField(_l("状态"), validators=[Optional()],
                         choices=[("", _l("全部")), ("created", _l("待支付")), ("processing", _l("处理中")),
                                  ("succeeded", _l("已到账")), ("failed", _l("支付失败")), ("refunded", _l("已退款"))])
    start = DateField(_l("起始日期"), validators=[Optional()])
    end = DateField(_l("截止日期"), validators=[Optional()])
    contract = IntegerField(_l("合同编号"), validators=[Optional()])
