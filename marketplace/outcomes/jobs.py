"""Outcomes job: remind organizations of reports due within 7 days, and close ended rating windows."""

from marketplace.common.jobs import periodic

from . import evaluations, services


@periodic("outcomes.remind_reports")
def remind_reports() -> int:
    """Both halves are idempotent: a reminded milestone has `reminded_at`, a closed evaluation is no longer open."""
    return services.remind_due() + evaluations.close_due()
