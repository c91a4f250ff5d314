"""The report as one self-contained HTML page: the tables and charts of the workbook, with
inline CSS and inline SVG (:mod:`yzmedins.report.svg`), no script and no outside resource, so
it opens the same offline, in a mail or from a file share. Every text is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from yzmedins.labels import both, label
from yzmedins.report.aggregate import Report
from yzmedins.report.svg import column_chart
from yzmedins.report.tables import Cell, Chart, Money, Table, chart_rows

_STYLE = """
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei",
       "PingFang SC", sans-serif; color: #1b1b1b; margin: 24px; font-size: 14px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 2px solid #0072B2; padding-bottom: 2px; }
p.meta, p.note { color: #444; margin: 2px 0; }
p.empty { font-size: 18px; font-weight: bold; color: #A33; }
nav a { margin-right: 12px; }
div.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 12px; }
table.wide { width: 100%; }
th, td { border: 1px solid #bbb; padding: 2px 4px; }
th { background: #DDEBF7; vertical-align: top; text-align: center; font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: bold; background: #F2F2F2; }
svg.chart { display: block; margin: 12px 0; }
svg .title { font-size: 15px; font-weight: bold; }
svg .tick, svg .category { font-size: 11px; fill: #333; }
svg .axis-title { font-size: 13px; font-weight: bold; }
svg .legend { font-size: 12px; }
svg .grid { stroke: #ddd; }
svg .axis { stroke: #333; }
@media print { div.scroll { overflow: visible; } }
"""


def _cell(cell: Cell) -> str:
    if isinstance(cell, Money):
        return f'<td class="n">{cell.yuan:,.2f}</td>'
    if isinstance(cell, int):
        return f'<td class="n">{cell:,}</td>'
    if cell is None:
        return "<td></td>"
    return f"<td>{escape(cell)}</td>"


def _table(table: Table) -> str:
    head = "".join(f"<th>{escape(heading)}</th>" for heading in table.columns)
    body = "".join("<tr>" + "".join(_cell(cell) for cell in row) + "</tr>" for row in table.rows)
    total = ""
    if table.total is not None:
        total = '<tr class="total">' + "".join(_cell(cell) for cell in table.total) + "</tr>"
    wide = ' class="wide"' if len(table.columns) > 6 else ""
    return (
        f'<div class="scroll"><table{wide}><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}{total}</tbody></table></div>"
    )


def _chart(chart: Chart, tables: Sequence[Table]) -> str:
    table, categories, series = chart_rows(chart, tables)
    if not table.rows:
        return ""
    return column_chart(
        both(chart.key), categories, series, chart.x_label, chart.y_label, stacked=chart.stacked
    )


def render_html(report: Report, tables: Sequence[Table], charts: Sequence[Chart]) -> str:
    """The page of ``report``."""
    title = both("report.title")
    parts = [
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{escape(both("report.policy"))}</p>',
        f'<p class="meta">{escape(both("report.sources"))}: '
        f"{escape(', '.join(report.sources))}</p>",
    ]
    if report.year is not None:
        parts.append(f'<p class="meta">{escape(both("year"))}: {report.year}</p>')
    if report.errors:
        parts.append(
            f'<p class="meta">{escape(both("report.lines_not_records"))}: {report.errors:,}</p>'
        )
    if report.empty:
        parts.append(f'<p class="empty">{escape(both("report.empty"))}</p>')
    for key in ("report.note.totals", "report.note.quantiles"):
        parts.append(f'<p class="note">{escape(label(key, "zh"))} {escape(label(key, "en"))}</p>')
    links = "".join(
        f'<a href="#{table.name}">{escape(label(table.key, "zh"))}</a>' for table in tables
    )
    parts.append(f"<nav>{escape(both('report.contents'))}: {links}</nav>")
    for table in tables:
        parts.append(f'<section id="{table.name}"><h2>{escape(both(table.key))}</h2>')
        parts.append(_table(table))
        parts.extend(_chart(chart, tables) for chart in charts if chart.table == table.name)
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "".join(parts)
