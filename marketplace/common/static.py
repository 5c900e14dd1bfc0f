"""Versioned static URLs: `url_for('static', filename='css/app.css')` becomes `/static/css/app.css?v=<hash>`.

The version is a hash of the file's content, so a browser or proxy may keep the file for a year (`immutable`) and a
new release, whose file has a new hash, is fetched at once. A request with an old or no version still gets the file,
just without the long cache lifetime.
"""

import hashlib
from pathlib import Path

from flask import request

LONG_CACHE = "public, max-age=31536000, immutable"


def init_app(app) -> None:
    versions: dict[str, tuple[float, str | None]] = {}
    root = Path(app.static_folder)

    def file_version(filename: str) -> str | None:
        path = root / filename
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return None
        known = versions.get(filename)
        # Hash once per process; in debug the file may change under a running server, so check its mtime too.
        if known is None or (app.debug and known[0] != mtime):
            known = versions[filename] = (mtime, hashlib.sha256(path.read_bytes()).hexdigest()[:12])
        return known[1]

    @app.url_defaults
    def add_version(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = file_version(values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def cache_versioned(response):
        if (request.endpoint == "static" and response.status_code == 200
                and request.args.get("v") == file_version(request.view_args.get("filename", ""))):
            response.headers["Cache-Control"] = LONG_CACHE
        return response
