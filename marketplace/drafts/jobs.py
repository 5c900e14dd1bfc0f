from marketplace.common.jobs import periodic

from . import services


@periodic("drafts.purge_kept_forms")
def purge_kept_forms() -> int:
    return services.purge_expired()
