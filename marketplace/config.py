"""Infrastructure configuration. Policy (thresholds, SLAs, weights) lives in the settings table."""

import os
import secrets
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"


def _dev_secret_key() -> str:
    # A stable per-checkout secret so development sessions survive restarts; never used in production.
    INSTANCE_DIR.mkdir(exist_ok=True)
    path = INSTANCE_DIR / "dev-secret-key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def _dev_master_key() -> str:
    # Generated once per checkout for development; production must bring its own (and keep it safe:
    # sealed bids cannot be opened without it).
    from cryptography.fernet import Fernet

    INSTANCE_DIR.mkdir(exist_ok=True)
    path = INSTANCE_DIR / "master-key"
    if not path.exists():
        path.write_text(Fernet.generate_key().decode())
    return path.read_text().strip()


def _database_url(url: str | None) -> str:
    if not url:
        INSTANCE_DIR.mkdir(exist_ok=True)
        return f"sqlite:///{INSTANCE_DIR / 'zhengshe.db'}"
    # Accept the common postgres:// and postgresql:// forms and pin the psycopg 3 driver.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _pool_options(url: str) -> dict:
    """PostgreSQL connections per process: pool + overflow, times the gunicorn workers and threads, must stay under
    the server's max_connections (100 by default). Recycled after 30 minutes, so a restarted server or a
    failover is picked up without errors."""
    if not url.startswith("postgresql"):
        return {}
    return {"pool_size": int(os.environ.get("DB_POOL_SIZE", "5")),
            "max_overflow": int(os.environ.get("DB_MAX_OVERFLOW", "5")), "pool_recycle": 1800}


def _replica_bind(url: str | None) -> dict:
    if not url:
        return {}
    url = _database_url(url)
    return {"replica": {"url": url, "pool_pre_ping": True, **_pool_options(url)}}


class Config:
    APP_ENV = os.environ.get("APP_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Wraps the keys that seal bids (and other data encrypted at rest); never stored in the database.
    MASTER_KEY = os.environ.get("MASTER_KEY")
    SQLALCHEMY_DATABASE_URI = _database_url(os.environ.get("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, **_pool_options(SQLALCHEMY_DATABASE_URI)}
    # A streaming replica of the primary: bulk exports (/data/ downloads, the OCDS bulk package) read from it.
    SQLALCHEMY_BINDS: dict = _replica_bind(os.environ.get("DATABASE_REPLICA_URL"))
    REDIS_URL = os.environ.get("REDIS_URL")
    # Anonymous public pages are cached in Redis for this long, keyed on the data version (0: off; no Redis: off).
    RESPONSE_CACHE_SECONDS = int(os.environ.get("RESPONSE_CACHE_SECONDS", "60"))
    JOB_QUEUE_NAME = os.environ.get("JOB_QUEUE_NAME", "zhengshe")
    CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "zs:")  # several sites may share one Redis
    # Where people reach the site; links in mail sent by background jobs (outside any request) use it.
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")
    LANGUAGES = {"zh_CN": "中文", "en": "English"}

    MAIL_SERVER = os.environ.get("MAIL_SERVER")  # unset: mail is printed to the console
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "政社通 <noreply@zhengshe.local>")
    MAIL_SEND_AFTER_COMMIT = True  # tests that inspect the outbox may turn this off

    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    SIGN_IN_RATE_LIMIT = os.environ.get("SIGN_IN_RATE_LIMIT", "10 per minute")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session; long forms must not expire
    # Sign out sessions idle for longer than the accounts.*idle_timeout_minutes settings (accounts/sessions.py).
    ENFORCE_IDLE_TIMEOUT = True
    MAX_CONTENT_LENGTH = 32 * 1024 * 1024
    PER_PAGE = 20
    DEMO_DATA_DIR = str(PROJECT_ROOT / "data")

    # Search: "whoosh" (an index directory on this machine) or "postgresql" (in the database, for several
    # app servers). The index is written only by `flask --app app search writer`.
    SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "whoosh")
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR", str(INSTANCE_DIR / "search-index"))

    # Payments (Stripe). Without the two keys every payment button explains that payments are not configured.
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")  # e.g. http://127.0.0.1:8420 for localstripe
    STRIPE_HTTP_CLIENT = None  # a stripe.HTTPClient instance; tests use one that serves recorded responses
    PAYMENTS_DONATION_FLOW = os.environ.get("PAYMENTS_DONATION_FLOW", "checkout")  # or "payment_intent"

    # Open data. OCDS ids are "ocds-" + this prefix + "-" + the tender reference; register your own 6-character
    # prefix with the Open Contracting Partnership before publishing for real (the default is for development).
    OCDS_PREFIX = os.environ.get("OCDS_PREFIX", "zs1a2b")
    OCDS_SCHEME = os.environ.get("OCDS_SCHEME", "CN-USCC")  # org-id.guide scheme of the credit code
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "120 per minute")  # anonymous, per address
    API_KEY_RATE_LIMIT = os.environ.get("API_KEY_RATE_LIMIT", "1200 per minute")  # per read API key


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    MASTER_KEY = "QmfCqQ4lc3rT8tgfr4TdRzJ1WdJcV2nRk0tzsDc9sWc="  # tests only
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SERVER = None
    FAST_PASSWORD_HASHING = True
    # Tests move the clock by days between requests of one signed-in client; the idle-timeout tests turn it on.
    ENFORCE_IDLE_TIMEOUT = False
    RESPONSE_CACHE_SECONDS = 0  # tests that exercise the cache turn it on with a Redis of their own
    SIGN_IN_RATE_LIMIT = "1000 per minute"
    # Never the development index under instance/: each test process gets its own (tests that index set theirs).
    SEARCH_INDEX_DIR = str(Path(tempfile.gettempdir()) / f"zhengshe-test-index-{os.getpid()}")


def load_config(app, overrides: dict | None) -> None:
    env = (overrides or {}).get("APP_ENV") or os.environ.get("APP_ENV", "development")
    base = {"production": ProductionConfig, "testing": TestingConfig}.get(env, Config)
    app.config.from_object(base)
    app.config["APP_ENV"] = env
    if overrides:
        app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        if env == "production":
            raise RuntimeError("SECRET_KEY must be set in production (APP_ENV=production).")
        app.config["SECRET_KEY"] = _dev_secret_key()
    if env == "production" and len(app.config["SECRET_KEY"]) < 32:
        raise RuntimeError("SECRET_KEY is too short for production: use at least 32 random characters.")
    if not app.config.get("MASTER_KEY"):
        if env == "production":
            raise RuntimeError("MASTER_KEY must be set in production: a Fernet key (32 url-safe base64 bytes).")
        app.config["MASTER_KEY"] = _dev_master_key()
