"""Planner statistics for SQLite. PostgreSQL's autovacuum analyzes changed tables by itself; SQLite never does,
and without statistics its planner assumes any index narrows to about ten rows, so it picks, say, the contract
status index (every contract matches) over the index that gives the list its order, and sorts 200,000 rows.

The scheduler (`flask jobs run`) refreshes them once a day, sampling (`analysis_limit`) so that the pass takes
about a second even on a database of many gigabytes."""

from datetime import timedelta

from sqlalchemy import text

from marketplace.common import clock
from marketplace.common.jobs import periodic
from marketplace.extensions import db

EVERY = timedelta(days=1)
ROWS_SAMPLED = 1000  # per index; SQLite's own suggestion for PRAGMA optimize is 400
_last_run: dict[str, object] = {}  # per scheduler process: the first tick after a start refreshes


@periodic("database.refresh_statistics")
def refresh_statistics() -> int:
    """ANALYZE on SQLite when the last refresh by this process is a day old; the number of tables with statistics."""
    if db.engine.dialect.name != "sqlite":
        return 0
    now = clock.now()
    last = _last_run.get(str(db.engine.url))
    if last is not None and now - last < EVERY:
        return 0
    db.session.execute(text(f"PRAGMA analysis_limit = {ROWS_SAMPLED}"))
    db.session.execute(text("ANALYZE"))
    _last_run[str(db.engine.url)] = now
    return db.session.execute(text("SELECT count(DISTINCT tbl) FROM sqlite_stat1")).scalar_one()
