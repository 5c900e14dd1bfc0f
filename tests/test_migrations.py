"""The migrations with real data, through the real CLI (no test request context to lean on): the demo loads on
a fresh SQLite database, and a round trip down to 0005 and back up keeps every rating and every published G —
SQLite rebuilds tables in batch migrations, and with foreign keys on it would cascade the rebuild into children."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _flask(database: Path, tmp_path: Path, *args: str) -> None:
    env = os.environ | {"DATABASE_URL": f"sqlite:///{database}", "APP_ENV": "development",
                        "SEARCH_INDEX_DIR": str(tmp_path / "index"), "MAIL_SERVER": ""}
    env.pop("TEST_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


def _facts(database: Path) -> dict:
    with sqlite3.connect(database) as connection:
        one = lambda sql: connection.execute(sql).fetchall()  # noqa: E731
        return {"ratings": one("SELECT COUNT(*) FROM outcome_rating"),
                "scores": one("SELECT id, government_score, final_score FROM outcome_evaluation ORDER BY id"),
                "broken": one("PRAGMA foreign_key_check")}


def test_the_demo_survives_a_migration_round_trip(tmp_path):
    database = tmp_path / "demo.db"
    _flask(database, tmp_path, "demo")
    before = _facts(database)
    assert before["ratings"][0][0] > 20 and any(g is not None for _id, g, _f in before["scores"])
    _flask(database, tmp_path, "db", "downgrade", "0005_contracts_outcomes")
    _flask(database, tmp_path, "db", "upgrade")
    after = _facts(database)
    assert after == before and after["broken"] == []
