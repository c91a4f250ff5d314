"""Column charts as inline SVG, drawn by hand: no library, no script, no outside resource.

A chart has a title, a y axis with its unit (元 or 人) and gridlines at round steps, one column
(or one stack of columns) per category with the category's label below it, slanted when the
labels are long, and a legend. Amounts are turned into ``float`` here for drawing only; the
figures shown in each column's tooltip are the exact ones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from html import escape

#: Series colours (colour-blind safe, after Okabe and Ito).
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")

WIDTH = 960
_PLOT_TOP = 48
_LEFT = 110
_RIGHT = 24
_PLOT_HEIGHT = 260
_FONT = 12


def text_width(text: str, size: float = _FONT) -> float:
    """About how wide ``text`` is drawn at ``size`` pixels: CJK characters are square."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.58 for ch in text)


def _step(span: float) -> float:
    """A round step (1, 2 or 5 × 10ⁿ) giving about five gridlines over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / 5
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 5.0, 10.0):
        if raw <= factor * power:
            return factor * power
    return 10.0 * power


def _tick(value: float) -> str:
    return f"{value:,.0f}"


def _exact(value: Decimal | int) -> str:
    return f"{value:,.2f}" if isinstance(value, Decimal) else f"{value:,}"


def column_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[Decimal | int]]],
    x_label: str,
    y_label: str,
    *,
    stacked: bool = True,
) -> str:
    """One chart as an ``<svg>`` element (stacked or side-by-side columns)."""
    count = len(categories)
    tops = [0.0] * count
    bottoms = [0.0] * count
    for _, values in series:
        for index, value in enumerate(values):
            number = float(value)  # drawing only
            if stacked:
                if number >= 0:
                    tops[index] += number
                else:
                    bottoms[index] += number
            else:
                tops[index] = max(tops[index], number)
                bottoms[index] = min(bottoms[index], number)
    high, low = max(tops, default=0.0), min(bottoms, default=0.0)
    step = _step(high - low)
    if all(isinstance(value, int) for _, values in series for value in values):
        step = max(step, 1.0)  # counts: whole steps
    high = math.ceil(high / step) * step if high > 0 else 0.0
    low = math.floor(low / step) * step if low < 0 else 0.0
    if high == low:
        high = step
    plot_width = WIDTH - _LEFT - _RIGHT
    longest = max((text_width(name, 11) for name in categories), default=0.0)
    band = plot_width / max(count, 1)
    slanted = longest > band - 4
    label_depth = longest * 0.6 + 16 if slanted else 22
    plot_bottom = _PLOT_TOP + _PLOT_HEIGHT
    x_title_y = plot_bottom + label_depth + 22
    legend_rows = _legend_rows([name for name, _ in series], plot_width)
    height = x_title_y + 16 + 22 * len(legend_rows) + 8

    def y_of(value: float) -> float:
        return plot_bottom - (value - low) / (high - low) * _PLOT_HEIGHT

    parts = [
        f'<svg class="chart" role="img" width="{WIDTH}" height="{height:.0f}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" aria-label="{escape(title)}">',
        f'<text class="title" x="{WIDTH / 2:.0f}" y="24" text-anchor="middle">'
        f"{escape(title)}</text>",
    ]
    tick = low
    while tick <= high + step / 2:
        y = y_of(tick)
        parts.append(
            f'<line class="grid" x1="{_LEFT}" y1="{y:.1f}" x2="{WIDTH - _RIGHT}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{_tick(tick)}</text>"
        )
        tick += step
    width = band * (0.7 if stacked else 0.8 / max(len(series), 1))
    for index in range(count):
        up = down = 0.0
        for number_of_series, (name, values) in enumerate(series):
            value = values[index]
            number = float(value)
            if stacked:
                x = _LEFT + band * index + (band - width) / 2
                if number >= 0:
                    start, up = up, up + number
                else:
                    start, down = down, down + number
                first, second = y_of(start), y_of(start + number)
            else:
                x = _LEFT + band * index + band * 0.1 + width * number_of_series
                first, second = y_of(0.0), y_of(number)
            colour = COLOURS[number_of_series % len(COLOURS)]
            parts.append(
                f'<rect x="{x:.1f}" y="{min(first, second):.1f}" width="{width:.1f}" '
                f'height="{abs(second - first):.1f}" fill="{colour}">'
                f"<title>{escape(categories[index])} · {escape(name)}: {_exact(value)}</title>"
                "</rect>"
            )
        centre = _LEFT + band * index + band / 2
        label_y = plot_bottom + 14
        if slanted:
            parts.append(
                f'<text class="category" x="{centre:.1f}" y="{label_y:.1f}" text-anchor="end" '
                f'transform="rotate(-35 {centre:.1f} {label_y:.1f})">'
                f"{escape(categories[index])}</text>"
            )
        else:
            parts.append(
                f'<text class="category" x="{centre:.1f}" y="{label_y + 2:.1f}" '
                f'text-anchor="middle">{escape(categories[index])}</text>'
            )
    parts.append(
        f'<line class="axis" x1="{_LEFT}" y1="{y_of(0.0):.1f}" x2="{WIDTH - _RIGHT}" '
        f'y2="{y_of(0.0):.1f}"/>'
        f'<line class="axis" x1="{_LEFT}" y1="{_PLOT_TOP}" x2="{_LEFT}" y2="{plot_bottom}"/>'
    )
    middle = _PLOT_TOP + _PLOT_HEIGHT / 2
    parts.append(
        f'<text class="axis-title" x="18" y="{middle:.0f}" text-anchor="middle" '
        f'transform="rotate(-90 18 {middle:.0f})">{escape(y_label)}</text>'
        f'<text class="axis-title" x="{_LEFT + plot_width / 2:.0f}" y="{x_title_y:.0f}" '
        f'text-anchor="middle">{escape(x_label)}</text>'
    )
    y = x_title_y + 16
    index = 0
    for row in legend_rows:
        x = _LEFT + (plot_width - sum(w for _, w in row)) / 2
        for name, item_width in row:
            colour = COLOURS[index % len(COLOURS)]
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="12" height="12" fill="{colour}"/>'
                f'<text class="legend" x="{x + 16:.1f}" y="{y + 11:.1f}">{escape(name)}</text>'
            )
            x += item_width
            index += 1
        y += 22
    parts.append("</svg>")
    return "".join(parts)


def _legend_rows(names: Sequence[str], width: float) -> list[list[tuple[str, float]]]:
    rows: list[list[tuple[str, float]]] = [[]]
    used = 0.0
    for name in names:
        item = 16 + text_width(name) + 24
        if rows[-1] and used + item > width:
            rows.append([])
            used = 0.0
        rows[-1].append((name, item))
        used += item
    return rows
