"""The search queue (written in the same transaction as the change it reports) and, for the PostgreSQL backend,
the documents with their jieba-segmented tsvector."""

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.common.types import UTCDateTime
from marketplace.extensions import db


class SearchQueue(db.Model):
    """"Document kind:id may have changed." Rows are added by web requests and jobs, and removed only by the
    index writer once the document is written, so a crash in between repeats work but never loses it."""

    __tablename__ = "search_queue"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int] = mapped_column(Integer)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SearchDocument(db.Model):
    """One searchable document for the PostgreSQL backend; the Whoosh backend keeps the same fields on disk."""

    __tablename__ = "search_document"
    __table_args__ = (Index("ix_search_document_terms", "terms", postgresql_using="gin"),)

    key: Mapped[str] = mapped_column(String(40), primary_key=True)  # "tender:12"
    kind: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # The words of title (twice, for weight) and body as jieba found them, space-separated; PostgreSQL keeps them
    # as a tsvector with the 'simple' configuration, which does no further stemming.
    terms = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))
    status: Mapped[str] = mapped_column(String(30))
    category: Mapped[str] = mapped_column(String(16))
    year: Mapped[str] = mapped_column(String(4))
    regions: Mapped[str] = mapped_column(Text)  # " 110101 110101001 " — every level, space-delimited
    url: Mapped[str] = mapped_column(String(200))
    dated: Mapped[datetime | None] = mapped_column(UTCDateTime)
