"""Request-wide wiring: locale, user loading, the 2FA gate, template helpers."""

from urllib.parse import urlsplit

from flask import current_app, g, has_request_context, redirect, request, session, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from marketplace.common import clock, money, privacy
from marketplace.extensions import db, login_manager

# Pages a user who must enrol in 2FA can still reach before doing so.
ENROLMENT_ENDPOINTS = {"accounts.two_factor_setup", "accounts.logout", "portal.set_language", "static",
                       "portal.healthz"}


def select_locale() -> str:
    if not has_request_context():  # CLI commands and jobs speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    supported = list(current_app.config["LANGUAGES"])
    chosen = session.get("lang")
    if chosen in supported:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    # Chinese unless the person chose otherwise: browsers here often send en-US by default.
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return "Asia/Shanghai"


def _load_user(user_id: str):
    from marketplace.accounts.models import User

    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def _require_2fa_enrolment():
    if (current_user.is_authenticated and current_user.requires_2fa and not current_user.has_2fa
            and request.endpoint not in ENROLMENT_ENDPOINTS):
        return redirect(url_for("accounts.two_factor_setup"))
    return None


def _template_globals() -> dict:
    from marketplace.accounts import policies
    from marketplace.notifications.services import unread_count

    unread = 0
    if current_user and current_user.is_authenticated:  # None outside a request (CLI, jobs)
        if "unread" not in g:
            g.unread = unread_count(current_user)
        unread = g.unread
    return {
        "policies": policies,
        "unread_notifications": unread,
        # Babel expands zh_CN to zh_Hans_CN; templates compare against our own codes.
        "current_locale": "zh_CN" if get_locale().language == "zh" else get_locale().language,
        "languages": current_app.config["LANGUAGES"],
    }


def external_url(endpoint: str, **values) -> str:
    """An absolute link, inside a request (its host) or outside one (PUBLIC_URL, e.g. mail from a job)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    base = urlsplit(current_app.config["PUBLIC_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def local_datetime(value, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    return format_datetime(value, fmt) if value else "—"


def role_label(role) -> str:
    from marketplace.accounts.models import ROLE_LABELS

    return str(ROLE_LABELS[role])


VERIFICATION_LABELS = {"pending": _l("待审核"), "approved": _l("已通过"), "rejected": _l("未通过")}


def verification_label(status) -> str:
    return str(VERIFICATION_LABELS[status.value])


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in every route: an id beyond the 32-bit integer columns is simply not found (404), never a
    database overflow (500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def register(app) -> None:
    from marketplace.accounts import sessions
    from marketplace.drafts.keeping import keep_input_field

    login_manager.user_loader(_load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("请先登录")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    sessions.register(app)  # the idle timeout, before anything else looks at the user
    app.before_request(_require_2fa_enrolment)
    app.context_processor(_template_globals)
    app.add_template_filter(money.format_cny, "cny")
    app.add_template_filter(privacy.mask_phone, "mask_phone")
    app.add_template_filter(local_datetime, "dt")
    app.add_template_filter(role_label, "role_label")
    app.add_template_filter(verification_label, "verification_label")
    app.add_template_global(clock.now, "now")
    app.add_template_global(keep_input_field, "keep_input_field")


def is_local_path(target: str) -> bool:
    """A path on this site: browsers read "//host" and "/\\host" (and the same with a tab or newline slipped in,
    which they strip) as another site, so only one slash followed by neither, and no control characters."""
    return (target.startswith("/") and target[1:2] not in ("/", "\\")
            and not any(ch == "\\" or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target))
