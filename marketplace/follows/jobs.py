from marketplace.common.jobs import periodic

from . import services


@periodic("follows.send_digests")
def send_digests() -> int:
    return services.send_digests()
