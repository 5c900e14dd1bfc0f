from datetime import timedelta

from marketplace.common import clock, files
from marketplace.common.jobs import periodic

from . import services

STASHED_FILES_LIVE = timedelta(days=1)


@periodic("drafts.purge_kept_forms")
def purge_kept_forms() -> int:
    return services.purge_expired()


@periodic("drafts.purge_stashed_files")
def purge_stashed_files() -> int:
    """Files kept while a form is corrected or over a sign-in (common.files.stash): gone a day after, well past the
    four hours kept input lives (services.KEEP_FOR)."""
    return files.purge_stash(clock.now() - STASHED_FILES_LIVE)
