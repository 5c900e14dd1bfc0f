"""Command-line entry points: `flask --app app <group> <command> --help` documents each."""

import time
from pathlib import Path

import click
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import MetaData

from marketplace.extensions import db


def reset_database() -> None:
    """Drop every table (including ones the models no longer know) and migrate from scratch."""
    metadata = MetaData()
    metadata.reflect(bind=db.engine)
    metadata.drop_all(bind=db.engine)
    if db.engine.dialect.name == "postgresql":  # functions are not tables: drop ours explicitly
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP FUNCTION IF EXISTS audit_event_append_only() CASCADE")
    db.session.remove()
    upgrade()


def _refuse_in_production(what: str) -> None:
    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException(f"{what} is disabled when APP_ENV=production.")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Only load when the database has no users (used by `make run`).")
def demo_command(if_empty):
    """Reset the database and load the demo district (东城区) with one account per role."""
    from marketplace import demo

    _refuse_in_production("The demo loader")
    if if_empty:
        upgrade()
        if not demo.is_empty():
            click.echo("数据库已有数据，跳过演示数据。Database not empty; demo not loaded.")
            return
    started = time.monotonic()
    click.echo("重置数据库 Resetting the database …")
    reset_database()
    credentials = demo.load(echo=click.echo)
    db.session.commit()
    _index_demo()
    click.echo(f"演示数据已加载 Demo loaded in {time.monotonic() - started:.1f}s.\n")
    click.echo(f"所有演示账号密码 Password for every demo account: {demo.DEMO_PASSWORD}")
    click.echo("需要两步验证的账号：运行 `flask --app app users otp <email>` 获取当前验证码，或把密钥加入验证器。")
    click.echo("2FA accounts: run `flask --app app users otp <email>` for the current code, "
               "or add the secret to an authenticator app.\n")
    for role, email, secret in credentials:
        click.echo(f"  {role:<15} {email:<30} {('TOTP ' + secret) if secret else ''}")


def _index_demo() -> None:
    """A fresh database gets a fresh search index (nobody else is writing, so the queue can be emptied too)."""
    from marketplace.search import services as search

    try:
        with search.writer_lock():
            click.echo("· 搜索索引 search index …")
            search.rebuild()
            db.session.execute(db.delete(search.SearchQueue))
            db.session.commit()
    except search.WriterBusy:
        click.echo("搜索索引写入进程正在运行，它会索引演示数据。The search writer is running; it will index the demo.")


audit_cli = click.Group("audit", help="Audit log: verify the hash chain, print daily roots.")


@audit_cli.command("verify")
def audit_verify():
    """Walk the hash chain and report the first broken row (exit status 1 if broken)."""
    from marketplace.audit.services import verify_chain

    report = verify_chain()
    if report.ok:
        click.echo(f"OK: {report.checked} events, chain intact.")
        return
    click.echo(f"BROKEN at seq {report.broken_seq}: {report.reason} "
               f"({report.checked} events verified before it)")
    raise SystemExit(1)


@audit_cli.command("roots")
def audit_roots():
    """Print each day's root hash (the hash of the day's last event)."""
    from marketplace.audit.services import daily_roots

    for root in daily_roots():
        click.echo(f"{root['date']}  seq={root['seq']:<8} {root['hash']}")


jobs_cli = click.Group("jobs", help="Time-driven work (deadlines, escalations, mail) and the deferred-work worker.")


@jobs_cli.command("tick")
@click.option("--only", help="Run just this task.")
def jobs_tick(only):
    """Run every registered task once."""
    from marketplace.common import jobs

    for name, outcome in jobs.tick(only).items():
        status = f"FAILED: {outcome!r}" if isinstance(outcome, Exception) else f"ok ({outcome or 0})"
        click.echo(f"{name}: {status}")


@jobs_cli.command("run")
@click.option("--interval", default=30.0, show_default=True, help="Seconds between ticks.")
@click.option("--max-ticks", type=int, help="Stop after this many ticks (default: run until stopped).")
def jobs_run(interval, max_ticks):
    """Run the tasks in a loop (the scheduler process)."""
    from marketplace.common import jobs

    click.echo(f"jobs: {', '.join(jobs.registered())}; every {interval}s")
    jobs.run_forever(interval, max_ticks=max_ticks, echo=click.echo)


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (default: wait for work).")
@click.option("--max-jobs", type=int, help="Stop after this many jobs.")
def jobs_worker(burst, max_jobs):
    """Run deferred work (mail) from the Redis queue; start as many as you need (needs REDIS_URL)."""
    from marketplace.common import queue

    if queue.job_queue() is None:
        raise click.ClickException("REDIS_URL is not set: without Redis, deferred work runs in the web process.")
    queue.work(burst=burst, max_jobs=max_jobs)


@jobs_cli.command("list")
def jobs_list():
    """List the registered tasks."""
    from marketplace.common import jobs

    for name in jobs.registered():
        click.echo(name)


regions_cli = click.Group("regions", help="The region tree (division codes).")


@regions_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def regions_import(path):
    """Import a divisions CSV (code,name,level,parent_code[,source]); all rows or none."""
    from marketplace.common.csvrows import ImportRejected
    from marketplace.regions.services import import_divisions_file

    try:
        report = import_divisions_file(path)
    except ImportRejected as rejected:
        db.session.rollback()
        for error in rejected.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"{len(rejected.errors)} 行有错误，未导入任何数据。Nothing imported.") from None
    db.session.commit()
    click.echo(f"导入完成 Imported: {report.created} new, {report.updated} updated.")


users_cli = click.Group("users", help="Accounts: create an administrator, show a demo TOTP code.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["platform_admin", "evaluator"]), default="platform_admin",
              show_default=True)
@click.password_option()
def users_create(email, name, role, password):
    """Create a confirmed account (the first platform administrator); staff are invited from the web."""
    from marketplace.accounts.models import Role
    from marketplace.accounts.services import create_user
    from marketplace.audit import services as audit
    from marketplace.errors import DomainError

    try:
        user = create_user(email, name, password, Role(role), confirmed=True)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    audit.record("cli", "user.created", user, data={"role": role})
    db.session.commit()
    click.echo(f"Created {user.email} ({role}). Sign in and set up two-step verification.")


@users_cli.command("otp")
@click.argument("email")
def users_otp(email):
    """Print the current TOTP code of an account (development and demo only)."""
    from marketplace.accounts.services import find_user
    from marketplace.security import current_totp

    _refuse_in_production("Printing TOTP codes")
    user = find_user(email)
    if user is None or not user.totp_secret:
        raise click.ClickException("No such account with two-step verification.")
    click.echo(current_totp(user.totp_secret))


def register(app) -> None:
    from bench.cli import bench_cli
    from marketplace.api.cli import api_cli
    from marketplace.catalog.cli import catalogs_cli
    from marketplace.payments.cli import payments_cli
    from marketplace.search.cli import search_cli

    app.cli.add_command(demo_command)
    for group in (audit_cli, jobs_cli, regions_cli, users_cli, catalogs_cli, payments_cli, search_cli,
                  api_cli, bench_cli):
        app.cli.add_command(group)
