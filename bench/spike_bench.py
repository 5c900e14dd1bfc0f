"""Deadline spike: hundreds of organizations submit sealed bids through the real HTTP form in the last minute before
a tender's deadline, a few more try just after it, and the database is checked for every bid afterwards.

    .venv/bin/python -m bench.spike_bench --database-url sqlite:////tmp/demo.db [--workers 2 4] \\
        [--orgs 550] [--window 60] [--json /tmp/spike.json]

Steps (per gunicorn size in --workers; the bidders are prepared and signed in once):
1. Bulk-insert --orgs eligible organizations with one member each (bench/spike_data.py says how they qualify).
2. Start gunicorn (gunicorn.conf.py, bench.wsgi:app) on 127.0.0.1 and sign every member in over HTTP: the login
   form, its CSRF token, the password (full Argon2 cost). SIGN_IN_RATE_LIMIT is raised for this server only —
   the sign-in is preparation, not what is measured; the bid route has no rate limit to change.
3. Publish a tender through the real services, its deadline --window + the time the form loads need away.
4. Every bidder opens the bid form (GET: session cookie, CSRF token, idempotency key, one text per criterion).
5. In the last --window seconds before the deadline, --orgs minus --late bidders post complete bids (price,
   breakdown, a proposal per criterion, a team member; `action=submit`) at times spread over the window with
   bursts, many at once; each follows its redirect to the receipt, as a browser would. The --late others post
   in the --late-span seconds after the deadline.
6. Check the database: every receipt has its sealed bid (same hash), no bid was received at or after the deadline,
   the late ones were refused with the deadline message, every bid was opened.

The deadline is the server's clock (same machine). Every request goes to 127.0.0.1; every process is stopped.
"""

import argparse
import html
import http.client
import json
import os
import platform
import random
import re
import sys
import tempfile
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

from bench import procs, results, spike_data

RECEIPT = re.compile(r"/bids/(\d+)/receipt$")
SHA256 = re.compile(r"\b[0-9a-f]{64}\b")
FORM_ERRORS = re.compile(r'<div class="form-errors" role="alert">(.*?)</div>', re.S)
# 投标截止时间 … 已过（服务器收到时间 …）, or 项目当前不接受投标 once a request after the deadline opened the bids.
LATE_MESSAGES = ("已过", "不接受投标")
SERVER_SETTINGS = {"SIGN_IN_RATE_LIMIT": "100000 per minute"}
P95_GOAL_MS = 300.0


