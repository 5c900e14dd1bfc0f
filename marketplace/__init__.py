"""ZhengShe 政社通 — the application factory. It wires things up and does nothing else."""

from pathlib import Path

from flask import Flask

from marketplace.config import PROJECT_ROOT, load_config

BLUEPRINTS = [
    "marketplace.portal.routes",
    "marketplace.accounts.routes",
    "marketplace.accounts.admin_routes",
    "marketplace.regions.routes",
    "marketplace.catalog.routes",
    "marketplace.catalog.admin_routes",
    "marketplace.organizations.routes",
    "marketplace.organizations.registrar_routes",
    "marketplace.audit.routes",
    "marketplace.settings.routes",
    "marketplace.notifications.routes",
    "marketplace.tenders.routes",
    "marketplace.bids.routes",
    "marketplace.contracts.routes",
    "marketplace.beneficiaries.routes",
    "marketplace.needs.routes",
    "marketplace.evaluation.routes",
    "marketplace.outcomes.routes",
    "marketplace.payments.routes",
    "marketplace.search.routes",
    "marketplace.follows.routes",
    "marketplace.projects.routes",
    "marketplace.stats.routes",
    "marketplace.feeds.routes",
    "marketplace.api.routes",
    "marketplace.opendata.routes",
]
JOB_MODULES = ["marketplace.notifications.jobs", "marketplace.organizations.jobs", "marketplace.needs.jobs",
               "marketplace.tenders.jobs", "marketplace.contracts.jobs", "marketplace.evaluation.jobs",
               "marketplace.outcomes.jobs", "marketplace.payments.jobs",
               "marketplace.follows.jobs", "marketplace.drafts.jobs", "marketplace.common.statistics"]


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    load_config(app, config)
    from marketplace.web import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    _init_extensions(app)
    _register_blueprints(app)

    from marketplace import cli, errors, security, web
    from marketplace.common import cache, static

    security.init_app(app)
    errors.register_error_handlers(app)
    web.register(app)
    cache.init_app(app)
    static.init_app(app)
    app.after_request(security.add_security_headers)
    cli.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    from marketplace.common import workdays
    from marketplace.extensions import babel, configure_sqlite, csrf, db, limiter, login_manager, migrate
    from marketplace.settings.services import load_calendar
    from marketplace.web import select_locale, select_timezone

    db.init_app(app)
    # Batch mode: SQLite can only alter a table by copying it.
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    workdays.set_calendar_provider(load_calendar)


def _register_blueprints(app: Flask) -> None:
    from importlib import import_module

    for module in BLUEPRINTS:
        app.register_blueprint(import_module(module).bp)
    for module in JOB_MODULES:
        import_module(module)
