"""The fast paths of both backends: Whoosh's per-segment bitsets follow new index generations (additions,
deletions) and rank title matches first; PostgreSQL estimates beyond its candidates from a uniform sample, keeps
its term statistics exact through every write, and returns a result when its time budget runs out instead of
raising."""

import pytest
from sqlalchemy import text

from marketplace.extensions import db
from marketplace.search import documents, services
from marketplace.search.index import WhooshBackend
from tests.search.conftest import stall_statement, sync


def _doc(key, title, body, kind="need", year="2025", regions=("110101",)):
    return documents.Document(key=key, kind=kind, title=title, body=body, status="open", year=year,
                              regions=regions, url=f"/{key}")


def test_whoosh_bitsets_follow_new_generations_and_rank_titles_first(tmp_path):
    backend = WhooshBackend(str(tmp_path / "index"))
    backend.write([_doc("need:1", "长者食堂运营", "社区老人助餐"),
                   _doc("need:2", "社区服务", "长者食堂的志愿者招募", year="2024"),
                   _doc("need:3", "长者食堂志愿服务招募项目", "长者食堂", kind="tender", regions=("110102",))], [])
    first = backend.search(["长者食堂"], {}, 1, 20)
    assert first.exact and first.total == 3
    # titles holding the word first, the shorter title first; the body-only match last
    assert [h.key for h in first.hits] == ["need:1", "need:3", "need:2"]
    assert first.hits[0].title_html == '<mark class="hl">长者食堂</mark>运营'
    assert '<mark class="hl">长者食堂</mark>' in first.hits[2].snippet_html
    assert first.facets["kind"] == {"need": 2, "tender": 1}
    assert first.facets["regions"] == {"110101": 2, "110102": 1}
    segments = dict(backend._segments)

    # a new generation: one document replaced (its old version deleted), one added, one removed
    backend.write([_doc("need:2", "社区服务", "不再提这个词"), _doc("need:4", "长者食堂", "", year="2026")],
                  ["need:3"])
    second = backend.search(["长者食堂"], {}, 1, 20)
    assert [h.key for h in second.hits] == ["need:4", "need:1"]
    assert second.total == 2 and second.facets["year"] == {"2025": 1, "2026": 1}
    assert second.facets["regions"] == {"110101": 2} and second.facets["kind"] == {"need": 2}
    assert backend.search(["长者食堂"], {"year": "2026"}, 1, 20).total == 1
    assert backend.search(["长者食堂"], {"regions": "110102"}, 1, 20).total == 0
    for segment_id, bits in segments.items():  # a segment that survived the commit is not read again
        assert backend._segments.get(segment_id, bits) is bits
    assert set(backend.keys()) == {"need:1", "need:2", "need:4"}

    # the word caches cleared: the same answers, read again from the postings
    backend.clear_caches()
    again = backend.search(["长者食堂"], {}, 1, 20)
    assert [h.key for h in again.hits] == ["need:4", "need:1"] and again.facets == second.facets


def test_whoosh_pages_do_not_overlap_and_totals_stay_exact(tmp_path):
    backend = WhooshBackend(str(tmp_path / "index"))
    backend.write([_doc(f"need:{n}", f"养老服务{n}" if n % 2 else "社区", "养老服务" * (n % 3 + 1))
                   for n in range(1, 46)], [])
    pages = [backend.search(["养老服务"], {}, page, 20) for page in (1, 2, 3)]
    keys = [h.key for p in pages for h in p.hits]
    assert len(keys) == len(set(keys)) == 45 and all(p.total == 45 and p.exact for p in pages)
    assert all(int(k.split(":")[1]) % 2 for k in keys[:23])  # the 23 title matches come first


def _postgres_only(engines):
    names, use = engines
    assert "postgresql" in names  # the marker keeps these tests to the PostgreSQL run
    return use


