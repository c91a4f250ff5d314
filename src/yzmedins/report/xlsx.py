"""The report as an Excel workbook (XlsxWriter): a sheet per table, numbers as numbers.

Amounts are written as numeric cells with the number format ``#,##0.00`` from their exact
decimal text (XlsxWriter writes a ``Decimal`` as it is, never through a binary float), counts
as whole numbers; each table's total row holds its values, not formulas, so that a reader that
does not recalculate shows them. Headings are frozen; the charts are native Excel charts of the
tables' cells, on a sheet of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

import xlsxwriter
import xlsxwriter.exceptions

from yzmedins.labels import both, label
from yzmedins.report.aggregate import Report
from yzmedins.report.tables import Cell, Chart, Money, Table, series_columns

#: Rows above a table's headings: its title, then a blank row.
_HEADING_ROW = 2


def _sheet_name(table: Table) -> str:
    """A sheet's name: the table's Chinese title (Excel allows 31 characters, not ``[]:*?/\\``)."""
    name = label(table.key, "zh")
    for character in "[]:*?/\\":
        name = name.replace(character, " ")
    return name[:31]


class _Formats:
    def __init__(self, book: Any) -> None:
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.heading = book.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1}
        )
        self.money = book.add_format({"num_format": "#,##0.00"})
        self.count = book.add_format({"num_format": "#,##0"})
        self.text = book.add_format({})
        self.total_money = book.add_format({"num_format": "#,##0.00", "bold": True, "top": 1})
        self.total_count = book.add_format({"num_format": "#,##0", "bold": True, "top": 1})
        self.total_text = book.add_format({"bold": True, "top": 1})


def _write_cell(
    sheet: Any, row: int, column: int, cell: Cell, formats: _Formats, total: bool
) -> None:
    if isinstance(cell, Money):
        sheet.write_number(row, column, cell.yuan, formats.total_money if total else formats.money)
    elif isinstance(cell, int):
        sheet.write_number(row, column, cell, formats.total_count if total else formats.count)
    elif cell is None:
        sheet.write_blank(row, column, None, formats.total_text if total else formats.text)
    else:
        sheet.write_string(row, column, cell, formats.total_text if total else formats.text)


def _write_table(book: Any, table: Table, formats: _Formats) -> str:
    name = _sheet_name(table)
    sheet = book.add_worksheet(name)
    sheet.write_string(0, 0, both(table.key), formats.title)
    for column, heading in enumerate(table.columns):
        sheet.write_string(_HEADING_ROW, column, heading, formats.heading)
        sheet.set_column(column, column, 22 if column < table.label_columns else 16)
    sheet.set_row(_HEADING_ROW, 48)
    for offset, row in enumerate(table.rows, _HEADING_ROW + 1):
        for column, cell in enumerate(row):
            _write_cell(sheet, offset, column, cell, formats, total=False)
    if table.total is not None:
        last = _HEADING_ROW + 1 + len(table.rows)
        for column, cell in enumerate(table.total):
            _write_cell(sheet, last, column, cell, formats, total=True)
    sheet.freeze_panes(_HEADING_ROW + 1, table.label_columns)
    return name


def _add_chart(book: Any, chart: Chart, table: Table, sheet_name: str) -> Any:
    first, last = _HEADING_ROW + 1, _HEADING_ROW + len(table.rows)
    excel_chart = book.add_chart(
        {"type": "column", **({"subtype": "stacked"} if chart.stacked else {})}
    )
    for column in series_columns(chart, table):
        excel_chart.add_series(
            {
                "name": [sheet_name, _HEADING_ROW, column],
                "categories": [sheet_name, first, chart.categories[0], last, chart.categories[1]],
                "values": [sheet_name, first, column, last, column],
            }
        )
    excel_chart.set_title({"name": both(chart.key), "name_font": {"size": 12}})
    excel_chart.set_x_axis({"name": chart.x_label})
    excel_chart.set_y_axis({"name": chart.y_label, "num_format": "#,##0"})
    excel_chart.set_legend({"position": "bottom"})
    excel_chart.set_size({"width": 900, "height": 420})
    return excel_chart


def _write_front(book: Any, report: Report, formats: _Formats) -> None:
    sheet = book.add_worksheet(label("report.title", "zh")[:31])
    sheet.set_column(0, 0, 60)
    sheet.write_string(0, 0, both("report.title"), formats.title)
    sheet.write_string(1, 0, both("report.policy"))
    row = 3
    sheet.write_string(row, 0, both("report.sources"), formats.total_text)
    for source in report.sources:
        row += 1
        sheet.write_string(row, 0, source)
    row += 2
    if report.empty:
        sheet.write_string(row, 0, both("report.empty"), formats.title)
        row += 2
    for key in ("report.note.totals", "report.note.quantiles"):
        sheet.write_string(row, 0, label(key, "zh"))
        sheet.write_string(row + 1, 0, label(key, "en"))
        row += 3


def write_xlsx(
    report: Report, tables: Sequence[Table], charts: Sequence[Chart], stream: IO[bytes]
) -> None:
    """Write the workbook of ``report`` to ``stream`` (a binary file)."""
    book = xlsxwriter.Workbook(stream, {"in_memory": True})
    formats = _Formats(book)
    _write_front(book, report, formats)
    names = {table.name: (_write_table(book, table, formats), table) for table in tables}
    drawn = [chart for chart in charts if names[chart.table][1].rows]
    if drawn:
        sheet = book.add_worksheet("图表")
        for index, chart in enumerate(drawn):
            name, table = names[chart.table]
            sheet.insert_chart(index * 22, 0, _add_chart(book, chart, table, name))
    try:
        book.close()
    except xlsxwriter.exceptions.FileCreateError as error:
        raise OSError(str(error)) from None
