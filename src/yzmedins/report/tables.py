"""The tables and charts of a report (pure): what the workbook and the page both show.

A cell is text, a count (``int``) or an amount (:class:`Money`, whole fen); every label comes
from :mod:`yzmedins.labels`, in Chinese with English beside it. Each table of groups ends in a
total row whose amounts are the sums of its rows, which are the sums of the records read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

import attrs

from yzmedins.labels import both, label
from yzmedins.report.aggregate import AMOUNTS, COUNTS, DIMENSIONS, HISTOGRAM_BINS, Report, yuan

#: The prefix of each dimension's value labels in :mod:`yzmedins.labels`.
_VALUE_LABELS = {
    "applied_rule": "applied_rule",
    "hospital_level": "level",
    "hospital_region": "region",
    "settlement": "settlement",
    "category": "category",
}
#: The counts shown in the tables of groups (of :data:`COUNTS`), with their labels.
_SHOWN_COUNTS = (("records", "report.records"), ("claims", "report.claims_in_effect"),
                 ("approved", "report.approved_in_effect"))  # fmt: skip


@attrs.frozen
class Money:
    """An amount in whole fen, shown in yuan with two places."""

    fen: int

    @property
    def yuan(self) -> Decimal:
        return yuan(self.fen)


Cell = str | int | Money | None


@attrs.frozen
class Table:
    """A titled table: its column headings, rows and (for tables of groups) a total row."""

    key: str  # the label key of its title; also the sheet and anchor name's source
    name: str  # a short name: the sheet and the page anchor
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    total: tuple[Cell, ...] | None = None
    #: The columns naming a row (shown as its category in a chart).
    label_columns: int = 1


@attrs.frozen
class Chart:
    """A chart of some columns of a table's rows (its total row left out)."""

    key: str  # the label key of its title
    table: str  # the table's name
    series: tuple[int, ...] | None  # the columns drawn, one series each (None: all but labels)
    x_label: str
    y_label: str
    #: The columns (first, last) naming a row in the chart: a contiguous range.
    categories: tuple[int, int] = (0, 1)
    stacked: bool = True


def _value_text(dimension: str, value: str) -> str:
    if not value:
        return both("report.none")
    return both(f"{_VALUE_LABELS[dimension]}.{value}")


def _dimension_cell(dimension: str, value: int | str, year: int | str) -> Cell:
    """A dimension's value as text: a year ``2019``, a month ``2019-03``, else its label."""
    if dimension == "year":
        return str(value)
    if dimension == "month":
        return f"{year}-{value:02d}" if value else both("report.none")
    return _value_text(dimension, str(value))


def _measures(row: Sequence[int]) -> tuple[Cell, ...]:
    counts = tuple(row[COUNTS.index(name)] for name, _ in _SHOWN_COUNTS)
    return (*counts, *(Money(value) for value in row[len(COUNTS) :]))


_MEASURE_HEADINGS = (
    *(both(key) for _, key in _SHOWN_COUNTS),
    *(f"{both(name)}（元）" for name in AMOUNTS),
)


def _sum_rows(rows: Iterable[Sequence[int]]) -> list[int]:
    total = [0] * (len(COUNTS) + len(AMOUNTS))
    for row in rows:
        for index, value in enumerate(row):
            total[index] += value
    return total


def group_table(report: Report, key: str, name: str, dimensions: Sequence[str]) -> Table:
    """The groups of ``report`` added up over every dimension but ``dimensions``."""
    indexes = [DIMENSIONS.index(dimension) for dimension in dimensions]
    merged: dict[tuple[int | str, ...], list[int]] = {}
    for group, row in report.groups:
        part = tuple(group[index] for index in indexes)
        held = merged.setdefault(part, [0] * len(row))
        for index, value in enumerate(row):
            held[index] += value
    rows = tuple(
        (
            *(
                _dimension_cell(dim, value, part[0])
                for dim, value in zip(dimensions, part, strict=True)
            ),
            *_measures(row),
        )
        for part, row in sorted(merged.items(), key=lambda item: _order(item[0]))
    )
    total = _sum_rows(row for _, row in report.groups)
    return Table(
        key=key,
        name=name,
        columns=(*(_dimension_heading(dim) for dim in dimensions), *_MEASURE_HEADINGS),
        rows=rows,
        total=(both("report.total_row"), *([None] * (len(dimensions) - 1)), *_measures(total)),
        label_columns=len(dimensions),
    )


