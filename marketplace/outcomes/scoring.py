"""The arithmetic of a milestone evaluation, as pure functions over Decimals.

Every published figure is rounded half-up to two places, and each score is computed from the rounded figures
that are published, so anyone can recompute it from the page:
    G = (1 − m)·I + m·M   (I from the indicators, M the mean of the reviewers' marks; G = I without marks)
    final = w·R + (1 − w)·G
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def round2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def stars_to_score(stars: int) -> int:
    """1–5 stars onto 0–100: (stars − 1) × 25."""
    if not 1 <= stars <= 5:
        raise ValueError("stars must be 1..5")
    return (stars - 1) * 25


def target_met(comparison: str, actual: Decimal, target: Decimal) -> bool:
    return {">=": actual >= target, "<=": actual <= target, "=": actual == target}[comparison]


def indicator_points(*, rule: str, comparison: str, target: Decimal, weight: int, actual: Decimal | None) -> Decimal:
    """Points one indicator earns out of its weight.

    - pass_fail: the whole weight when the target is met, none otherwise;
    - linear '>=': in proportion to the target, capped at the weight (a target of 0 is met by anything);
    - linear '<=' (costs, waiting times): the whole weight at or under the target, target ÷ actual × weight above;
    - linear '=': an exact figure has no proportion, so it scores like pass/fail.
    No actual reported earns nothing.
    """
    if actual is None:
        return ZERO
    w = Decimal(weight)
    if rule == "pass_fail" or comparison == "=":
        return w if target_met(comparison, actual, target) else ZERO
    if comparison == ">=":
        return w if target == 0 or actual >= target else actual * w / target
    return w if actual <= target else target * w / actual


def government_score(points: list[Decimal]) -> Decimal:
    """G: the indicators' points summed (weights sum to 100), rounded once at the end."""
    return round2(min(sum(points, Decimal(0)), Decimal(100)))


def mean(values) -> Decimal | None:
    values = list(values)
    return round2(Decimal(sum(values, Decimal(0))) / Decimal(len(values))) if values else None


def resident_score(scores: list[int]) -> Decimal:
    """R: the mean of the ratings on the 0–100 scale. With no rating at all R is 0 — nobody vouched for the
    work — which keeps the formula the same for every evaluation (the score is then marked provisional)."""
    return mean(scores) if scores else ZERO


W_PLACES = Decimal("0.0001")  # the scale w is stored and published with


def final_score(w: Decimal, r: Decimal, g: Decimal) -> Decimal:
    """w is taken at the scale it is stored and published with, so the published formula recomputes exactly."""
    w = w.quantize(W_PLACES)
    return round2(w * r + (Decimal(1) - w) * g)


def show_weight(w: Decimal) -> str:
    """w as published: two places, more only when the setting has more (so the formula still recomputes)."""
    text = format(w.normalize(), "f")
    places = len(text.partition(".")[2])
    return format(w, f".{max(places, 2)}f")


@dataclass(frozen=True)
class GovernmentScore:
    """G from the indicator score I and the reviewers' marks, weighted m. Without a single mark G is I: the
    indicators are then all the government side has to go on."""

    indicators: Decimal
    marks: tuple[Decimal, ...]
    m: Decimal

    def __post_init__(self):
        object.__setattr__(self, "m", self.m.quantize(W_PLACES))

    @property
    def mean(self) -> Decimal | None:
        return mean(self.marks)

    @property
    def g(self) -> Decimal:
        if not self.marks:
            return round2(self.indicators)
        return round2((Decimal(1) - self.m) * self.indicators + self.m * self.mean)

    @property
    def m_text(self) -> str:
        return show_weight(self.m)

    def formula(self) -> str:
        """"0.50 × 80.00 + 0.50 × 76.00 = 78.00", or just I when nobody marked."""
        if not self.marks:
            return f"{self.g:.2f}"
        return (f"{show_weight(Decimal(1) - self.m)} × {self.indicators:.2f} + {show_weight(self.m)} × "
                f"{self.mean:.2f} = {self.g:.2f}")


@dataclass(frozen=True)
class Outcome:
    w: Decimal
    r: Decimal
    g: Decimal
    count: int
    quorum: int
    pass_score: Decimal
    government: GovernmentScore | None = None  # how G was made, published beside it

    def __post_init__(self):
        object.__setattr__(self, "w", self.w.quantize(W_PLACES))

    @property
    def final(self) -> Decimal:
        return final_score(self.w, self.r, self.g)

    @property
    def w_text(self) -> str:
        return show_weight(self.w)

    @property
    def provisional(self) -> bool:
        """Fewer ratings than the quorum: the formula is unchanged, but the score is marked provisional."""
        return self.count < self.quorum

    @property
    def passed(self) -> bool:
        return self.final >= self.pass_score

    def formula(self) -> str:
        """"0.70 × 82.50 + 0.30 × 76.00 = 80.55" """
        return (f"{show_weight(self.w)} × {self.r:.2f} + {show_weight(Decimal(1) - self.w)} × {self.g:.2f}"
                f" = {self.final:.2f}")
