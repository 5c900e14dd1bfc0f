"""Web benchmark: gunicorn (gunicorn.conf.py, 2 then 4 workers) on 127.0.0.1 against a prepared database, driven
by wrk, one URL at a time, with a bare "hello" route of the same server as the practical ceiling.

    .venv/bin/python -m bench.web_bench --database-url postgresql://postgres@127.0.0.1:5432/zhengshe \\
        --search-index-dir instance/search-index [--workers 2 4] [--duration 15] [--connections 8] \\
        [--only projects tender] [--json /tmp/web.json]

Ids and filters come from the database at start (the deepest projects page, the tender with most bids, …).
Per URL: client req/s and p50/p95/p99 (wrk `--latency` and a Lua done() hook for exact percentiles), non-2xx
answers, req/s ÷ hello req/s, and the server's own time p50/p95 from gunicorn's access log (%(D)s µs per
request, written to a temporary file). Without wrk (`apt-get install -y wrk`) a bounded Python load generator
takes its place and the report says so. Only 127.0.0.1; every process is stopped at the end.
"""

import argparse
import http.client
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

from bench import procs, results

HELLO = "/__bench__/hello"
RATIO_GOAL = 0.35  # public list and detail pages: at least this share of the hello rate
SERVER_P95_GOAL_MS = 50.0
# name, what it is; "page" marks the public list/detail pages the ratio goal applies to.
TARGETS = [
    ("hello", "ceiling"), ("home", "page"), ("projects", "page"), ("projects_filtered", "page"),
    ("projects_deep", "page"), ("project", "page"), ("tender", "page"), ("organizations", "page"),
    ("stats", "other"), ("search", "other"), ("api_list", "other"), ("ocds_record", "other"),
]
# The API answers anonymous callers 120 times a minute per address: a load test from one address would measure
# the limiter's refusals. The limiter still runs (and counts in its storage); it just never says no here.
SERVER_SETTINGS = {"API_RATE_LIMIT": "100000000 per minute", "API_KEY_RATE_LIMIT": "100000000 per minute"}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- what to request --------------------------------------------------------------------------------------

def pick_targets(database_url: str, search_index_dir: str | None) -> tuple[dict[str, str], list[str]]:
    """{name: path} from what the database holds, and notes on anything that could not be chosen."""
    os.environ.update(procs.app_env(database_url, search_index_dir=search_index_dir))
    from sqlalchemy import func, select

    from marketplace import create_app
    from marketplace.api.ocds.releases import ocid_of
    from marketplace.bids.models import Bid
    from marketplace.contracts.models import Contract
    from marketplace.extensions import db
    from marketplace.projects import queries
    from marketplace.tenders.models import Tender, TenderStatus

    app = create_app()
    paths = {"hello": HELLO, "home": "/", "projects": "/projects/", "organizations": "/organizations/",
             "stats": "/stats/", "search": "/search?q=" + urllib.parse.quote("养老服务"), "api_list": "/api/v1/tenders"}
    notes = []
    with app.app_context(), app.test_request_context():
        projects = db.session.scalar(select(func.count()).select_from(queries.filtered({}).subquery()))
        per_page = app.config["PER_PAGE"]
        paths["projects_deep"] = f"/projects/?page={max(1, -(-projects // per_page))}"
        category = db.session.execute(
            select(func.substr(Tender.item_code, 1, queries.CATEGORY_LENGTH).label("category"), func.count())
            .join(Contract, Contract.tender_id == Tender.id).where(Contract.status.in_(queries.PROJECT_STATES))
            .group_by("category").order_by(func.count().desc(), "category").limit(1)).first()
        if category:
            paths["projects_filtered"] = f"/projects/?category={category[0]}"
        else:
            notes.append("no project has a category: projects_filtered left out")
        bids = (select(Bid.tender_id, func.count().label("n")).where(Bid.content_sha256.is_not(None))
                .group_by(Bid.tender_id).subquery())
        project = db.session.execute(
            select(Contract.tender_id).outerjoin(bids, bids.c.tender_id == Contract.tender_id)
            .where(Contract.status.in_(queries.PROJECT_STATES))
            .order_by(func.coalesce(bids.c.n, 0).desc(), Contract.id.desc()).limit(1)).scalar()
        if project:
            paths["project"] = f"/projects/{project}"
        else:
            notes.append("no public project: project left out")
        tender = db.session.execute(
            select(Tender).outerjoin(bids, bids.c.tender_id == Tender.id)
            .where(Tender.status.not_in([TenderStatus.draft]))
            .order_by(func.coalesce(bids.c.n, 0).desc(), Tender.id.desc()).limit(1)).scalar()
        if tender:
            paths["tender"] = f"/tenders/{tender.id}"
            paths["ocds_record"] = f"/api/ocds/records/{urllib.parse.quote(ocid_of(tender))}.json"
        else:
            notes.append("no published tender: tender and ocds_record left out")
        notes.append(f"{projects} public projects ({per_page} a page)")
        db.session.remove()
        db.engine.dispose()
    return paths, notes


