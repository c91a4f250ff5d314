"""Table input (docs/tables.md): persons, contributions and claims CSV files in, units out.

The three files are staged, row by row, into a SQLite database in a working folder, so memory
stays flat however large they are; each row is checked on its own as it is staged (with the
codec's parsers and the model checks, specification §2, §11) and kept as its piece of a §11 bundle
or as its error. Reading then walks the database in person id order and yields, per person, the
error records of its bad rows and one :class:`~yzmedins.io.units.Unit` holding the person's bundle.

Every claims row ends exactly once in a unit's ``claim_rows`` or in an error record; every
persons or contributions row is used in a unit, is an error record, or is left unused (a person
without claims, or the fine rows of a person who cannot be adjudicated): see :class:`RowCounts`.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from itertools import groupby
from operator import attrgetter
from types import TracebackType
from typing import Any, NamedTuple

import attrs
import orjson

from yzmedins.errors import InputError
from yzmedins.io.codec import parse_claim, parse_contribution, parse_ledger, parse_person
from yzmedins.io.jsonl import ErrorRecord
from yzmedins.io.units import WHOLE_COLUMNS, Unit, column_of
from yzmedins.limits import MAX_LINE_BYTES
from yzmedins.policy import PolicySet
from yzmedins.validation import check_contribution, check_ledger, check_person

#: Rows per ``executemany`` while staging.
BATCH_ROWS = 5000

_PERSONS, _CONTRIBUTIONS, _CLAIMS = 0, 1, 2
_DIGITS = re.compile(r"[0-9]{1,18}")
#: What ``surrogateescape`` decodes a byte that is not UTF-8 to.
_NOT_UTF8 = re.compile("[\udc80-\udcff]")


class TableError(ValueError):
    """A table that cannot be read at all: an unreadable file, an empty file, or a header row
    that is not CSV or has an unknown, a repeated or a missing required column. A usage error
    (exit status 2); a bad data row is an error record instead."""


@attrs.define
class RowCounts:
    """The data rows of one file (header and blank rows not counted).

    ``read == used + failed + unused`` once the reader has been iterated: ``used`` rows are in a
    unit's bundle, ``failed`` rows are error records, ``unused`` rows are fine rows that no unit
    needed (a person without claims; the fine rows of a person who cannot be adjudicated).
    """

    read: int = 0
    used: int = 0
    failed: int = 0
    unused: int = 0


def _text(cell: str) -> str:
    return cell


def _boolean(cell: str) -> bool:
    if cell == "true":
        return True
    if cell == "false":
        return False
    raise InputError(f"{cell!r} is not true or false")


def _integer(cell: str) -> int:
    if not _DIGITS.fullmatch(cell):
        raise InputError(f"{cell!r} is not a whole number written as digits")
    return int(cell)


def _statuses(cell: str) -> list[str]:
    return cell.split(";")


@attrs.frozen
class _Column:
    """Where a column's cells go: ``key`` of the ``group`` object, after ``convert``."""

    group: str
    key: str
    convert: Callable[[str], Any] = _text


_LINK = "link"  # the person id of a contribution or claim row: the row's place, not its value


def _money_columns(group: str, prefix: str, keys: Sequence[str]) -> dict[str, _Column]:
    return {f"{prefix}{key}": _Column(group, key) for key in keys}


