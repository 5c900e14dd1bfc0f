from marketplace.common.jobs import periodic

from . import events


@periodic("payments.replay_events")
def replay_events() -> int:
    """Stripe events that overtook the commit of their payment."""
    return events.replay_parked()
