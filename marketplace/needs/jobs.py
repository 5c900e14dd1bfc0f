"""Daily needs job: overdue needs go to the district for supervision (督办)."""

from marketplace.common import clock
from marketplace.common.jobs import periodic

from . import services


@periodic("needs.escalate")
def escalate() -> int:
    return services.escalate_overdue(clock.now())
