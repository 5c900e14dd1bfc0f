"""Gunicorn settings for production: `gunicorn -c gunicorn.conf.py app:app` (see README, Deployment).

Every value can be overridden from the environment, so one file serves a laptop and an app server. The app is not
preloaded: each worker opens its own database pool and its own read-only search searcher after the fork, which
is what SQLAlchemy and Whoosh both want.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# Threads let a worker overlap database waits; processes use the cores. 2×cores+1 is gunicorn's rule of thumb.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then, so a slow leak never becomes an outage; jitter keeps them from restarting at once.
# Not too often: a new worker pays for jieba's dictionary and the search index on its first search (the benchmarks
# saw 5000 restart workers several times a run, each first /search taking seconds); post_worker_init warms them.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = 5000
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# Behind a load balancer or reverse proxy on the same network: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Load jieba's dictionary and open the search index before the worker takes requests, so that no visitor's
    search pays for it. A failure here is logged, never fatal: the first search would then do the same work."""
    app = worker.wsgi
    if not hasattr(app, "app_context"):
        return
    try:
        with app.app_context():
            from marketplace.extensions import db
            from marketplace.search import services

            services.search("服务")
            db.session.remove()
    except Exception as exc:  # noqa: BLE001
        worker.log.warning("search warm-up failed: %s", exc)
