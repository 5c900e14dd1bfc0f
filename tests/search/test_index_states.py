"""The Whoosh backend across index states: a request keeps its view while another thread moves to a new
generation, an index without segments, a rebuild seen by a warm worker, suggestions from live documents only, the
word caches' byte cap; and past-the-end pages on both backends."""

import threading

import pytest
from sqlalchemy import text

from marketplace.extensions import db
from marketplace.search import documents, index, services
from marketplace.search.index import WhooshBackend
from tests.search.conftest import stall_statement, sync


def _doc(key, title, body="", kind="need", year="2025", regions=("110101",)):
    return documents.Document(key=key, kind=kind, title=title, body=body, status="open", year=year,
                              regions=regions, url=f"/{key}")


def test_a_request_keeps_its_searcher_while_another_thread_moves_to_a_new_generation(tmp_path, monkeypatch):
    backend = WhooshBackend(str(tmp_path / "index"))
    for n in range(1, 4):  # several small segments: the next commit merges them (their readers become unused)
        backend.write([_doc(f"need:{n}", f"长者食堂{n}", "社区老人助餐")], [])
    backend.search(["助餐"], {}, 1, 20)  # a warm view
    inside, go_on = threading.Event(), threading.Event()
    original_docnums = index._docnums

    def slow_docnums(reader, field, word):  # reading a word's postings, segment by segment
        if threading.current_thread().name == "held":
            inside.set()
            assert go_on.wait(10)
        return original_docnums(reader, field, word)

    monkeypatch.setattr(index, "_docnums", slow_docnums)
    out, errors = {}, []

    def held():
        try:
            out["results"] = backend.search(["长者食堂"], {}, 1, 20)
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    thread = threading.Thread(target=held, name="held")
    thread.start()
    assert inside.wait(10)  # mid-search, between two segments' postings
    backend.write([_doc("need:4", "长者食堂4", "新的")], ["need:1"])
    newer = backend.search(["长者食堂"], {}, 1, 20)  # this thread builds and swaps in the new view
    assert {h.key for h in newer.hits} == {"need:2", "need:3", "need:4"}
    go_on.set()
    thread.join(10)
    assert not errors, errors
    assert {h.key for h in out["results"].hits} == {"need:1", "need:2", "need:3"}  # its own, older view
    assert len(backend._segments) == len(backend._view.leaves)  # merged-away segments forgotten


def test_an_index_without_segments_answers_empty(tmp_path):
    fresh = WhooshBackend(str(tmp_path / "fresh"))
    assert fresh.search(["长者食堂"], {}, 1, 20).total == 0  # no index at all
    fresh.clear()  # an index with no segment (a fresh deployment, a new worker after `clear`)
    assert fresh.search(["长者食堂"], {}, 1, 20).total == 0
    worker = WhooshBackend(str(tmp_path / "fresh"))
    assert worker.search(["长者食堂"], {}, 1, 20).total == 0 and worker.keys() == {}
    fresh.write([_doc("need:1", "长者食堂")], [])
    assert worker.search(["长者食堂"], {}, 1, 20).total == 1
    fresh.clear()
    empty = worker.search(["长者食堂"], {}, 1, 20)
    assert empty.total == 0 and empty.hits == [] and empty.suggestion is None


def test_a_warm_worker_sees_a_rebuild_whole_and_never_the_old_documents(tmp_path):
    directory = str(tmp_path / "index")
    writer, worker = WhooshBackend(directory), WhooshBackend(directory)
    writer.write([_doc("need:1", "长者食堂"), _doc("need:2", "助浴服务")], [])
    assert worker.search(["长者食堂"], {}, 1, 20).total == 1  # warm: view and result cache
    generation = writer._open().latest_generation()

    with writer.rebuilding():
        writer.write([_doc("need:3", "喜马拉雅")], [])
        writer.write([_doc("need:4", "长者")], [])
        # half-done: the worker still sees the whole old index, not an empty or partial one
        assert worker.search(["长者食堂"], {}, 1, 20).total == 1
        assert worker.search(["喜马拉雅"], {}, 1, 20).total == 0
    assert writer._open().latest_generation() > generation  # the generation number only grows
    assert worker.search(["长者食堂"], {}, 1, 20).total == 0  # no stale cached answer
    assert [h.key for h in worker.search(["喜马拉雅"], {}, 1, 20).hits] == ["need:3"]
    assert set(worker.keys()) == {"need:3", "need:4"}

    # `clear` and writes again, as the old rebuild did: the worker follows the content, not a number
    worker.search(["喜马拉雅"], {}, 1, 20)
    writer.clear()
    writer.write([_doc("need:5", "长者食堂")], [])
    assert worker.search(["喜马拉雅"], {}, 1, 20).total == 0
    assert [h.key for h in worker.search(["长者食堂"], {}, 1, 20).hits] == ["need:5"]


