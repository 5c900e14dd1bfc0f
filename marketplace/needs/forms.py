"""Forms check shape only; the services decide the rules (catalog item, negative list, phone, office)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .models import NEED_STATUS_LABELS

REQUIRED = _l("此项必填")


class NeedForm(FlaskForm):
    community = SelectField(_l("所在社区"), choices=[], validate_choice=False)
    item_code = SelectField(_l("需求类别"), choices=[], validate_choice=False,
                            description=_l("按政府购买服务目录分类；街道据此安排项目"))
    title = StringField(_l("需求标题"), validators=[DataRequired(REQUIRED), Length(max=200)],
                        description=_l("一句话说明需要什么，如“社区老年人助餐服务需求”"))
    description = TextAreaField(_l("具体描述"), validators=[DataRequired(REQUIRED), Length(max=4000)],
                                description=_l("涉及多少人、在哪里、现在有什么困难。请不要写他人的姓名、身份证号等个人信息"))
    contact_phone = StringField(_l("联系电话（可选）"), validators=[Optional(), Length(max=30)],
                                description=_l("只给负责答复的街道工作人员看，且只显示部分号码；公众看不到"),
                                render_kw={"inputmode": "tel", "autocomplete": "tel"})
    photos = MultipleFileField(_l("现场照片（可选，最多 3 张，JPG 或 PNG）"),
                               render_kw={"accept": "image/jpeg,image/png"})
    photo_tokens = HiddenField()
    clear_photos = BooleanField(_l("不要已选择的照片，重新选择"))


class AnswerForm(FlaskForm):
    text = TextAreaField(_l("答复内容（公开）"), validators=[DataRequired(REQUIRED), Length(max=4000)])


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("不予采纳的理由（公开，居民会收到）"),
                           validators=[DataRequired(_l("不予采纳必须写明理由")), Length(max=1000)])


class NeedFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(_l("状态"), choices=[("", _l("全部")), *[(s.value, label) for s, label in
                                                                 NEED_STATUS_LABELS.items()]], default="")
    area = SelectField(_l("街道 / 社区"), choices=[], default="")
    category = SelectField(_l("类别"), choices=[], default="")
    overdue = BooleanField(_l("只看超期"))
    q = StringField(_l("关键词"), validators=[Optional(), Length(max=100)])
