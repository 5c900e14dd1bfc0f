from marketplace.common.jobs import periodic

from . import services


@periodic("tenders.advance")
def advance_tenders() -> int:
    """Enquiry periods that ended open for bids; deadlines that passed close bidding (unless questions are open)."""
    return services.catch_up_due()
