"""Deferred work: things a request should not wait for (sending mail), run by a worker process.

With `REDIS_URL` set, `defer()` puts the call on an RQ queue in Redis and `flask --app app jobs worker` runs it
(as many workers as you like). Without Redis, the call runs at once in this process, which is what one process
on a laptop wants. Redis is only a faster way to hand work over, never the record of it: every deferred task
reads its work from the database (the mail outbox, say) and a periodic job (`jobs run`) sweeps up whatever a lost
queue message or a Redis outage left behind. That is why a failure to enqueue is logged and swallowed.
"""

import importlib

from flask import current_app

from marketplace.extensions import db

DEFAULT_QUEUE = "zhengshe"


def redis_connection():
    """One Redis client per app (a connection pool inside), or None when Redis is not configured."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get("redis")
    if client is None:
        import redis

        client = current_app.extensions["redis"] = redis.Redis.from_url(
            url, socket_connect_timeout=1, socket_timeout=2)
    return client


def job_queue():
    connection = redis_connection()
    if connection is None or not current_app.config.get("JOB_QUEUE_ENABLED", True):
        return None
    from rq import Queue

    return Queue(current_app.config.get("JOB_QUEUE_NAME", DEFAULT_QUEUE), connection=connection)


def _dotted(fn) -> str:
    return f"{fn.__module__}:{fn.__qualname__}"


def defer(fn, *args) -> str:
    """Run fn(*args) in a worker when there is a queue, here and now when there is none.

    fn must be a module-level function whose arguments are plain data (ids, not ORM objects): it runs in
    another process, in a fresh session. Returns "queued", "ran" or "lost" (Redis refused; the sweep retries).
    """
    queue = job_queue()
    if queue is None:
        fn(*args)
        return "ran"
    try:
        queue.enqueue_call(run, args=(_dotted(fn), list(args)), result_ttl=0, failure_ttl=7 * 86400,
                           description=_dotted(fn))
    except Exception as exc:  # noqa: BLE001 — a queue outage must never fail the request that already committed
        current_app.logger.warning("could not queue %s (%s); the periodic sweep will do it", _dotted(fn), exc)
        return "lost"
    return "queued"


def run(target: str, args: list) -> object:
    """What a worker executes: import the function by name and call it inside the worker's app context."""
    module_name, _, name = target.partition(":")
    fn = getattr(importlib.import_module(module_name), name)
    try:
        return fn(*args)
    finally:
        db.session.remove()


def work(*, burst: bool = False, max_jobs: int | None = None) -> bool:
    """Run a worker on this app's queue in this process (no fork: the app context and its pool stay valid)."""
    from rq import SimpleWorker

    queue = job_queue()
    if queue is None:
        raise RuntimeError("REDIS_URL is not set: without Redis, deferred work runs in the web process itself")
    worker = SimpleWorker([queue], connection=queue.connection)
    return worker.work(burst=burst, max_jobs=max_jobs, logging_level="WARNING")