# -- load -------------------------------------------------------------------------------------------------

def wrk_version() -> str | None:
    if not shutil.which("wrk"):
        return None
    output = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout  # exits 1, prints usage
    return output.splitlines()[0].split(" [")[0] if output else "wrk"


def run_wrk(url: str, seconds: float, connections: int, threads: int, script: Path) -> dict:
    command = ["wrk", "--latency", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
               "--timeout", "10s", "-s", str(script), url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    return results.parse_wrk(done.stdout)


def run_python(url: str, seconds: float, connections: int) -> dict:
    """The fallback without wrk: `connections` threads, each on one keep-alive connection, for `seconds`."""
    parts = urllib.parse.urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    latencies: list[float] = []
    counts = {"status_errors": 0, "socket_errors": 0}
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker():
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        mine, status_errors, socket_errors = [], 0, 0
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                connection.request("GET", target)
                response = connection.getresponse()
                response.read()
                mine.append((time.perf_counter() - started) * 1000)
                status_errors += response.status >= 400
            except (OSError, http.client.HTTPException):
                socket_errors += 1
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        connection.close()
        with lock:
            latencies.extend(mine)
            counts["status_errors"] += status_errors
            counts["socket_errors"] += socket_errors

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"requests": len(latencies), "seconds": round(elapsed, 2), "req_per_s": round(len(latencies) / elapsed, 1),
            **{f"p{p}_ms": results.percentile(latencies, p) for p in (50, 90, 95, 99)},
            "max_ms": max(latencies, default=None), **counts}


def warm_up(url: str, seconds: float, concurrency: int) -> float:
    """Rounds of `concurrency` simultaneous requests, each round waited for, for `seconds` and at least two rounds:
    a new worker's first requests load templates, jieba's dictionary and the search index, which can take seconds
    and must not land in the measured run. Returns the slowest request of the first round (the cold start)."""
    from concurrent.futures import ThreadPoolExecutor

    def one(_n) -> float:
        try:
            return procs.get(url, timeout=120)[1]
        except OSError:  # e.g. reset by a worker that max_requests is recycling: wrk counts these in the run
            return 0.0

    started, rounds, coldest = time.monotonic(), 0, 0.0
    with ThreadPoolExecutor(concurrency) as pool:
        while rounds < 2 or time.monotonic() - started < seconds:
            coldest = coldest or max(pool.map(one, range(concurrency)))
            rounds += 1
    return round(coldest, 1)


class Load:
    """One load generator for the whole run: wrk when installed, else the Python fallback."""

    def __init__(self, connections: int, threads: int, workdir: Path, force_python: bool = False):
        self.connections, self.threads = connections, threads
        self.version = None if force_python else wrk_version()
        self.script = workdir / "report.lua"
        self.script.write_text(results.WRK_SCRIPT)

    @property
    def name(self) -> str:
        return self.version or "Python fallback (threads + http.client keep-alive; wrk not installed)"

    def run(self, url: str, seconds: float) -> dict:
        if self.version:
            return run_wrk(url, seconds, self.connections, self.threads, self.script)
        return run_python(url, seconds, self.connections)


# -- one server -------------------------------------------------------------------------------------------

def measure_server(args, workers: int, paths: dict[str, str], load: Load, workdir: Path) -> dict:
    port = procs.free_port()
    base = f"http://{procs.HOST}:{port}"
    access_log, error_log = workdir / f"access-{workers}.log", workdir / f"gunicorn-{workers}.log"
    env = procs.app_env(args.database_url, search_index_dir=args.search_index_dir, redis_url=args.redis_url,
                        **SERVER_SETTINGS)
    command = procs.gunicorn_command("bench.wsgi:app", port=port, workers=workers, access_log=access_log,
                                     access_format=results.ACCESS_FORMAT)
    rows = []
    with procs.Supervisor() as supervisor:
        server = supervisor.start(command, env=env, log=error_log)
        procs.wait_until_up(base + HELLO, 120, [server])
        names = [name for name, _kind in TARGETS if name in paths]
        # The ceiling is measured first and last: the machine is shared, and the ratio uses their mean.
        cold = {}
        for name in [*names, "hello"]:
            if not (name == "hello" and rows):
                cold[name] = warm_up(base + paths[name], args.warmup, max(args.connections, workers * 4))
            offset = access_log.stat().st_size if access_log.exists() else 0
            client = load.run(base + paths[name], args.duration)
            time.sleep(0.5)  # the last access-log lines are written after the responses
            with access_log.open(encoding="utf-8", errors="replace") as handle:
                handle.seek(offset)
                hits = results.by_target(handle).get(paths[name], [])
            first_time = not (name == "hello" and rows)
            row = {"name": name, "path": paths[name], "cold_ms": cold[name] if first_time else None, **client,
                   **results.server_summary(hits)}
            rows.append(row)
            log(f"  {workers} workers  {name:<18} {row['req_per_s']:>8.1f} req/s  p95 {row['p95_ms']:.1f} ms  "
                f"server p95 {row['server_p95_ms']} ms  non-2xx {row['server_non_2xx']}")
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited ({server.returncode}); see {error_log}")
    errors = error_log.read_text(errors="replace")
    return {"workers": workers, "threads": int(os.environ.get("GUNICORN_THREADS", "4")),
            "rows": _with_ratios(rows), "worker_restarts": errors.count("Autorestarting worker"),
            "worker_timeouts": errors.count("WORKER TIMEOUT"), "tracebacks": errors.count("Traceback")}


