"""The parsing behind the load benchmarks (bench/results.py): gunicorn access-log lines, wrk's report, percentiles."""

import pytest

from bench import results


def test_access_line_gives_status_server_time_and_the_target_as_sent():
    hit = results.parse_access_line("BENCH\t200\t12345\tGET\t/search?q=%E5%85%BB%E8%80%81%E6%9C%8D%E5%8A%A1\n")
    assert hit == results.Hit(200, 12.345, "GET", "/search?q=%E5%85%BB%E8%80%81%E6%9C%8D%E5%8A%A1")


@pytest.mark.parametrize("line", [
    "[2026-11-28 05:50:09 +0000] [32016] [INFO] Booting worker with pid: 32016",
    "BENCH\t200\t12345\tGET",                   # cut short
    "BENCH\t-\t12345\tGET\t/",                  # no status
    "OTHER\t200\t12345\tGET\t/",
    "",
])
def test_lines_that_are_not_ours_are_skipped(line):
    assert results.parse_access_line(line) is None


def test_hits_are_grouped_by_target_and_summarized_per_url():
    lines = ["BENCH\t200\t1000\tGET\t/projects/\n", "gunicorn says hello\n", "BENCH\t500\t9000\tGET\t/projects/\n",
             "BENCH\t302\t2000\tGET\t/projects/\n", "BENCH\t200\t3000\tGET\t/stats/\n"]
    grouped = results.by_target(lines)
    assert sorted(grouped) == ["/projects/", "/stats/"]
    summary = results.server_summary(grouped["/projects/"])
    assert summary == {"server_requests": 3, "server_non_2xx": 2, "server_p50_ms": 2.0, "server_p95_ms": 9.0,
                       "server_p99_ms": 9.0}


def test_wrk_report_line_is_read_in_milliseconds():
    stdout = ("Running 10s test @ http://127.0.0.1:8000/\n  1 threads and 8 connections\n"
              "Requests/sec:    250.00\n"
              'WRK_JSON {"requests":2500,"duration_us":10000000,"bytes":1000,"connect_errors":0,"read_errors":1,'
              '"write_errors":0,"status_errors":3,"timeouts":2,"p50_us":31000,"p90_us":52000,"p95_us":61500,'
              '"p99_us":90250,"max_us":120000,"mean_us":33000.5}\n')
    report = results.parse_wrk(stdout)
    assert report["req_per_s"] == 250.0 and report["requests"] == 2500 and report["seconds"] == 10.0
    assert (report["p50_ms"], report["p95_ms"], report["p99_ms"]) == (31.0, 61.5, 90.25)
    assert report["status_errors"] == 3 and report["socket_errors"] == 3


def test_wrk_output_without_the_report_line_is_an_error():
    with pytest.raises(ValueError, match="WRK_JSON"):
        results.parse_wrk("Running 10s test @ http://127.0.0.1:8000/\nRequests/sec: 12.0\n")


def test_percentile_is_nearest_rank():
    samples = list(range(1, 101))  # 1 … 100
    assert results.percentile(samples, 50) == 50
    assert results.percentile(samples, 95) == 95
    assert results.percentile(samples, 99) == 99
    assert results.percentile([7.0], 99) == 7.0
    assert results.percentile([], 50) is None


def test_markdown_table_marks_goals_and_missing_values():
    table = results.markdown_table(["URL", "req/s", "ok"], [["home", 1234.56, results.mark(True)],
                                                           ["stats", None, results.mark(False)],
                                                           ["hello", 3.14159, results.mark(None)]])
    assert table.splitlines() == ["| URL | req/s | ok |", "|---|---|---|", "| home | 1,234.6 | ✓ |",
                                  "| stats | — | ✗ |", "| hello | 3.14 | — |"]
