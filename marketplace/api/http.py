"""JSON over HTTP for the open-data layer: ETags and 304s, CORS for GET, errors as JSON, and rate limits keyed by
API key (higher) or by address (anonymous)."""

import hashlib

from flask import Response, current_app, g, request

from .jsonvalues import dumps

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, X-API-Key, Authorization",
    "Access-Control-Expose-Headers": "ETag, Link, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset",
    "Access-Control-Max-Age": "86400",
}


def json_response(payload, status: int = 200, media_type: str = "application/json") -> Response:
    """The payload as compact UTF-8 JSON with a strong ETag of its bytes; 304 when the client already has it."""
    body = dumps(payload)
    response = Response(body, status=status, mimetype=media_type)
    if status == 200:
        response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:40])
        response.headers["Cache-Control"] = "public, max-age=60"
        response.make_conditional(request)
    return response


def error_response(status: int, message: str) -> Response:
    return json_response({"error": {"status": status, "message": message}}, status=status)


def bad_request(message: str) -> Response:
    return error_response(400, message)


def add_cors(response: Response) -> Response:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        response.headers.update(CORS_HEADERS)
    return response


# -- rate limits ------------------------------------------------------------------------------------------------

def presented_key() -> str | None:
    key = request.headers.get("X-API-Key")
    auth = request.headers.get("Authorization", "")
    if not key and auth.lower().startswith("bearer "):
        key = auth[7:].strip()
    return key or None


def current_key():
    """The valid, unrevoked API key the request carries, looked up once per request."""
    if "api_key" not in g:
        from .keys import find_key

        raw = presented_key()
        g.api_key = find_key(raw) if raw else None
    return g.api_key


def rate_key() -> str:
    key = current_key()
    return f"api-key:{key.id}" if key is not None else f"api-ip:{request.remote_addr}"


def rate_limit() -> str:
    if current_key() is not None:
        return current_app.config.get("API_KEY_RATE_LIMIT", "1200 per minute")
    return current_app.config.get("API_RATE_LIMIT", "120 per minute")


RATE_SCOPE = "open-data"


def share_rate_limit(limiter, blueprint) -> None:
    """One budget per caller across every open-data endpoint (/api/… and /data/…): a limit per endpoint would let
    a client multiply its allowance by spreading its calls over the thirty-odd routes."""
    limiter.shared_limit(rate_limit, scope=RATE_SCOPE, key_func=rate_key)(blueprint)