def log(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# -- one browser ------------------------------------------------------------------------------------------

@dataclass
class Answer:
    status: int
    location: str
    body: str
    ms: float


class Browser:
    """One bidder's browser: its own cookies, one connection per request (no keep-alive across the wait)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> Answer:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Connection": "close"}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(procs.HOST, self.port, timeout=60)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            ms = (time.perf_counter() - started) * 1000
            for value in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(value).items():
                    self.cookies[name] = morsel.value
            return Answer(response.status, response.headers.get("Location", ""), text, ms)
        finally:
            connection.close()


class FormFields(HTMLParser):
    """The named fields of the form that holds `marker` (a field name), with their current values."""

    def __init__(self, marker: str):
        super().__init__()
        self.marker, self.forms, self._textarea = marker, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({})
        elif self.forms and tag == "input" and attrs.get("name") and attrs.get("type") not in ("submit", "file"):
            if attrs.get("type") != "checkbox" or "checked" in attrs:
                self.forms[-1][attrs["name"]] = attrs.get("value") or ""
        elif self.forms and tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self.forms[-1][self._textarea] = ""
        elif self.forms and tag == "select" and attrs.get("name"):
            self.forms[-1].setdefault(attrs["name"], "")

    def handle_data(self, data):
        if self._textarea:
            self.forms[-1][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None

    def fields(self, page: str) -> dict:
        self.feed(page)
        return next((form for form in self.forms if self.marker in form), {})


NOTICE = re.compile(r'<p class="notice" role="status">(.*?)</p>', re.S)
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def form_error(page: str) -> str:
    """What the page tells the bidder: the form's errors, else the page's notice, else its title."""
    for pattern in (FORM_ERRORS, NOTICE, TITLE):
        found = pattern.search(page)
        if found:
            return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())
    return page[:200]


@dataclass
class Bidder:
    organization_id: int
    email: str
    browser: Browser
    fields: dict = field(default_factory=dict)
    late: bool = False
    tender_id: int = 0
    at: float = 0.0  # wall-clock time to post at
    outcome: dict = field(default_factory=dict)


def sign_in(bidder: Bidder) -> tuple[float, int]:
    """(milliseconds, server errors retried). Signing in is preparation: a 5xx is retried (and counted)."""
    started, retried = time.perf_counter(), 0
    while True:
        page = bidder.browser.request("GET", "/login")
        token = FormFields("email").fields(page.body).get("csrf_token", "")
        answer = bidder.browser.request("POST", "/login", {"csrf_token": token, "email": bidder.email,
                                                           "password": spike_data.PASSWORD})
        if answer.status == 302:
            return (time.perf_counter() - started) * 1000, retried
        if answer.status < 500 or retried == 5:
            raise SystemExit(f"sign-in of {bidder.email} failed: {answer.status} {form_error(answer.body)}")
        retried += 1
        time.sleep(0.2 * retried)


def open_form(bidder: Bidder, tender_id: int) -> float:
    answer = bidder.browser.request("GET", f"/bids/tender/{tender_id}")
    fields = FormFields("price").fields(answer.body)
    if answer.status != 200 or "idempotency_key" not in fields:
        raise SystemExit(f"the bid form for {bidder.email} did not load: {answer.status}")
    bidder.fields, bidder.tender_id = fields, tender_id
    return answer.ms


def filled(fields: dict, n: int) -> dict:
    """The form as a bidder submits it: every text the tender asks for, a price under the budget."""
    price = spike_data.BUDGET - 1000 - n  # distinct prices, none over the budget
    staff = (price * 7 / 10).quantize(1)
    form = dict(fields) | {"price": str(price), "breakdown-0-item": "人员经费", "breakdown-0-amount": str(staff),
                           "breakdown-1-item": "活动经费", "breakdown-1-amount": str(price - staff),
                           "team-0-fact_id": "", "team-0-name": f"项目主管{n}", "team-0-role": "项目主管",
                           "action": "submit"}
    for name in fields:
        if name.startswith("proposal-"):
            form[name] = f"【压测】第 {n} 号投标的技术方案：需求分析、服务目标、活动设计与风险预案。" * 3
    return form


def submit(bidder: Bidder, n: int) -> None:
    delay = bidder.at - time.time()
    if delay > 0:
        time.sleep(delay)
    sent = time.time()
    answer = bidder.browser.request("POST", f"/bids/tender/{bidder.tender_id}", filled(bidder.fields, n))
    outcome = {"sent": sent, "status": answer.status, "ms": round(answer.ms, 1)}
    found = RECEIPT.search(answer.location)
    if answer.status in (302, 303) and found:
        outcome["bid_id"] = int(found.group(1))
        receipt = bidder.browser.request("GET", urllib.parse.urlsplit(answer.location).path)
        outcome["receipt_status"], outcome["receipt_ms"] = receipt.status, round(receipt.ms, 1)
        hashes = SHA256.findall(receipt.body)
        outcome["sha256"] = hashes[0] if hashes else None
    else:
        outcome["message"] = form_error(answer.body)
    bidder.outcome = outcome


# -- the run ----------------------------------------------------------------------------------------------

def schedule(bidders: list[Bidder], deadline: float, start: float, margin: float, late_span: float,
             rng: random.Random) -> None:
    """Half the on-time bids uniform over [start, deadline - margin], half in bursts of simultaneous posts that
    come more often towards the end; the late ones uniform over the `late_span` seconds after the deadline."""
    on_time = [b for b in bidders if not b.late]
    end = deadline - margin
    bursts = [start + (end - start) * f for f in (0.3, 0.55, 0.75, 0.9, 0.97, 1.0)]
    for i, bidder in enumerate(on_time):
        if i % 2 == 0:
            bidder.at = rng.uniform(start, end)
        else:
            bidder.at = min(end, rng.choice(bursts) + rng.uniform(0, 0.2))
    for bidder in bidders:
        if bidder.late:
            bidder.at = deadline + rng.uniform(0.05, late_span)


def run_once(args, workers: int, bidders: list[Bidder], signed_in: dict, workdir: Path) -> dict:
    port = procs.free_port()
    env = procs.app_env(args.database_url, search_index_dir=args.search_index_dir, redis_url=args.redis_url,
                        **SERVER_SETTINGS)
    error_log, access_log = workdir / f"gunicorn-{workers}.log", workdir / f"access-{workers}.log"
    command = procs.gunicorn_command("bench.wsgi:app", port=port, workers=workers, access_log=access_log,
                                     access_format=results.ACCESS_FORMAT)
    report: dict = {"workers": workers}
    with procs.Supervisor() as supervisor:
        server = supervisor.start(command, env=env, log=error_log, stdout=workdir / f"stdout-{workers}.log")
        procs.wait_until_up(f"http://{procs.HOST}:{port}/healthz", 120, [server])
        for bidder in bidders:
            bidder.browser.port, bidder.outcome = port, {}
        with ThreadPoolExecutor(args.concurrency) as pool:
            if not signed_in:
                t0 = time.perf_counter()
                times, retries = zip(*pool.map(sign_in, bidders), strict=True)
                signed_in |= {"count": len(times), "seconds": round(time.perf_counter() - t0, 1),
                              "p50_ms": round(results.percentile(times, 50), 1),
                              "p95_ms": round(results.percentile(times, 95), 1), "retried_5xx": sum(retries),
                              "workers": workers}
                log(f"signed in {len(times)} members in {signed_in['seconds']} s ({sum(retries)} 5xx retried)")
            prepare = args.prepare_seconds or 5 + len(bidders) / 8
            deadline = (datetime.now(UTC) + timedelta(seconds=prepare + args.window)).replace(microsecond=0)
            tender = _in_app(args, spike_data.publish_tender, deadline, args.buyer_email)
            log(f"tender {tender['reference']} (item {tender['item']}, conditions {tender['conditions']}) "
                f"closes at {deadline:%H:%M:%S} UTC")
            t0 = time.perf_counter()
            form_ms = list(pool.map(lambda b: open_form(b, tender["id"]), bidders))
            report["forms"] = {"seconds": round(time.perf_counter() - t0, 1),
                               "p50_ms": round(results.percentile(form_ms, 50), 1),
                               "p95_ms": round(results.percentile(form_ms, 95), 1)}
        deadline_ts = deadline.timestamp()
        start = max(deadline_ts - args.window, time.time() + 0.5)
        report["window_s"] = round(deadline_ts - start, 1)
        if report["window_s"] < args.window - 1:
            log(f"the forms took longer than planned: the window is {report['window_s']} s, not {args.window} s")
        schedule(bidders, deadline_ts, start, args.margin, args.late_span, random.Random(args.seed))
        log_offset = error_log.stat().st_size  # the server log from here on is the spike's
        ordered = sorted(enumerate(bidders), key=lambda pair: pair[1].at)
        log(f"{sum(not b.late for b in bidders)} bids over {report['window_s']} s, then {args.late} late ones")
        with ThreadPoolExecutor(args.client_threads or len(bidders)) as pool:
            list(pool.map(lambda pair: submit(pair[1], pair[0]), ordered))
        time.sleep(0.5)
    report |= {"tender": {k: v for k, v in tender.items() if k != "criteria"} | {"deadline": deadline.isoformat()},
               **summarize(bidders, deadline_ts)}
    receipts = {b.organization_id: b.outcome["bid_id"] for b in bidders if "bid_id" in b.outcome}
    db = _in_app(args, spike_data.verify, tender["id"], receipts, {b.organization_id for b in bidders if b.late})
    hashes = db.pop("sha256")
    db["receipt_hash_mismatches"] = sorted(b.outcome["bid_id"] for b in bidders if "bid_id" in b.outcome
                                           and b.outcome.get("sha256") != hashes.get(b.outcome["bid_id"]))
    with error_log.open(errors="replace") as handle:
        handle.seek(log_offset)
        lines = handle.readlines()
    report["database"] = db
    report["server_log"] = {  # one "sqlalchemy.exc…" line per failed statement (the traceback names it twice)
        "database_is_locked": sum(1 for line in lines if line.startswith("sqlalchemy.exc.OperationalError")
                                  and "database is locked" in line),
        "unhandled_errors": sum(1 for line in lines if "Unhandled error" in line),
        "worker_timeouts": sum(1 for line in lines if "WORKER TIMEOUT" in line), "log": str(error_log)}
    report["checks"] = checks(report, len(bidders) - args.late)
    return report


def summarize(bidders: list[Bidder], deadline: float) -> dict:
    on_time = [b.outcome for b in bidders if not b.late]
    late = [b.outcome for b in bidders if b.late]
    ms = [o["ms"] for o in on_time]
    received = [o for o in on_time if "bid_id" in o]
    statuses: dict[str, int] = {}
    for outcome in on_time + late:
        statuses[str(outcome["status"])] = statuses.get(str(outcome["status"]), 0) + 1
    refused = [o for o in on_time if "bid_id" not in o]
    return {
        "submitted": len(on_time), "received": len(received), "statuses": statuses,
        "five_xx": sum(1 for o in on_time + late if o["status"] >= 500),
        "submit_ms": {p: round(results.percentile(ms, int(p[1:])), 1) for p in ("p50", "p95", "p99")}
        | {"max": max(ms)} if ms else {},
        "receipt_ms_p95": results.percentile([o["receipt_ms"] for o in received], 95),
        "refused_on_time": [{"sent_before_deadline_ms": round((deadline - o["sent"]) * 1000), "status": o["status"],
                             "message": o.get("message", "")[:200]} for o in refused][:20],
        "late": {"tried": len(late), "accepted": sum(1 for o in late if "bid_id" in o),
                 "refused_with_message": sum(1 for o in late if o["status"] == 400
                                                      and any(m in o.get("message", "") for m in LATE_MESSAGES)),
                 "messages": sorted({o.get("message", "")[:120] for o in late})},
    }


def checks(report: dict, on_time: int) -> dict:
    db, late = report["database"], report["late"]
    return {
        f"{on_time} sealed bids recorded": db["sealed_bids"] == on_time,
        "0 lost (every receipt has its bid, same hash)": not db["lost"] and not db["receipt_hash_mismatches"],
        "no bid recorded without a receipt": not db["recorded_without_receipt"],
        "0 accepted late": not db["accepted_late"] and not db["late_group_with_bids"] and late["accepted"] == 0,
        "late ones refused (400, the page says why: see below)": late["refused_with_message"] == late["tried"],
        "every bid opened, hashes match": not db["not_opened"] and not db["hash_mismatches"]
        and db["opening_bid_count"] == db["sealed_bids"],
        "no 5xx, no 'database is locked'": report["five_xx"] == 0 and report["server_log"]["database_is_locked"] == 0,
        f"submit p95 < {P95_GOAL_MS:g} ms": bool(report["submit_ms"]) and report["submit_ms"]["p95"] < P95_GOAL_MS,
    }


_APP = None


def _in_app(args, function, *call_args):
    """Run one of spike_data's functions in an app context of the bench process (its own connection)."""
    global _APP
    if _APP is None:
        os.environ.update(procs.app_env(args.database_url, search_index_dir=args.search_index_dir))
        from marketplace import create_app

        _APP = create_app()
    from marketplace.extensions import db

    with _APP.app_context(), _APP.test_request_context():
        try:
            return function(*call_args)
        finally:
            db.session.remove()
            db.engine.dispose()  # hold no SQLite lock or idle connection while the server runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--search-index-dir", default=os.environ.get("SEARCH_INDEX_DIR"))
    parser.add_argument("--redis-url", default=None,
                        help="Redis for the rate limiter and deferred mail (default: none)")
    parser.add_argument("--workers", type=int, nargs="+", default=[2])
    parser.add_argument("--orgs", type=int, default=550, help="bidders in all, on time and late")
    parser.add_argument("--late", type=int, help="of them, how many post after the deadline (default orgs / 11)")
    parser.add_argument("--window", type=float, default=60, help="seconds before the deadline the bids arrive in")
    parser.add_argument("--margin", type=float, default=2, help="the last on-time bid is sent this long before it")
    parser.add_argument("--late-span", type=float, default=5)
    parser.add_argument("--prepare-seconds", type=float, help="time given to load the forms (default 5 + orgs/8)")
    parser.add_argument("--concurrency", type=int, default=8, help="parallel sign-ins and form loads")
    parser.add_argument("--client-threads", type=int,
                        help="most posts in flight at once (default: one per bidder, so a slow server never delays "
                             "the time a bid is sent)")
    parser.add_argument("--buyer-email")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not args.database_url:
        parser.error("--database-url (or DATABASE_URL) is required")
    if not 2 <= args.orgs <= 2000 or args.window > 300:
        parser.error("keep it bounded: 2 ≤ --orgs ≤ 2000, --window ≤ 300")
    args.late = args.orgs // 11 if args.late is None else args.late
    workdir = Path(tempfile.mkdtemp(prefix="zhengshe-spike-"))
    args.search_index_dir = args.search_index_dir or str(workdir / "index")
    log(f"logs in {workdir}")

    tag, prepared, seconds = _in_app(args, spike_data.create_bidders, args.orgs)
    log(f"prepared {len(prepared)} eligible organizations (batch {tag}) in {seconds:.1f} s")
    bidders = [Bidder(p.organization_id, p.email, Browser(0), late=n >= args.orgs - args.late)
               for n, p in enumerate(prepared)]
    report = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "database": args.database_url.split("@")[-1],
              "machine": f"{os.cpu_count()} CPU {platform.machine()}, Python {platform.python_version()}",
              "load_average_start": os.getloadavg(), "orgs": args.orgs, "late": args.late, "window": args.window,
              "prepare_s": round(seconds, 1), "sign_in": {}, "runs": []}
    for workers in args.workers:
        run = run_once(args, workers, bidders, report["sign_in"], workdir)
        report["runs"].append(run)
        print_run(run)
    report["load_average_end"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        log(f"wrote {args.json}")
    return 0 if all(all(run["checks"].values()) for run in report["runs"]) else 1


def print_run(run: dict) -> None:
    ms, late, db = run["submit_ms"], run["late"], run["database"]
    print(f"\n### {run['workers']} workers — tender {run['tender']['reference']}, window {run['window_s']} s\n")
    print(results.markdown_table(
        ["bids sent", "receipts", "sealed in DB", "submit p50 ms", "p95 ms", "p99 ms", "max ms", "5xx",
         "'database is locked'", "late tried", "late refused", "late accepted"],
        [[run["submitted"], run["received"], db["sealed_bids"], ms.get("p50"), ms.get("p95"), ms.get("p99"),
          ms.get("max"), run["five_xx"], run["server_log"]["database_is_locked"], late["tried"],
          late["refused_with_message"], late["accepted"]]]))
    print()
    for name, ok in run["checks"].items():
        print(f"- {results.mark(ok)} {name}")
    if run["refused_on_time"]:
        print(f"- on-time bids refused (first {len(run['refused_on_time'])}): {run['refused_on_time'][:5]}")
    print(f"- late refusals said: {late['messages']}")


if __name__ == "__main__":
    sys.exit(main())
