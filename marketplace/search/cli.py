"""`flask --app app search …`: the index writer, the rebuild, the drift check."""

import time

import click

from marketplace.extensions import db

search_cli = click.Group("search", help="Full-text search: the index writer, rebuild and drift check.")


@search_cli.command("writer")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between passes when the queue is empty.")
@click.option("--max-passes", type=int, default=None, help="Stop after this many passes (for tests and scripts).")
@click.option("--quiet", is_flag=True, help="Say nothing while indexing (used by `make run`).")
def writer(interval, max_passes, quiet):
    """Run the one index writer: drain the queue of changed documents, forever (or --max-passes)."""
    from . import services

    try:
        with services.writer_lock():
            click.echo(f"search writer: {services.queued()} queued; every {interval}s")
            passes = 0
            while max_passes is None or passes < max_passes:
                consumed = services.drain_with_retry()
                db.session.remove()
                passes += 1
                if consumed and not quiet:
                    click.echo(f"indexed {consumed} change(s)")
                elif max_passes is None or passes < max_passes:
                    time.sleep(interval)
    except services.WriterBusy as exc:
        raise click.ClickException("another search writer is running; there must be exactly one") from exc


@search_cli.command("sync")
def sync():
    """Drain the queue once, until it is empty (what the writer does continuously)."""
    from . import services

    with services.writer_lock():
        click.echo(f"indexed {services.drain_all()} change(s)")


@search_cli.command("rebuild")
@click.option("--if-missing", is_flag=True, help="Only when the index is empty (used by `make run`).")
def rebuild(if_missing):
    """Rebuild the whole index from the database, with a progress bar."""
    from . import services

    with services.writer_lock():
        if if_missing and services.documents_in_index():
            click.echo("search index present; not rebuilt")
            return
        with click.progressbar(length=services.count_all(), label="indexing") as bar:
            total = services.rebuild(progress=bar.update)
        db.session.commit()
        click.echo(f"{total} document(s) written, {services.documents_in_index()} in the index")


@search_cli.command("check")
def check():
    """Compare the index with the database; exit 1 and list the differences when they drift apart."""
    from . import services

    found = services.drift()
    for name, keys in found.items():
        click.echo(f"{name}: {len(keys)}" + (f"  e.g. {', '.join(keys[:10])}" if keys else ""))
    if any(found.values()):
        raise SystemExit(1)
    click.echo("index matches the database")
