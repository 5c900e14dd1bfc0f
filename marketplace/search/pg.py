"""The PostgreSQL backend: the same documents in `search_document`, jieba words in a tsvector ('simple'
configuration: no stemming, the words are already what jieba found) under a GIN index. For deployments with
several app servers, where a Whoosh directory on one disk cannot be shared."""

import time
from contextlib import contextmanager

from sqlalchemy import Integer, case, delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import OperationalError

from marketplace.extensions import db

from . import tokens
from .highlight import mark
from .models import SearchDocument
from .results import FACETS, Hit, Results

BUDGET_MS = 500       # for the whole search, all statements together: then it returns what it has
CANDIDATES = 10_000   # matches counted, faceted and ranked; more are reported as "10,000+" (exact=False)
QUERY_CANCELED = "57014"
SUGGEST_MIN_MS = 100  # budget left that the ts_stat-based "did you mean" needs


class _OutOfTime(Exception):
    """The search's time budget is spent before its next statement."""


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

    @contextmanager
    def rebuilding(self):
        """Replace every document: the deletion and the new rows are in the caller's one transaction, so other
        sessions see the old documents until it commits, then all the new ones."""
        self.clear()
        yield self

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
        """At most CANDIDATES matches (picked by the GIN index, in table order) are counted, faceted and ranked:
        up to that many, totals and facets are exact; beyond it they count those candidates only and the result
        says `exact=False` ("10,000+"). The whole search shares one time budget; when it runs out, what was
        found so far is returned (`exact=False`) instead of an error."""
        if not words:
            return Results.empty(page, per_page)
        deadline = time.monotonic() + BUDGET_MS / 1000
        found = {"total": 0, "exact": False, "facets": {name: {} for name in FACETS}, "hits": []}
        try:
            with db.session.begin_nested():  # a savepoint: a cancelled statement does not spoil the transaction
                self._search(words, filters, page, per_page, deadline, found)
                db.session.execute(text("SET LOCAL statement_timeout TO DEFAULT"))
        except (OperationalError, _OutOfTime) as exc:
            if isinstance(exc, OperationalError) and getattr(exc.orig, "sqlstate", None) != QUERY_CANCELED:
                raise
            found["exact"] = False
        total, hits = found["total"], found["hits"]
        if not total and hits:
            # Cut short before the count. A full page may well have more after it: report at least one more
            # than this page (exact=False, "about …"), so the page keeps its next link; a short page is the last.
            seen = (page - 1) * per_page + len(hits)
            total = seen + 1 if len(hits) == per_page else seen
            found["exact"] = False
        return Results(hits=hits, total=total, exact=found["exact"],
                       page=page, per_page=per_page, facets=found["facets"], suggestion=found.get("suggestion"))

    def _budget(self, deadline: float) -> None:
        left = int((deadline - time.monotonic()) * 1000)
        if left < 5:
            raise _OutOfTime()
        db.session.execute(text(f"SET LOCAL statement_timeout = {left}"))

    def _search(self, words, filters, page, per_page, deadline, found) -> None:
        _query, conditions = self._where(words, filters)
        self._budget(deadline)
        candidates = (select(SearchDocument.key, SearchDocument.kind, SearchDocument.status, SearchDocument.category,
                             SearchDocument.year, SearchDocument.regions, SearchDocument.title, SearchDocument.dated,
                             func.length(SearchDocument.body).label("body_length"))
                      .where(*conditions).limit(CANDIDATES + 1).cte("candidates").prefix_with("MATERIALIZED"))
        c = candidates.c
        # Ranking without ts_rank: titles holding more of the words first, then the shorter title (the shorter
        # body when no word is in the title), then the newest.
        in_title = sum((func.strpos(func.lower(c.title), w) > 0).cast(Integer) for w in words)
        ranked = db.session.execute(
            select(c.key).order_by(in_title.desc(), case((in_title > 0, func.length(c.title)), else_=c.body_length),
                                   c.dated.desc().nulls_last(), c.key)
            .offset((page - 1) * per_page).limit(per_page)).scalars().all()
        if ranked:
            self._budget(deadline)
            rows = {d.key: d for d in db.session.scalars(select(SearchDocument).where(SearchDocument.key.in_(ranked)))}
            found["hits"] = [Hit(key=d.key, kind=d.kind, title=d.title, url=d.url, status=d.status, year=d.year,
                                 dated=d.dated, title_html=mark(d.title, words),
                                 snippet_html=mark(d.body, words, fragment=True), body=d.body)
                             for d in (rows[k] for k in ranked if k in rows)]
        self._budget(deadline)
        facets = select(c.kind, c.status, c.category, c.year).cte("facet_rows")
        value = func.unnest(func.string_to_array(func.trim(candidates.c.regions), " ")).label("value")
        regions = select(value).select_from(candidates).subquery()
        scalar = select(facets.c.kind, facets.c.status, facets.c.category, facets.c.year, func.count()) \
            .group_by(func.grouping_sets(facets.c.kind, facets.c.status, facets.c.category, facets.c.year))
        counts = {name: {} for name in FACETS}
        total = 0
        for kind, status, category, year, n in db.session.execute(scalar):
            for name, v in (("kind", kind), ("status", status), ("category", category), ("year", year)):
                if v is not None:
                    counts[name][v] = n
                    if name == "kind":
                        total += n
        self._budget(deadline)
        counts["regions"] = {v: n for v, n in db.session.execute(
            select(regions.c.value, func.count()).group_by(regions.c.value)) if v}
        for name in counts:
            counts[name] = {v: n for v, n in counts[name].items() if v}
        found["facets"] = counts
        found["total"] = min(total, CANDIDATES)
        found["exact"] = total <= CANDIDATES
        if not total and deadline - time.monotonic() >= SUGGEST_MIN_MS / 1000:
            # ts_stat reads every document's terms: only with time to spare, else no suggestion
            self._budget(deadline)
            found["suggestion"] = self._suggest(words)

    def _exists(self, conditions) -> bool:
        return db.session.scalar(select(SearchDocument.key).where(*conditions).limit(1)) is not None

    def _suggest(self, words) -> str | None:
        """The nearest indexed word (same length, one character different) for each word nothing contains."""
        changed, better = False, []
        for word in words:
            if self._exists(self._where([word], {})[1]):
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
