"""A form kept over an expired sign-in (see the package docstring)."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.common.types import UTCDateTime
from marketplace.extensions import db


class FormStash(db.Model):
    """The input is ciphertext under a key derived from the browser's cookie, which the database never sees: a bid's
    price typed into an expired session is as unreadable here as in the sealed bid it becomes."""

    __tablename__ = "form_stash"
    __table_args__ = (
        UniqueConstraint("browser_hash", "user_id", "path"),  # one kept form per browser, person and page
        CheckConstraint("expires_at > created_at", name="expires_after_creation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    browser_hash: Mapped[str] = mapped_column(String(64))  # HMAC of the cookie's token, to find the rows
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(500))  # the form's page, e.g. /bids/tender/7
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
