"""Uploaded files: checked by their first bytes, stored once under instance/ by SHA-256, stashed while a form is fixed.

Every domain that keeps files (evidence, need photos, tender documents) stores them here and keeps the
hash on its own row, so a file can be checked against what was published.
"""

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from marketplace.errors import DomainError

MAX_BYTES = 10 * 1024 * 1024
# Checked by content, not by the name the browser sends.
SIGNATURES = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
IMAGE_TYPES = {"image/png", "image/jpeg"}


@dataclass(frozen=True)
class StoredFile:
    name: str
    sha256: str
    content_type: str
    size: int


def _folder(name: str) -> Path:
    folder = Path(current_app.instance_path) / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sniff_type(content: bytes) -> str | None:
    return next((kind for signature, kind in SIGNATURES.items() if content.startswith(signature)), None)


def check(filename: str, content: bytes, *, field: str = "document", images_only: bool = False) -> str:
    """The content type of an acceptable file, or a DomainError a person can fix."""
    if not content:
        raise DomainError(_("文件是空的，请重新选择"), field=field)
    if len(content) > MAX_BYTES:
        raise DomainError(_("文件超过 10 MB，请压缩后再上传"), field=field)
    content_type = sniff_type(content)
    if images_only and content_type not in IMAGE_TYPES:
        raise DomainError(_("“%(name)s” 不是 JPG 或 PNG 图片", name=filename), field=field)
    if content_type is None:
        raise DomainError(_("“%(name)s” 不是 PDF、JPG 或 PNG 文件", name=filename), field=field)
    return content_type


def store(filename: str, content: bytes, *, field: str = "document", images_only: bool = False) -> StoredFile:
    content_type = check(filename, content, field=field, images_only=images_only)
    digest = hashlib.sha256(content).hexdigest()
    path = path_of(digest)
    if not path.exists():
        path.write_bytes(content)
    return StoredFile(Path(filename).name[:255] or "document", digest, content_type, len(content))


def path_of(sha256: str) -> Path:
    return _folder("documents") / sha256


def stash(filename: str, content: bytes, **checks) -> str:
    """Keep a file that passed its own checks while the rest of the form is corrected, so nobody re-selects it."""
    check(filename, content, **checks)
    token = secrets.token_hex(16)
    folder = _folder("uploads")
    (folder / token).write_bytes(content)
    (folder / f"{token}.name").write_text(Path(filename).name, encoding="utf-8")
    return token


def purge_stash(older_than) -> int:
    """Delete stashed files written before `older_than` (a datetime): a form is corrected, or its input handed back
    after a sign-in, within hours; nothing refers to a stash older than that. Returns how many files went."""
    folder, removed = _folder("uploads"), 0
    for path in folder.iterdir():
        if path.suffix != ".name" and path.stat().st_mtime < older_than.timestamp():
            for stale in (path, path.with_name(f"{path.name}.name")):
                stale.unlink(missing_ok=True)
            removed += 1
    return removed


def unstash(token: str) -> tuple[str, bytes] | None:
    folder = _folder("uploads")
    if not token or not token.isalnum() or not (folder / token).exists():
        return None
    return (folder / f"{token}.name").read_text(encoding="utf-8"), (folder / token).read_bytes()
