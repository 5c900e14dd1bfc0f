"""`flask --app app api keys create NAME` and friends."""

import click
from sqlalchemy import select

from marketplace.extensions import db

api_cli = click.Group("api", help="Open-data API: read keys.")
keys_cli = click.Group("keys", help="Read API keys (a higher rate limit than anonymous access).")
api_cli.add_command(keys_cli)


@keys_cli.command("create")
@click.argument("name")
def keys_create(name):
    """Create a key for NAME and print it once (only its hash is stored)."""
    from .keys import create_key

    key, raw = create_key(name, by="cli")
    db.session.commit()
    click.echo(f"API key {key.id} for {key.name}: {raw}")
    click.echo("Send it as the X-API-Key header. It is shown only now.")


@keys_cli.command("list")
def keys_list():
    """List the read API keys: id, first characters, name and state (only a hash of each key is stored)."""
    from .models import ApiKey

    for key in db.session.execute(select(ApiKey).order_by(ApiKey.id)).scalars():
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        click.echo(f"{key.id:>4}  {key.prefix}…  {key.name}  ({state})")


@keys_cli.command("revoke")
@click.argument("key_id", type=int)
def keys_revoke(key_id):
    """Revoke a read API key by its id; its holder falls back to the anonymous rate limit."""
    from .keys import revoke_key
    from .models import ApiKey

    key = db.session.get(ApiKey, key_id)
    if key is None:
        raise click.ClickException(f"no API key {key_id}")
    revoke_key(key, by="cli")
    db.session.commit()
    click.echo(f"API key {key_id} revoked.")
