"""One way to paginate every list: a page object with items, total and links."""

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from marketplace.extensions import db

MAX_PAGE = 100_000  # far beyond any real list; a larger number would only overflow the OFFSET


def paginate(query, per_page: int | None = None, *, from_either_end: bool = False, count=None):
    """The requested page of `query`. With `from_either_end`, a page in the back half of the list is read from the
    end in the reverse order (the last page of 200,000 projects skips 19 rows, not 199,980); only for a query whose
    ORDER BY is total (ends with a unique column), or the two directions could disagree on ties. `count`, a function,
    gives the total when the caller has a cheaper way to it than counting the query (such as a cached count)."""
    if from_either_end:
        return paginate_parts([query], per_page, counts=[count] if count else None)
    per_page = per_page or current_app.config["PER_PAGE"]
    return db.paginate(query, page=_requested_page(), per_page=per_page, max_per_page=100, error_out=False)


def paginate_parts(parts, per_page: int | None = None, *, counts=None):
    """One list made of several queries shown one after the other (open tenders by deadline, then the rest newest
    first): each part keeps an order an index can give, where one ORDER BY over both would sort every row. The
    parts must not overlap, and each ORDER BY must be total (each part is read from its nearer end)."""
    per_page = min(per_page or current_app.config["PER_PAGE"], 100)
    return Parts(parts=parts, counts=counts, page=_requested_page(), per_page=per_page, error_out=False)


def _requested_page() -> int:
    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)


def reverse(clause):
    """ORDER BY term in the opposite direction (nulls follow: both databases put them at the same end of ASC
    and the other end of DESC)."""
    if isinstance(clause, UnaryExpression) and clause.modifier is operators.desc_op:
        return clause.element.asc()
    if isinstance(clause, UnaryExpression) and clause.modifier is operators.asc_op:
        return clause.element.desc()
    return clause.desc()


def read(query, offset: int, size: int, total: int) -> list:
    """`size` rows of the ordered `query` from `offset`, reading from whichever end of its `total` rows is nearer."""
    if offset < total / 2:
        return list(db.session.execute(query.limit(size).offset(offset)).unique().scalars())
    backwards = query.order_by(None).order_by(*(reverse(c) for c in query._order_by_clauses))
    return list(db.session.execute(backwards.limit(size).offset(total - offset - size)).unique().scalars())[::-1]


def count_rows(query) -> int:
    return db.session.execute(select(func.count()).select_from(
        query.options(lazyload("*")).order_by(None).subquery())).scalar_one()


class Parts(Pagination):
    """Counts each part first, then takes the page's rows from the parts it spans."""

    def _query_items(self):
        parts, count_with = self._query_args["parts"], self._query_args["counts"]
        counts = [c() for c in count_with] if count_with else [count_rows(q) for q in parts]
        self._counted = sum(counts)
        offset, wanted, items = self._query_offset, self.per_page, []
        for query, total in zip(parts, counts, strict=True):
            if wanted == 0:
                break
            if offset >= total:
                offset -= total
                continue
            size = min(wanted, total - offset)
            items += read(query, offset, size, total)
            wanted, offset = wanted - size, 0
        return items

    def _query_count(self) -> int:
        return self._counted
