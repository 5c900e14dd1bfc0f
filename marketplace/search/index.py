"""The Whoosh backend: the only module that imports whoosh.

Speed, in order of what matters (figures in bench/README.md):
- one open searcher per process, replaced (never `refresh()`ed: see `_View`) when the index has a new generation;
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
- results of a query are cached per index state — its segments and their deletions, not the generation number —
  so a new state makes every entry stale at once.
Only the index writer process calls `write`; web workers open the index read-only.
"""

import threading
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path

from whoosh import index, writing
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
TERM_CACHE_BYTES = 64 * 2**20  # memory for those and for the current view's words, per process
SUGGESTIONS = 8       # 'did you mean' candidates asked of Whoosh, the first a live document holds wins


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
    """One index state as bitsets over its own searcher's global document numbers. Built once, then never changed
    (but for the word cache, which lives in the backend's LRU): a request takes the current view at its start and
    uses that view, and its searcher, to the end, whatever another thread swaps in meanwhile. Old searchers are
    never closed explicitly — Whoosh's `refresh()` would close the segment readers a request may still be
    reading — they go with their last view when no request holds it any more."""

    def __init__(self, backend: "WhooshBackend", searcher: Searcher, generation: int):
        self.backend, self.searcher = backend, searcher
        # Whoosh's segment readers share one file position per file among all their users: two threads reading
        # postings or stored fields at once interleave seeks and read each other's bytes (corrupt blocks, zlib
        # errors; seen under load with 4 threads a worker). Requests read this view one at a time — the work is
        # Python bitsets holding the GIL anyway.
        self.reading = threading.Lock()
        self.generation = generation  # the TOC generation read *before* the searcher opened: never newer than it
        self.leaves = []  # (segment id, reader, segment bits, offset)
        if searcher.doc_count_all():  # an index without segments is an EmptyReader: no segment, no id
            for sub, offset in searcher.leaf_searchers():
                reader = sub.reader()
                segment_id = reader.segment().segment_id()
                self.leaves.append((segment_id, reader, backend._segment_bits(segment_id, reader), offset))
        # What this view holds, whatever the generation number says (a rebuild once restarted it at 0): the
        # segments and how many of their documents are deleted (deletions only ever grow within a segment).
        self.key = tuple((sid, reader.segment().deleted_count()) for sid, reader, _seg, _off in self.leaves)
        self.size = searcher.reader().doc_count_all() if self.leaves else 0
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

    def term(self, field: str, word: str) -> int:
        """The word's documents over the whole view (deleted ones included); kept in the backend's LRU, within
        its byte cap."""
        key = (self.key, field, word)
        bits = self.backend._lru_get(key)
        if bits is None:
            bits = 0
            for segment_id, reader, seg, offset in self.leaves:
                part = seg.frequent.get((field, word))
                if part is None:
                    part = self.backend._term_bits(segment_id, reader, seg.size, field, word)
                bits |= part << offset
            self.backend._lru_put(key, bits, owner=self.key)
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
        self._rebuild_writer = None  # inside `rebuilding()`
        self._searcher: Searcher | None = None
        self._cache: OrderedDict = OrderedDict()
        self._view: _View | None = None  # swapped under `_lock`, never changed in place (see `_View`)
        self._live_segments: frozenset = frozenset()
        self._build_lock = threading.Lock()  # one thread builds the next view; the others keep the current one
        self._segments: dict[str, _SegmentBits] = {}  # touched only by the thread holding `_build_lock`
        self._terms_lock = threading.Lock()
        self._terms: OrderedDict = OrderedDict()  # key → (bits, bytes), least recently used first: see `_lru_get`
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
        `update_document` would open a reader over every committed segment for every document.

        Inside `rebuilding()` the documents go to the rebuild's one writer instead, uncommitted."""
        latest = {}
        for doc in documents:  # one version per key: the last
            latest.pop(doc.key, None)
            latest[doc.key] = doc
        if self._rebuild_writer is not None:
            for doc in latest.values():  # nothing to delete: the rebuilt index starts empty
                self._add(self._rebuild_writer, doc)
            return
        ix = self._open(create=True)
        writer = ix.writer(timeout=timeout)
        try:
            keys = [*removed_keys, *latest]
            if keys:
                with writer.searcher() as searcher:
                    for key in keys:
                        writer.delete_by_term("key", key, searcher=searcher)
            for doc in latest.values():
                self._add(writer, doc)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    @staticmethod
    def _add(writer, doc) -> None:
        writer.add_document(key=doc.key, kind=doc.kind, title=doc.title, body=doc.body, status=doc.status,
                            category=doc.category, year=doc.year, regions=" ".join(doc.regions), url=doc.url,
                            dated=doc.dated)

    def clear(self) -> None:
        """Empty the index in one commit (a new, higher generation: readers switch to it at once)."""
        writer = self._open(create=True).writer()
        writer.commit(mergetype=writing.CLEAR)

    @contextmanager
    def rebuilding(self, *, timeout: float = 10.0):
        """Replace the whole index: every `write` inside goes to one writer, committed at the end with
        `mergetype=CLEAR`, which drops every older segment in the same commit. Readers see the old index until
        then and the complete new one after — never an empty or half-built one — and the generation number keeps
        growing (`create_in` over the old index would restart it at 0). Simpler than building a sibling directory
        and swapping it in, which would move the writer's lock file and every worker's open index with it. On an
        error the writer is cancelled and the old index stays."""
        writer = self._open(create=True).writer(timeout=timeout)
        self._rebuild_writer = writer
        try:
            yield self
        except BaseException:
            writer.cancel()
            raise
        finally:
            self._rebuild_writer = None
        writer.commit(mergetype=writing.CLEAR)

    def keys(self) -> dict[str, tuple]:
        """key → the stored fields that the drift check compares with the database."""
        ix = self._open()
        if ix is None:
            return {}
        with ix.searcher() as searcher:
            return {f["key"]: (f["title"], f["status"]) for f in searcher.all_stored_fields()}

    # -- the readers' side ------------------------------------------------------------------------------

    def _current_view(self) -> _View | None:
        """The view of the latest generation. One thread builds a new view (seconds after a merge at 100k
        documents) outside `_lock`, while every other thread keeps searching the previous view; the new one is
        swapped in under the lock when complete. Only with no view at all do threads wait for the first."""
        view = self._view
        ix = self._index or self._open()
        if ix is None:
            return None
        if view is not None and ix.latest_generation() == view.generation:
            return view
        if not self._build_lock.acquire(blocking=view is None):
            return view  # another thread is building the new view
        try:
            view = self._view
            generation = ix.latest_generation()
            if view is not None and generation == view.generation:
                return view  # built by the thread we waited for
            fresh = _View(self, ix.searcher(), generation)  # never `refresh()`: it closes readers still in use
            if view is not None and fresh.key == view.key:
                fresh = view  # e.g. an empty commit: keep the warm view, only note the new generation
                view.generation = generation
            current = {sid for sid, *_rest in fresh.leaves}
            with self._lock:
                self._view = fresh
                self._live_segments = frozenset(current)
                self._cache = OrderedDict((k, v) for k, v in self._cache.items() if k[0] == fresh.key)
            for sid in [s for s in self._segments if s not in current]:  # merged away (only builders touch it)
                del self._segments[sid]
            with self._terms_lock:
                for key in [k for k in self._terms if self._stale(k, fresh.key, current)]:
                    self._terms_bytes -= self._terms.pop(key)[1]
            return fresh
        finally:
            self._build_lock.release()

    @staticmethod
    def _stale(key, view_key, segments) -> bool:
        owner = key[0]
        return owner != view_key if isinstance(owner, tuple) else owner not in segments

    def _segment_bits(self, segment_id: str, reader) -> _SegmentBits:
        seg = self._segments.get(segment_id)
        if seg is None:
            seg = self._segments[segment_id] = _SegmentBits(reader)
        return seg

    # The word-bitset LRU: (segment id, field, word) → a segment's bits of a word in at least TERM_CACHE_MIN of its
    # documents, and (view key, field, word) → a view's bits of any word asked for; both under one byte cap and
    # `_terms_lock` (request threads read and update it concurrently while a builder prunes it).

    def _lru_get(self, key):
        with self._terms_lock:
            entry = self._terms.get(key)
            if entry is None:
                return None
            self._terms.move_to_end(key)
            return entry[0]

    def _lru_put(self, key, bits: int, owner) -> None:
        size = (bits.bit_length() + 7) // 8 + 100  # + roughly what the int object and the entry cost
        with self._terms_lock:
            view = self._view
            current = owner in self._live_segments if isinstance(owner, str) else view is not None and owner == view.key
            if not current or key in self._terms:  # an old view's words would only linger until the next prune
                return
            self._terms[key] = (bits, size)
            self._terms_bytes += size
            while self._terms_bytes > TERM_CACHE_BYTES and self._terms:
                _key, (_old, old_size) = self._terms.popitem(last=False)
                self._terms_bytes -= old_size

    def _term_bits(self, segment_id: str, reader, size: int, field: str, word: str) -> int:
        key = (segment_id, field, word)
        bits = self._lru_get(key)
        if bits is not None:
            return bits
        frequency = reader.doc_frequency(field, word)
        bits = _bits(_docnums(reader, field, word), size) if frequency else 0
        if frequency >= TERM_CACHE_MIN:
            self._lru_put(key, bits, owner=segment_id)
        return bits

    def clear_caches(self) -> None:
        """Forget cached results and word bitsets (not the per-segment facet and frequent-word bitsets)."""
        with self._lock:
            self._cache.clear()
        with self._terms_lock:
            self._terms.clear()
            self._terms_bytes = 0

    def search(self, words: list[str], filters: dict[str, str], page: int, per_page: int) -> Results:
        view = self._current_view()  # this request's view, to its end
        if view is None or not view.leaves or not words:
            return Results.empty(page, per_page)
        # keyed by what the view holds, not by the generation number
        cache_key = (view.key, tuple(words), tuple(sorted(filters.items())), page, per_page)
        with self._lock:
            if cache_key in self._cache:
                self._cache.move_to_end(cache_key)
                return self._cache[cache_key]
        with view.reading:
            results = self._run(view, words, filters, page, per_page)
        with self._lock:
            self._cache[cache_key] = results
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return results

    def _run(self, view: _View, words, filters, page, per_page) -> Results:
        searcher = view.searcher
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
                       suggestion=None if total else self._suggest(view, words))

    def _suggest(self, view: _View, words: list[str]) -> str | None:
        """'Did you mean': each word no live document holds replaced by its nearest indexed word that some live
        document holds (the lexicon still lists words of deleted documents until their segment is merged)."""

        def live(word: str) -> bool:
            return bool((view.term("title", word) | view.term("body", word)) & view.live)

        changed, better = False, []
        for word in words:
            if live(word):
                better.append(word)
                continue
            close = next((c for c in view.searcher.suggest("body", word, limit=SUGGESTIONS, maxdist=1, prefix=0)
                          if c != word and live(c)), None)
            if close:
                better.append(close)
                changed = True
            else:
                better.append(word)
        return " ".join(better) if changed else None
