"""`flask --app app bench …`: benchmark data."""

from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.extensions import db

bench_cli = AppGroup("bench", help="Benchmark data: a realistic, deterministic platform history for load tests.")


@bench_cli.command("seed")
@click.option("--profile", "profile_name", type=click.Choice(["small", "city", "province"]), default="small",
              show_default=True,
              help="small: ~300 organizations and projects, seconds (CI). city: 20,000 of each. "
                   "province: 200,000 organizations, 200,000 projects, 100,000 search documents.")
@click.option("--orgs", type=click.IntRange(min=20), help="Organizations (overrides the profile).")
@click.option("--projects", type=click.IntRange(min=20),
              help="Purchased-service projects, i.e. contracts (overrides the profile); tenders that end "
                   "otherwise or are still running come on top, about a fifth as many.")
@click.option("--docs", type=click.IntRange(min=0),
              help="Documents written to the search index (overrides the profile; 0 leaves the index empty).")
@click.option("--seed", "seed_value", type=int, default=1, show_default=True,
              help="The same seed (and anchor) gives byte-identical data.")
@click.option("--anchor", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The data's 'today' (YYYY-MM-DD, default: today in Beijing). History covers that year and the "
                   "four before it; open deadlines lie after it.")
@click.option("--reset", is_flag=True, help="Drop every table and migrate from scratch first (all data is lost).")
def seed_command(profile_name, orgs, projects, docs, seed_value, anchor, reset):
    """Fill an empty database with benchmark data.

    The database is DATABASE_URL (SQLite or PostgreSQL), the search index SEARCH_INDEX_DIR. Writes regions (the
    shipped division codes plus synthetic ones), government bodies and their staff, residents, organizations with
    valid credit codes and confirmed facts, catalogs and budget lines, tenders in every state with sealed bids,
    evaluations and awards, contracts with reports, ratings and payments (a balanced ledger), residents' needs, the
    audit chain and the search index. Every account's password is printed at the end; government accounts sign in
    with `flask --app app users otp <email>`.
    """
    from dataclasses import replace

    from marketplace.accounts.models import User
    from marketplace.cli import reset_database
    from marketplace.common import clock

    from .seed import PROFILES, seed

    if current_app.config["APP_ENV"] == "production":
        raise click.ClickException("The benchmark seeder is disabled when APP_ENV=production.")
    if reset:
        click.echo("重置数据库 Resetting the database …")
        reset_database()
    elif db.session.execute(db.select(User.id).limit(1)).first() is not None:
        raise click.ClickException("The database is not empty: seed into an empty database, or pass --reset.")
    profile = PROFILES[profile_name]
    overrides = {k: v for k, v in (("orgs", orgs), ("projects", projects), ("docs", docs)) if v is not None}
    profile = replace(profile, **overrides)
    day: date = anchor.date() if anchor else clock.today()
    click.echo(f"bench seed: profile {profile.name}, {profile.orgs:,} organizations, {profile.projects:,} projects, "
               f"{profile.docs:,} search documents, seed {seed_value}, anchor {day.isoformat()}")
    summary = seed(profile, seed=seed_value, anchor=day)
    click.echo("\nRows per table:")
    for table, count in sorted(summary.counts.items()):
        if count:
            click.echo(f"  {table:<28} {count:>12,}")
    click.echo(f"  {'(all tables)':<28} {sum(summary.counts.values()):>12,}")
    click.echo(f"\nTenders by state:   {_states(summary.tender_states)}")
    click.echo(f"Contracts by state: {_states(summary.contract_states)}")
    click.echo(f"Search index: {summary.indexed:,} documents in {current_app.config['SEARCH_INDEX_DIR']}"
               if current_app.config["SEARCH_BACKEND"] == "whoosh"
               else f"Search index: {summary.indexed:,} documents (PostgreSQL backend)")
    click.echo("\nTime per phase:")
    for label, seconds in summary.timings:
        click.echo(f"  {label:<14} {seconds:>9.1f} s")
    click.echo(f"\nPassword of every account: {summary.password}")


def _states(counts: dict) -> str:
    return ", ".join(f"{state} {count:,}" for state, count in counts.items())
