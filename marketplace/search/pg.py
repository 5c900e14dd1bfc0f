"""The PostgreSQL backend: the same documents in `search_document`, jieba words in a tsvector ('simple'
configuration: no stemming, the words are already what jieba found) under a GIN index. For deployments with
several app servers, where a Whoosh directory on one disk cannot be shared.

How a search stays fast at a million documents (bench/README.md has the figures):

- **Meta lexemes.** Both tsvectors (`terms`: title and body; `title_terms`: the title) also hold lexemes that no
  query word can produce, because they contain a space and the text parser never keeps one in a word: the
  document's facet values ("k tender", "s open", "c A0401", "y 2025", one "r 110101" per region level) and its
  sample levels ("~ 2" … "~ 65536": "~ 2^L" when the low 16 bits of md5(key) are a multiple of 2^L). A filter is
  one more lexeme of the same GIN query, which intersects it with the words' posting lists; "~ 256" added to a
  query reads, through the index, a uniform 1/256 sample of its matches — the hash knows nothing of the words.
- **`search_term_stats`**: for every lexeme, how many documents hold it (and in how many titles), exact, kept by
  the writer in the transaction that writes the documents. The smallest count of a query's lexemes bounds its
  matches, which picks the sample rate; a single word's total is its count; "did you mean" looks there.
- **One statement** (after the statistics' lookup) reads the candidates — every match when there are at most
  `CANDIDATES`, else the sample that holds about that many — and from them counts, facets and the ranking; the
  documents holding every word in their title are read through the title index (their own, denser sample:
  usually all of them) and rank first, so a frequent body word does not bury them; the page's documents come
  back in the same statement. Totals and facets are exact when every match was read, else the sample's counts
  scaled by its rate (`exact=False`, "about"). Several words may always come together (the parts of one long
  word) or seldom: the statement then probes a sparse sample first and picks the rate from what it finds.
- What a search costs is mostly heap pages (one per row read, the rows being scattered) and GIN posting lists:
  hence a few hundred candidates, whatever the number of matches (bench/README.md has the figures).
- Each search has a time budget (`BUDGET_MS`); when it runs out, what was found so far is returned, marked as
  an estimate, instead of an error.
"""

import hashlib
import time
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import ARRAY, Text, delete, func, literal, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import OperationalError

from marketplace.extensions import db

from . import tokens
from .highlight import mark
from .models import SearchDocument, SearchTermStats
from .results import FACETS, Hit, Results

BUDGET_MS = 500          # for the whole search, all statements together: then it returns what it has
# Matches read per search: every one up to this many (exact), else a uniform sample of about this many; pages past
# the 12th read more (see `_search`).
CANDIDATES = 500
TITLE_CANDIDATES = 200   # documents with every word in the title, ranked first (a sample when there are more)
SAMPLE_LEVELS = 16       # sample rates 1/2 … 1/65536
DENSE = 0.3              # a word in more titles than this is checked on the rows, not in the title index
PROBE = 64               # documents a probe reads to estimate how many match several words (see `_read`)
QUERY_CANCELED = "57014"
FACET_PREFIX = {"kind": "k", "status": "s", "category": "c", "year": "y", "regions": "r"}

# The meta lexemes of the row a statement reads, as SQL (columns key, kind, status, category, year, regions):
# what `meta_lexemes` computes in Python, for bulk loads and backfills that write rows without Python.
META_LEXEMES_SQL = (
    "array_remove(ARRAY['k ' || kind, 's ' || status, CASE WHEN category <> '' THEN 'c ' || category END,"
    " CASE WHEN year <> '' THEN 'y ' || year END], NULL)"
    " || ARRAY(SELECT 'r ' || r FROM unnest(string_to_array(btrim(regions), ' ')) AS r WHERE r <> '')"
    f" || ARRAY(SELECT '~ ' || (2 ^ l)::int FROM generate_series(1, {SAMPLE_LEVELS}) AS l"
    " WHERE ('x' || substr(md5(key), 5, 4))::bit(16)::int % (2 ^ l)::int = 0)")

# Adds (sign 1) or removes (sign -1) the lexemes of the documents `keys` to or from the statistics.
_COUNT_TERMS = text("""
    INSERT INTO search_term_stats AS s (word, documents, titles)
    SELECT t.word, :sign * count(*),
           :sign * count(*) FILTER (WHERE t.word = ANY(tsvector_to_array(d.title_terms)))
    FROM search_document d CROSS JOIN LATERAL unnest(tsvector_to_array(d.terms)) AS t(word)
    WHERE d.key = ANY(:keys)
    GROUP BY t.word ORDER BY t.word
    ON CONFLICT (word) DO UPDATE SET documents = s.documents + excluded.documents,
                                     titles = s.titles + excluded.titles
    RETURNING s.word, s.documents""")

