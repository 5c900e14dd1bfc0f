"""One way to paginate every list: a page object with items, total and links."""

from flask import current_app, request
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from marketplace.extensions import db

MAX_PAGE = 100_000  # far beyond any real list; a larger number would only overflow the OFFSET


def paginate(query, per_page: int | None = None, *, from_either_end: bool = False, count=None):
    """The requested page of `query`. With `from_either_end`, a page in the back half of the list is read from the
    end in the reverse order (the last page of 200,000 projects skips 19 rows, not 199,980); only for a query whose
    ORDER BY is total (ends with a unique column), or the two directions could disagree on ties. `count`, a function,
    gives the total when the caller has a cheaper way to it than counting the query (such as a cached count)."""
    per_page = per_page or current_app.config["PER_PAGE"]
    page = request.args.get("page", 1, type=int)
    if from_either_end:
        return FromEitherEnd(select=query, session=db.session(), page=min(max(page, 1), MAX_PAGE),
                             per_page=min(per_page, 100), error_out=False, count_with=count)
    return db.paginate(query, page=min(max(page, 1), MAX_PAGE), per_page=per_page, max_per_page=100,
                       error_out=False)


def reverse(clause):
    """ORDER BY term in the opposite direction (nulls follow: both databases put them at the same end of ASC
    and the other end of DESC)."""
    if isinstance(clause, UnaryExpression) and clause.modifier is operators.desc_op:
        return clause.element.asc()
    if isinstance(clause, UnaryExpression) and clause.modifier is operators.asc_op:
        return clause.element.desc()
    return clause.desc()


class FromEitherEnd(SelectPagination):
    """Counts first, then reads the page from whichever end of the ordered list is nearer."""

    def _query_items(self):
        count_with = self._query_args.get("count_with")
        self._counted = total = count_with() if count_with else super()._query_count()
        offset = self._query_offset
        select, session = self._query_args["select"], self._query_args["session"]
        if offset < total / 2 or offset >= total:
            return list(session.execute(select.limit(self.per_page).offset(offset)).unique().scalars())
        size = min(self.per_page, total - offset)
        backwards = select.order_by(None).order_by(*(reverse(c) for c in select._order_by_clauses))
        rows = list(session.execute(backwards.limit(size).offset(total - offset - size)).unique().scalars())
        return rows[::-1]

    def _query_count(self) -> int:
        return self._counted
