"""The Whoosh backend: the only module that imports whoosh.

Speed, in order of what matters (figures in bench/README.md):
- one open searcher per process, refreshed only when the index has a new generation;
- every facet value, every title length and the most frequent words are kept as bitsets (Python ints, one bit
  per document) per index *segment*: segments never change once written, so a new generation only reads its new
  (small) segments, and deletions are applied with one mask of the live documents;
- a query is then a few AND operations on bitsets: the total and every facet count are exact (`bit_count`) and
  cost microseconds, whatever the number of matches — nothing scores every match;
- ranking without a scoring pass: documents whose title holds more of the query's words first; among those with
  the same number, the shorter title first (what BM25 gives when each word occurs once in the title), then the
  most recently indexed; documents that match only in the body after all of them, the shorter body first, then
  the most recently indexed;
- highlighting by `highlight.mark` on the stored title and body (no second jieba pass over each hit);
- results of a query are cached per index generation (a new generation makes every entry stale at once).
Only the index writer process calls `write`; web workers open the index read-only.
"""

import threading
from collections import OrderedDict
from pathlib import Path

from whoosh import index
from whoosh.analysis import Token, Tokenizer
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.fields import DATETIME, ID, KEYWORD, TEXT, Schema
from whoosh.searching import Searcher

from . import tokens
from .highlight import mark
from .results import FACETS, Hit, Results

CACHE_SIZE = 512       # distinct (query, filters, page) results kept per process
TITLE_BOOST = 3.0
TEXT_FIELDS = ("title", "body")
FREQUENT_SHARE = 0.2   # words in at least this share of a segment's documents: bitsets built when it is opened
FREQUENT_MIN = 2000    # ... and in at least this many documents
TERM_CACHE_MIN = 500   # other words in at least this many documents of a segment: bitsets kept (LRU) once read
TERM_CACHE_BYTES = 64 * 2**20  # memory for those, per process


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