# Every query word's lexemes (as the documents' parser makes them) and every filter lexeme, with their counts;
# and the settings of the statements after it (a row of its own, so they are always evaluated): the time left,
# and no JIT, whose compiling would cost more than these short statements run (their plans' costs grow with
# the table).
_STATS = text("""
    WITH settings AS MATERIALIZED (
        SELECT set_config('statement_timeout', :left, true) || set_config('jit', 'off', true) AS value)
    SELECT -1, value, 0, 0, CAST(NULL AS smallint) FROM settings
    UNION ALL
    SELECT -2, NULL, greatest(reltuples, 0)::bigint, 0, NULL FROM pg_class WHERE oid = 'search_document'::regclass
    UNION ALL
    SELECT w.ord, l.lexeme, coalesce(s.documents, 0), coalesce(s.titles, 0), s.bit
    FROM unnest(CAST(:words AS text[])) WITH ORDINALITY AS w(word, ord)
    CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector('simple', w.word))) AS l(lexeme)
    LEFT JOIN search_term_stats s ON s.word = l.lexeme
    UNION ALL
    SELECT 0, f.lexeme, coalesce(s.documents, 0), coalesce(s.titles, 0), NULL
    FROM unnest(CAST(:filters AS text[])) AS f(lexeme) LEFT JOIN search_term_stats s ON s.word = f.lexeme""")

# The common-word bits of the documents `keys`, from their lexemes (rows whose bits do not change stay as they are).
_SET_COMMON = text("""
    UPDATE search_document d SET common = c.common
    FROM (SELECT key, coalesce((SELECT bit_or(CAST(1 AS bigint) << s.bit)
                                FROM unnest(tsvector_to_array(terms)) AS t(word)
                                JOIN search_term_stats s ON s.word = t.word AND s.bit IS NOT NULL), 0) AS common
          FROM search_document WHERE key = ANY(:keys)) AS c
    WHERE d.key = c.key AND d.common <> c.common""")


class _OutOfTime(Exception):
    """The search's time budget is spent before its next statement."""


def _terms(title: str, body: str) -> str:
    words = [w for w, _s, _e in tokens.index_tokens(title)] * 2 + [w for w, _s, _e in tokens.index_tokens(body)]
    return " ".join(w.replace("'", "") for w in words)


def _title_terms(title: str) -> str:
    return " ".join(w.replace("'", "") for w, _s, _e in tokens.index_tokens(title))


def sample_bits(key: str) -> int:
    return int(hashlib.md5(key.encode()).hexdigest()[4:8], 16)


def meta_lexemes(doc) -> list[str]:
    """The facet values and sample levels of a document, as lexemes no text can produce (see the docstring)."""
    lexemes = [f"k {doc.kind}", f"s {doc.status}"]
    lexemes += [f"c {doc.category}"] if doc.category else []
    lexemes += [f"y {doc.year}"] if doc.year else []
    lexemes += [f"r {code}" for code in doc.regions if code]
    bits = sample_bits(doc.key)
    return lexemes + [f"~ {2 ** level}" for level in range(1, SAMPLE_LEVELS + 1) if bits % 2 ** level == 0]


def _lexeme_query(lexemes) -> str:
    """A tsquery that requires every lexeme as it is (quoted: no parsing, no lower-casing)."""
    return " & ".join("'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'" for lexeme in lexemes)


def _sparse(counts: dict[str, int], size: int) -> list[str]:
    """The words worth a place in the title GIN query: all but those in more than `DENSE` of the titles (their
    long posting lists cost more to intersect than checking them on the few rows read), keeping the rarest."""
    rarest = min(counts, key=counts.get)
    return [w for w, n in counts.items() if n <= DENSE * size or w == rarest]


def _rate(upper_bound: int, target: int) -> int:
    """The smallest sample rate (1 or a power of two) that leaves at most `target` of `upper_bound` matches."""
    rate = 1
    while upper_bound > target * rate and rate < 2 ** SAMPLE_LEVELS:
        rate *= 2
    return rate


