import os
from pathlib import Path

import pytest

from marketplace import create_app
from marketplace.accounts.models import User
from marketplace.audit.services import verify_chain
from marketplace.extensions import db


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_home_page_explains_the_platform_in_chinese(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "政府购买社会服务" in html and "负面清单" in html


def test_not_found_page_is_friendly(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


def test_security_headers_forbid_third_party_assets(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "http" not in csp


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"APP_ENV": "production", "SECRET_KEY": None})
    with pytest.raises(RuntimeError, match="too short"):
        create_app({"APP_ENV": "production", "SECRET_KEY": "short"})


def test_demo_loads_one_account_per_role_and_an_intact_audit_chain(app):
    from marketplace import demo

    credentials = demo.load(echo=lambda *_: None)
    roles = {role for role, _email, _secret in credentials}
    assert roles == {"platform_admin", "catalog_admin", "registrar", "buyer", "evaluator", "org_member", "resident",
                     "grid_worker"}
    buyer = db.session.query(User).filter_by(email="buyer@demo.zhengshe.cn").one()
    assert buyer.body.name == "北京市东城区东华门街道办事处" and buyer.has_2fa
    assert verify_chain().ok


def test_demo_publishes_city_and_district_catalogs_with_a_budget(app):
    from marketplace import demo
    from marketplace.catalog.models import CatalogVersion, VersionStatus
    from marketplace.catalog.services import effective_catalog, is_purchasable
    from marketplace.regions.services import region_by_code

    demo.load(echo=lambda *_: None)
    assert db.session.query(CatalogVersion).filter_by(status=VersionStatus.published).count() == 4
    assert db.session.query(CatalogVersion).filter_by(status=VersionStatus.draft).count() == 1
    catalog = effective_catalog(region_by_code("110101001"), 2026)
    assert catalog.get("A10").inherited and catalog.get("A1004").negative
    buyer = db.session.query(User).filter_by(email="buyer@demo.zhengshe.cn").one()
    assert is_purchasable("A1001", buyer.body, 2026).ok


def test_optional_fields_carry_no_required_or_empty_aria_attributes(client):
    """A None attribute would render as required="None", which browsers read as required."""
    html = client.get("/tenders/").get_data(as_text=True)
    assert '="None"' not in html and "required" not in html


def test_a_fresh_app_knows_every_model_that_the_migrations_create(app):
    """`flask db check` compares migrations with the models the app has imported; a model that only a lazy
    import would load looks like a table to drop. Ask a fresh interpreter what create_app() registers."""
    import subprocess
    import sys

    from sqlalchemy import inspect

    script = ("from marketplace import create_app; from marketplace.extensions import db; create_app();"
              "print(' '.join(sorted(db.metadata.tables)))")
    env = {**os.environ, "DATABASE_URL": "sqlite://"}
    registered = set(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                                    env=env, cwd=Path(__file__).resolve().parents[1]).stdout.split())
    with app.app_context():
        migrated = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert migrated - registered == set()
