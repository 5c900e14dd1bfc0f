"""How long a sign-in lasts: the idle timeout, "keep me signed in", and what a person sees when it ran out.

The idle timeout is enforced here and nowhere else, before every request. The time of the last request travels in
the signed session cookie (`seen_at`, refreshed at most once a minute so the cookie is not rewritten on every
click); a session that has been idle longer than the setting for the account's kind is signed out.

- Staff and organization accounts: `accounts.idle_timeout_minutes` (60 by default). Residents:
  `accounts.resident_idle_timeout_minutes` (a week by default): they hold no procurement power, and a rating form
  is short.
- The settings are read only when a session has been idle for at least `SHORTEST_IDLE` (the smallest value either
  setting may take), so ordinary browsing costs no query.
- "在这台设备上保持登录" makes the session cookie outlive the browser (a permanent session); the idle timeout still
  applies, because the stamp is in that same cookie. Flask-Login's remember-me cookie is never issued: it would
  sign a person back in with a fresh session after any timeout, silently defeating it. One left over from before
  this rule is refused (the person is signed out and the cookie cleared).
- `ENFORCE_IDLE_TIMEOUT` (config) is off only in tests, which move the clock by days between requests; the tests
  of the timeout turn it on.

A form posted after the session ran out is not lost: see `marketplace.drafts`.
"""

from flask import current_app, flash, g, has_request_context, redirect, request, session
from flask_babel import gettext as _
from flask_login import current_user, login_url, logout_user, user_loaded_from_cookie

from marketplace.common import clock

from .models import Role

SEEN = "seen_at"  # epoch seconds of the last request, in the session cookie
EXPIRED = "session_expired"  # g: this request found the session idle for too long and signed it out
REFRESH_EVERY = 60  # seconds; the stamp is precise to a minute, which is all a timeout in minutes needs
SHORTEST_IDLE = 5 * 60  # seconds; the minimum either setting accepts (settings/registry.py)
QUIET_ENDPOINTS = {"static", "portal.healthz"}  # neither loads the user nor counts as activity
_FROM_COOKIE = "user_from_remember_cookie"


def idle_limit_seconds(user) -> int:
    from marketplace.settings.services import get_setting

    key = "accounts.resident_idle_timeout_minutes" if user.role == Role.resident else "accounts.idle_timeout_minutes"
    return get_setting(key) * 60


def start(*, remember: bool) -> None:
    """Call right after login_user(): the idle clock starts now; "remember" keeps the cookie past the browser."""
    session.permanent = remember
    session[SEEN] = int(clock.now().timestamp())


def enforce_idle_timeout() -> None:
    """before_request: sign out a session idle for too long; otherwise note the activity. The request then goes on
    as an anonymous one, so login_required pages send the person to sign in (and a form that keeps its input does
    so, see marketplace.drafts)."""
    if request.endpoint in QUIET_ENDPOINTS or not current_app.config.get("ENFORCE_IDLE_TIMEOUT", True):
        return
    user = current_user._get_current_object()  # loads the user now, so a remember-me cookie is seen here
    if g.pop(_FROM_COOKIE, False):
        _expire()
        return
    if not user.is_authenticated:
        return
    now = int(clock.now().timestamp())
    seen = session.get(SEEN)
    idle = now - seen if isinstance(seen, int) else None
    if idle is not None and idle >= SHORTEST_IDLE and idle > idle_limit_seconds(user):
        _expire()
        return
    if idle is None or abs(idle) >= REFRESH_EVERY:  # abs: a clock set back (tests, a corrected server) restamps
        session[SEEN] = now


def _expire() -> None:
    logout_user()  # also clears a remember-me cookie
    session.pop(SEEN, None)
    for key in ("pending_2fa_user", "totp_enrol_secret"):  # accounts.routes: half-finished sign-in steps
        session.pop(key, None)
    g.setdefault(EXPIRED, True)
    if request.method in ("GET", "HEAD"):
        # A POST is answered by the login redirect (or by keeping the form), which says it in its own words.
        flash(_("您长时间未操作，已自动退出登录。如需继续，请重新登录。"), "info")


def session_expired() -> bool:
    return has_request_context() and g.get(EXPIRED, False)


def unauthorized():
    """Flask-Login's answer to a signed-out visitor on a page that needs a sign-in: to the login page and back."""
    if not session_expired():
        manager = current_app.login_manager
        flash(str(manager.login_message), manager.login_message_category)
    elif request.method not in ("GET", "HEAD"):
        flash(_("您长时间未操作，已自动退出登录，请重新登录。"), "info")
    return redirect(login_url("accounts.login", next_url=request.url))


def _noted_remember_cookie(_app, **_extra) -> None:
    g.setdefault(_FROM_COOKIE, True)


def register(app) -> None:
    from marketplace.extensions import login_manager

    login_manager.unauthorized_handler(unauthorized)
    user_loaded_from_cookie.connect(_noted_remember_cookie, app)
    app.before_request(enforce_idle_timeout)
