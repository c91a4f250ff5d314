"""Units of batch work: one bundle each, with where it came from for error records.

A JSON Lines input yields one :class:`Unit` per non-blank line (its raw bytes, parsed in the
worker); table input (CSV) yields one per person, already assembled as a specification §11 bundle
value, with the file and row of each of its parts, so that every claims row is accounted for in the
results or the errors and every error names the row and the column it is about
(docs/tables.md).
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from yzmedins.errors import InputError
from yzmedins.io.codec import readable_ids
from yzmedins.io.jsonl import ErrorRecord

#: A row of a table: (file, row number).
Row = tuple[str, int]

#: Per table, the column an error about a row's object as a whole is reported on (a contribution
#: record whose ``to`` is before its ``from``; a claim refused as a whole).
WHOLE_COLUMNS = {"persons": "id", "contributions": "to", "claims": "id"}
#: Objects nested in a row (``hospital`` of a claims row, ``ytd`` of a persons row): an error
#: about one as a whole (an inpatient claim without a hospital) is on its first column.
_NESTED_COLUMNS = {"hospital": "hospital_level", "ytd": "ytd_year"}
_INDEX = re.compile(r"\[[0-9]+\]")
#: A field of a table bundle: the part it is in, the index of a contribution or a claim, the
#: field within the part.
_BUNDLE_FIELD = re.compile(
    r"(?:(person)|(ytd)|contributions\[([0-9]+)\]|claims\[([0-9]+)\])(?:\.(.+))?"
)


def column_of(field: str, whole: str) -> str:
    """The CSV column of ``field``, a codec path relative to one row's object (``total``,
    ``hospital.level``, ``statuses[1]``, ``ytd.year``): indexes dropped and nested keys joined
    by ``_`` (``hospital_level``, ``statuses``, ``ytd_year``); a nested object as a whole is its
    first column, and the row's object as a whole (``""``) is the ``whole`` column."""
    name = _INDEX.sub("", field)
    if not name:
        return whole
    return _NESTED_COLUMNS.get(name, name.replace(".", "_"))


@attrs.frozen
class Unit:
    """One bundle to adjudicate: its JSON value (or raw JSON text) and its origin.

    ``source``/``line`` name the JSON Lines line, or for tables the person's row.
    ``claim_rows`` (tables only) holds the (file, row) of ``claims[k]`` for each k, and
    ``contribution_rows`` that of ``contributions[k]``.
    """

    source: str
    line: int
    value: Any
    claim_rows: tuple[Row, ...] | None = None
    contribution_rows: tuple[Row, ...] = ()

    def error_records(self, error: InputError) -> list[ErrorRecord]:
        """The error records for this unit failing with ``error``.

        A line fails as one record. A bundle assembled from tables fails as one record per claims
        row (each claims row must end in the results or the errors). The row at fault, if the
        error's field names one, gets the record on its column (``total: ...``); every other
        claims row of the bundle gets one on ``person_id`` naming that row, its column and the
        reason. An error that no one row is at fault for names the person's row.
        """
        if not self.claim_rows:
            return [ErrorRecord(self.source, self.line, str(error), error.field)]
        person = f"person {readable_ids(self.value)[0]!r}"
        located = self._locate(error.field)
        if located is None:
            message = f"person_id: {person} ({self.source} row {self.line}): {error}"
            return [ErrorRecord(path, row, message, "person_id") for path, row in self.claim_rows]
        at_fault, column = located
        fault = InputError(error.message, column)
        because = f"person_id: {person}: {at_fault[0]} row {at_fault[1]} is invalid ({fault})"
        return [
            ErrorRecord(path, row, str(fault), column)
            if (path, row) == at_fault
            else ErrorRecord(path, row, because, "person_id")
            for path, row in self.claim_rows
        ]

    def _locate(self, field: str | None) -> tuple[Row, str] | None:
        """The row and column of a field of this table bundle (``claims[2].hospital.level``,
        ``person.retired_on``, ``ytd``), or None if it names no row."""
        match = _BUNDLE_FIELD.fullmatch(field or "")
        if match is None:
            return None
        person, ytd, contribution, claim, within = match.groups()
        if person is not None:
            return (self.source, self.line), column_of(within or "", WHOLE_COLUMNS["persons"])
        if ytd is not None:
            return (self.source, self.line), column_of(field or "", WHOLE_COLUMNS["persons"])
        if contribution is not None:
            rows, index, whole = self.contribution_rows, int(contribution), "contributions"
        else:
            rows, index, whole = self.claim_rows or (), int(claim), "claims"
        if index >= len(rows):
            return None
        return rows[index], column_of(within or "", WHOLE_COLUMNS[whole])
