"""The dashboard's charts as small SVG drawn on the server (templates/admin/dashboard/*.svg).

Why our own SVG and not pygal: two charts of twelve points need a scale, bars, a line and labels,
about a hundred lines; pygal would add a dependency whose default output loads its tooltips'
JavaScript from a CDN (the page must work offline) and whose legends lean on colour. Here every
bar and point carries its value as text and a `<title>` (a tooltip, and what a screen reader reads),
bars are hatched and outlined and points are marked, so nothing depends on telling colours apart.
Geometry is computed in Decimal (pixels to one decimal), never float.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from core.money import format_money

WIDTH = 760
HEIGHT = 240
LEFT, RIGHT, TOP, BOTTOM = 80, 20, 28, 44
PIXEL = Decimal("0.1")


def _px(value: Decimal) -> Decimal:
    return value.quantize(PIXEL, rounding=ROUND_HALF_UP)


def month_label(month: date) -> str:
    return month.strftime("%b %Y")


@dataclass(frozen=True)
class Mark:
    """One bar or point: where it is drawn, its value as text, and its accessible title."""

    x: Decimal
    y: Decimal
    width: Decimal
    height: Decimal
    cx: Decimal
    text: str
    title: str
    month: str


@dataclass
class Chart:
    slug: str
    title: str
    description: str
    currency: str
    kind: str  # "bar" or "line"
    marks: list[Mark] = field(default_factory=list)
    zero_y: Decimal = Decimal(0)
    ticks: list[tuple[Decimal, str]] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_x: int = WIDTH - RIGHT
    axis_y: int = HEIGHT - BOTTOM

    @property
    def points(self) -> str:
        """The line through every point (a polyline's `points`)."""
        return " ".join(f"{m.cx},{m.y}" for m in self.marks)


def _scale(values: list[Decimal]) -> tuple[Decimal, Decimal]:
    low, high = min([Decimal(0), *values]), max([Decimal(0), *values])
    if low == high:
        high = Decimal(1)
    return low, high


def build_chart(
    *, slug: str, title: str, what: str, currency: str, months: list[date], values: list[Decimal], kind: str
) -> Chart:
    """A bar (`kind="bar"`) or line (`"line"`) chart of one value per month."""
    chart = Chart(slug=slug, title=title, currency=currency, kind=kind, description="")
    low, high = _scale(values)
    plot_top, plot_bottom = Decimal(TOP), Decimal(HEIGHT - BOTTOM)
    span = plot_bottom - plot_top

    def y_of(value: Decimal) -> Decimal:
        return _px(plot_bottom - (value - low) / (high - low) * span)

    chart.zero_y = y_of(Decimal(0))
    chart.ticks = [(y_of(v), format_money(v)) for v in sorted({low, Decimal(0), high})]
    slot = Decimal(WIDTH - LEFT - RIGHT) / len(months)
    for n, (month, value) in enumerate(zip(months, values, strict=True)):
        x = _px(LEFT + slot * n + slot / 8)
        width = _px(slot * 3 / 4)
        cx = _px(LEFT + slot * n + slot / 2)
        top = y_of(value)
        if kind == "bar":
            y, height = min(top, chart.zero_y), abs(chart.zero_y - top)
        else:
            y, height = top, Decimal(0)
        label = month_label(month)
        chart.marks.append(
            Mark(
                x=x,
                y=y,
                width=width,
                height=height,
                cx=cx,
                text=format_money(value),
                title=f"{label}: {format_money(value)} {currency} {what}",
                month=month.strftime("%b %y"),
            )
        )
    first, last = month_label(months[0]), month_label(months[-1])
    chart.description = (
        f"{title}, {first} to {last}: "
        + "; ".join(f"{m.title.split(':')[0]} {m.text}" for m in chart.marks)
        + f" ({currency})."
    )
    return chart
