"""Forms check shape only; `people.normalized` decides ID numbers, phones and which consents are needed."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from marketplace.forms import MultiCheckboxField

from .people import CONSENT_METHOD_LABELS, GENDER_LABELS, SENSITIVE_LABELS, SERVICE_CATEGORY_LABELS, Person

REQUIRED = _l("此项必填")
PURPOSE_LABELS = {"follow_up": _l("服务跟进"), "contact": _l("联系服务对象"), "verify": _l("核实身份"),
                  "supervise": _l("监督检查")}


def _choices(labels: dict) -> list[tuple[str, object]]:
    return [(member.value, label) for member, label in labels.items()]


class BeneficiaryForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(REQUIRED), Length(max=50)],
                       render_kw={"autocomplete": "off"})
    gender = RadioField(_l("性别"), choices=_choices(GENDER_LABELS), validators=[DataRequired(REQUIRED)])
    birth_year = IntegerField(_l("出生年份"), validators=[DataRequired(REQUIRED), NumberRange(1900, 2100)],
                              render_kw={"inputmode": "numeric"})
    birth_date = DateField(_l("出生日期（可选）"), validators=[Optional()],
                           description=_l("填写身份证号码时自动取证件上的日期"))
    id_number = StringField(_l("身份证号码（可选）"), validators=[Optional(), Length(max=18)],
                            render_kw={"autocomplete": "off", "inputmode": "text"})
    clear_id_number = BooleanField(_l("删除已登记的身份证号码"))
    phone = StringField(_l("联系电话（可选）"), validators=[Optional(), Length(max=30)],
                        render_kw={"inputmode": "tel", "autocomplete": "off"})
    clear_phone = BooleanField(_l("删除已登记的联系电话"))
    community_code = SelectField(_l("所在社区"), choices=[], validate_choice=False,
                                 validators=[DataRequired(REQUIRED)])
    category = SelectField(_l("服务类别"), choices=_choices(SERVICE_CATEGORY_LABELS))
    sensitive = MultiCheckboxField(_l("敏感个人信息（如涉及，逐项勾选）"), choices=_choices(SENSITIVE_LABELS),
                                   description=_l("属于敏感个人信息，须另行取得本人（或监护人）的单独同意"))
    notes = TextAreaField(_l("备注（可选）"), validators=[Optional(), Length(max=2000)],
                          description=_l("只写服务需要的信息"))
    consent_by = StringField(_l("同意人姓名"), validators=[Length(max=50)],
                             description=_l("本人；未满十四周岁的由监护人同意"))
    consent_on = DateField(_l("同意日期"), validators=[Optional()])
    consent_method = SelectField(_l("同意方式"), choices=[("", _l("请选择")), *_choices(CONSENT_METHOD_LABELS)])
    sensitive_consent = BooleanField(_l("已就上述敏感个人信息另行取得单独同意"))
    sensitive_consent_on = DateField(_l("单独同意日期"), validators=[Optional()])
    guardian_name = StringField(_l("监护人姓名"), validators=[Length(max=50)])
    guardian_relation = StringField(_l("与服务对象关系"), validators=[Length(max=20)],
                                    description=_l("如：父亲、母亲、祖父母"))
    guardian_consent = BooleanField(_l("监护人已同意处理其个人信息"))

    def person(self, kept: Person | None = None) -> Person:
        """The person as typed. On an edit an empty ID number or phone keeps the stored one (never echoed back)."""
        id_number, phone = self.id_number.data or "", self.phone.data or ""
        if kept is not None:
            id_number = "" if self.clear_id_number.data else (id_number or kept.id_number)
            phone = "" if self.clear_phone.data else (phone or kept.phone)
        return Person(
            name=self.name.data or "", gender=self.gender.data, birth_year=self.birth_year.data or 0,
            birth_date=self.birth_date.data, id_number=id_number, phone=phone,
            community_code=self.community_code.data or "", category=self.category.data,
            sensitive=list(self.sensitive.data or []), notes=self.notes.data or "",
            consent_by=self.consent_by.data or "", consent_on=self.consent_on.data,
            consent_method=self.consent_method.data or "", sensitive_consent=bool(self.sensitive_consent.data),
            sensitive_consent_on=self.sensitive_consent_on.data, guardian_name=self.guardian_name.data or "",
            guardian_relation=self.guardian_relation.data or "", guardian_consent=bool(self.guardian_consent.data))

    def fill(self, person: Person) -> None:
        """Everything but the ID number and phone, which stay out of the page (masked next to the field)."""
        for name, value in person.to_dict().items():
            if name in self._fields and name not in ("id_number", "phone"):
                self._fields[name].data = getattr(person, name) if name.endswith(("_on", "_date")) else value


class ViewForm(FlaskForm):
    purpose = SelectField(_l("查看目的"), choices=list(PURPOSE_LABELS.items()))


class ConfirmForm(FlaskForm):
    pass


class AccessForm(FlaskForm):
    user = SelectField(_l("工作人员"), choices=[], validate_choice=False, validators=[DataRequired(REQUIRED)])