def _with_ratios(rows: list[dict]) -> list[dict]:
    hellos = [r["req_per_s"] for r in rows if r["name"] == "hello"]
    ceiling = sum(hellos) / len(hellos)
    kinds = dict(TARGETS)
    measured = []
    for index, row in enumerate(rows):
        if row["name"] == "hello":
            row = row | {"name": "hello (first)" if index == 0 else "hello (last)"}
        ratio = row["req_per_s"] / ceiling if ceiling else None
        page = kinds.get(row["name"]) == "page"
        non_2xx = row["server_non_2xx"] or row.get("status_errors") or 0
        measured.append(row | {
            "ratio": round(ratio, 3) if ratio is not None else None,
            "ratio_ok": (ratio >= RATIO_GOAL) if page and ratio is not None else None,
            "server_p95_ok": (row["server_p95_ms"] <= SERVER_P95_GOAL_MS) if row["server_p95_ms"] is not None
            else None, "non_2xx": non_2xx})
    return measured


def table(run: dict) -> str:
    header = ["URL", "path", "req/s", "p50 ms", "p95 ms", "p99 ms", "non-2xx", "socket errors", "÷ hello",
              f"≥ {RATIO_GOAL}", "server p50 ms", "server p95 ms", f"≤ {SERVER_P95_GOAL_MS:g} ms", "cold ms"]
    rows = [[r["name"], f"`{urllib.parse.unquote(r['path'])}`", r["req_per_s"], r["p50_ms"], r["p95_ms"], r["p99_ms"],
             r["non_2xx"], r["socket_errors"], r["ratio"], results.mark(r["ratio_ok"]), r["server_p50_ms"],
             r["server_p95_ms"], results.mark(r["server_p95_ok"]), r["cold_ms"]] for r in run["rows"]]
    return results.markdown_table(header, rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="a prepared database (demo or `flask bench seed`); default $DATABASE_URL")
    parser.add_argument("--search-index-dir", default=os.environ.get("SEARCH_INDEX_DIR"),
                        help="the search index built for that database; default $SEARCH_INDEX_DIR")
    parser.add_argument("--redis-url", default=None,
                        help="Redis for the rate limiter's counters, as in production (default: none, in memory)")
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--duration", type=float, default=15, help="seconds of measured load per URL")
    parser.add_argument("--warmup", type=float, default=2,
                        help="seconds of unmeasured requests per URL before it (at least two full rounds)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections per URL")
    parser.add_argument("--wrk-threads", type=int, default=1)
    parser.add_argument("--only", nargs="+", choices=[name for name, _kind in TARGETS if name != "hello"],
                        help="just these URLs (hello is always measured)")
    parser.add_argument("--python-load", action="store_true", help="use the Python load generator even with wrk")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url (or DATABASE_URL) is required")
    if args.duration > 120 or args.connections > 64:
        parser.error("keep it bounded: --duration ≤ 120 s and --connections ≤ 64")

    paths, notes = pick_targets(args.database_url, args.search_index_dir)
    if args.only:
        paths = {name: path for name, path in paths.items() if name in {"hello", *args.only}}
    workdir = Path(tempfile.mkdtemp(prefix="zhengshe-web-bench-"))
    load = Load(args.connections, args.wrk_threads, workdir, force_python=args.python_load)
    log(f"load generator: {load.name}; logs in {workdir}")
    for note in notes:
        log(f"note: {note}")
    started = time.time()
    load_before = os.getloadavg()
    runs = [measure_server(args, workers, paths, load, workdir) for workers in args.workers]
    report = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
              "machine": f"{os.cpu_count()} CPU {platform.machine()}, Python {platform.python_version()}",
              "load_average": {"start": load_before, "end": os.getloadavg()},
              "wall_s": round(time.time() - started, 1), "load_generator": load.name,
              "duration_s": args.duration, "warmup_s": args.warmup, "connections": args.connections,
              "database": args.database_url.split("@")[-1], "paths": paths, "notes": notes, "runs": runs}
    for run in runs:
        print(f"\n### {run['workers']} workers × {run['threads']} threads — {load.name}, {args.connections} "
              f"connections, {args.duration:g} s per URL\n")
        print(table(run))
        print(f"\nWorker restarts (max_requests): {run['worker_restarts']}; timeouts: {run['worker_timeouts']}; "
              f"tracebacks in the server log: {run['tracebacks']}.")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2))
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