_PERSON_COLUMNS: Mapping[str, _Column] = {
    "id": _Column("person", "id"),
    "sex": _Column("person", "sex"),
    "birth_date": _Column("person", "birth_date"),
    "category": _Column("person", "category"),
    "female_class": _Column("person", "female_class"),
    "statuses": _Column("person", "statuses", _statuses),
    "retired_on": _Column("person", "retired_on"),
    "early_retirement": _Column("person", "early_retirement", _boolean),
    "deemed_months": _Column("person", "deemed_months", _integer),
    "relocated_since": _Column("person", "relocated_since"),
    "lump_sum_paid_on": _Column("person", "lump_sum_paid_on"),
    "ytd_year": _Column("ytd", "year", _integer),
    **_money_columns(
        "ytd",
        "ytd_",
        ("basic_fund", "catastrophic_fund", "self_burden", "secondary_subsidy", "banded"),
    ),
}
_CONTRIBUTION_COLUMNS: Mapping[str, _Column] = {
    "person_id": _Column(_LINK, "person_id"),
    "from": _Column("record", "from"),
    "to": _Column("record", "to"),
    "base": _Column("record", "base"),
    "paid_on": _Column("record", "paid_on"),
}
_CLAIM_COLUMNS: Mapping[str, _Column] = {
    "person_id": _Column(_LINK, "person_id"),
    "id": _Column("claim", "id"),
    "type": _Column("claim", "type"),
    "admitted_on": _Column("claim", "admitted_on"),
    "discharged_on": _Column("claim", "discharged_on"),
    "hospital_level": _Column("hospital", "level"),
    "hospital_region": _Column("hospital", "region"),
    "hospital_contracted": _Column("hospital", "contracted", _boolean),
    "hospital_provincial": _Column("hospital", "provincial", _boolean),
    "route": _Column("claim", "route"),
    "settlement": _Column("claim", "settlement"),
    "maternity": _Column("claim", "maternity", _boolean),
    "cause": _Column("claim", "cause"),
    "emergency_reported_on": _Column("claim", "emergency_reported_on"),
    "exception_approved": _Column("claim", "exception_approved", _boolean),
    **_money_columns("claim", "", ("total", "full_self_pay", "pre_self_pay", "other_fund")),
}

Groups = dict[str, dict[str, Any]]


def _person_value(groups: Groups, policies: PolicySet | None) -> dict[str, Any]:
    person = groups.get("person", {})
    check_person(parse_person(person, "person"))
    value: dict[str, Any] = {"person": person}
    ytd = groups.get("ytd")
    if ytd is not None:
        ledger = parse_ledger(ytd, "ytd")
        if policies is not None:
            check_ledger(ledger, policies, "ytd")
        value["ytd"] = ytd
    return value


def _record_value(groups: Groups, policies: PolicySet | None) -> dict[str, Any]:
    record = groups.get("record", {})
    check_contribution(parse_contribution(record, "record"), "record")
    return record


def _claim_value(groups: Groups, policies: PolicySet | None) -> dict[str, Any]:
    claim = groups.get("claim", {})
    if "hospital" in groups:
        claim["hospital"] = groups["hospital"]
    parse_claim(claim, "claim")
    return claim


@attrs.frozen
class _Table:
    """One input file's layout: its columns, which are required, and how a row is checked."""

    label: str
    columns: Mapping[str, _Column]
    required: tuple[str, ...]
    key: str  # the column naming the person
    group: str  # the codec path of the row's own object, stripped from error fields
    build: Callable[[Groups, PolicySet | None], dict[str, Any]]


_TABLES = (
    _Table(
        "persons",
        _PERSON_COLUMNS,
        ("id", "sex", "birth_date", "category"),
        "id",
        "person",
        _person_value,
    ),
    _Table(
        "contributions",
        _CONTRIBUTION_COLUMNS,
        ("person_id", "from", "to"),
        "person_id",
        "record",
        _record_value,
    ),
    _Table(
        "claims",
        _CLAIM_COLUMNS,
        ("person_id", "id", "admitted_on", "discharged_on", "total"),
        "person_id",
        "claim",
        _claim_value,
    ),
)

#: The columns of each file, in the order docs/tables.md lists them.
PERSON_COLUMNS = tuple(_PERSON_COLUMNS)
CONTRIBUTION_COLUMNS = tuple(_CONTRIBUTION_COLUMNS)
CLAIM_COLUMNS = tuple(_CLAIM_COLUMNS)


def _column_of(table: _Table, field: str | None) -> str:
    """The column a codec error field (``claim.hospital.level``, ``person.statuses[1]``,
    ``ytd.year``, ``record``) is about."""
    name = field or ""
    name = "" if name == table.group else name.removeprefix(f"{table.group}.")
    return column_of(name, WHOLE_COLUMNS[table.label])


