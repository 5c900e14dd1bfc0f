"""Helpers shared by every domain's forms and routes."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from flask import flash, request
from wtforms import DecimalField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.common import files
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


@dataclass(frozen=True)
class KeptFile:
    token: str
    name: str
    content: bytes
    tag: str = ""  # what the user said the file is (an evidence kind), kept with it


def kept_uploads(files_field, tokens_field, clear_field, *, tag: str = "", **checks) -> tuple[list[KeptFile],
                                                                                                list[DomainError]]:
    """Files chosen now plus those kept from an earlier attempt, so correcting another field never means
    choosing the files again. Each acceptable new file is stashed and its token written to `tokens_field`
    (a hidden field); a file that fails its checks comes back as an error for its field."""
    entries = [] if clear_field.data else (tokens_field.data or "").split(",")
    clear_field.data = False
    kept = []
    for entry in entries:
        entry_tag, _sep, token = entry.rpartition(":")
        if stashed := files.unstash(token):
            kept.append(KeptFile(token, *stashed, entry_tag))
    errors = []
    for upload in request.files.getlist(files_field.name):
        if not upload or not upload.filename:
            continue
        content = upload.read()
        try:
            token = files.stash(upload.filename, content, field=files_field.name, **checks)
        except DomainError as exc:
            errors.append(exc)
        else:
            kept.append(KeptFile(token, upload.filename, content, tag))
    tokens_field.data = ",".join(f"{k.tag}:{k.token}" if k.tag else k.token for k in kept)
    return kept, errors


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
