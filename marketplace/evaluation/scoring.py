"""The arithmetic of 综合评分法, as pure functions: price score, technical score, totals and the ranking.

Every figure is a Decimal rounded half-up to two places, the way it is published.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def price_score(lowest: Decimal, price: Decimal, weight: int) -> Decimal:
    """Lowest valid price ÷ this bid's price × the price weight. Multiplying first keeps the division exact
    as long as possible: 176500 × 20 ÷ 182000 = 19.3956… → 19.40."""
    return round2(lowest * Decimal(weight) / price)


def technical_score(sums_by_member: list[Decimal]) -> Decimal:
    """The mean, over the active members who submitted, of each member's points for the bid."""
    if not sums_by_member:
        return Decimal("0.00")
    return round2(sum(sums_by_member, Decimal(0)) / len(sums_by_member))


@dataclass(frozen=True)
class Standing:
    bid_id: int
    price: Decimal
    submitted_at: datetime
    price_score: Decimal
    technical_score: Decimal

    @property
    def total(self) -> Decimal:
        return self.price_score + self.technical_score


def rank_key(standing: Standing) -> tuple:
    """The tie rule, in order: higher total first; then lower price; then higher technical score; then the
    bid received earlier (server time of receipt); the bid id only makes the order total for identical rows."""
    return (-standing.total, standing.price, -standing.technical_score, standing.submitted_at, standing.bid_id)


def ranking(standings: list[Standing]) -> list[tuple[int, Standing]]:
    """(rank, standing) from 1, every rank distinct: a tie is broken, never shared."""
    return list(enumerate(sorted(standings, key=rank_key), start=1))
