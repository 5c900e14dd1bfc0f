"""Processes for the lost-update test: editors commit changes while the one writer drains the queue. Each builds
its own app on the shared database, as gunicorn workers and the writer process would (the test process itself
cannot: its session is bound to the rolled-back test transaction)."""

from marketplace import create_app


def _app(url: str, index_dir: str):
    return create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "SEARCH_INDEX_DIR": index_dir})


def seed(url: str, index_dir: str) -> list[int]:
    from datetime import UTC, datetime

    from marketplace.cli import reset_database
    from marketplace.common import clock
    from marketplace.extensions import db
    from marketplace.organizations.models import Organization
    from marketplace.search import services
    from tests.contracts.conftest import build_active_contract

    app = _app(url, index_dir)
    with app.app_context(), app.test_request_context():
        reset_database()
        clock.freeze(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
        build_active_contract()
        db.session.commit()
        clock.unfreeze()
        services.drain_all()
        return list(db.session.scalars(db.select(Organization.id).order_by(Organization.id)))


def edit(url: str, index_dir: str, worker: int, rounds: int, org_ids: list[int]) -> None:
    from sqlalchemy.exc import OperationalError

    from marketplace.extensions import db
    from marketplace.organizations.models import Organization

    with _app(url, index_dir).app_context():
        n = 0
        while n < rounds:
            try:
                org = db.session.get(Organization, org_ids[(worker + n) % len(org_ids)])
                org.introduction = f"第{worker}号编辑第{n}次修改 社区服务"
                db.session.commit()
                n += 1
            except OperationalError:  # SQLite's busy refusal: like a person pressing save again
                db.session.rollback()
            db.session.remove()


def write(url: str, index_dir: str, passes: int) -> None:
    import time

    from marketplace.extensions import db
    from marketplace.search import services

    with _app(url, index_dir).app_context(), services.writer_lock():
        for _ in range(passes):
            services.drain_with_retry()
            db.session.remove()
            time.sleep(0.02)


def verify(url: str, index_dir: str) -> dict:
    """After a last drain: the drift report, and for each organization whether its latest text is indexed."""
    from marketplace.extensions import db
    from marketplace.organizations.models import Organization
    from marketplace.search import services

    with _app(url, index_dir).app_context():
        queued_before = services.queued()
        services.drain_all()
        indexed = {hit.key: hit.body for hit in services.search("社区服务", {"kind": "organization"}, per_page=50).hits}
        latest = {f"organization:{o.id}": o.introduction for o in db.session.scalars(db.select(Organization))}
        return {"drift": services.drift(), "queued_before": queued_before,
                "current": {key: text in indexed.get(key, "") for key, text in latest.items()}}
