"""Passwords, signed tokens, TOTP, permission checks and HTTP security headers."""

import functools
import hashlib
import secrets
from functools import wraps

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, request
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from marketplace.common import clock

_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# A hash computed when the e-mail is unknown, so a wrong address costs the same time as a wrong password.
def burn_password_check(password: str) -> None:
    check_password(_dummy_hash(), password)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_hex(8))


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# Signed, expiring tokens for links sent by e-mail. The salt separates purposes; `bind` ties the token
# to state that changes once the token is used (e.g. the password hash), which makes it single-use.
def make_token(purpose: str, payload: dict, bind: str = "") -> str:
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)
    return serializer.dumps({**payload, "b": sha256_hex(bind)[:16]})


def read_token(purpose: str, token: str, max_age: int) -> dict | None:
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)
    try:
        return serializer.loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None


def token_bound_to(data: dict, bind: str) -> bool:
    return secrets.compare_digest(data.get("b", ""), sha256_hex(bind)[:16])


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name="政社通 ZhengShe")


def totp_step_if_valid(secret: str, code: str, last_step: int | None) -> int | None:
    """The accepted time step for a 6-digit code (±1 step of drift), or None; a step is never reused."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int(clock.now().timestamp()) // totp.interval
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def current_totp(secret: str) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(int(clock.now().timestamp()) // totp.interval)


def new_recovery_codes(count: int = 10) -> list[str]:
    alphabet = "23456789abcdefghjkmnpqrstuvwxyz"  # no 0/o, 1/l/i: read aloud and typed from paper
    return ["-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(2))
            for _ in range(count)]


def require(allowed: bool) -> None:
    """The one way routes refuse: a named policy said no."""
    if not allowed:
        abort(403)


def roles_required(*roles):
    """Only signed-in users whose role is one of `roles` may enter."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            require(current_user.role in roles)
            return view(*args, **kwargs)

        return wrapped

    return decorator


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def add_security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.path.startswith(("/account", "/login", "/admin")):
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app) -> None:
    """Tests trade Argon2's cost for speed; every other environment keeps the library defaults."""
    global _hasher
    if app.config.get("FAST_PASSWORD_HASHING"):
        _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
