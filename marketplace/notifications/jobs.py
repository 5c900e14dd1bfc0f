from marketplace.common.jobs import periodic

from .services import deliver_outbox


@periodic("mail.deliver_outbox")
def retry_unsent_mail() -> int:
    return deliver_outbox()