def _gbk_problem(path: str, text: str, row: int) -> TableError | None:
    """The one error of a file that is not UTF-8 but reads as GBK (GB18030): what Excel on
    Chinese Windows saves as "CSV". None when ``text`` (decoded with ``surrogateescape``) is not
    GBK either: then only its row is wrong."""
    try:
        text.encode("utf-8", "surrogateescape").decode("gb18030")
    except UnicodeDecodeError:
        return None
    where = "the header row" if row == 1 else f"row {row}"
    return TableError(
        f"{path}: {where} is not UTF-8 text; the file looks encoded as GBK (GB18030), as Excel "
        "on Chinese Windows saves CSV. Tables must be UTF-8: convert it with "
        f"`iconv -f GB18030 -t UTF-8 {path} > converted.csv`, or save it from Excel as "
        '"CSV UTF-8 (Comma delimited)"'
    )


def _readable(text: str) -> str:
    """``text`` with every byte that was not UTF-8 shown as U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class _Staged(NamedTuple):
    """A data row as staged (the ``rows`` table): its piece of a bundle, or its error."""

    tag: int  # the file: _PERSONS, _CONTRIBUTIONS or _CLAIMS
    row: int
    key: str  # the person id
    claim_id: str | None  # of a claims row that has one
    value: bytes | None  # the row's piece of the bundle, as JSON; None for a bad row
    error: str | None  # the message of a bad row
    field: str | None  # the column a bad row's error is on


class _Walked(NamedTuple):
    """A staged row read back, in person order, with ``first``: for a claims row whose claim id
    an earlier claims row used, that row's number."""

    tag: int
    row: int
    key: str
    claim_id: str | None
    value: bytes | None
    error: str | None
    field: str | None
    first: int | None


#: A row of the walk as a :class:`_Walked` (``tuple.__new__`` directly: no Python call per row).
_WALKED = partial(tuple.__new__, _Walked)


class _Stager:
    """Checks the rows of one file against its header and turns each into a :class:`_Staged`."""

    def __init__(
        self, table: _Table, tag: int, path: str, header: list[str], ignore_extra: bool = False
    ) -> None:
        self.table, self.tag, self.path = table, tag, path
        self.width = len(header)
        #: Columns of the header that no table has, ignored (``--ignore-extra-columns``).
        self.extra: list[str] = []
        if _NOT_UTF8.search("\x00".join(header)):
            problem = _gbk_problem(path, "\x00".join(header), 1)
            if problem is not None:
                raise problem
        seen: set[str] = set()
        for name in header:
            if name in seen:
                raise TableError(f"{path}: column {name!r} appears twice in the header")
            if name not in table.columns:
                if ignore_extra:
                    self.extra.append(_readable(name))
                    seen.add(name)
                    continue
                allowed = ", ".join(table.columns)
                raise TableError(
                    f"{path}: unknown column {name!r} in the {table.label} header "
                    f"(allowed: {allowed}; --ignore-extra-columns ignores other columns)"
                )
            seen.add(name)
        missing = [name for name in table.required if name not in seen]
        if missing:
            raise TableError(
                f"{path}: the {table.label} header lacks the required column(s) "
                f"{', '.join(missing)}"
            )
        self.header = header
        self.key_index = header.index(table.key)
        self.id_index = header.index("id") if tag == _CLAIMS else None
        columns = [
            (index, name, table.columns[name])
            for index, name in enumerate(header)
            if name in table.columns
        ]
        self.plan = [
            (index, column.group, column.key, column.convert, name)
            for index, name, column in columns
            if column.group != _LINK
        ]

    def stage(self, row: int, cells: list[str], policies: PolicySet | None) -> _Staged:
        table = self.table
        key = cells[self.key_index] if self.key_index < len(cells) else ""
        if _NOT_UTF8.search("\x00".join(cells)):
            problem = _gbk_problem(self.path, "\x00".join(cells), row)
            if problem is not None:
                raise problem
            name = next(
                (n for n, c in zip(self.header, cells, strict=False) if _NOT_UTF8.search(c)), None
            )
            message = "the row is not UTF-8 text" if name is None else f"{name}: is not UTF-8 text"
            return _Staged(self.tag, row, _readable(key), None, None, message, name)
        if len(cells) != self.width:
            message = f"the row has {len(cells)} cells, the header {self.width}"
            return _Staged(self.tag, row, key, None, None, message, None)
        claim_id = None if self.id_index is None else cells[self.id_index] or None
        try:
            if not key:
                raise InputError("is required", table.key)
            groups: Groups = {}
            for index, group, name, convert, column in self.plan:
                cell = cells[index]
                if cell:
                    try:
                        converted = convert(cell)
                    except InputError as error:
                        raise InputError(error.message, column) from None
                    groups.setdefault(group, {})[name] = converted
            try:
                value = table.build(groups, policies)
            except InputError as error:
                raise InputError(error.message, _column_of(table, error.field)) from None
        except InputError as error:
            return _Staged(self.tag, row, key, claim_id, None, str(error), error.field)
        return _Staged(self.tag, row, key, claim_id, orjson.dumps(value), None, None)


