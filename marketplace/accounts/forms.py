"""Forms check shape only; the services decide the rules."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from .models import Role

REQUIRED = _l("此项必填")


class RegisterForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(REQUIRED), Length(max=100)])
    email = EmailField(_l("电子邮箱"), validators=[DataRequired(REQUIRED), Email(_l("邮箱格式不正确"))])
    role = RadioField(_l("我是"), choices=[(Role.resident.value, _l("社区居民")),
                                            (Role.org_member.value, _l("社会组织 / 社工机构工作人员"))],
                      default=Role.resident.value, validators=[DataRequired(REQUIRED)])
    password = PasswordField(_l("密码"), validators=[DataRequired(REQUIRED)],
                             description=_l("至少 10 个字符，不能全是数字"))
    password_again = PasswordField(_l("再次输入密码"), validators=[
        DataRequired(REQUIRED), EqualTo("password", _l("两次输入的密码不一致"))])


class LoginForm(FlaskForm):
    email = EmailField(_l("电子邮箱"), validators=[DataRequired(REQUIRED)])
    password = PasswordField(_l("密码"), validators=[DataRequired(REQUIRED)])
    remember = BooleanField(_l("在这台设备上保持登录"),
                            description=_l("关闭浏览器后仍保持登录；长时间不操作，仍会自动退出"))


class SecondFactorForm(FlaskForm):
    code = StringField(_l("验证码"), validators=[DataRequired(REQUIRED), Length(max=20)],
                       description=_l("验证器中的 6 位数字，或一个恢复码（xxxxx-xxxxx）"),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class EnableTwoFactorForm(FlaskForm):
    code = StringField(_l("验证码"), validators=[DataRequired(REQUIRED), Length(max=10)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("电子邮箱"), validators=[DataRequired(REQUIRED), Email(_l("邮箱格式不正确"))])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("新密码"), validators=[DataRequired(REQUIRED)],
                             description=_l("至少 10 个字符，不能全是数字"))
    password_again = PasswordField(_l("再次输入新密码"), validators=[
        DataRequired(REQUIRED), EqualTo("password", _l("两次输入的密码不一致"))])


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(_l("当前密码"), validators=[DataRequired(REQUIRED)])


class AcceptInvitationForm(ResetPasswordForm):
    name = StringField(_l("姓名"), validators=[DataRequired(REQUIRED), Length(max=100)])


class InviteForm(FlaskForm):
    email = EmailField(_l("电子邮箱"), validators=[DataRequired(REQUIRED), Email(_l("邮箱格式不正确"))])
    role = SelectField(_l("角色"), validators=[DataRequired(REQUIRED)])
    body_id = SelectField(_l("所属政府部门"), coerce=int, validators=[Optional()])


class VerificationRequestForm(FlaskForm):
    community_id = SelectField(_l("所在社区"), coerce=int, validators=[DataRequired(REQUIRED)])
    address_note = StringField(_l("住址（楼栋、单元，供社区核对）"),
                               validators=[DataRequired(REQUIRED), Length(max=200)])


class DecisionForm(FlaskForm):
    reason = TextAreaField(_l("原因（驳回时必填）"), validators=[Optional(), Length(max=500)])
