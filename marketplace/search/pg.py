"""The PostgreSQL backend: the same documents in `search_document`, jieba words in a tsvector ('simple'
configuration: no stemming, the words are already what jieba found) under a GIN index. For deployments with
several app servers, where a Whoosh directory on one disk cannot be shared."""

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert

from marketplace.extensions import db

from . import tokens
from .highlight import mark
from .models import SearchDocument
from .results import FACETS, Hit, Results

STATEMENT_TIMEOUT_MS = 500  # a pathological query gives up rather than tie up a worker


def _terms(title: str, body: str) -> str:
    words = [w for w, _s, _e in tokens.index_tokens(title)] * 2 + [w for w, _s, _e in tokens.index_tokens(body)]
    return " ".join(w.replace("'", "") for w in words)


class PostgresBackend:
    def write(self, documents, removed_keys, *, timeout: float = 10.0) -> None:
        keys = list(removed_keys)
        if keys:
            db.session.execute(delete(SearchDocument).where(SearchDocument.key.in_(keys)))
        for doc in documents:
            values = dict(key=doc.key, kind=doc.kind, title=doc.title, body=doc.body, status=doc.status,
                          category=doc.category, year=doc.year, regions=f" {' '.join(doc.regions)} ", url=doc.url,
                          dated=doc.dated, terms=func.to_tsvector("simple", _terms(doc.title, doc.body)))
            statement = insert(SearchDocument).values(**values)
            db.session.execute(statement.on_conflict_do_update(
                index_elements=[SearchDocument.key], set_={k: statement.excluded[k] for k in values if k != "key"}))

    def clear(self) -> None:
        db.session.execute(delete(SearchDocument))

    def keys(self) -> dict[str, tuple]:
        return {key: (title, status) for key, title, status in db.session.execute(
            select(SearchDocument.key, SearchDocument.title, SearchDocument.status))}

    def _where(self, words, filters):
        query = func.plainto_tsquery("simple", " ".join(words))
        conditions = [SearchDocument.terms.op("@@")(query)]
        for name, value in filters.items():
            if name == "regions":
                conditions.append(SearchDocument.regions.contains(f" {value} "))
            else:
                conditions.append(getattr(SearchDocument, name) == value)
        return query, conditions

    def search(self, words, filters, page, per_page) -> Results:
        if not words:
            return Results.empty(page, per_page)
        db.session.execute(text(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))
        query, conditions = self._where(words, filters)
        rank = func.ts_rank(SearchDocument.terms, query)
        rows = db.session.execute(select(SearchDocument, func.count().over().label("total"))
                                  .where(*conditions).order_by(rank.desc(), SearchDocument.key)
                                  .offset((page - 1) * per_page).limit(per_page)).all()
        total = rows[0].total if rows else self._count(conditions)
        hits = [Hit(key=d.key, kind=d.kind, title=d.title, url=d.url, status=d.status, year=d.year, dated=d.dated,
                    title_html=mark(d.title, words), snippet_html=mark(d.body, words, fragment=True), body=d.body)
                for d, _total in rows]
        return Results(hits=hits, total=total, exact=True, page=page, per_page=per_page,
                       facets=self._facets(conditions),
                       suggestion=None if total else self._suggest(words))

    def _count(self, conditions) -> int:
        return db.session.scalar(select(func.count()).select_from(SearchDocument).where(*conditions))

    def _facets(self, conditions) -> dict[str, dict[str, int]]:
        counts = {}
        for name in FACETS:
            if name == "regions":
                value = func.unnest(func.string_to_array(func.trim(SearchDocument.regions), " ")).label("value")
                inner = select(value).where(*conditions).subquery()
                rows = db.session.execute(select(inner.c.value, func.count()).group_by(inner.c.value))
            else:
                column = getattr(SearchDocument, name)
                rows = db.session.execute(select(column, func.count()).where(*conditions).group_by(column))
            counts[name] = {value: n for value, n in rows if value}
        return counts

    def _suggest(self, words) -> str | None:
        """The nearest indexed word (same length, one character different) for each word nothing contains."""
        changed, better = False, []
        for word in words:
            if self._count(self._where([word], {})[1]):
                better.append(word)
                continue
            patterns = [word[:i] + "_" + word[i + 1:] for i in range(len(word))]
            candidate = db.session.execute(
                select(text("word")).select_from(text("ts_stat('SELECT terms FROM search_document')"))
                .where(text("word LIKE ANY(:patterns)")).order_by(text("ndoc DESC")).limit(1),
                {"patterns": patterns}).scalar()
            better.append(candidate or word)
            changed = changed or candidate is not None
        return " ".join(better) if changed else None
