"""Helpers shared by every domain's forms and routes."""

from collections.abc import Callable
from decimal import Decimal

from flask import flash
from wtforms import DecimalField

from marketplace.errors import DomainError
from marketplace.extensions import db


def show_domain_error(form, exc: DomainError) -> None:
    """Put a service's refusal next to the field it concerns, or at the top of the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, exc.message] if isinstance(field.errors, list) else [exc.message]
    else:
        form.form_errors.append(exc.message)


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