def _bits(docnums, size: int) -> int:
    buf = bytearray(size // 8 + 1)
    for d in docnums:
        buf[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(buf, "little")


def _docnums(reader, field: str, text: str):
    """The segment-local document numbers of one term, deleted documents included (the live mask removes them),
    read block by block without scoring anything."""
    matcher = reader.postings(field, text)
    while hasattr(matcher, "child") and not isinstance(matcher, W3LeafMatcher):  # e.g. the deletions filter
        matcher = matcher.child
    if not isinstance(matcher, W3LeafMatcher):
        yield from matcher.all_ids()
        return
    while matcher.is_active():
        matcher._read_ids()
        yield from matcher._ids
        matcher._next_block()


def _highest(bits: int, count: int) -> list[int]:
    """The `count` highest set bits (document numbers), highest first."""
    out = []
    while bits and len(out) < count:
        top = bits.bit_length() - 1
        out.append(top)
        bits ^= 1 << top
    return out


class _SegmentBits:
    """What never changes in one segment: its facet values, title lengths and frequent words as bitsets of the
    segment's own document numbers (deleted documents included)."""

    def __init__(self, reader):
        self.size = size = reader.doc_count_all()
        self.facets = {}
        for name in FACETS:
            self.facets[name] = {value.decode("utf-8"): _bits(_docnums(reader, name, value), size)
                                 for value in reader.lexicon(name)}
        self.lengths = {}  # field → {length in words: bits}
        for field in TEXT_FIELDS:
            by_length: dict[int, bytearray] = {}
            for docnum in range(size):
                length = reader.doc_field_length(docnum, field) or 0
                buf = by_length.get(length)
                if buf is None:
                    buf = by_length[length] = bytearray(size // 8 + 1)
                buf[docnum >> 3] |= 1 << (docnum & 7)
            self.lengths[field] = {length: int.from_bytes(buf, "little") for length, buf in by_length.items()}
        self.frequent = {}
        threshold = max(FREQUENT_MIN, int(size * FREQUENT_SHARE))
        for field in TEXT_FIELDS:
            for text, info in reader.iter_field(field):
                if info.doc_frequency() >= threshold:
                    self.frequent[(field, text.decode("utf-8") if isinstance(text, bytes) else text)] = \
                        _bits(_docnums(reader, field, text), size)


class _View:
    """One index generation as bitsets over the searcher's global document numbers."""

    def __init__(self, backend: "WhooshBackend", searcher: Searcher):
        self.backend, self.searcher = backend, searcher
        self.generation = searcher.ixreader.generation()
        self.leaves = []  # (segment id, reader, segment bits, offset)
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            segment_id = reader.segment().segment_id()
            self.leaves.append((segment_id, reader, backend._segment_bits(segment_id, reader), offset))
        self.size = searcher.reader().doc_count_all()
        live = (1 << self.size) - 1
        for _sid, reader, _seg, offset in self.leaves:
            if reader.has_deletions():
                live &= ~_bits((d + offset for d in reader.segment().deleted_docs()), self.size)
        self.live = live
        self.facets = {name: {} for name in FACETS}
        lengths: dict[str, dict[int, int]] = {field: {} for field in TEXT_FIELDS}
        for _sid, _reader, seg, offset in self.leaves:
            for name, values in seg.facets.items():
                into = self.facets[name]
                for value, bits in values.items():
                    into[value] = into.get(value, 0) | (bits << offset)
            for field, by_length in seg.lengths.items():
                for length, bits in by_length.items():
                    lengths[field][length] = lengths[field].get(length, 0) | (bits << offset)
        self.lengths = {field: sorted(by_length.items()) for field, by_length in lengths.items()}
        self.words: dict[tuple[str, str], int] = {}

    def term(self, field: str, word: str) -> int:
        bits = self.words.get((field, word))
        if bits is None:
            bits = 0
            for segment_id, reader, seg, offset in self.leaves:
                part = seg.frequent.get((field, word))
                if part is None:
                    part = self.backend._term_bits(segment_id, reader, seg.size, field, word)
                bits |= part << offset
            if len(self.words) > 4096:
                self.words.clear()
            self.words[(field, word)] = bits
        return bits

    def counts(self, match: int) -> dict[str, dict[str, int]]:
        return {name: {value: n for value, bits in values.items() if (n := (bits & match).bit_count())}
                for name, values in self.facets.items()}

    def ranked(self, match: int, titles: list[int], count: int) -> list[int]:
        """The first `count` matches in ranking order (see the module docstring)."""
        # at_least[m]: matches whose title holds at least m of the words (a bit-sliced count)
        at_least = [match] + [0] * len(titles)
        for title in titles:
            title &= match
            for m in range(len(titles), 0, -1):
                at_least[m] |= at_least[m - 1] & title
        out = []
        for m in range(len(titles), -1, -1):
            tier = at_least[m] & ~at_least[m + 1] if m < len(titles) else at_least[m]
            if not tier:
                continue
            for _length, bits in self.lengths["title" if m else "body"]:
                part = tier & bits
                if part:
                    out += _highest(part, count - len(out))
                    if len(out) >= count:
                        break
            if len(out) >= count:
                break
        return out[:count]


class WhooshBackend:
    def __init__(self, directory: str):
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._index = None
        self._searcher: Searcher | None = None
        self._cache: OrderedDict = OrderedDict()
        self._view: _View | None = None
        self._segments: dict[str, _SegmentBits] = {}
        self._terms: OrderedDict = OrderedDict()  # (segment id, field, word) → bits, least recently used first
        self._terms_bytes = 0

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
        up to `timeout` seconds, then fail, so the caller keeps its queue rows and tries again.

        Old versions are deleted by key through one searcher for the whole call, then the new versions added:
        `update_document` would open a reader over every committed segment for every document."""
        latest = {}
        for doc in documents:  # one version per key: the last
            latest.pop(doc.key, None)
            latest[doc.key] = doc
        ix = self._open(create=True)
        writer = ix.writer(timeout=timeout)
        try:
            keys = [*removed_keys, *latest]
            if keys:
                with writer.searcher() as searcher:
                    for key in keys:
                        writer.delete_by_term("key", key, searcher=searcher)
            for doc in latest.values():
                writer.add_document(key=doc.key, kind=doc.kind, title=doc.title, body=doc.body,
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

    def _current_view(self, searcher: Searcher) -> _View:
        """The bitsets of this generation; segments seen before are not read again."""
        with self._lock:
            view = self._view
            if view is None or view.searcher is not searcher:
                view = self._view = _View(self, searcher)
                current = {sid for sid, *_rest in view.leaves}
                for sid in [s for s in self._segments if s not in current]:  # merged away
                    del self._segments[sid]
                for key in [k for k in self._terms if k[0] not in current]:
                    self._terms_bytes -= (self._terms.pop(key).bit_length() + 7) // 8
            return view

    def _segment_bits(self, segment_id: str, reader) -> _SegmentBits:
        seg = self._segments.get(segment_id)
        if seg is None:
            seg = self._segments[segment_id] = _SegmentBits(reader)
        return seg

    def _term_bits(self, segment_id: str, reader, size: int, field: str, word: str) -> int:
        key = (segment_id, field, word)
        bits = self._terms.get(key)
        if bits is not None:
            self._terms.move_to_end(key)
            return bits
        frequency = reader.doc_frequency(field, word)
        bits = _bits(_docnums(reader, field, word), size) if frequency else 0
        if frequency >= TERM_CACHE_MIN:
            self._terms[key] = bits
            self._terms_bytes += (bits.bit_length() + 7) // 8
            while self._terms_bytes > TERM_CACHE_BYTES and self._terms:
                _key, old = self._terms.popitem(last=False)
                self._terms_bytes -= (old.bit_length() + 7) // 8
        return bits

    def clear_caches(self) -> None:
        """Forget cached results and word bitsets (not the per-segment facet and frequent-word bitsets)."""
        with self._lock:
            self._cache.clear()
            self._terms.clear()
            self._terms_bytes = 0
            if self._view is not None:
                self._view.words.clear()

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
        view = self._current_view(searcher)
        match = view.live
        for name, value in filters.items():
            match &= view.facets.get(name, {}).get(value, 0)
        titles = []
        for word in words:
            if not match:
                break
            title = view.term("title", word)
            match &= title | view.term("body", word)
            titles.append(title)
        total = match.bit_count()
        hits = []
        if total:
            for docnum in view.ranked(match, titles, page * per_page)[(page - 1) * per_page:]:
                f = searcher.stored_fields(docnum)
                hits.append(Hit(key=f["key"], kind=f["kind"], title=f["title"], url=f["url"], status=f["status"],
                                year=f["year"], dated=f.get("dated"), title_html=mark(f["title"], words),
                                snippet_html=mark(f["body"], words, fragment=True), body=f["body"]))
        counts = view.counts(match) if total else {name: {} for name in FACETS}
        return Results(hits=hits, total=total, exact=True, page=page, per_page=per_page, facets=counts,
                       suggestion=None if total else self._suggest(searcher, words))

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
