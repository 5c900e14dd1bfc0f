"""Helpers shared by every domain's forms and routes."""

from marketplace.errors import DomainError


def show_domain_error(form, exc: DomainError) -> None:
    """Put a service's refusal next to the field it concerns, or at the top of the form."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, exc.message] if isinstance(field.errors, list) else [exc.message]
    else:
        form.form_errors.append(exc.message)
