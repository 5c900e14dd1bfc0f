"""Where a page's time goes: render it in-process and time every SQL statement it issues.

    .venv/bin/python -m bench.page_profile --database-url sqlite:////tmp/province.db /projects/ '/projects/?page=50'

For each path (as an anonymous visitor, the response cache off): the status, the total time of each of
`--repeat` renders (the first is cold: templates, catalogs, connection), and for the last render every statement
with its time, slowest first, cut to its first `--width` characters. `--explain` adds the database's plan of the
slowest statements (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL). A tool for finding the fix; the
load figures come from web_bench.
"""

import argparse
import os
import time


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--top", type=int, default=8)
    parser.add_argument("--width", type=int, default=220)
    parser.add_argument("--explain", type=int, default=0, metavar="N", help="plans of the N slowest statements")
    args = parser.parse_args(argv)

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.pop("REDIS_URL", None)
    from sqlalchemy import event

    from marketplace import create_app
    from marketplace.extensions import db

    app = create_app({"RESPONSE_CACHE_SECONDS": 0})
    timings: list[tuple[float, str, object]] = []

    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def _start(conn, cursor, statement, parameters, context, executemany):
            conn.info.setdefault("started", []).append(time.perf_counter())

        @event.listens_for(engine, "after_cursor_execute")
        def _stop(conn, cursor, statement, parameters, context, executemany):
            timings.append((time.perf_counter() - conn.info["started"].pop(), statement, parameters))

        client = app.test_client()
        for path in args.paths:
            renders = []
            for _ in range(args.repeat):
                timings.clear()
                started = time.perf_counter()
                response = client.get(path)
                renders.append((time.perf_counter() - started) * 1000)
            sql_ms = sum(t for t, _, _ in timings) * 1000
            print(f"\n{path}  {response.status_code}  {len(response.data):,} bytes  renders ms: "
                  + " / ".join(f"{ms:,.1f}" for ms in renders)
                  + f"  last: {len(timings)} statements, {sql_ms:,.1f} ms in SQL")
            slowest = sorted(timings, key=lambda row: -row[0])
            for seconds, statement, _ in slowest[:args.top]:
                print(f"  {seconds * 1000:9.1f} ms  {' '.join(statement.split())[:args.width]}")
            for seconds, statement, parameters in slowest[:args.explain]:
                prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN ANALYZE "
                with engine.connect() as connection:
                    plan = connection.exec_driver_sql(prefix + statement, parameters).all()
                print(f"  plan of the {seconds * 1000:.1f} ms statement:")
                for row in plan:
                    print("    " + " | ".join(str(v) for v in row))


if __name__ == "__main__":
    main()
