"""The production shape on one machine, bounded: several gunicorn workers + the search-index writer + PostgreSQL +
Redis, all on 127.0.0.1. Loads the demo, serves it with gunicorn, and checks that

- every public page answers 200 from the workers under concurrent load (with p50/p95 latency),
- the sign-in rate limit is shared by all workers through Redis (not per worker),
- an edit committed by another process reaches search through the one writer.

    .venv/bin/python -m bench.shape_check [--workers 4] [--requests 400]

Needs PostgreSQL and Redis on 127.0.0.1 (trust auth). Stops everything it started; exit status 1 on a failure.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import redis

from bench import procs
from bench.procs import ROOT

PAGES = ["/", "/projects/", "/tenders/", "/organizations/", "/needs/", "/stats/", "/catalogs/",
         "/search?q=" + urllib.parse.quote("养老服务"), "/search?q=" + urllib.parse.quote("社会工作"),
         "/api/v1/tenders", "/api/v1/projects", "/feeds/projects.atom"]


def _wrong_sign_in(base: str) -> int:
    """A full form post (session cookie and CSRF token from the form page), with a wrong password."""
    import http.cookiejar
    import re

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    form = urllib.parse.urlencode({"csrf_token": token.group(1) if token else "", "email": "nobody@example.cn",
                                   "password": "wrong-password"}).encode()
    try:
        with opener.open(urllib.request.Request(base + "/login", data=form), timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="zhengshe_shape")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()

    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", args.database], capture_output=True)
    work = Path(tempfile.mkdtemp(prefix="zhengshe-shape-"))
    port = procs.free_port()
    env = procs.app_env(f"postgresql://postgres@127.0.0.1:5432/{args.database}", search_index_dir=str(work / "index"),
                        redis_url=args.redis_url, SIGN_IN_RATE_LIMIT="10 per minute")
    redis.Redis.from_url(args.redis_url).flushdb()  # the database of --redis-url (it was always db 15 before)
    flask = procs.flask_command()
    started = time.monotonic()
    subprocess.run([*flask, "demo"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=600)
    report: dict = {"demo_load_s": round(time.monotonic() - started, 1), "workers": args.workers}
    base = f"http://127.0.0.1:{port}"
    failures = []
    with procs.Supervisor() as supervisor:
        server = supervisor.start(procs.gunicorn_command("app:app", port=port, workers=args.workers,
                                                         access_log=work / "access.log"),
                                  env=env, log=work / "gunicorn.log")
        supervisor.start([*flask, "search", "writer", "--quiet"], env=env, log=work / "writer.log")
        procs.wait_until_up(base + "/healthz", 60, [server])
        urls = [base + PAGES[i % len(PAGES)] for i in range(args.requests)]
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(procs.get, urls))
        elapsed = time.perf_counter() - t0
        latencies = sorted(ms for _s, ms in results)
        bad = [(u, s) for u, (s, _ms) in zip(urls, results, strict=True) if s != 200]
        report |= {"requests": len(urls), "req_per_s": round(len(urls) / elapsed, 1),
                   "p50_ms": round(statistics.median(latencies), 1),
                   "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1), "non_200": len(bad)}
        if bad:
            failures.append(f"non-200 answers: {bad[:5]}")

        # Twelve wrong sign-ins spread over the workers: a limit kept per worker would let them all through.
        statuses = [_wrong_sign_in(base) for _ in range(12)]
        report["sign_in_statuses"] = statuses
        if 429 not in statuses:
            failures.append("the sign-in rate limit is not shared between workers (no 429 after 12 tries)")

        # An edit from another process reaches search through the writer.
        marker = "形态检查互助会"
        subprocess.run([*flask, "shell"], cwd=ROOT, env=env, check=True, capture_output=True, text=True, input=(
            "from marketplace.organizations.models import Organization\n"
            "from marketplace.extensions import db\n"
            "org = db.session.query(Organization).filter_by(status='verified').order_by(Organization.id).first()\n"
            f"org.name = org.name + '{marker}'\n"
            "db.session.commit()\n"), timeout=120)
        query = base + "/search?q=" + urllib.parse.quote(marker)
        deadline, found = time.monotonic() + 20, False
        while time.monotonic() < deadline and not found:
            with urllib.request.urlopen(query, timeout=10) as response:
                found = "共找到 0 条结果" not in response.read().decode()
            time.sleep(0.5)
        report["edit_searchable"] = found
        if not found:
            failures.append("an edit did not become searchable within 20 s")
    report["failures"] = failures
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
