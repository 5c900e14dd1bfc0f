"""axe-core (vendored, tests/e2e/vendor/axe.min.js, MPL-2.0) on the public pages of the demo, in Chromium: no
serious or critical WCAG 2 A/AA violation on any of them, at desktop width and at 375 px."""

import json

import pytest

from marketplace.extensions import db
from tests.e2e.conftest import serious_violations

pytestmark = pytest.mark.e2e

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
            if violations := serious_violations(page):
                found[f"{path} @{width}"] = violations
        context.close()
    assert found == {}, json.dumps(found, ensure_ascii=False, indent=1)
