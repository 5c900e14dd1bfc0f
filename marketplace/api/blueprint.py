"""The open-data blueprint: /api/… (JSON) and /api/ (the documentation page). Every response is CORS-open for
GET and counts against the caller's one rate limit, shared with the /data/ downloads."""

from flask import Blueprint
from werkzeug.exceptions import HTTPException

from marketplace.extensions import limiter

from . import (
    http,
    models,  # noqa: F401  (the ApiKey table, for migrations and the rate-limit key lookup)
)

bp = Blueprint("api", __name__)
http.share_rate_limit(limiter, bp)
bp.after_request(http.add_cors)


@bp.errorhandler(HTTPException)
def _json_error(error: HTTPException):
    # abort(response) carries its own JSON answer; other errors (404 from a converter, 429 …) get one here.
    if error.response is not None:
        return error.response
    return http.error_response(error.code or 500, error.description or error.name)
