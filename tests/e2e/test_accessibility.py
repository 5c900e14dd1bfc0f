"""axe-core (vendored, tests/e2e/vendor/axe.min.js, MPL-2.0) on the public pages of the demo, in Chromium: no
serious or critical WCAG 2 A/AA violation on any of them, at desktop width and at 375 px."""

import json
from pathlib import Path

import pytest

from marketplace.extensions import db

pytestmark = pytest.mark.e2e

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
PUBLIC = ["/", "/about", "/login", "/register", "/projects/", "/stats/", "/search?q=养老服务", "/tenders/",
          "/organizations/", "/needs/", "/catalogs/", "/regions/", "/contracts/", "/api/", "/data/",
          "/no-such-page"]


def _demo_paths(app) -> list[str]:
    """One page of each kind that has an id: a project, tender, organization, need, contract, catalog."""
    from marketplace import demo
    from marketplace.catalog.models import CatalogVersion
    from marketplace.contracts.models import Contract
    from marketplace.needs.models import Need
    from marketplace.organizations.models import Organization, OrgStatus
    from marketplace.search import services as search

    with app.app_context():
        demo.load(echo=lambda *_: None)
        db.session.commit()
        with search.writer_lock():
            search.rebuild()
        contract = db.session.query(Contract).filter(Contract.active_at.is_not(None)).first()
        org = db.session.query(Organization).filter_by(status=OrgStatus.verified).first()
        return [f"/projects/{contract.tender_id}", f"/tenders/{contract.tender_id}", f"/contracts/{contract.id}",
                f"/organizations/{org.id}", f"/needs/{db.session.query(Need).first().id}",
                f"/catalogs/{db.session.query(CatalogVersion).first().id}"]


def _serious(page) -> list[dict]:
    page.add_script_tag(content=AXE)
    result = page.evaluate("""async () => {
        const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
        return r.violations.filter(v => ['serious', 'critical'].includes(v.impact)).map(v => ({
            id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return result


def test_public_pages_have_no_serious_accessibility_violations(own_live_server, browser, tmp_path):
    app = own_live_server.app
    app.config["SEARCH_INDEX_DIR"] = str(tmp_path / "index")
    paths = PUBLIC + _demo_paths(app)
    found = {}
    for width in (1280, 375):
        # bypass_csp: only so the test can inject axe; the pages keep their own policy otherwise
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN", bypass_csp=True)
        page = context.new_page()
        for path in paths:
            page.goto(own_live_server.url + path)
            if violations := _serious(page):
                found[f"{path} @{width}"] = violations
        context.close()
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)
