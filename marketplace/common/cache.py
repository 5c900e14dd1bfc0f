"""Whole-response caching of public pages for signed-out visitors, keyed on the data version.

Most traffic to a transparency portal is anonymous reading of the same few pages. With Redis configured
(`REDIS_URL`) and `RESPONSE_CACHE_SECONDS` > 0, the first anonymous GET of a page in PUBLIC_ENDPOINTS stores the
rendered response; later anonymous GETs of the same path, query and language get it back without touching the
database. Staleness has two bounds:

- the **data version**, a counter in Redis that every committed write transaction (in any process: web, jobs,
  the search writer) increments, is part of the key, so a change is visible on the next request;
- the **clock bucket** (TTL seconds of the one clock) is part of the key too, because pages also change with time
  alone (a deadline passes, "overdue" badges appear), and entries expire after the TTL anyway.

Never cached: signed-in users (their pages differ), a visitor with pending flash messages, a response that
created or changed the session or rendered a CSRF token (it would hand one visitor's token to another), errors,
streamed downloads. Without Redis nothing is cached: a per-process cache could not see other processes' writes.
"""

import hashlib
import json

from flask import current_app, g, request, session
from flask_babel import get_locale
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from marketplace.common import clock

_WROTE = "data_written"
MAX_BODY = 2 * 1024 * 1024


# The pages whose anonymous GET may be answered from the cache: what the public reads. One list, so a reviewer sees
# at a glance what is cached; a page that ever shows something per visitor must not be here.
PUBLIC_ENDPOINTS = frozenset({
    "portal.home", "portal.about", "projects.index", "projects.show", "tenders.index", "tenders.show",
    "organizations.directory", "organizations.profile", "catalog.index", "catalog.version", "catalog.item",
    "catalog.effective", "catalog.diff", "needs.index", "needs.show", "regions.index", "regions.detail",
    "contracts.index", "contracts.show", "stats.index", "stats.download", "search.index",
    "feeds.awards", "feeds.projects", "feeds.tenders", "opendata.index",
})
# The read API and OCDS: every GET endpoint of the blueprint (big bulk files stream and are never stored).
PUBLIC_BLUEPRINTS = ("api.",)


# --- the data version -------------------------------------------------------------------------------------------

@event.listens_for(Session, "after_flush")
def _note_flush(session, flush_context) -> None:
    session.info[_WROTE] = True  # a flush only happens when there was something to write


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _bump_after_commit(session) -> None:
    if session.info.pop(_WROTE, False):
        bump_data_version()


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_WROTE, None)


def _redis():
    if not current_app or not current_app.config.get("RESPONSE_CACHE_SECONDS"):
        return None
    from marketplace.common.queue import redis_connection

    return redis_connection()


def bump_data_version() -> None:
    try:
        connection = _redis()
    except RuntimeError:  # no app context (a script using the models directly): nothing to invalidate
        return
    if connection is None:
        return
    try:
        connection.incr(_prefix() + "data-version")
    except Exception as exc:  # noqa: BLE001 — a cache must never fail a write that is already committed
        current_app.logger.warning("could not bump the data version (%s); cached pages expire by TTL", exc)


def _prefix() -> str:
    return current_app.config.get("CACHE_KEY_PREFIX", "zs:")


def data_version(connection) -> int:
    return int(connection.get(_prefix() + "data-version") or 0)


# --- aggregates shared by many pages ----------------------------------------------------------------------------

def versioned(name: str, parts, compute):
    """`compute()` (a JSON value), kept in Redis until the next committed write: for sums and counts that many
    different pages share (every page and sort of a list has the same total and filter counts), so that a page
    the response cache has not seen yet still skips them. Without Redis, or in a session holding writes of its
    own not yet committed, it is simply computed."""
    connection = _redis()
    if connection is None or db_session_wrote():
        return compute()
    try:
        digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]
        key = f"{_prefix()}agg:{data_version(connection)}:{name}:{digest}"
        stored = connection.get(key)
    except Exception as exc:  # noqa: BLE001 — Redis down: compute as if there were no cache
        current_app.logger.warning("aggregate cache unavailable: %s", exc)
        return compute()
    if stored is not None:
        return json.loads(stored)
    value = compute()
    try:
        connection.set(key, json.dumps(value), ex=current_app.config["RESPONSE_CACHE_SECONDS"])
    except Exception as exc:  # noqa: BLE001
        current_app.logger.warning("could not store an aggregate: %s", exc)
    return value


def db_session_wrote() -> bool:
    from marketplace.extensions import db

    return bool(db.session.info.get(_WROTE))


# --- the response cache -----------------------------------------------------------------------------------------

def _cacheable_request() -> bool:
    if request.method not in ("GET", "HEAD") or request.endpoint is None:
        return False
    if request.endpoint not in PUBLIC_ENDPOINTS and not request.endpoint.startswith(PUBLIC_BLUEPRINTS):
        return False
    # Anonymous only; a remember-me cookie would sign the visitor in during this request.
    return ("_user_id" not in session and "_flashes" not in session
            and "remember_token" not in request.cookies)


def _key(connection) -> str:
    ttl = current_app.config["RESPONSE_CACHE_SECONDS"]
    bucket = int(clock.now().timestamp() // ttl)
    # The host too: feeds and other pages build absolute links from it, and a request with a forged Host header
    # must not plant its links in what every other visitor is served.
    digest = hashlib.sha256(f"{request.host_url}\0{request.full_path}".encode()).hexdigest()[:32]
    return f"{_prefix()}page:{data_version(connection)}:{bucket}:{get_locale()}:{digest}"


def serve_cached():
    """before_request: answer from the cache when the page is there."""
    if not _cacheable_request():
        return None
    connection = _redis()
    if connection is None:
        return None
    try:
        g.page_cache_key = _key(connection)
        stored = connection.get(g.page_cache_key)
    except Exception as exc:  # noqa: BLE001 — Redis down: render the page as if there were no cache
        current_app.logger.warning("response cache unavailable: %s", exc)
        g.pop("page_cache_key", None)
        return None
    if stored is None:
        return None
    head, _, body = stored.partition(b"\0")  # JSON, not pickle: what comes back from Redis is data, never code
    status, headers = json.loads(head)
    g.page_cache_hit = True
    response = Response(body, status=status, headers=headers)
    response.headers["X-Cache"] = "HIT"
    return response.make_conditional(request)


def store(response):
    """after_request: keep a freshly rendered public page for the next anonymous visitor."""
    key = g.get("page_cache_key")
    if key is None or g.get("page_cache_hit") or request.method != "GET":
        return response
    response.headers["X-Cache"] = "MISS"
    if (response.status_code != 200 or response.is_streamed or session.modified or "csrf_token" in g
            or "Set-Cookie" in response.headers or response.direct_passthrough):
        return response
    body = response.get_data()
    if len(body) > MAX_BODY:
        return response
    headers = [(k, v) for k, v in response.headers.items() if k not in ("Set-Cookie", "X-Cache")]
    try:
        _redis().set(key, json.dumps([response.status_code, headers]).encode() + b"\0" + body,
                     ex=current_app.config["RESPONSE_CACHE_SECONDS"])
    except Exception as exc:  # noqa: BLE001
        current_app.logger.warning("could not store a cached page: %s", exc)
    return response


def init_app(app) -> None:
    app.before_request(serve_cached)
    app.after_request(store)