class PostgresBackend:
    def write(self, documents, removed_keys, *, timeout: float = 10.0) -> None:
        documents = list(documents)
        keys = list(removed_keys)
        emptied = self._count_terms(keys + [doc.key for doc in documents], -1)  # the old versions' lexemes
        if keys:
            db.session.execute(delete(SearchDocument).where(SearchDocument.key.in_(keys)))
        for doc in documents:
            meta = func.array_to_tsvector(literal(meta_lexemes(doc), ARRAY(Text)))
            values = dict(key=doc.key, kind=doc.kind, title=doc.title, body=doc.body, status=doc.status,
                          category=doc.category, year=doc.year, regions=f" {' '.join(doc.regions)} ", url=doc.url,
                          dated=doc.dated, title_length=len(doc.title), body_length=len(doc.body),
                          terms=func.to_tsvector("simple", _terms(doc.title, doc.body)).op("||")(meta),
                          title_terms=func.strip(func.to_tsvector("simple", _title_terms(doc.title))).op("||")(meta))
            statement = insert(SearchDocument).values(**values)
            db.session.execute(statement.on_conflict_do_update(
                index_elements=[SearchDocument.key], set_={k: statement.excluded[k] for k in values if k != "key"}))
        self._count_terms([doc.key for doc in documents], 1)
        if documents:
            db.session.execute(_SET_COMMON, {"keys": [doc.key for doc in documents]})
        if emptied:  # words no document holds any more: out of the statistics (and of "did you mean")
            db.session.execute(delete(SearchTermStats).where(SearchTermStats.word.in_(emptied),
                                                             SearchTermStats.documents <= 0,
                                                             SearchTermStats.bit.is_(None)))

    @staticmethod
    def _count_terms(keys: list[str], sign: int) -> list[str]:
        """Adds or removes the lexemes of these documents (as stored now) to or from the statistics; returns
        the words whose count it brought to zero."""
        if not keys:
            return []
        return [word for word, documents in db.session.execute(_COUNT_TERMS, {"sign": sign, "keys": keys})
                if documents <= 0]

    def refresh_statistics(self) -> None:
        """The statistics recounted from every document (after a bulk load that bypassed `write`); the common
        words keep their bits."""
        self._zero_statistics()
        db.session.execute(text("""
            INSERT INTO search_term_stats AS s (word, documents, titles)
            SELECT d.word, d.ndoc, coalesce(t.ndoc, 0)
            FROM ts_stat('SELECT terms FROM search_document') d
            LEFT JOIN ts_stat('SELECT title_terms FROM search_document') t ON t.word = d.word
            ON CONFLICT (word) DO UPDATE SET documents = excluded.documents, titles = excluded.titles"""))

    @staticmethod
    def choose_common_words() -> int:
        """Bits for the (at most 63) words in more than `DENSE` of the documents, the most frequent first, from
        the statistics as they are; returns how many. Only for a rebuild (every document written again after
        it): the bits of documents already written would not follow."""
        db.session.execute(text("UPDATE search_term_stats SET bit = NULL WHERE bit IS NOT NULL"))
        return db.session.execute(text("""
            UPDATE search_term_stats s SET bit = c.bit
            FROM (SELECT word, row_number() OVER (ORDER BY documents DESC, word) - 1 AS bit
                  FROM search_term_stats
                  WHERE word NOT LIKE '% %' AND documents > :dense * (SELECT count(*) FROM search_document)
                  ORDER BY documents DESC, word LIMIT 63) AS c
            WHERE s.word = c.word"""), {"dense": DENSE}).rowcount

    @staticmethod
    def _zero_statistics() -> None:
        db.session.execute(delete(SearchTermStats).where(SearchTermStats.bit.is_(None)))
        db.session.execute(text("UPDATE search_term_stats SET documents = 0, titles = 0"))

    def clear(self) -> None:
        db.session.execute(delete(SearchDocument))
        self._zero_statistics()

    @contextmanager
    def rebuilding(self):
        """Replace every document: the deletion and the new rows are in the caller's one transaction, so other
        sessions see the old documents until it commits, then all the new ones. The common words are chosen
        from the old documents' statistics first (the same words, in practice), so every new row has its bits."""
        self.choose_common_words()
        self.clear()
        yield self

    def keys(self) -> dict[str, tuple]:
        return {key: (title, status) for key, title, status in db.session.execute(
            select(SearchDocument.key, SearchDocument.title, SearchDocument.status))}

    def search(self, words, filters, page, per_page) -> Results:
        """Totals and facets are exact up to `CANDIDATES` matches, estimated from a uniform sample beyond
        (`exact=False`); the ranking puts documents with every word in the title first (all of them, or a sample
        of about `TITLE_CANDIDATES`), then the other candidates by how many of the words their title holds, then
        the shorter title (the shorter body when no word is in the title), then the newest. The whole search
        shares one time budget; when it runs out, what was found so far is returned (`exact=False`) instead of an
        error."""
        if not words:
            return Results.empty(page, per_page)
        deadline = time.monotonic() + BUDGET_MS / 1000
        found = {"total": 0, "exact": False, "facets": {name: {} for name in FACETS}, "hits": []}
        # A savepoint: a cancelled statement does not spoil the caller's transaction. The search writes nothing,
        # so it always ends by rolling the savepoint back, which also undoes its settings (statement_timeout,
        # jit) in the same round trip — round trips cost milliseconds each on a busy machine.
        savepoint = db.session.begin_nested()
        try:
            self._search(words, filters, page, per_page, deadline, found)
        except (OperationalError, _OutOfTime) as exc:
            if isinstance(exc, OperationalError) and getattr(exc.orig, "sqlstate", None) != QUERY_CANCELED:
                raise
            found["exact"] = False  # cut short: what came before (nothing, or a first read), or no "did you mean"
        finally:
            if savepoint.is_active:
                savepoint.rollback()
        return Results(hits=found["hits"], total=found["total"], exact=found["exact"],
                       page=page, per_page=per_page, facets=found["facets"], suggestion=found.get("suggestion"))

    def _budget(self, deadline: float) -> str:
        """The milliseconds left before the next statement; each statement sets them as the statement_timeout
        of the ones after it (no round trip of its own)."""
        left = int((deadline - time.monotonic()) * 1000)
        if left < 5:
            raise _OutOfTime()
        return str(left)

    def _search(self, words, filters, page, per_page, deadline, found) -> None:
        meta = [f"{FACET_PREFIX[name]} {value}" for name, value in filters.items()]
        left = self._budget(deadline)
        word_counts: dict[int, list[tuple[int, int]]] = {}
        meta_counts, size, lexemes_bits = [], 0, {}
        for ordinal, lexeme, documents, titles, bit in db.session.execute(
                _STATS, {"words": words, "filters": meta, "left": left}):
            if ordinal > 0:
                word_counts.setdefault(ordinal, []).append((documents, titles))
                lexemes_bits[lexeme] = (documents, bit)
            elif ordinal == 0:
                meta_counts.append(documents)
            elif ordinal == -2:
                size = documents
        if not word_counts:  # no word the parser keeps (only symbols): nothing can match
            found["exact"] = True
            return
        # per word, its rarest lexeme (a word the parser splits needs all of its lexemes)
        docs = {words[o - 1]: min(d for d, _t in counts) for o, counts in word_counts.items()}
        titles = {words[o - 1]: min(t for _d, t in counts) for o, counts in word_counts.items()}
        every = [*docs.values(), *meta_counts]
        lexemes = sum(map(len, word_counts.values())) + len(meta_counts)
        bound = min(every)  # no document holds more than its rarest lexeme
        if not bound:
            found["exact"] = True
            if 0 in docs.values():
                self._budget(deadline)
                found["suggestion"] = self._suggest(words)
            return
        size = max(size, bound)
        # Enough candidates for the asked page: deeper pages (rare) read denser samples, by doubling, so that pages
        # 1–12 of 20 share one sample (and one ranking), 13–25 the next, and so on (pages stop at MAX_PAGE).
        band = 1
        while CANDIDATES * band < 2 * page * per_page:
            band *= 2
        target, title_target = CANDIDATES * band, TITLE_CANDIDATES * band
        # The rate for the bound (one lexeme: its exact count); with more lexemes than one and more matches
        # possible than the target, the statement probes how many there are first (see `_read`). The probe's
        # sample holds about PROBE of the matches if they are as many as the bound, fewer if not.
        rate = _rate(bound, target)
        probe = max(2, _rate(bound, PROBE)) if lexemes > 1 and rate > 1 else None
        # documents with every word in the title: no more than the rarest word's titles (or filter's documents)
        title_bound = min([*titles.values(), *meta_counts])
        cut, title_cut = 2 * target + 100, 2 * title_target + 100
        # Common words with a bit are checked on the rows (one AND on a bigint), not in the index — unless the
        # rarest of all: the index needs one lexeme at least.
        rarest = min(lexemes_bits, key=lambda lexeme: lexemes_bits[lexeme][0])
        masked = {lexeme: bit for lexeme, (n, bit) in lexemes_bits.items()
                  if bit is not None and n > DENSE * size and lexeme != rarest}
        indexed = [lexeme for lexeme in lexemes_bits if lexeme not in masked]
        mask = sum(1 << bit for bit in masked.values())
        for _pass in range(3):
            outcome = self._read(words, meta, indexed, mask, rate, _rate(title_bound, title_target),
                                 _sparse(titles, size), (page - 1) * per_page, per_page, cut, title_cut,
                                 self._budget(deadline), probe)
            sampled, used, probe = outcome["count"], outcome["rate"], None  # the rate this read used
            if sampled >= cut and used < 2 ** SAMPLE_LEVELS:  # more than the guess: sparser
                rate = max(2 * used, _rate(sampled * used, target))
            elif used > 1 and sampled * 8 < target and _rate(sampled * used, target) < used:
                # far fewer than the guess (words that seldom meet): denser, for a steadier estimate — or
                # every match, when they are few
                rate = _rate(sampled * used, target)
            else:
                break
        complete = used == 1 and not outcome["cut"]
        found["facets"] = {name: {v: n * used for v, n in values.items()} for name, values in outcome["facets"].items()}
        # One lexeme alone (a word, no filter): its count in the statistics is its exact total.
        found["total"] = sampled if complete else bound if lexemes == 1 else sampled * used
        found["exact"] = complete
        found["hits"] = [Hit(key=key, kind=kind, title=title, url=url, status=status, year=year,
                             dated=datetime.fromisoformat(dated).replace(tzinfo=UTC) if dated else None,
                             title_html=mark(title, words), snippet_html=mark(body, words, fragment=True), body=body)
                         for key, (kind, title, url, status, year, dated, body) in outcome["page"]]

    def _read(self, words, meta, indexed, mask, rate, title_rate, title_index_words, offset, limit, cut,
              title_cut, left, probe=None) -> dict:
        """One statement: the candidates (matches among the documents of sample level `rate`), counted and
        faceted; the documents holding every word in the title (sample level `title_rate` or `rate`, the lower,
        read through the title index); and the asked page of the ranking: more of the words in the title first,
        then the shorter title (the shorter body when no word is in the title), then the newest.

        With `probe` (a sparse sample level), the statement first counts the matches in that sample — a few
        dozen at most, through the index — and picks the rate from that estimate, `rate` being the sparsest it
        may take: words that always come together (the parts of one long word) and words that seldom do look
        alike in the statistics."""
        params = {"words": " ".join(words), "offset": offset, "limit": limit, "tiers": len(words),
                  "cut": cut, "title_cut": title_cut, "left": left, "rate": rate, "title_rate": title_rate,
                  "title_index_words": " ".join(title_index_words), "indexed": _lexeme_query(indexed + meta),
                  "mask": mask}
        params.update({f"w{n}": word for n, word in enumerate(words)})
        match, title_match = "CAST(:indexed AS tsquery)", "plainto_tsquery('simple', :title_index_words)"
        if meta:
            params["meta"] = _lexeme_query(meta)
            title_match += " && CAST(:meta AS tsquery)"
        masked = " AND common & CAST(:mask AS bigint) = CAST(:mask AS bigint)" if mask else ""
        chosen = "SELECT CAST(:rate AS integer) AS rate"
        if probe:
            params.update(probe=_lexeme_query([f"~ {probe}"]), probe_rate=probe,
                          target=(cut - 100) // 2)
            chosen = f"""
                WITH probe AS MATERIALIZED (
                    SELECT count(*) AS n FROM search_document
                    WHERE terms @@ ({match} && CAST(:probe AS tsquery)){masked})
                SELECT CASE WHEN n * :probe_rate <= :target THEN 1
                            ELSE LEAST(CAST(:rate AS integer),
                                       CAST(2 ^ ceil(log(2, n * :probe_rate / CAST(:target AS numeric))) AS integer))
                       END AS rate FROM probe"""
        # The title's dense words, on the rows the index found (the function, not the operator: no index for
        # this). Not so for the body's: the rows would need their whole `terms`, from TOAST, which costs far more.
        title_row_check = (" AND ts_match_vq(title_terms, plainto_tsquery('simple', :words))"
                           if len(title_index_words) < len(words) else "")
        # the candidate rows are read anyway, and title_terms is small (in the row, not toasted): per-row tiers
        tier = " + ".join(f"(title_terms @@ plainto_tsquery('simple', :w{n}))::int" for n in range(len(words)))
        statement = text(f"""
            WITH chosen AS MATERIALIZED ({chosen}
            ), queries AS MATERIALIZED (
                SELECT rate,
                       CASE WHEN rate > 1 THEN {match} && CAST('''~ ' || rate || '''' AS tsquery)
                            ELSE {match} END AS match,
                       CASE WHEN least(rate, :title_rate) > 1
                            THEN {title_match} && CAST('''~ ' || least(rate, :title_rate) || '''' AS tsquery)
                            ELSE {title_match} END AS title_match
                FROM chosen
            ), candidates AS MATERIALIZED (
                SELECT key, kind, status, category, year, regions, dated, title_length, body_length, {tier} AS tier
                FROM search_document WHERE terms @@ (SELECT match FROM queries){masked} LIMIT :cut
            ), titled AS MATERIALIZED (
                SELECT key, dated, title_length
                FROM search_document WHERE title_terms @@ (SELECT title_match FROM queries){title_row_check}
                LIMIT :title_cut
            ), ranked AS (
                SELECT DISTINCT ON (key) key, tier, length, dated
                FROM (SELECT key, 0 AS part, :tiers AS tier, title_length AS length, dated FROM titled
                      UNION ALL
                      SELECT key, 1, tier, CASE WHEN tier > 0 THEN title_length ELSE body_length END, dated
                      FROM candidates) AS both_parts
                ORDER BY key, part
            ), page AS (
                SELECT key, row_number() OVER (ORDER BY tier DESC, length, dated DESC NULLS LAST, key) AS n
                FROM ranked ORDER BY n OFFSET :offset LIMIT :limit
            )
            SELECT 'page', key, n, json_build_array(d.kind, d.title, d.url, d.status, d.year, d.dated, d.body)
            FROM page JOIN search_document AS d USING (key)
            UNION ALL SELECT 'count', NULL, count(*), NULL FROM candidates
            UNION ALL SELECT 'titled', NULL, count(*), NULL FROM titled
            UNION ALL SELECT 'kind', kind, count(*), NULL FROM candidates GROUP BY kind
            UNION ALL SELECT 'status', status, count(*), NULL FROM candidates GROUP BY status
            UNION ALL SELECT 'category', category, count(*), NULL FROM candidates GROUP BY category
            UNION ALL SELECT 'year', year, count(*), NULL FROM candidates GROUP BY year
            UNION ALL SELECT 'regions', r, count(*), NULL
                      FROM candidates, unnest(string_to_array(btrim(regions), ' ')) AS r GROUP BY r
            UNION ALL SELECT 'rate', NULL, rate, NULL FROM chosen
            UNION ALL SELECT 'settings', set_config('statement_timeout', :left, true), 0, NULL""")
        outcome = {"page": [], "count": 0, "titled": 0, "facets": {name: {} for name in FACETS}}
        page = []
        for part, value, n, document in db.session.execute(statement, params):
            if part == "page":
                page.append((n, value, document))
            elif part in ("count", "titled", "rate"):
                outcome[part] = n
            elif value and part in FACETS:
                outcome["facets"][part][value] = n
        outcome["page"] = [(key, document) for _n, key, document in sorted(page)]
        outcome["cut"] = outcome["count"] >= params["cut"]  # a prefix of the table, not a sample: no estimate
        return outcome

    def _suggest(self, words) -> str | None:
        """The nearest indexed word (same length, one character different) for each word no document holds,
        the most frequent one first, from the term statistics."""
        counts = dict(db.session.execute(select(SearchTermStats.word, SearchTermStats.documents)
                                         .where(SearchTermStats.word.in_(words))).all())
        changed, better = False, []
        for word in words:
            if counts.get(word, 0) > 0:
                better.append(word)
                continue
            chars = ["\\" + c if c in "\\%_" else c for c in word]  # LIKE's own characters, escaped
            patterns = ["".join(chars[:i]) + "_" + "".join(chars[i + 1:]) for i in range(len(chars))]
            candidate = db.session.execute(
                select(SearchTermStats.word)
                .where(SearchTermStats.word.like(func.any(literal(patterns, ARRAY(Text)))),
                       func.length(SearchTermStats.word) == len(word), SearchTermStats.documents > 0,
                       SearchTermStats.word.not_like("% %"))
                .order_by(SearchTermStats.documents.desc(), SearchTermStats.word).limit(1)).scalar()
            better.append(candidate or word)
            changed = changed or candidate is not None
        return " ".join(better) if changed else None
