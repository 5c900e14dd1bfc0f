"""Daily organization jobs: credit-list escalation and expiry warnings."""

from marketplace.common import clock
from marketplace.common.jobs import periodic

from . import records


@periodic("organizations.escalate_abnormal")
def escalate_abnormal() -> int:
    return records.escalate_abnormal_entries(clock.today())


@periodic("organizations.warn_expiring")
def warn_expiring() -> int:
    return records.warn_expiring_facts(clock.today())
