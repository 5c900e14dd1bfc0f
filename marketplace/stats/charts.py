"""A small server-rendered SVG bar chart: horizontal bars, each label above its bar so long Chinese names fit a
phone screen. Colours are presentation attributes, not style attributes, which the CSP would block. The chart
is an image with a title; the table beside it carries the numbers for screen readers and copying."""

from decimal import Decimal

from markupsafe import Markup, escape

WIDTH = 400            # viewBox units; the SVG scales to its container
ROW = 38               # label line + bar
BAR = 14
VALUE_SPACE = 120      # room right of the longest bar for its number
COLOURS = ["#c8102e", "#0b4f9c", "#1e7b34", "#b35c00", "#6a3d9a", "#00727a"]


def _number(value, money: bool) -> str:
    if money:
        return f"¥{Decimal(value):,.2f}"
    return f"{value:,}" if isinstance(value, int) else f"{value}"


def bar_chart(rows: list, *, chart_id: str, title: str, money: bool = False) -> Markup:
    """rows: (label, value) with value ≥ 0. Returns the <svg> element."""
    height = max(len(rows), 1) * ROW + 8
    largest = max((float(v) for _l, v in rows), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
             f'width="100%" preserveAspectRatio="xMinYMin meet" aria-labelledby="{chart_id}-svg-title">',
             f'<title id="{chart_id}-svg-title">{escape(title)}</title>']
    for n, (label, value) in enumerate(rows):
        top = n * ROW + 4
        length = (WIDTH - VALUE_SPACE) * float(value) / largest
        colour = COLOURS[n % len(COLOURS)]
        parts.append(f'<text x="0" y="{top + 13}" font-size="13" fill="#1f2328">{escape(label)}</text>')
        parts.append(f'<rect x="0" y="{top + 18}" width="{length:.1f}" height="{BAR}" fill="{colour}"/>')
        parts.append(f'<text x="{length + 6:.1f}" y="{top + 30}" font-size="12" fill="#1f2328">'
                     f'{escape(_number(value, money))}</text>')
    if not rows:
        parts.append('<text x="0" y="24" font-size="13" fill="#5c6670">—</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