def test_a_failed_rebuild_leaves_the_old_index(tmp_path):
    backend = WhooshBackend(str(tmp_path / "index"))
    backend.write([_doc("need:1", "长者食堂")], [])
    with pytest.raises(RuntimeError), backend.rebuilding():
        backend.write([_doc("need:2", "喜马拉雅")], [])
        raise RuntimeError("database gone")
    assert set(backend.keys()) == {"need:1"}
    backend.write([_doc("need:3", "助浴")], [])  # the writer's lock was released
    assert set(backend.keys()) == {"need:1", "need:3"}


def test_did_you_mean_suggests_only_words_of_live_documents(tmp_path):
    backend = WhooshBackend(str(tmp_path / "index"))
    backend.write([_doc("need:1", "长者食堂", "喜马拉雅"), _doc("need:2", "助浴服务", "社区")], [])
    backend.write([], ["need:1"])
    view = backend._current_view()
    assert view.searcher.doc_frequency("body", "喜马拉雅")  # still in the lexicon: the document is only deleted
    missed = backend.search(["喜马拉亚"], {}, 1, 20)
    assert missed.total == 0 and missed.suggestion is None
    backend.write([_doc("need:3", "登山", "喜马拉雅")], [])
    suggestion = backend.search(["喜马拉亚"], {}, 1, 20).suggestion
    assert suggestion in ("喜马拉雅", "喜马拉") and backend.search([suggestion], {}, 1, 20).total == 1


def test_the_view_words_count_toward_the_byte_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(index, "TERM_CACHE_BYTES", 400)
    backend = WhooshBackend(str(tmp_path / "index"))
    backend.write([_doc(f"need:{n}", "服务", f"社区 kw{n}") for n in range(50)], [])
    for n in range(50):
        assert backend.search([f"kw{n}"], {}, 1, 20).total == 1
    assert 0 < backend._terms_bytes <= 400 and len(backend._terms) < 50


def test_a_page_past_the_last_shows_the_last(client, engines, contract_parties):
    names, use = engines
    for name in names:
        with use(name):
            services.rebuild()
            db.session.commit()
            everything = services.search("服务", per_page=2)
            assert everything.total > 2, name
            past = services.search("服务", page=everything.pages + 3, per_page=2)
            assert past.page == everything.pages and past.hits and past.total == everything.total, name
    with use("whoosh"):
        services.rebuild()
        db.session.commit()
        html = client.get("/search?q=服务&page=40").get_data(as_text=True)
        assert "没有找到相关结果" not in html


@pytest.mark.postgresql_only
def test_postgres_searches_leave_the_callers_transaction_as_it_was(engines, contract_parties, monkeypatch):
    """A search runs in a savepoint that it always rolls back (that also undoes its statement_timeout and jit
    settings): the caller's own changes before it, flushed or not, stay."""
    names, use = engines
    assert "postgresql" in names
    with use("postgresql"):
        services.rebuild()
        sync()
        jit = db.session.execute(text("SHOW jit")).scalar()
        org = contract_parties["contract"].organization
        org.name = "北京市东城区改名后的社工机构"  # not flushed yet: the search's savepoint flushes it first
        full = services.search("服务", per_page=2)
        assert full.total > 3 and len(full.hits) == 2
        stall_statement(monkeypatch, 2)  # the read after the term statistics: cancelled
        cut = services.search("服务", per_page=2)
        assert cut.hits == [] and not cut.exact
        name = db.session.execute(text("SELECT name FROM organization WHERE id = :id"), {"id": org.id}).scalar()
        assert name == org.name == "北京市东城区改名后的社工机构" and services.queued() > 0
        assert db.session.execute(text("SHOW statement_timeout")).scalar() == "0"
        assert db.session.execute(text("SHOW jit")).scalar() == jit
