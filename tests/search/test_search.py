"""Chinese search over tenders, projects, organizations, catalog items and needs, on every backend."""

import re

from marketplace.extensions import db
from marketplace.needs import services as needs
from marketplace.regions.services import region_by_code
from marketplace.search import documents, services, tokens
from tests.outcomes.conftest import resident_of
from tests.search.conftest import sync


def _world(parties):
    """The active contract's parties plus a resident's need that speaks of 社会工作者 only."""
    org = parties["contract"].organization
    org.introduction = "专业社会工作者团队，长期服务社区老人"
    need = needs.submit_need({"community": region_by_code("110101001001"), "item_code": "A0401",
                              "title": "希望有人定期探访独居老人",
                              "description": "楼里几位老人独居，希望有社会工作者定期上门",
                              "contact_phone": "13812345678"}, [], by=resident_of())
    db.session.flush()
    return org, need


def test_the_index_holds_the_longer_words_inside_a_long_one():
    words = [w for w, _s, _e in tokens.index_tokens("社会工作者")]
    assert "社会工作" in words and "社会工作者" in words and "工作" in words
    assert tokens.query_words("社会工作") == ["社会工作"]


def test_finds_a_term_inside_longer_words_by_name_by_credit_code_with_highlights(engines, contract_parties):
    names, use = engines
    org, need = _world(contract_parties)
    for name in names:
        with use(name):
            services.rebuild()
            keys = [h.key for h in services.search("社会工作").hits]
            assert f"organization:{org.id}" in keys and f"need:{need.id}" in keys, name
            hit = services.search(org.name).hits[0]
            assert hit.key == f"organization:{org.id}" and '<mark class="hl">' in hit.title_html
            assert [h.key for h in services.search(org.uscc).hits][:1] == [f"organization:{org.id}"]
            snippet = next(h for h in services.search("社会工作").hits if h.key == f"need:{need.id}").snippet_html
            assert re.search(r'<mark class="hl">社会工作(者)?</mark>', snippet), snippet
            assert "13812345678" not in str(services.search("老人").hits)  # the resident's phone is never indexed


def test_facets_count_what_the_filters_return(engines, contract_parties):
    names, use = engines
    _world(contract_parties)
    for name in names:
        with use(name):
            services.rebuild()
            everything = services.search("服务", per_page=100)
            assert everything.total == len(everything.hits) > 3
            for facet in ("kind", "status", "year", "regions"):
                for value, count in everything.facets[facet].items():
                    narrowed = services.search("服务", {facet: value}, per_page=100)
                    assert narrowed.total == count, (name, facet, value)
                    assert narrowed.total == sum(1 for h in everything.hits if _has(h, facet, value))


def _has(hit, facet, value) -> bool:
    if facet == "regions":
        doc = next(iter(documents.KINDS[hit.kind].load([int(hit.key.split(":")[1])]).values()))
        return value in doc.regions
    return getattr(hit, facet) == value


def test_an_edit_is_searchable_once_the_writer_runs_and_not_before(engines, contract_parties):
    names, use = engines
    org = contract_parties["contract"].organization
    for name, word in zip(names, ["互助会", "睦邻坊"], strict=False):
        with use(name):
            services.rebuild()
            org.name = f"北京市东城区长者食堂{word}"
            db.session.flush()
            assert services.queued() > 0
            assert services.search(word).total == 0  # web requests only queue; the index is unchanged
            sync()
            # the organization, and its project, whose page names it
            assert {h.key for h in services.search(word).hits} == {f"organization:{org.id}",
                                                                 f"project:{contract_parties['contract'].id}"}
            assert services.queued() == 0


def test_rebuild_equals_incremental(engines, contract_parties):
    names, use = engines
    org, need = _world(contract_parties)
    for name in names:
        with use(name) as engine:
            engine.clear()
            for kind in documents.KINDS:  # every public object queued as if it had just changed
                for object_id in documents.all_ids(kind):
                    db.session.add(services.SearchQueue(kind=kind, object_id=object_id,
                                                        queued_at=contract_parties["contract"].created_at))
            sync()
            incremental = engine.keys()
            services.rebuild()
            assert engine.keys() == incremental and len(incremental) > 5
            assert services.drift() == {"missing": [], "extra": [], "stale": []}


def test_private_things_stay_out_and_leave_when_they_stop_being_public(engines, contract_parties):
    from marketplace.organizations.models import OrgStatus

    names, use = engines
    org = contract_parties["contract"].organization
    for name in names:
        with use(name):
            services.rebuild()
            keys = set(services.backend().keys())
            assert all(k.split(":")[0] in documents.KINDS for k in keys)
            assert f"organization:{org.id}" in keys
            org.status = OrgStatus.pending  # e.g. back to review
            sync()
            assert f"organization:{org.id}" not in set(services.backend().keys())
            assert services.drift() == {"missing": [], "extra": [], "stale": []}
            org.status = OrgStatus.verified
            sync()


def test_did_you_mean(engines, contract_parties):
    names, use = engines
    _world(contract_parties)
    for name in names:
        with use(name):
            services.rebuild()
            results = services.search("独居老仁")
            assert results.total == 0 and results.suggestion and "老人" in results.suggestion, name
            assert services.search(results.suggestion).total > 0


def test_the_search_page(client, engines, contract_parties):
    names, use = engines
    org, _need = _world(contract_parties)
    with use("whoosh"):
        services.rebuild()
        db.session.commit()
        html = client.get("/search?q=社会工作").get_data(as_text=True)
        assert f'href="/organizations/{org.id}"' in html and '<mark class="hl">社会工作' in html
        assert "社会组织" in html  # the kind facet's label
        filtered = client.get("/search?q=社会工作&kind=need").get_data(as_text=True)
        assert f'href="/organizations/{org.id}"' not in filtered and "独居老人" in filtered
        hostile = client.get("/search?q=<script>alert(1)</script>").get_data(as_text=True)
        assert "<script>alert(1)" not in hostile
        assert client.get("/search?q=服务&page=999999").status_code == 200


def test_estimated_counts_are_marked_as_such_on_the_page(app):
    """PostgreSQL beyond its exact limit (or a search cut short) estimates: the total says 约 and so does every
    facet count; exact ones carry no mark."""
    from flask import render_template

    from marketplace.search.results import Results

    def page(exact):
        results = Results(hits=[], total=1234, exact=exact, page=1, per_page=20,
                          facets={"kind": {"tender": 800}, "status": {}, "category": {}, "year": {2025: 434},
                                  "regions": {}})
        with app.test_request_context("/search?q=养老服务"):
            return render_template("search/index.html", q="养老服务", results=results,
                                   filters=dict.fromkeys(results.facets), kind_labels={}, status_labels={},
                                   region_names={})

    estimated, exact = page(False), page(True)
    assert "约 1234 条结果" in estimated and estimated.count('<span aria-hidden="true">≈</span>') == 2
    assert "共找到 1234 条结果" in exact and "≈" not in exact
