"""Person-years staged on disk, so that a report's memory stays flat in the number of persons.

The caps and the subsidy are figures per person and year, so a report must add up each
person-year's records wherever they are in the input (monthly files put one person's claims in
many). Up to :data:`BATCH` person-years are added up in memory; then they are merged into a
SQLite table in a temporary file (``INSERT … ON CONFLICT DO UPDATE``: a person-year seen before
keeps its opening ledger and adds the new sums). Reading back walks the table year by year in
the order of the subsidy paid, which SQLite sorts on disk. Memory is bounded by the batch
(about 20 MB), whatever the number of person-years; the file grows by about 100 bytes a
person-year.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from types import TracebackType

from yzmedins.report.aggregate import Opening, PersonSums

#: Person-years added up in memory before they are merged into the table.
BATCH = 50_000

_SCHEMA = """
CREATE TABLE person_years (
    person_id TEXT NOT NULL, year INTEGER NOT NULL,
    o_basic INTEGER NOT NULL, o_catastrophic INTEGER NOT NULL, o_self_burden INTEGER NOT NULL,
    o_subsidy INTEGER NOT NULL, o_banded INTEGER NOT NULL,
    basic INTEGER NOT NULL, catastrophic INTEGER NOT NULL, self_burden INTEGER NOT NULL,
    subsidy INTEGER NOT NULL, banded INTEGER NOT NULL, above INTEGER NOT NULL,
    PRIMARY KEY (person_id, year)
) WITHOUT ROWID
"""
_MERGE = """
INSERT INTO person_years VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (person_id, year) DO UPDATE SET
    basic = basic + excluded.basic, catastrophic = catastrophic + excluded.catastrophic,
    self_burden = self_burden + excluded.self_burden, subsidy = subsidy + excluded.subsidy,
    banded = banded + excluded.banded, above = above + excluded.above
"""
_ROWS = """
SELECT o_basic, o_catastrophic, o_self_burden, o_subsidy, o_banded,
       basic, catastrophic, self_burden, subsidy, banded, above
FROM person_years WHERE year = ? ORDER BY subsidy
"""


class StagedPersonYears:
    """:class:`yzmedins.report.aggregate.PersonYears` in a temporary SQLite file in ``folder``
    (the system's temporary folder by default); close it to delete the file."""

    def __init__(self, folder: str | None = None, batch: int = BATCH) -> None:
        handle, self.path = tempfile.mkstemp(
            prefix="yzmedins-report-", suffix=".sqlite", dir=folder
        )
        os.close(handle)
        self.batch = batch
        self.pending: dict[tuple[str, int], tuple[Opening, list[int]]] = {}
        self.connection = sqlite3.connect(self.path)
        self.connection.execute("PRAGMA journal_mode = OFF")
        self.connection.execute("PRAGMA synchronous = OFF")
        self.connection.execute(_SCHEMA)

    def add(self, person_id: str, year: int, opening: Opening, sums: PersonSums) -> None:
        held = self.pending.get((person_id, year))
        if held is None:
            self.pending[person_id, year] = (opening, list(sums))
            if len(self.pending) >= self.batch:
                self.flush()
        else:
            totals = held[1]
            for index, value in enumerate(sums):
                totals[index] += value

    def flush(self) -> None:
        """Merge the person-years held in memory into the table."""
        if not self.pending:
            return
        self.connection.executemany(
            _MERGE,
            (
                (person_id, year, *opening, *sums)
                for (person_id, year), (opening, sums) in self.pending.items()
            ),
        )
        self.connection.commit()
        self.pending.clear()

    def years(self) -> list[int]:
        self.flush()
        return [row[0] for row in self.connection.execute(
            "SELECT DISTINCT year FROM person_years ORDER BY year"
        )]  # fmt: skip

    def paid(self, year: int) -> int:
        self.flush()
        (count,) = self.connection.execute(
            "SELECT COUNT(*) FROM person_years WHERE year = ? AND subsidy > 0", (year,)
        ).fetchone()
        return int(count)

    def rows(self, year: int) -> Iterator[tuple[Opening, PersonSums]]:
        self.flush()
        for row in self.connection.execute(_ROWS, (year,)):
            yield (row[0], row[1], row[2], row[3], row[4]), (
                row[5], row[6], row[7], row[8], row[9], row[10]
            )  # fmt: skip

    def close(self) -> None:
        self.connection.close()
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.path)

    def __enter__(self) -> StagedPersonYears:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
