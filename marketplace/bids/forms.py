"""The bid form: shape only; bids.services decides completeness, eligibility and the deadline."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, StringField
from wtforms.validators import Length, Optional


class BreakdownRow(Form):
    item = StringField(_l("费用项目"), validators=[Optional(), Length(max=100)])
    amount = StringField(_l("金额（元）"), validators=[Optional(), Length(max=20)], render_kw={"inputmode": "decimal"})


class TeamRow(Form):
    fact_id = SelectField(_l("持证社会工作者"), validators=[Optional()])
    name = StringField(_l("姓名（非持证人员）"), validators=[Optional(), Length(max=50)])
    role = StringField(_l("岗位"), validators=[Optional(), Length(max=50)])


class BidForm(FlaskForm):
    price = StringField(_l("投标报价（元）"), validators=[Optional(), Length(max=20)],
                        description=_l("含全部费用；不得超过项目预算"), render_kw={"inputmode": "decimal"})
    breakdown = FieldList(FormField(BreakdownRow), min_entries=5, max_entries=30)
    team = FieldList(FormField(TeamRow), min_entries=4, max_entries=30)
    # One textarea per non-price criterion is added by the route (its names are proposal-<criterion id>).
    idempotency_key = HiddenField()


class DocumentForm(FlaskForm):
    document = FileField(_l("投标文件（PDF、JPG、PNG，≤10 MB）"))


class ConfirmForm(FlaskForm):
    idempotency_key = HiddenField()


def proposal_field(criterion_id: int) -> str:
    """The form name of the technical proposal for one scoring criterion (one textarea per criterion)."""
    return f"proposal-{criterion_id}"
