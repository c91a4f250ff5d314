"""Results as CSV (``--format csv``, docs/tables.md): one row per claim, the RULES §10 keys.

``ytd`` is flattened into five ``ytd_*`` columns; ``reasons``, ``flags`` and ``trace`` are
compact JSON text. Rows are UTF-8 bytes in the :mod:`csv` module's default dialect (RFC 4180):
each ends in ``\\r\\n``, a cell is quoted only where it needs it. (With ``\\n`` endings the
module would leave a cell holding a lone ``\\r`` unquoted, and the row could not be read back.)

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

#: The output columns, in order: the §10 output keys with ``ytd`` flattened.
CSV_COLUMNS = (
    "claim_id", "person_id", "status", "reasons", "year", "total", "full_self_pay",
    "pre_self_pay", "eligible", "deductible", "basic_rate", "catastrophic_rate", "basic_fund",
    "catastrophic_fund", "other_fund", "secondary_subsidy", "fund_total", "personal_cash",
    "self_burden", "in_scope_self_burden", "flags", "ytd_basic_fund", "ytd_catastrophic_fund",
    "ytd_self_burden", "ytd_secondary_subsidy", "ytd_banded", "trace",
)  # fmt: skip

_PLAIN = (
    "total", "full_self_pay", "pre_self_pay", "eligible", "deductible", "basic_rate",
    "catastrophic_rate", "basic_fund", "catastrophic_fund", "other_fund", "secondary_subsidy",
    "fund_total", "personal_cash", "self_burden", "in_scope_self_burden",
)  # fmt: skip

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


def csv_header() -> bytes:
    """The header row."""
    return _encode(list(CSV_COLUMNS))


def csv_row(result: dict[str, Any]) -> bytes:
    """One result (the dict of :func:`yzmedins.io.codec.result_to_json`) as a CSV row."""
    ytd = result["ytd"]
    return _encode(
        [
            text_cell(result["claim_id"]),
            text_cell(result["person_id"]),
            result["status"],
            orjson.dumps(result["reasons"]).decode(),
            result["year"],
            *[result[key] for key in _PLAIN],
            orjson.dumps(result["flags"]).decode(),
            ytd["basic_fund"],
            ytd["catastrophic_fund"],
            ytd["self_burden"],
            ytd["secondary_subsidy"],
            ytd["banded"],
            orjson.dumps(result["trace"]).decode(),
        ]
    )
