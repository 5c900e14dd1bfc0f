"""The Whoosh backend: the only module that imports whoosh.

Speed, in order of what matters (figures in bench/README.md):
- one open searcher per process, refreshed only when the index has a new generation;
- the text fields hold what ranks (title, a clipped body), not whole documents;
- results of a query are cached per index generation (a new generation makes every entry stale at once);
- facet counts come from the same collector pass as the hits;
- a query that takes too long returns what was found so far (marked partial) instead of tying up a worker.
Only the index writer process calls `write`; web workers open the index read-only.
"""

import threading
from collections import OrderedDict
from pathlib import Path

from whoosh import highlight, index, sorting
from whoosh.analysis import Token, Tokenizer
from whoosh.collectors import FilterCollector, TimeLimit, TimeLimitCollector
from whoosh.fields import DATETIME, ID, KEYWORD, TEXT, Schema
from whoosh.query import And, Or, Term
from whoosh.searching import Searcher

from . import tokens
from .results import FACETS, Hit, Results

TIME_LIMIT = 0.5       # seconds before a query returns what it has
CACHE_SIZE = 512       # distinct (query, filters, page) results kept per process
TITLE_BOOST = 3.0


class JiebaTokenizer(Tokenizer):
    """Whoosh tokens from `tokens.index_tokens`, with the character offsets highlighting needs."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True, start_pos=0,
                 start_char=0, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for position, (word, start, end) in enumerate(tokens.index_tokens(value)):
            token.original = token.text = word
            token.boost, token.stopped = 1.0, False
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class MarkFormatter(highlight.HtmlFormatter):
    """Matches as <mark class="hl">, the same markup the PostgreSQL backend produces; the text is escaped."""

    def format_token(self, text, token, replace=False):
        return f'<mark class="hl">{highlight.htmlescape(highlight.get_text(text, token, replace))}</mark>'


ANALYZER = JiebaTokenizer()
SCHEMA = Schema(
    key=ID(stored=True, unique=True),
    kind=ID(stored=True),
    title=TEXT(analyzer=ANALYZER, stored=True, field_boost=TITLE_BOOST),
    body=TEXT(analyzer=ANALYZER, stored=True),
    status=ID(stored=True),
    category=ID(stored=True),
    year=ID(stored=True),
    regions=KEYWORD(stored=True, commas=False, scorable=False),
    url=ID(stored=True),
    dated=DATETIME(stored=True),
)


class WhooshBackend:
    def __init__(self, directory: str):
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._index = None
        self._searcher: Searcher | None = None
        self._cache: OrderedDict = OrderedDict()

    # -- the writer's side -------------------------------------------------------------------------------

    def _open(self, *, create: bool = False):
        if self._index is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            if index.exists_in(self.directory):
                self._index = index.open_dir(self.directory)
            elif create:
                self._index = index.create_in(self.directory, SCHEMA)
            else:
                return None
        return self._index

    def write(self, documents, removed_keys, *, timeout: float = 10.0) -> None:
        """Add or replace documents and remove keys in one commit. Whoosh's own lock makes a second writer wait
        up to `timeout` seconds, then fail, so the caller keeps its queue rows and tries again."""
        ix = self._open(create=True)
        writer = ix.writer(timeout=timeout)
        try:
            for key in removed_keys:
                writer.delete_by_term("key", key)
            for doc in documents:
                writer.update_document(key=doc.key, kind=doc.kind, title=doc.title, body=doc.body,
                                       status=doc.status, category=doc.category, year=doc.year,
                                       regions=" ".join(doc.regions), url=doc.url, dated=doc.dated)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def clear(self) -> None:
        """Start from an empty index (the rebuild); readers keep their old generation until they refresh."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._index = index.create_in(self.directory, SCHEMA)

    def keys(self) -> dict[str, tuple]:
        """key → the stored fields that the drift check compares with the database."""
        ix = self._open()
        if ix is None:
            return {}
        with ix.searcher() as searcher:
            return {f["key"]: (f["title"], f["status"]) for f in searcher.all_stored_fields()}

    # -- the readers' side ------------------------------------------------------------------------------

    def _current_searcher(self) -> Searcher | None:
        with self._lock:
            if self._searcher is None:
                ix = self._open()
                if ix is None:
                    return None
                self._searcher = ix.searcher()
            elif not self._searcher.up_to_date():
                self._searcher = self._searcher.refresh()
            return self._searcher

    def search(self, words: list[str], filters: dict[str, str], page: int, per_page: int) -> Results:
        searcher = self._current_searcher()
        if searcher is None or not words:
            return Results.empty(page, per_page)
        cache_key = (searcher.ixreader.generation(), tuple(words), tuple(sorted(filters.items())), page, per_page)
        with self._lock:
            if cache_key in self._cache:
                self._cache.move_to_end(cache_key)
                return self._cache[cache_key]
        results = self._run(searcher, words, filters, page, per_page)
        with self._lock:
            self._cache[cache_key] = results
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return results

    def _run(self, searcher: Searcher, words, filters, page, per_page) -> Results:
        query = And([Or([Term("title", w), Term("body", w)]) for w in words])
        restriction = And([Term(name, value) for name, value in filters.items()]) if filters else None
        facets = {name: sorting.FieldFacet(name, allow_overlap=name == "regions", maptype=sorting.Count)
                  for name in FACETS}
        # The filter wraps the time limit, not the other way round: the time-limit collector feeds its child
        # document by document, which would bypass a filter placed inside it.
        timed = TimeLimitCollector(searcher.collector(limit=page * per_page, groupedby=facets),
                                   timelimit=TIME_LIMIT, use_alarm=False)
        outer = FilterCollector(timed, restriction) if restriction is not None else timed
        partial = False
        try:
            searcher.search_with_collector(query, outer)
        except TimeLimit:
            partial = True
        found = outer.results()
        found.fragmenter = highlight.ContextFragmenter(maxchars=160, surround=40)
        found.formatter = MarkFormatter(between="…")
        hits = []
        for hit in found[(page - 1) * per_page:page * per_page]:
            hits.append(Hit(key=hit["key"], kind=hit["kind"], title=hit["title"], url=hit["url"],
                            status=hit["status"], year=hit["year"], dated=hit.get("dated"),
                            title_html=hit.highlights("title") or None, snippet_html=hit.highlights("body") or None,
                            body=hit["body"]))
        counts = {name: dict(found.groups(name)) for name in FACETS}
        total = len(found) if not partial else found.estimated_length()
        return Results(hits=hits, total=total, exact=not partial, page=page, per_page=per_page, facets=counts,
                       suggestion=None if hits else self._suggest(searcher, words))

    def _suggest(self, searcher: Searcher, words: list[str]) -> str | None:
        """'Did you mean': each word the index does not know replaced by its nearest indexed word."""
        changed, better = False, []
        for word in words:
            if searcher.doc_frequency("title", word) or searcher.doc_frequency("body", word):
                better.append(word)
                continue
            close = searcher.suggest("body", word, limit=1, maxdist=1, prefix=0)
            if close:
                better.append(close[0])
                changed = True
            else:
                better.append(word)
        return " ".join(better) if changed else None