def _pg_docs(count: int) -> list:
    """`count` needs holding 长者食堂, in the title of every other one; kinds, years and regions vary."""
    return [_doc(f"need:{n}", f"长者食堂第{n}期" if n % 2 else f"社区服务第{n}期", f"本期内容：长者食堂助餐 {n}",
                 kind="need" if n % 3 else "tender", year=str(2022 + n % 4), regions=("110101", f"11010{n % 3}001"))
            for n in range(1, count + 1)]


@pytest.mark.postgresql_only
def test_postgres_estimates_from_a_uniform_sample_beyond_the_candidates(engines, monkeypatch):
    from marketplace.search import pg

    use = _postgres_only(engines)
    with use("postgresql") as backend:
        backend.clear()
        docs = _pg_docs(40)
        backend.write(docs, [])
        full = backend.search(["长者食堂"], {}, 1, 50)
        assert full.exact and full.total == 40 and full.facets["kind"] == {"need": 27, "tender": 13}
        # titles holding the word first (the shorter title first), then the body-only matches
        assert all("长者食堂" in h.title for h in full.hits[:20])
        assert not any("长者食堂" in h.title for h in full.hits[20:])
        assert [len(h.title) for h in full.hits[:20]] == sorted(len(h.title) for h in full.hits[:20])

        # 40 matches, 10 candidates (pages of 5): the documents of sample level 4 (md5 of the key), each counting
        # for 4
        monkeypatch.setattr(pg, "CANDIDATES", 10)
        sample = [d for d in docs if pg.sample_bits(d.key) % 4 == 0]
        assert len(sample) >= 2  # else the backend would read again, denser: this test would not test sampling
        estimated = backend.search(["长者食堂"], {}, 1, 5)
        assert not estimated.exact
        assert estimated.total == 40  # one word, no filter: its count in the term statistics, exact
        assert estimated.facets["kind"] == {kind: 4 * sum(d.kind == kind for d in sample)
                                            for kind in {d.kind for d in sample}}
        assert estimated.facets["year"] == {year: 4 * sum(d.year == year for d in sample)
                                            for year in {d.year for d in sample}}
        # every title match is still read (they are fewer than TITLE_CANDIDATES): the same first page
        assert [h.key for h in estimated.hits] == [h.key for h in full.hits[:5]]
        # a deeper page reads a denser sample: page 4 of 5 needs 40 candidates, every match here
        assert [h.key for h in backend.search(["长者食堂"], {}, 4, 5).hits] == [h.key for h in full.hits[15:20]]
        # two lexemes (a word and a filter; pages of 2, 10 candidates): a probe counts the 27 matches, so the
        # rate is 4 again, and the total too is the sample's count times its rate
        sampled_needs = [d for d in sample if d.kind == "need"]
        assert len(sampled_needs) * 8 >= 10  # else the backend would read again, denser (and exact)
        filtered = backend.search(["长者食堂"], {"kind": "need"}, 1, 2)
        assert not filtered.exact and filtered.total == 4 * len(sampled_needs)
        assert filtered.facets["kind"] == {"need": 4 * len(sampled_needs)}
        # far fewer matches than the words' counts promise: read again, denser — here every match, exact
        rare = backend.search(["长者食堂"], {"kind": "tender", "year": "2023"}, 1, 2)
        assert rare.exact and rare.total == sum(d.kind == "tender" and d.year == "2023" for d in docs)
        monkeypatch.undo()
        exact = backend.search(["长者食堂"], {"kind": "need"}, 1, 5)
        assert exact.exact and exact.total == 27 and exact.facets["kind"] == {"need": 27}
        assert backend.search(["长者食堂"], {"regions": "110102001"}, 1, 50).total == 13


