"""Units of batch work: one bundle each, with where it came from for error records.

A JSON Lines input yields one :class:`Unit` per non-blank line (its raw bytes, parsed in the
worker); table input (CSV) yields one per person, already assembled as a RULES §10 bundle value,
with the file and row of each claim so that every row is accounted for in the results or the
errors.
"""

from __future__ import annotations

from typing import Any

import attrs

from yzmedins.errors import InputError
from yzmedins.io.jsonl import ErrorRecord

Row = tuple[str, int]


@attrs.frozen
class Unit:
    """One bundle to adjudicate: its JSON value (or raw JSON text) and its origin.

    ``source``/``line`` name the JSON Lines line, or for tables the person's row.
    ``claim_rows`` (tables only) holds the (file, row) of ``claims[k]`` for each k.
    """

    source: str
    line: int
    value: Any
    claim_rows: tuple[Row, ...] | None = None

    def error_records(self, error: InputError) -> list[ErrorRecord]:
        """The error records for this unit failing with ``error``.

        A line fails as one record. A bundle assembled from tables fails as one record per claim
        row (each claim row must end in the results or the errors), naming the person row.
        """
        if not self.claim_rows:
            return [ErrorRecord(self.source, self.line, str(error), error.field)]
        message = f"{error} (bundle of {self.source} row {self.line})"
        return [ErrorRecord(source, row, message, error.field) for source, row in self.claim_rows]
