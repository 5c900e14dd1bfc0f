"""`flask --app app payments reconcile --from 2026-11-01 --to 2026-11-30`."""

import click

payments_cli = click.Group("payments", help="Payments: reconcile the ledger with Stripe.")


@payments_cli.command("reconcile")
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day (China time).")
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day, inclusive.")
def reconcile_command(start, end):
    """List differences between our payments/ledger and Stripe's PaymentIntents; exit status 1 when any."""
    from marketplace.payments.reconcile import reconcile, unbalanced

    if end < start:
        raise click.BadParameter("--to is before --from")
    differences = reconcile(start.date(), end.date())
    for payment_id, posting in unbalanced():
        click.echo(f"unbalanced posting {posting} of payment {payment_id}")
    for difference in differences:
        click.echo(str(difference))
    if differences or unbalanced():
        click.echo(f"{len(differences)} difference(s) found.")
        raise SystemExit(1)
    click.echo("OK: ledger and Stripe agree.")