def _order(part: tuple[int | str, ...]) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, value) if isinstance(value, int) else (1, value) for value in part)


def _dimension_heading(dimension: str) -> str:
    if dimension == "month":
        return both("report.month")
    return both(dimension)


def overview(report: Report) -> Table:
    totals = _sum_rows(row for _, row in report.groups)
    counts: list[tuple[Cell, ...]] = [
        (both("report.records"), report.records),
        (both("record.settlement"), totals[COUNTS.index("settlements")]),
        (both("record.reversal"), totals[COUNTS.index("reversals")]),
        (both("record.correction"), totals[COUNTS.index("corrections")]),
        (both("report.claims_in_effect"), totals[COUNTS.index("claims")]),
        (both("report.approved_in_effect"), totals[COUNTS.index("approved")]),
        (both("report.lines_not_records"), report.errors),
    ]
    amounts = [
        (f"{both(name)}（元）", Money(totals[len(COUNTS) + index]))
        for index, name in enumerate(AMOUNTS)
    ]
    return Table(
        key="report.overview",
        name="overview",
        columns=(both("report.item"), both("report.value")),
        rows=(*counts, *amounts),
    )


def rejections(report: Report) -> Table:
    rows = tuple(
        (str(year), code, label(f"reason.{code}", "zh"), claims, records, Money(total))
        for (year, code), (claims, records, total) in report.rejections
    )
    return Table(
        key="report.rejections",
        name="rejections",
        columns=(
            both("year"),
            both("report.reason"),
            both("reasons"),
            both("report.claims_in_effect"),
            both("report.records"),
            f"{both('total')}（元）",
        ),
        rows=rows,
        total=(
            both("report.total_row"),
            None,
            None,
            sum(claims for _, (claims, _, _) in report.rejections),
            sum(records for _, (_, records, _) in report.rejections),
            Money(sum(total for _, (_, _, total) in report.rejections)),
        ),
        label_columns=2,
    )


def caps(report: Report) -> Table:
    rows = tuple(
        (
            str(stats.year),
            stats.persons,
            Money(stats.caps.basic),
            Money(stats.caps.catastrophic),
            stats.reached_basic,
            stats.reached_catastrophic,
            stats.reached_both,
            Money(stats.above_caps),
            stats.persons_above,
        )
        for stats in report.years
    )
    return Table(
        key="report.caps",
        name="caps",
        columns=(
            both("year"),
            both("report.persons"),
            f"{both('report.cap_basic')}（元）",
            f"{both('report.cap_catastrophic')}（元）",
            both("report.reached_basic"),
            both("report.reached_catastrophic"),
            both("report.reached_both"),
            f"{both('report.above_caps')}（元）",
            both("report.persons_above"),
        ),
        rows=rows,
        total=(
            both("report.total_row"),
            sum(s.persons for s in report.years),
            None,
            None,
            sum(s.reached_basic for s in report.years),
            sum(s.reached_catastrophic for s in report.years),
            sum(s.reached_both for s in report.years),
            Money(sum(s.above_caps for s in report.years)),
            sum(s.persons_above for s in report.years),
        ),
    )


_QUANTILE_KEYS = ("minimum", "p25", "median", "p75", "p90", "maximum", "mean")


def subsidy(report: Report) -> Table:
    rows = []
    for stats in report.years:
        figures = dict(stats.quantiles)
        rows.append(
            (
                str(stats.year),
                stats.subsidy_persons,
                Money(stats.subsidy_paid),
                Money(stats.caps.subsidy),
                stats.at_subsidy_cap,
                *(Money(figures[key]) if key in figures else None for key in _QUANTILE_KEYS),
            )
        )
    return Table(
        key="report.subsidy",
        name="subsidy",
        columns=(
            both("year"),
            both("report.subsidy_persons"),
            f"{both('report.subsidy_paid')}（元）",
            f"{both('report.subsidy_cap')}（元）",
            both("report.at_subsidy_cap"),
            *(f"{both(f'report.{key}')}（元）" for key in _QUANTILE_KEYS),
        ),
        rows=tuple(rows),
        total=(
            both("report.total_row"),
            sum(s.subsidy_persons for s in report.years),
            Money(sum(s.subsidy_paid for s in report.years)),
            None,
            sum(s.at_subsidy_cap for s in report.years),
            *([None] * len(_QUANTILE_KEYS)),
        ),
    )