@pytest.mark.postgresql_only
def test_postgres_term_statistics_follow_every_write(engines):
    from marketplace.search import pg

    use = _postgres_only(engines)

    def stats():
        return dict((w, (d, t)) for w, d, t in db.session.execute(
            text("SELECT word, documents, titles FROM search_term_stats")))

    with use("postgresql") as backend:
        backend.clear()
        docs = _pg_docs(12)
        backend.write(docs, [])
        assert stats()["长者食堂"] == (12, 6) and stats()["k tender"] == (4, 4)
        # replaced (the word leaves the title of need:1), removed, added
        backend.write([_doc("need:1", "社区服务", "长者食堂"), _doc("need:99", "独居老人", "睦邻互助")], ["need:3"])
        written = stats()
        assert written["长者食堂"] == (11, 4) and written["独居老人"] == (1, 1) and written["睦邻"] == (1, 0)
        backend.write([], ["need:99"])
        assert "独居老人" not in stats() and "睦邻" not in stats()  # no document holds it: gone from the statistics
        kept = stats()
        backend.refresh_statistics()  # recounted from every document: the same
        assert stats() == kept
        # the SQL form of the meta lexemes (for bulk loads) says what the writer wrote
        current = {d.key: d for d in [*docs, _doc("need:1", "社区服务", "长者食堂")]}
        rows = db.session.execute(text(f"SELECT key, {pg.META_LEXEMES_SQL} FROM search_document")).all()
        assert len(rows) == 11
        for key, lexemes in rows:
            assert sorted(lexemes) == sorted(pg.meta_lexemes(current[key])), key


@pytest.mark.postgresql_only
def test_postgres_returns_a_partial_result_when_its_time_budget_runs_out(engines, contract_parties, monkeypatch):

    use = _postgres_only(engines)
    with use("postgresql"):
        services.rebuild()
        sync()
        stall_statement(monkeypatch, 2)  # the statement after the term statistics: cancelled by the timeout
        results = services.search("服务")
        assert not results.exact and results.facets["kind"] == {}
        assert db.session.execute(text("SELECT 1")).scalar() == 1  # the transaction is still usable
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "0"  # the SET LOCAL was undone
        monkeypatch.undo()
        assert services.search("服务").exact


@pytest.mark.postgresql_only
def test_postgres_common_words_are_checked_by_their_bits_with_the_same_results(engines):
    use = _postgres_only(engines)
    with use("postgresql") as backend:
        backend.clear()
        docs = _pg_docs(12) + [_doc("need:50", "社区服务", "别的内容")]
        backend.write(docs, [])
        queries = [(["长者食堂", "内容"], {}), (["内容", "长者食堂"], {"kind": "tender"}), (["内容"], {})]
        before = [backend.search(words, filters, 1, 50) for words, filters in queries]
        assert db.session.execute(text("SELECT count(*) FROM search_document WHERE common <> 0")).scalar() == 0
        with backend.rebuilding():  # chooses the common words from the statistics, then writes every row again
            backend.write(docs, [])
        bits = dict(db.session.execute(text("SELECT word, bit FROM search_term_stats WHERE bit IS NOT NULL")).all())
        assert {"长者食堂", "内容", "本期"} <= set(bits) and "k tender" not in bits and "别的" not in bits
        common = dict(db.session.execute(text("SELECT key, common FROM search_document")).all())
        assert common["need:50"] & (1 << bits["内容"]) and not common["need:50"] & (1 << bits["本期"])
        assert common["need:1"] & (1 << bits["长者食堂"]) and not common["need:50"] & (1 << bits["长者食堂"])
        after = [backend.search(words, filters, 1, 50) for words, filters in queries]
        for old, new in zip(before, after, strict=True):
            assert (new.total, new.exact, new.facets) == (old.total, old.exact, old.facets)
            assert [h.key for h in new.hits] == [h.key for h in old.hits]
        assert after[0].total == 12 and after[1].total == 4
        backend.clear()  # the bits stay for the next rows, at zero counts; refreshing keeps them too
        assert dict(db.session.execute(text("SELECT word, bit FROM search_term_stats")).all()) == bits
        backend.write(docs, [])
        backend.refresh_statistics()
        assert dict(db.session.execute(text("SELECT word, bit FROM search_term_stats WHERE bit IS NOT NULL")).all()) \
            == bits
