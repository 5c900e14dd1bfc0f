"""The real `flask` command in a subprocess: no request context, its own database."""

import os
import subprocess
import sys
from pathlib import Path

import click

from marketplace import create_app

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).parent / "flask")


def _flask(tmp_path, *args):
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    return subprocess.run([FLASK, "--app", "app", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_regions_import_reports_bad_rows_in_chinese_and_imports_nothing(tmp_path):
    assert _flask(tmp_path, "db", "upgrade").returncode == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,level,parent_code\n110000,北京市,province,\n1101,东城区,district,110100\n",
                   encoding="utf-8")
    result = _flask(tmp_path, "regions", "import", str(bad))
    assert result.returncode == 1
    assert "第 3 行：区划代码 “1101” 应为 6 位数字" in result.stderr
    good = ROOT / "data" / "regions" / "divisions.csv"
    imported = _flask(tmp_path, "regions", "import", str(good))
    assert imported.returncode == 0 and "68 new" in imported.stdout
    assert "OK: 1 events" in _flask(tmp_path, "audit", "verify").stdout


def _commands(group, path=()):
    for name, command in sorted(group.commands.items()):
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


def test_every_command_has_help(tmp_path):
    for group in ("demo", "audit", "jobs", "regions", "users"):  # the real `flask` executable, too
        result = _flask(tmp_path, group, "--help")
        assert result.returncode == 0 and "Usage:" in result.stdout
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'help.db'}"})
    runner = app.test_cli_runner()
    ours = list(_commands(app.cli))
    assert len(ours) > 30  # every group and command the app registers, found from the app itself
    for path, command in ours:
        result = runner.invoke(args=[*path, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, path
        assert (command.help or command.short_help or "").strip(), f"`flask {' '.join(path)}` has no help text"


def test_catalog_import_on_a_fresh_database_appears_on_the_catalog_page(tmp_path):
    assert _flask(tmp_path, "db", "upgrade").returncode == 0
    result = _flask(tmp_path, "catalogs", "import", "catalogs/purchase_central_2020.csv", "--kind", "purchase",
                    "--issuer", "110101", "--year", "2026")
    assert result.returncode == 0, result.stderr
    assert "Imported 32 rows" in result.stdout
    env = {**os.environ, "APP_ENV": "development", "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    page = subprocess.run([sys.executable, "-c", (
        "from app import app; c = app.test_client(); "
        "html = c.get('/catalogs/').get_data(as_text=True); "
        "print('北京市东城区民政局2026年政府购买服务指导性目录' in html)")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert page.stdout.strip() == "True", page.stderr