# ``tag`` is the file: 0 persons, 1 contributions, 2 claims (_PERSONS, _CONTRIBUTIONS, _CLAIMS).
# ``repeats`` holds the claims rows whose claim id an earlier claims row already used.
_SCHEMA = """
CREATE TABLE rows (
    tag INTEGER NOT NULL, row INTEGER NOT NULL, key TEXT NOT NULL, claim_id TEXT,
    value BLOB, error TEXT, field TEXT, PRIMARY KEY (tag, row)
) WITHOUT ROWID;
CREATE TABLE repeats (row INTEGER PRIMARY KEY, first INTEGER NOT NULL);
"""
_INDEXES = """
CREATE INDEX rows_by_person ON rows (key, tag, row);
CREATE INDEX claims_by_id ON rows (claim_id, row) WHERE tag = 2 AND claim_id IS NOT NULL;
INSERT INTO repeats (row, first)
    SELECT row, first FROM (
        SELECT row, min(row) OVER (PARTITION BY claim_id) AS first
        FROM rows INDEXED BY claims_by_id WHERE tag = 2 AND claim_id IS NOT NULL
    ) WHERE row > first;
"""
_WALK = """
SELECT r.tag, r.row, r.key, r.claim_id, r.value, r.error, r.field, p.first
FROM rows AS r LEFT JOIN repeats AS p ON r.tag = 2 AND p.row = r.row
ORDER BY r.key, r.tag, r.row
"""
_INSERT = "INSERT INTO rows VALUES (?, ?, ?, ?, ?, ?, ?)"


_TOO_LONG = f"the row is longer than {MAX_LINE_BYTES:,} characters, the limit of one row"


class _BoundedLines:
    """The lines of a text file for :mod:`csv`, none longer than ``limit`` characters: a longer
    line is skipped without being held in memory, read as an empty line, and ``overlong`` set
    so that the reader reports that row."""

    def __init__(self, handle: Any, limit: int = MAX_LINE_BYTES) -> None:
        self.readline = handle.readline
        self.limit = limit
        self.overlong = False

    def __iter__(self) -> _BoundedLines:
        return self

    def __next__(self) -> str:
        line: str = self.readline(self.limit + 1)
        if not line:
            raise StopIteration
        if len(line) > self.limit and not line.endswith("\n"):
            while (rest := self.readline(1 << 16)) and not rest.endswith("\n"):
                pass
            self.overlong = True
            return "\n"
        return line


