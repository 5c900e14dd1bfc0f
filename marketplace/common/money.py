"""Money is Decimal yuan with two places; integer fen exist only at the payment gateway edge."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from sqlalchemy import Numeric

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("1e12")
MoneyColumn = Numeric(14, 2, asdecimal=True)


class MoneyError(ValueError):
    pass


def yuan(value) -> Decimal:
    """Parse an amount in yuan ("1,200.5", 1200, Decimal) into a two-place Decimal."""
    if isinstance(value, float):
        raise MoneyError("float amounts are not accepted; pass str or Decimal")
    try:
        text = str(value).replace(",", "").replace("¥", "").replace("￥", "").strip()
        amount = Decimal(text)
    except (InvalidOperation, ValueError) as exc:
        raise MoneyError(f"不是有效金额: {value!r}") from exc
    # Numeric(14,2) holds less than a trillion yuan; anything larger is a typing mistake, not an amount.
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise MoneyError(f"不是有效金额: {value!r}")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_fen(amount: Decimal) -> int:
    return int((yuan(amount) * 100).to_integral_value())


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(CENT)


def format_cny(amount: Decimal | None) -> str:
    if amount is None:
        return "—"
    return f"¥{yuan(amount):,.2f}"
