"""The search queue (written in the same transaction as the change it reports) and, for the PostgreSQL backend,
the documents with their jieba-segmented tsvector."""

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, SmallInteger, String, Text
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
    __table_args__ = (Index("ix_search_document_terms", "terms", postgresql_using="gin"),
                      Index("ix_search_document_title_terms", "title_terms", postgresql_using="gin"))

    key: Mapped[str] = mapped_column(String(40), primary_key=True)  # "tender:12"
    kind: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    # The words of title (twice, for weight) and body as jieba found them, space-separated; PostgreSQL keeps them
    # as a tsvector with the 'simple' configuration, which does no further stemming.
    # Both tsvectors also hold the document's meta lexemes (facet values and sample levels, see pg.py).
    terms = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))
    # The title's words alone (no positions): title matches are found, and ranked first, without the body's.
    title_terms = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"))
    title_length: Mapped[int] = mapped_column(Integer, default=0)  # characters, for ranking without the text
    body_length: Mapped[int] = mapped_column(Integer, default=0)
    # One bit per common word (`SearchTermStats.bit`) the document holds: checked on the row instead of
    # intersecting the word's very long posting list in the GIN index.
    common: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(30))
    category: Mapped[str] = mapped_column(String(16))
    year: Mapped[str] = mapped_column(String(4))
    regions: Mapped[str] = mapped_column(Text)  # " 110101 110101001 " — every level, space-delimited
    url: Mapped[str] = mapped_column(String(200))
    dated: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SearchTermStats(db.Model):
    """For every lexeme of the PostgreSQL backend's documents: how many documents hold it, and in how many of
    them it is in the title. Kept exact by the index writer, in the transaction that writes the documents, so
    searches read totals and sample rates here instead of counting a million rows; "did you mean" looks for its
    near words here too (ts_stat would read every document)."""

    __tablename__ = "search_term_stats"

    # "C" collation: LIKE '养老_务' uses the primary key's prefix ('养老'), whatever the database's collation
    word: Mapped[str] = mapped_column(Text().with_variant(Text(collation="C"), "postgresql"), primary_key=True)
    documents: Mapped[int] = mapped_column(Integer)
    titles: Mapped[int] = mapped_column(Integer)
    # 0–62 for the common words (those in most documents), chosen when the index is rebuilt; kept at zero
    # counts, so the bits of the documents written later mean the same words
    bit: Mapped[int | None] = mapped_column(SmallInteger)