class TableReader:
    """The staged tables; iterate for the units and error records, in person id order.

    ``counts`` holds each file's :class:`RowCounts` (``read`` from staging; the rest filled in as
    the reader is iterated). Close it (or use it as a context manager) to delete the database.
    """

    def __init__(
        self, files: tuple[str, str, str], database: str, ignore_extra: bool = False
    ) -> None:
        self.files = files
        self.database = database
        self.connection = sqlite3.connect(database)
        self.counts = {path: RowCounts() for path in files}
        self.ignore_extra = ignore_extra
        #: The columns of each file that no table has, ignored (``--ignore-extra-columns``).
        self.extra_columns: dict[str, list[str]] = {}

    @property
    def rows_read(self) -> dict[str, int]:
        """Data rows read per file (header and blank rows not counted)."""
        return {path: counts.read for path, counts in self.counts.items()}

    def _stage(self, tag: int, policies: PolicySet | None) -> None:
        path = self.files[tag]
        counts = self.counts[path]
        try:
            with open(path, encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
                lines = _BoundedLines(handle)
                reader = csv.reader(lines, strict=True)
                try:
                    header = next(reader, None)
                except csv.Error as error:
                    raise TableError(f"{path}: the header row is not CSV: {error}") from None
                if header is None:
                    raise TableError(f"{path}: the file is empty (no header row)")
                if lines.overlong:
                    raise TableError(f"{path}: {_TOO_LONG.replace('row', 'header row', 1)}")
                stager = _Stager(_TABLES[tag], tag, path, header, self.ignore_extra)
                if stager.extra:
                    self.extra_columns[path] = stager.extra
                batch: list[_Staged] = []
                row = 1
                while True:
                    row += 1
                    try:
                        cells = next(reader)
                    except StopIteration:
                        break
                    except csv.Error as error:
                        staged = _Staged(tag, row, "", None, None, f"not CSV: {error}", None)
                    else:
                        if lines.overlong:
                            lines.overlong = False
                            staged = _Staged(tag, row, "", None, None, _TOO_LONG, None)
                        elif not any(cells):
                            continue
                        else:
                            staged = stager.stage(row, cells, policies)
                    counts.read += 1
                    batch.append(staged)
                    if len(batch) >= BATCH_ROWS:
                        self._insert(batch)
                        batch.clear()
                self._insert(batch)
        except OSError as error:
            raise TableError(f"cannot read {path}: {error.strerror or error}") from None

    def _insert(self, batch: list[_Staged]) -> None:
        # As plain tuples: sqlite3 binds a tuple's items directly, a subclass's one by one
        # through the sequence protocol (about 3% of the staging time, measured).
        self.connection.executemany(_INSERT, map(tuple, batch))

    def stage(self, policies: PolicySet | None) -> None:
        self.connection.execute("PRAGMA journal_mode = OFF")
        self.connection.execute("PRAGMA synchronous = OFF")
        self.connection.executescript(_SCHEMA)
        for tag in (_PERSONS, _CONTRIBUTIONS, _CLAIMS):
            self._stage(tag, policies)
        self.connection.executescript(_INDEXES)
        self.connection.commit()

    def __iter__(self) -> Iterator[Unit | ErrorRecord]:
        for counts in self.counts.values():
            counts.used = counts.failed = counts.unused = 0
        walked: Iterator[_Walked] = map(_WALKED, self.connection.execute(_WALK))
        for key, rows in groupby(walked, attrgetter("key")):
            yield from self._person(key, list(rows))

    def _error(self, tag: int, row: int, message: str, field: str | None) -> ErrorRecord:
        path = self.files[tag]
        self.counts[path].failed += 1
        return ErrorRecord(path, row, message, field)

    def _person(self, key: str, rows: list[_Walked]) -> Iterator[Unit | ErrorRecord]:
        """The error records and the unit of one person id's rows (ordered by table, row)."""
        persons_path, contributions_path, claims_path = self.files
        persons = [r for r in rows if r.tag == _PERSONS]
        contributions = [r for r in rows if r.tag == _CONTRIBUTIONS]
        claims = [r for r in rows if r.tag == _CLAIMS]
        blocker = None
        if not persons:
            blocker = f"no person {key!r} in {persons_path}"
        elif len(persons) > 1:
            numbers = ", ".join(str(r.row) for r in persons)
            blocker = f"person {key!r} has more than one row in {persons_path} (rows {numbers})"
        elif persons[0].error is not None:
            blocker = f"person {key!r}: {persons_path} row {persons[0].row} is invalid"
            blocker += f" ({persons[0].error})"
        else:
            bad = next((r for r in contributions if r.error is not None), None)
            if bad is not None:
                blocker = f"person {key!r}: {contributions_path} row {bad.row} is invalid"
                blocker += f" ({bad.error})"
        for index, person in enumerate(persons):
            if person.error is not None:
                yield self._error(_PERSONS, person.row, person.error, person.field)
            elif index:
                first = persons[0].row
                message = f"id: person {key!r} already has row {first} in this file"
                yield self._error(_PERSONS, person.row, message, "id")
        for record in contributions:
            if record.error is not None:
                yield self._error(_CONTRIBUTIONS, record.row, record.error, record.field)
            elif not persons:
                message = f"person_id: {blocker}"
                yield self._error(_CONTRIBUTIONS, record.row, message, "person_id")
        good: list[_Walked] = []
        for claim in claims:
            if claim.error is not None:
                yield self._error(_CLAIMS, claim.row, claim.error, claim.field)
            elif claim.first is not None:
                message = f"id: claim id {claim.claim_id!r} already appears in row {claim.first}"
                yield self._error(_CLAIMS, claim.row, message, "id")
            elif blocker is not None:
                yield self._error(_CLAIMS, claim.row, f"person_id: {blocker}", "person_id")
            else:
                good.append(claim)
        fine_contributions = [r for r in contributions if r.error is None] if persons else []
        fine_persons = [persons[0]] if persons and persons[0].error is None else []
        if not good:
            self.counts[persons_path].unused += len(fine_persons)
            self.counts[contributions_path].unused += len(fine_contributions)
            return
        person = persons[0]
        bundle = orjson.loads(_value(person))
        bundle["contributions"] = [orjson.loads(_value(r)) for r in contributions]
        bundle["claims"] = [orjson.loads(_value(claim)) for claim in good]
        self.counts[persons_path].used += 1
        self.counts[contributions_path].used += len(contributions)
        self.counts[claims_path].used += len(good)
        yield Unit(
            source=persons_path,
            line=person.row,
            value=bundle,
            claim_rows=tuple([(claims_path, claim.row) for claim in good]),
            contribution_rows=tuple([(contributions_path, r.row) for r in contributions]),
        )

    def close(self) -> None:
        """Close and delete the staging database."""
        self.connection.close()
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.database)

    def __enter__(self) -> TableReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _value(row: _Walked) -> bytes:
    """The value of a row that is no error."""
    assert row.value is not None
    return row.value


def read_tables(
    persons: str,
    contributions: str,
    claims: str,
    workdir: str,
    *,
    policies: PolicySet | None = None,
    ignore_extra_columns: bool = False,
) -> TableReader:
    """Stage the three CSV files (UTF-8, header row, optional BOM) into a SQLite database in
    ``workdir`` and return the reader over them (docs/tables.md).

    Raises :class:`TableError` for a file that cannot be read, whose header is wrong, or that
    is GBK rather than UTF-8 (one error for the file, not one per row). With
    ``ignore_extra_columns``, a header column that no table has is left out (its cells are not
    read) and listed in ``extra_columns`` instead of refusing the file. With
    ``policies``, a person row's ytd columns are also checked against the annual caps (otherwise
    that check happens when the bundle is parsed, failing all the person's claim rows).
    """
    handle, database = tempfile.mkstemp(prefix="tables-", suffix=".sqlite", dir=workdir)
    os.close(handle)
    reader = TableReader((persons, contributions, claims), database, ignore_extra_columns)
    try:
        reader.stage(policies)
    except BaseException:
        reader.close()
        raise
    return reader
