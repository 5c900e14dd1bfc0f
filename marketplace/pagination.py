"""One way to paginate every list: a page object with items, total and links."""

from flask import current_app, request

from marketplace.extensions import db

MAX_PAGE = 100_000  # far beyond any real list; a larger number would only overflow the OFFSET


def paginate(query, per_page: int | None = None):
    per_page = per_page or current_app.config["PER_PAGE"]
    page = request.args.get("page", 1, type=int)
    return db.paginate(query, page=min(max(page, 1), MAX_PAGE), per_page=per_page, max_per_page=100,
                       error_out=False)