def _bin_text(low: int, high: int) -> str:
    return f"{yuan(low):,.0f}–{yuan(high):,.0f}"


def histogram(report: Report) -> Table:
    """Persons by the subsidy paid them: a row per bin (the cap in equal parts), a column per
    year in which someone was paid."""
    years = [stats for stats in report.years if stats.subsidy_persons]
    same_caps = len({stats.caps.subsidy for stats in years}) <= 1
    rows: list[tuple[Cell, ...]] = []
    for index in range(HISTOGRAM_BINS):
        if same_caps and years:
            low, high, _ = years[0].histogram[index]
            name = _bin_text(low, high)
        else:
            name = f"{index + 1}/{HISTOGRAM_BINS}"
        rows.append((name, *(stats.histogram[index][2] for stats in years)))
    return Table(
        key="report.histogram",
        name="histogram",
        columns=(
            both("report.bin"),
            *(f"{stats.year} {both('report.bin_persons')}" for stats in years),
        ),
        rows=tuple(rows) if years else (),
        total=(
            both("report.total_row"),
            *(sum(count for _, _, count in stats.histogram) for stats in years),
        ),
    )


def report_tables(report: Report) -> tuple[Table, ...]:
    """Every table of a report, in the order both writers show them."""
    return (
        overview(report),
        group_table(report, "report.by_month", "by_month", ("year", "month")),
        group_table(report, "report.by_rule", "by_rule", ("year", "applied_rule")),
        group_table(report, "report.by_level", "by_level", ("year", "hospital_level")),
        group_table(report, "report.by_region", "by_region", ("year", "hospital_region")),
        group_table(report, "report.by_settlement", "by_settlement", ("year", "settlement")),
        group_table(report, "report.by_category", "by_category", ("year", "category")),
        rejections(report),
        caps(report),
        subsidy(report),
        histogram(report),
        group_table(report, "report.breakdown", "breakdown", DIMENSIONS),
    )


def _column(name: str) -> int:
    """The column of an amount in a table of groups made from two dimensions."""
    return 2 + len(_SHOWN_COUNTS) + AMOUNTS.index(name)


#: The charts, each of some columns of one table.
CHARTS = (
    Chart(
        "report.chart.funds_by_month",
        "by_month",
        tuple(
            _column(name)
            for name in ("basic_fund", "catastrophic_fund", "other_fund", "secondary_subsidy")
        ),
        both("report.month"),
        both("report.axis.yuan"),
        categories=(1, 1),
    ),
    Chart(
        "report.chart.by_rule",
        "by_rule",
        (_column("fund_total"), _column("personal_cash")),
        both("applied_rule"),
        both("report.axis.yuan"),
    ),
    Chart(
        "report.chart.rejections",
        "rejections",
        (5,),
        both("report.reason"),
        both("report.axis.yuan"),
    ),
    Chart(
        "report.chart.subsidy",
        "histogram",
        None,
        both("report.bin"),
        both("report.axis.persons"),
        categories=(0, 0),
    ),
)


def series_columns(chart: Chart, table: Table) -> tuple[int, ...]:
    """The columns a chart draws."""
    if chart.series is not None:
        return chart.series
    return tuple(range(table.label_columns, len(table.columns)))


def chart_rows(
    chart: Chart, tables: Iterable[Table]
) -> tuple[Table, list[str], list[tuple[str, list[Decimal | int]]]]:
    """A chart's table, its categories (the label columns of each row, joined) and its
    series (heading, values: yuan or counts)."""
    table = next(table for table in tables if table.name == chart.table)
    first, last = chart.categories
    categories = [" ".join(_short(cell) for cell in row[first : last + 1]) for row in table.rows]
    series = [
        (table.columns[column], [_number(row[column]) for row in table.rows])
        for column in series_columns(chart, table)
    ]
    return table, categories, series


def _short(cell: Cell) -> str:
    """A category label: the Chinese of a label with English beside it."""
    if isinstance(cell, str):
        return cell
    return "" if cell is None else str(cell)


def _number(cell: Cell) -> Decimal | int:
    if isinstance(cell, Money):
        return cell.yuan
    if isinstance(cell, int):
        return cell
    return 0
