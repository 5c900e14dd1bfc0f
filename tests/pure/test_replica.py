"""A read replica (DATABASE_REPLICA_URL) serves the bulk exports; pages and writes stay on the primary.

The "replica" is a copy of the primary's SQLite file taken before a later import: exports that show the older
state prove they read from the replica, not from the primary. Real `flask` subprocesses, no test harness."""

import os
import shutil
import subprocess
import sys

from tests.pure.test_cli import ROOT, _flask

SCRIPT = """
import sys
from app import app
client = app.test_client()
rows = client.get('/data/catalogs.csv').get_data(as_text=True).strip().splitlines()
page = client.get('/catalogs/').get_data(as_text=True)
print(len(rows) - 1, '2027' in page)
"""


def _export_rows_and_page(tmp_path, replica=None) -> str:
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    env.pop("DATABASE_REPLICA_URL", None)
    if replica:
        env["DATABASE_REPLICA_URL"] = f"sqlite:///{replica}"
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _import(tmp_path, year):
    result = _flask(tmp_path, "catalogs", "import", "catalogs/purchase_central_2020.csv", "--kind", "purchase",
                    "--issuer", "110101", "--year", str(year))
    assert result.returncode == 0, result.stderr


def test_exports_read_the_replica_and_pages_the_primary(tmp_path):
    assert _flask(tmp_path, "db", "upgrade").returncode == 0
    _import(tmp_path, 2026)
    replica = tmp_path / "replica.db"
    shutil.copy(tmp_path / "cli.db", replica)  # the flask process has exited: the WAL is checkpointed
    _import(tmp_path, 2027)  # the primary moves on; the replica has not caught up yet

    assert _export_rows_and_page(tmp_path) == "64 True"  # no replica: everything from the primary
    assert _export_rows_and_page(tmp_path, replica) == "32 True"  # the export lags, the page does not
