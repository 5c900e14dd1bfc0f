from marketplace.common.jobs import periodic

from . import awards


@periodic("evaluation.finalize_awards")
def finalize_awards() -> int:
    """Awards whose standstill ended with every challenge answered become final: the contract may be signed."""
    return awards.finalize_due()
