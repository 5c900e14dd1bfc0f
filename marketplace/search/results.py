"""What every search backend returns, so the page and the API never care which one answered."""

from dataclasses import dataclass, field
from datetime import datetime

FACETS = ("kind", "status", "category", "year", "regions")


@dataclass(frozen=True)
class Hit:
    key: str
    kind: str
    title: str
    url: str
    status: str
    year: str
    dated: datetime | None
    title_html: str | None  # highlighted, escaped HTML (matches in <mark>), or None when the title did not match
    snippet_html: str | None
    body: str


@dataclass(frozen=True)
class Results:
    hits: list[Hit]
    total: int
    # False when `total` or the facet counts are estimates: counted on a sample (PostgreSQL, beyond its
    # candidates), or a search its time budget cut short
    exact: bool
    page: int
    per_page: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None

    @classmethod
    def empty(cls, page: int = 1, per_page: int = 20) -> "Results":
        return cls(hits=[], total=0, exact=True, page=page, per_page=per_page, facets={f: {} for f in FACETS})

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    # The same names as a Flask-SQLAlchemy page, so the shared pager macro serves search too.
    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1
