"""Results as CSV (``--format csv``, docs/tables.md): one row per record, the keys of a result
line (specification §12).

``ytd`` is flattened into five ``ytd_*`` columns; ``reasons``, ``flags`` and ``trace`` are
compact JSON text; null is an empty cell and a boolean ``true`` or ``false``. Rows are UTF-8
bytes in the :mod:`csv` module's default dialect (RFC 4180): each ends in ``\\r\\n``, a cell
is quoted only where it needs it. (With ``\\n`` endings the module would leave a cell holding
a lone ``\\r`` unquoted, and the row could not be read back.)

Text cells that a spreadsheet would run as a formula (an id starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return, or their full-width forms) are written with a leading
apostrophe, as OWASP advises against CSV injection: ``=HYPERLINK(...)`` is written
``'=HYPERLINK(...)``. Amounts and rates are numbers and are written as they are.

Not thread-safe: the rows are written through one module-level buffer, for speed.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson

from yzmedins.io.records import RECORD_KEYS

#: The output columns, in order: the keys of a result line with ``ytd`` flattened.
CSV_COLUMNS = tuple(
    column
    for key in RECORD_KEYS
    for column in (
        [f"ytd_{name}" for name in ("basic_fund", "catastrophic_fund", "self_burden",
                                    "secondary_subsidy", "banded")]
        if key == "ytd"
        else [key]
    )
)  # fmt: skip

#: Columns written as compact JSON text, and free-text columns (ids) neutralised for
#: spreadsheets.
_JSON_COLUMNS = frozenset({"reasons", "flags", "trace"})
_TEXT_COLUMNS = frozenset({"claim_id", "person_id", "setl_id", "reverses", "corrects"})


#: First characters that make a spreadsheet read a cell as a formula (or a command).
FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠")


def text_cell(text: str) -> str:
    """A free-text cell (an id) that no spreadsheet runs: a leading apostrophe where the text
    starts like a formula."""
    return f"'{text}" if text and text[0] in FORMULA_STARTS else text


_buffer = io.StringIO()
_writer = csv.writer(_buffer)


def _encode(cells: list[Any]) -> bytes:
    _buffer.seek(0)
    _buffer.truncate()
    _writer.writerow(cells)
    return _buffer.getvalue().encode()


#: The UTF-8 byte order mark: Excel reads a CSV file as UTF-8 only when it begins with one
#: (otherwise in the system's code page, GBK on Chinese Windows, and the text is garbled).
BOM = b"\xef\xbb\xbf"


def csv_header(*, excel: bool = False) -> bytes:
    """The header row; with ``excel``, after a UTF-8 byte order mark (``--excel``)."""
    return (BOM if excel else b"") + _encode(list(CSV_COLUMNS))


def _cell(key: str, value: Any) -> Any:
    if key in _JSON_COLUMNS:
        return orjson.dumps(value).decode()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if key in _TEXT_COLUMNS:
        return text_cell(value)
    return value


def csv_row(result: dict[str, Any]) -> bytes:
    """One result (the dict of :func:`yzmedins.io.codec.result_to_json`) as a CSV row: null
    is an empty cell, a boolean ``true``/``false``."""
    cells: list[Any] = []
    for key in RECORD_KEYS:
        if key == "ytd":
            cells.extend(result["ytd"].values())
        else:
            cells.append(_cell(key, result[key]))
    return _encode(cells)
