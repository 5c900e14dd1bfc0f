"""Domain exceptions and the HTTP error pages."""

from flask import jsonify, render_template, request
from flask_babel import gettext as _
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


def render_error(code: int):
    title = _titles().get(code, _("出错了"))
    if _wants_json():
        return jsonify(error=title, status=code), code
    return render_template("errors/error.html", code=code, title=title,
                           explanation=_explanations().get(code, "")), code


def register_error_handlers(app) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        return render_error(exc.code)

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
