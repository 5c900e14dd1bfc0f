"""Pure helpers of the load benchmarks: percentiles, gunicorn access-log lines, wrk's report, markdown tables.

No app, no database, no processes: tests/pure/test_bench_results.py covers them.
"""

import json
import math
from collections import defaultdict
from dataclasses import dataclass

# gunicorn --access-logformat: status, request time in microseconds, method and the request target exactly as
# sent (RAW_URI: path and query, still percent-encoded, so it never holds a tab); tab-separated.
ACCESS_FORMAT = "BENCH\t%(s)s\t%(D)s\t%(m)s\t%({raw_uri}e)s"
WRK_MARKER = "WRK_JSON "
# wrk's done() hook: its summary and exact latency percentiles (microseconds) as one JSON line.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,' ..
    '"write_errors":%d,"status_errors":%d,"timeouts":%d,"p50_us":%d,"p90_us":%d,"p95_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
"""


def percentile(samples, p: float) -> float | None:
    """Nearest-rank percentile (the value below which p % of the samples lie); None without samples."""
    ordered = sorted(samples)
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(frozen=True)
class Hit:
    status: int
    ms: float
    method: str
    target: str  # path and query as the client sent them


def parse_access_line(line: str) -> Hit | None:
    """One line written with ACCESS_FORMAT, or None for anything else (gunicorn's own messages)."""
    parts = line.rstrip("\r\n").split("\t")
    if len(parts) != 5 or parts[0] != "BENCH":
        return None
    _marker, status, micros, method, target = parts
    if not status.isdigit() or not micros.isdigit():
        return None
    return Hit(int(status), int(micros) / 1000, method, target)


def by_target(lines) -> dict[str, list[Hit]]:
    hits: dict[str, list[Hit]] = defaultdict(list)
    for line in lines:
        hit = parse_access_line(line)
        if hit is not None:
            hits[hit.target].append(hit)
    return dict(hits)


def server_summary(hits: list[Hit]) -> dict:
    """What the server saw of one URL: request count, non-2xx count, p50/p95/p99 of its own time."""
    times = [h.ms for h in hits]
    return {"server_requests": len(hits), "server_non_2xx": sum(1 for h in hits if not 200 <= h.status < 300),
            "server_p50_ms": _round(percentile(times, 50)), "server_p95_ms": _round(percentile(times, 95)),
            "server_p99_ms": _round(percentile(times, 99))}


def parse_wrk(stdout: str) -> dict:
    """The JSON line of WRK_SCRIPT's done() in wrk's output, as client-side figures in milliseconds."""
    for line in stdout.splitlines():
        if line.startswith(WRK_MARKER):
            raw = json.loads(line[len(WRK_MARKER):])
            seconds = raw["duration_us"] / 1e6
            errors = {key: raw[key] for key in ("connect_errors", "read_errors", "write_errors", "timeouts")}
            return {"requests": raw["requests"], "seconds": round(seconds, 2),
                    "req_per_s": round(raw["requests"] / seconds, 1) if seconds else 0.0,
                    "p50_ms": raw["p50_us"] / 1000, "p90_ms": raw["p90_us"] / 1000, "p95_ms": raw["p95_us"] / 1000,
                    "p99_ms": raw["p99_us"] / 1000, "max_ms": raw["max_us"] / 1000,
                    "status_errors": raw["status_errors"], "socket_errors": sum(errors.values()), **errors}
    raise ValueError("no WRK_JSON line in wrk's output (was the Lua script loaded?)")


def _round(value: float | None, places: int = 1) -> float | None:
    return None if value is None else round(value, places)


def mark(ok: bool | None) -> str:
    return "—" if ok is None else "✓" if ok else "✗"


def markdown_table(header: list[str], rows: list[list]) -> str:
    def cell(value) -> str:
        if value is None:
            return "—"
        if isinstance(value, float):
            return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.1f}"
        return str(value)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
