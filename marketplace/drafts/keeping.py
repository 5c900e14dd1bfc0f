"""The opt-in for views (`@keeps_input(save)`), the owner field for their templates, and keeping a POST that
arrived without its session (see the package docstring)."""

import re
from functools import wraps
from pathlib import Path

from flask import current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_url
from markupsafe import Markup

from marketplace import security
from marketplace.common import files
from marketplace.errors import DomainError
from marketplace.extensions import db

from . import services

OWNER_FIELD = "_kept_for"  # the hidden field: a signed (user id, page) that says whose input this is
COOKIE = "kept_form"
# A form may stay open a long working day before it is posted; the field only ever lets its own author have the
# input back, after signing in.
OWNER_FIELD_MAX_AGE = 24 * 3600
_TOKEN_PURPOSE = "kept-form"
_SAVE = "keeps_input_save"
_UPLOADS = "keeps_input_uploads"
_UNSAVED = "kept_input_unsaved"
_NOT_KEPT = {"csrf_token", OWNER_FIELD, "action"}  # "action": handed back, the input is only ever saved, not sent
_BROWSER_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def keeps_input(save, *, uploads: tuple[str, ...] = ()):
    """Decorate a form view, above @login_required. `save(kept, **view_args)` stores a `services.KeptInput` through
    the domain's draft service for the signed-in current_user, and raises DomainError when it cannot; the page then
    shows the input as typed (see `unsaved_input`). `uploads` names the form's file fields: only their files are
    kept (a POST may carry any file, and one the form never reads must not be written to disk)."""

    def decorator(view):
        @wraps(view)
        def wrapped(**view_args):
            if request.method == "POST" and not current_user.is_authenticated:
                response = keep_posted_form()
                if response is not None:
                    return response
            elif request.method == "GET" and current_user.is_authenticated and request.cookies.get(COOKIE):
                _hand_back(save, view_args)
            return view(**view_args)

        setattr(wrapped, _SAVE, save)
        setattr(wrapped, _UPLOADS, frozenset(uploads))
        return wrapped

    return decorator


def keep_input_field() -> Markup:
    """Template global, inside the form: who the form was opened for, signed so nobody can claim another's input."""
    if not current_user.is_authenticated:
        return Markup("")
    token = security.make_token(_TOKEN_PURPOSE, {"u": current_user.id, "p": request.path})
    return Markup('<input type="hidden" name="{}" value="{}">').format(OWNER_FIELD, token)


def keep_posted_form():
    """A POST to a view that keeps its input, arriving signed out or with a CSRF token that no longer matches: keep
    the input and send its author to sign in (or straight back to the form, when they still are). None when this is
    no such POST or the owner field is missing or not ours: the caller answers as it otherwise would.

    The owner field is what makes this safe without the CSRF check: another site can post to this page from the
    victim's browser, but cannot sign a field naming the victim, so it could only ever keep input for itself."""
    view = current_app.view_functions.get(request.endpoint)
    if request.method != "POST" or getattr(view, _SAVE, None) is None:
        return None
    owner = _owner()
    if owner is None:
        return None
    browser_token = request.cookies.get(COOKIE, "")
    if not _BROWSER_TOKEN.match(browser_token):
        browser_token = services.new_browser_token()
    fields = [(name, value) for name, value in request.form.items(multi=True)
              if name not in _NOT_KEPT and "password" not in name.lower()]
    services.keep(browser_token, user_id=owner, path=request.path, fields=fields,
                  uploads=_posted_files(getattr(view, _UPLOADS)))
    db.session.commit()
    form_url = url_for(request.endpoint, **request.view_args)
    if current_user.is_authenticated and current_user.id == owner:  # only the CSRF token was stale
        response = redirect(form_url)
    else:
        flash(_("您的登录已过期，填写的内容已保存，请重新登录后继续。"), "info")
        response = redirect(login_url("accounts.login", next_url=form_url))
    response.set_cookie(COOKIE, browser_token, max_age=int(services.KEEP_FOR.total_seconds()), httponly=True,
                        samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def unsaved_input() -> services.KeptInput | None:
    """Input handed back in this request that its domain refused to save as the draft (with `.error`): the view
    renders its form from it instead of from the saved draft, so nothing typed is lost."""
    return g.get(_UNSAVED)


def invalid(form) -> DomainError:
    """A form built from kept input that fails its own checks, as the refusal `save` raises."""
    problems = [(name, message) for name, messages in form.errors.items() if isinstance(messages, list)
                for message in messages if isinstance(message, str)]
    error = DomainError(problems[0][1] if problems else _("请检查填写内容"))
    error.problems = problems
    return error


def _owner() -> int | None:
    data = security.read_token(_TOKEN_PURPOSE, request.form.get(OWNER_FIELD, ""), OWNER_FIELD_MAX_AGE)
    if not data or data.get("p") != request.path or not isinstance(data.get("u"), int):
        return None
    return data["u"]


def _posted_files(fields: frozenset[str]) -> list[tuple[str, str, str]]:
    kept = []
    for name, upload in request.files.items(multi=True):
        if name not in fields or not upload or not upload.filename:
            continue
        try:
            token = files.stash(upload.filename, upload.read(), field=name)
        except DomainError:  # the form would have refused this file too; the rest is still kept
            continue
        kept.append((name, token, Path(upload.filename).name))
    return kept


def _hand_back(save, view_args: dict) -> None:
    kept = services.claim(request.cookies[COOKIE], current_user, request.path)
    db.session.commit()  # handed over: gone from the table whether or not the domain accepts it
    if kept is None:
        return
    try:
        save(kept, **view_args)
    except DomainError as exc:
        db.session.rollback()
        kept.error = exc
        g.setdefault(_UNSAVED, kept)
        flash(_("您登录过期前填写的内容已恢复，但未能保存为草稿：%(reason)s", reason=exc.message), "error")
    else:
        db.session.commit()
        flash(_("您登录过期前填写的内容已恢复，并已保存为草稿。"), "success")
