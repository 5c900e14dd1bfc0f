"""Domain exceptions and the HTTP error pages."""

from urllib.parse import urlsplit

from flask import current_app, jsonify, render_template, request, session, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A business rule said no. The message is for the person who tried, in their language."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidTransition(DomainError):
    pass


class NotPermitted(DomainError):
    pass


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _titles():
    return {
        400: _("请求有误"),
        403: _("没有权限"),
        404: _("页面不存在"),
        405: _("不支持的操作"),
        413: _("上传的文件太大"),
        429: _("操作太频繁"),
        500: _("服务器出错了"),
    }


def _explanations():
    return {
        400: _("请求的内容不完整或格式不对。请返回上一页检查后重试。"),
        403: _("您的账号没有访问此页面的权限。如果您认为这是错误，请联系您所在单位的管理员。"),
        404: _("您要找的页面不存在或已被移除。请检查网址，或从首页重新进入。"),
        405: _("此页面不支持这种操作。"),
        413: _("上传的文件超过大小限制，请压缩后重新上传。"),
        429: _("您的操作太频繁，请稍等一分钟后再试。"),
        500: _("服务器暂时出现问题，我们已记录此错误。请稍后再试；您填写的内容没有丢失时可以直接重新提交。"),
    }


def _back_link() -> str | None:
    """The page the person came from, when it is on this site (a form they may want to open afresh)."""
    from marketplace.web import is_local_path

    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path:
        return None
    target = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return target if is_local_path(target) and target != request.full_path.rstrip("?") else None


def render_error(code: int, *, title: str | None = None, explanation: str | None = None):
    """The error page: what happened in plain words, the site's navigation, and ways on (home, search; signing in
    when a signed-out visitor was refused; the previous page)."""
    if _wants_json():
        return jsonify(error=title or _titles().get(code, _("出错了")), status=code), code
    try:
        return render_template("errors/error.html", **_page(code, title, explanation)), code
    except Exception:  # noqa: BLE001 — the page that explains an error must not fail in turn (a database outage)
        if current_app.testing and not current_app.config.get("SHOW_500"):
            raise
        current_app.logger.exception("The error page failed; answering with the plain one")
        return _plain_page(code), code


def _page(code: int, title: str | None, explanation: str | None) -> dict:
    page = {"code": code, "title": title or _titles().get(code, _("出错了")),
            "explanation": explanation or _explanations().get(code, ""),
            "back_url": _back_link() if code in (400, 405, 413, 429) else None, "sign_in_url": None}
    if code in (401, 403) and request.endpoint != "accounts.login":
        from flask_login import current_user

        if not current_user.is_authenticated:
            page["sign_in_url"] = url_for("accounts.login", next=request.full_path.rstrip("?"))
    return page


def _plain_page(code: int) -> str:
    """Without the signed-in user, who may be what could not be loaded: the language the visitor chose (or
    Chinese), no context processors, no sign-in link."""
    chosen = session.get("lang")
    locale = chosen if chosen in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        page = {"code": code, "title": _titles().get(code, _("出错了")), "explanation": _explanations().get(code, ""),
                "back_url": None, "sign_in_url": None, "html_lang": "zh-CN" if locale == "zh_CN" else locale}
        return current_app.jinja_env.get_template("errors/plain.html").render(**page)


def _csrf_failed():
    return render_error(400, title=_("页面已过期"), explanation=_(
        "为了保护您的账号，页面上的表单在您重新登录、退出登录或长时间未操作后会失效。"
        "请重新打开该页面，再提交一次。"))


def _too_many(exc):
    expiry = getattr(getattr(getattr(exc, "limit", None), "limit", None), "get_expiry", None)
    if expiry is None:
        return render_error(429)
    return render_error(429, explanation=_("您的操作太频繁，请在 %(seconds)d 秒后再试。", seconds=expiry()))


def register_error_handlers(app) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        if exc.code == 429:
            return _too_many(exc)
        return render_error(exc.code)

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        # A long form that keeps its input (drafts/) is kept and its author sent to sign in, not shown this page.
        from marketplace.drafts.keeping import keep_posted_form

        return keep_posted_form() or _csrf_failed()

    @app.errorhandler(NotPermitted)
    def not_permitted(exc: NotPermitted):
        return render_error(403)

    @app.errorhandler(Exception)
    def server_error(exc: Exception):
        # Tests want the traceback, unless a test is checking the 500 page itself.
        if app.config.get("PROPAGATE_EXCEPTIONS") or (app.testing and not app.config.get("SHOW_500")):
            raise exc
        app.logger.exception("Unhandled error on %s", request.path)
        from marketplace.extensions import db

        db.session.rollback()
        return render_error(500)
