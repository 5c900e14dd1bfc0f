"""Helpers shared by every domain's forms and routes."""

from collections.abc import Callable
from decimal import Decimal

from flask import flash
from wtforms import DecimalField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.errors import DomainError
from marketplace.extensions import db


def show_domain_error(form, exc: DomainError) -> None:
    """Put a service's refusal next to the field it concerns, or at the top of the form. A refusal that lists
    several problems (`exc.problems`: (field, message) pairs) puts each one next to its own field."""
    for name, message in getattr(exc, "problems", None) or [(exc.field, exc.message)]:
        field = getattr(form, name, None) if name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, str(message)] if isinstance(field.errors, list) else [str(message)]
        else:
            form.form_errors.append(str(message))


def run_form(form, action: Callable[[], object], done: str | None = None) -> bool:
    """The one way a route acts on a posted form: validate, call the service, commit and say so.

    On a refusal the transaction is rolled back (a service may have changed objects before it said no) and
    the message goes next to its field; the caller re-renders the form with what the user typed.
    """
    if not form.validate_on_submit():
        return False
    try:
        action()
    except DomainError as exc:
        db.session.rollback()
        show_domain_error(form, exc)
        return False
    db.session.commit()
    if done:
        flash(done, "success")
    return True


class FiniteDecimalField(DecimalField):
    """A decimal that is a real amount: "sNaN", "Infinity" or 1e400 are refused here, not crash a comparison."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and (not self.data.is_finite() or abs(self.data) >= Decimal("1e12")):
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (easier on a phone than a multi-select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
