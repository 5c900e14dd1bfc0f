"""The fast paths of both backends: Whoosh's per-segment bitsets follow new index generations (additions,
deletions) and rank title matches first; PostgreSQL caps its counts and returns a result when its time budget
runs out instead of raising."""

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


@pytest.mark.postgresql_only
def test_postgres_counts_are_capped_beyond_the_candidates(engines, contract_parties, monkeypatch):
    from marketplace.search import pg

    use = _postgres_only(engines)
    with use("postgresql"):
        services.rebuild()
        full = services.search("服务", per_page=100)
        assert full.exact and full.total > 3
        monkeypatch.setattr(pg, "CANDIDATES", 2)
        capped = services.search("服务", per_page=100)
        assert not capped.exact and capped.total == 2
        assert sum(capped.facets["kind"].values()) <= 3


@pytest.mark.postgresql_only
def test_postgres_returns_a_partial_result_when_its_time_budget_runs_out(engines, contract_parties, monkeypatch):

    use = _postgres_only(engines)
    with use("postgresql"):
        services.rebuild()
        sync()
        stall_statement(monkeypatch, 2)  # the statement after the ranking: cancelled by the statement timeout
        results = services.search("服务")
        assert not results.exact and results.facets["kind"] == {}
        assert db.session.execute(text("SELECT 1")).scalar() == 1  # the transaction is still usable
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "0"  # the SET LOCAL was undone
        monkeypatch.undo()
        assert services.search("服务").exact
