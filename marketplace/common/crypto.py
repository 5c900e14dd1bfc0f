"""Encryption at rest with keys the database never holds.

The master key comes from the environment (`MASTER_KEY`, a Fernet key: 32 random bytes, url-safe base64);
in development it is generated once into instance/master-key. It wraps the per-purpose keys that are stored
(e.g. each tender's bid key). Anyone reading the database sees ciphertext and wrapped keys only.
"""

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

__all__ = ["InvalidToken", "decrypt", "encrypt", "new_key", "unwrap", "wrap"]


def _master() -> Fernet:
    return Fernet(current_app.config["MASTER_KEY"])


def new_key() -> bytes:
    return Fernet.generate_key()


def wrap(key: bytes) -> bytes:
    return _master().encrypt(key)


def unwrap(wrapped: bytes) -> bytes:
    return _master().decrypt(wrapped)


def encrypt(key: bytes, plaintext: bytes) -> bytes:
    return Fernet(key).encrypt(plaintext)


def decrypt(key: bytes, token: bytes) -> bytes:
    return Fernet(key).decrypt(token)
