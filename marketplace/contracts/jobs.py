from marketplace.common.jobs import periodic

from . import services


@periodic("contracts.warn_unsigned")
def warn_unsigned() -> int:
    """Contracts still unsigned past their sign-by day (30 days after the award, a setting)."""
    return services.warn_unsigned()
