"""`flask catalogs …`: import, export and templates for the three catalogs."""

from pathlib import Path

import click

from marketplace.common.csvrows import ImportRejected
from marketplace.errors import DomainError
from marketplace.extensions import db

from . import io as catalog_io
from . import services
from .models import CatalogKind, VersionStatus

KINDS = {"purchase": CatalogKind.purchase, "function": CatalogKind.function,
         "qualification": CatalogKind.qualification}

catalogs_cli = click.Group("catalogs", help="The three catalogs: import, export, templates.")


@catalogs_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", type=click.Choice(list(KINDS)), required=True)
@click.option("--issuer", "region_code", required=True, help="Division code of the issuing region, e.g. 110101.")
@click.option("--year", type=int, required=True)
@click.option("--draft", is_flag=True, help="Keep the imported version as a draft instead of publishing it.")
def import_command(path, kind, region_code, year, draft):
    """Import a .csv or .xlsx catalog file (all rows or none) as a new version, published unless --draft."""
    def progress(done, total):
        click.echo(f"  … {done}/{total} rows checked")

    try:
        issuer = services.issuer_for_region(region_code, by="cli")
        version = services.import_catalog(issuer, year, KINDS[kind], path.read_bytes(), path.name, by="cli",
                                          publish_now=not draft, progress=progress)
    except ImportRejected as rejected:
        db.session.rollback()
        for error in rejected.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"{len(rejected.errors)} 行有错误，未导入任何数据。Nothing imported.") from None
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None
    db.session.commit()
    state = "draft" if version.status == VersionStatus.draft else "published"
    click.echo(f"导入完成 Imported {len(version.items)} rows into “{version.title}” v{version.number} ({state}).")


@catalogs_cli.command("export")
@click.option("--kind", type=click.Choice(list(KINDS)), required=True)
@click.option("--issuer", "region_code", required=True)
@click.option("--year", type=int, required=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Ends in .csv or .xlsx.")
def export_command(kind, region_code, year, output):
    """Export the published version in the import layout."""
    from marketplace.regions.services import region_by_code

    region = region_by_code(region_code)
    issuer = services.find_issuer(region) if region else None  # exporting never creates anything
    version = services.published_version(issuer, year, KINDS[kind]) if issuer else None
    if version is None:
        raise click.ClickException("No published catalog for that issuer, year and kind.")
    rows = catalog_io.export_rows(version)
    output.write_bytes(catalog_io.to_xlsx(rows) if output.suffix == ".xlsx" else catalog_io.to_csv(rows))
    click.echo(f"Wrote {len(rows) - 1} rows to {output}")


@catalogs_cli.command("template")
@click.option("--kind", type=click.Choice(list(KINDS)), required=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True)
def template_command(kind, output):
    """Write an empty import template (with example rows) as .csv or .xlsx."""
    rows = catalog_io.template_rows(KINDS[kind])
    output.write_bytes(catalog_io.to_xlsx(rows) if output.suffix == ".xlsx" else catalog_io.to_csv(rows))
    click.echo(f"Wrote {output}")
