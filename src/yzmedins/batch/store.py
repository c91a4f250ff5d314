"""The ledger store: each person's year-to-date ledger and every settled claim, in SQLite.

Schema version 2 (``PRAGMA user_version``)::

    meta    (key TEXT PRIMARY KEY, value TEXT)           -- schema_version, created_by, options
    ledgers (person_id, year, basic_fund, catastrophic_fund, self_burden, secondary_subsidy,
             banded, seed)                                -- PRIMARY KEY (person_id, year)
    records (seq INTEGER PRIMARY KEY, setl_id UNIQUE, claim_id, person_id, year, kind, digest,
             result, tally, content)     -- indexed on (claim_id, seq) and (person_id, year, seq)

Money is stored as decimal text. ``seed`` is the ``ytd`` that opened a person-year (JSON, or
NULL when the year started from zero). ``records`` are only ever appended: settlements,
reversals and corrections (``kind``), numbered by ``seq`` in the order they were made;
``digest`` is a hash of a settled claim as parsed (so ``"12000"`` and ``"12000.00"`` are the
same content; NULL on reversals and corrections); ``result`` is the record's line exactly as
written, so a rerun reproduces it byte for byte; ``tally`` feeds the run summary; ``content`` is
the one-claim bundle a settlement was made of (``yzmedins.io.contents.settled_to_json``), which a
clearing adjudicates afresh (NULL on other records and on settlements migrated from version 1).
``meta.options`` holds the policy ids and claims readings of the first run that wrote; a run
with other options is refused.

Version 1 (a ``claims`` table of settlements) is migrated in place, in one transaction, the first
time a store is opened for writing (:func:`migrate_v1`).

Writers: one run at a time holds an exclusive ``flock`` on the database file itself, opened by
its resolved path, so that every spelling of the path, symlink or ``..`` meets the same lock
(released by the operating system when the process ends, however it ends); a second run is
refused, and so is a file with a second hard link (SQLite names the journal of an interrupted
transaction after the path it was opened by). Results and ledgers of a batch of bundles are
committed in one transaction, so a run killed at any moment leaves every bundle either fully
recorded or not at all. A ledger row is never overwritten blindly: a person-year the workers
read as absent is inserted, one they read with values X is updated only where it still holds X;
anything else is a :class:`StoreError`, and the batch is not recorded.

Every failure of the store (locked, damaged, read-only, full, changed by another writer) is a
:class:`StoreError` whose message names the file.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import sqlite3
import urllib.parse
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import attrs
import orjson

from yzmedins.batch.summary import tally_from_text
from yzmedins.io.jsonl import encode_result
from yzmedins.io.records import record_from_json
from yzmedins.model import Claim, Ledger
from yzmedins.policy import PolicySet

SCHEMA_VERSION = 2

#: Page cache per connection, in KiB (SQLite's default is 2 MiB). Each run looks up every claim
#: id in the index of settled claims; a larger cache keeps that index in memory. Memory stays
#: bounded by it, whatever the size of the store.
CACHE_KIB = 32768

#: A store of at most this size is checked in full (``PRAGMA quick_check``) each time it is opened
#: for writing; a larger one gets a bounded check (see :meth:`LedgerStore._check`). A full check
#: reads every page: on a store of 200,000 claims (414 MB) 0.25-0.5 s from the page cache but
#: 9 s from a cold disk, for a run of 10 s.
FULL_CHECK_BYTES = 64 * 1024 * 1024

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledgers (
    person_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    basic_fund TEXT NOT NULL,
    catastrophic_fund TEXT NOT NULL,
    self_burden TEXT NOT NULL,
    secondary_subsidy TEXT NOT NULL,
    banded TEXT NOT NULL,
    seed TEXT,
    PRIMARY KEY (person_id, year)
) WITHOUT ROWID;
"""
_RECORDS = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,
    setl_id TEXT NOT NULL UNIQUE,
    claim_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    kind TEXT NOT NULL,
    digest BLOB,
    result BLOB NOT NULL,
    tally TEXT NOT NULL,
    content BLOB
);
CREATE INDEX IF NOT EXISTS records_by_claim ON records (claim_id, seq);
CREATE INDEX IF NOT EXISTS records_by_person_year ON records (person_id, year, seq);
"""


#: Descriptors of run locks held by this process; a forked worker closes its copies so that the
#: lock ends with the run's main process, however that process ends.
HELD_LOCKS: set[int] = set()


def forget_inherited_locks() -> None:
    """In a forked worker: close the inherited run-lock descriptors."""
    for descriptor in list(HELD_LOCKS):
        with contextlib.suppress(OSError):
            os.close(descriptor)
        HELD_LOCKS.discard(descriptor)


class StoreError(Exception):
    """The ledger store cannot be used: locked, damaged, read-only, full, of another schema
    version, or changed by another writer. The message names the file."""


def claim_digest(claim: Claim) -> bytes:
    """A digest of the claim's content as parsed (defaults applied, amounts normalised)."""
    hospital = claim.hospital
    text = "\x1f".join(
        (
            claim.id,
            claim.type,
            str(claim.admitted_on),
            str(claim.discharged_on),
            ""
            if hospital is None
            else f"{hospital.level}/{hospital.region}/{hospital.contracted}/{hospital.provincial}",
            claim.route or "",
            claim.settlement,
            str(claim.maternity),
            claim.cause,
            str(claim.emergency_reported_on),
            str(claim.exception_approved),
            str(claim.total),
            str(claim.full_self_pay),
            str(claim.pre_self_pay),
            str(claim.other_fund),
        )
    )
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def ledger_to_row(ledger: Ledger) -> tuple[str, str, str, str, str]:
    return (
        str(ledger.basic_fund),
        str(ledger.catastrophic_fund),
        str(ledger.self_burden),
        str(ledger.secondary_subsidy),
        str(ledger.banded),
    )


def ledger_from_row(year: int, row: Sequence[str]) -> Ledger:
    return Ledger(year, *(Decimal(value) for value in row[:5]))


def policy_options(policies: PolicySet) -> str:
    """The policy ids and claims readings of a run, as ``meta.options`` records them."""
    return orjson.dumps(
        [
            {
                "id": policy.id,
                "cap_reading": policy.cap_reading.value,
                "reduction_reading": policy.reduction_reading.value,
                "maternity_reading": policy.maternity_reading.value,
            }
            for policy in policies.policies
        ]
    ).decode()


def seed_ledger(seed: str | None) -> Ledger | None:
    """The ledger a seed text holds (None: the year opened from zero)."""
    if seed is None:
        return None
    year, *amounts = orjson.loads(seed)
    return ledger_from_row(year, amounts)


def seed_text(ledger: Ledger | None) -> str | None:
    if ledger is None:
        return None
    return orjson.dumps([ledger.year, *ledger_to_row(ledger)]).decode()


@attrs.frozen
class StoredRecord:
    """A row of ``records`` as a worker or a command reads it."""

    seq: int
    setl_id: str
    claim_id: str
    person_id: str
    year: int
    kind: str
    digest: bytes | None
    result: bytes
    tally: str
    content: bytes | None


@attrs.frozen
class StoredMessage:
    """A message the settlement service answered: its id, transaction, answer code, the
    settlement it made (2304, 2305, 2601) and the answer's bytes, returned again on a retry."""

    msgid: str
    infno: str
    infcode: str
    setl_id: str | None
    answer: bytes


_MESSAGES = """
CREATE TABLE IF NOT EXISTS messages (
    msgid TEXT PRIMARY KEY,
    infno TEXT NOT NULL,
    infcode TEXT NOT NULL,
    setl_id TEXT,
    answer BLOB NOT NULL,
    received TEXT NOT NULL
) WITHOUT ROWID
"""


#: A record as a bundle write or a command appends it: setl_id, claim_id, year, kind, digest,
#: result, tally, content (the person is the write's).
NewRecord = tuple[str, str, int, str, bytes | None, bytes, str, bytes | None]

_RECORD_COLUMNS = "seq, setl_id, claim_id, person_id, year, kind, digest, result, tally, content"


def in_effect(records: Sequence[StoredRecord]) -> StoredRecord | None:
    """The settlement in effect among a claim's records (in ``seq`` order), or None: its last
    settlement, unless a reversal came after it."""
    for record in reversed(records):
        if record.kind == "reversal":
            return None
        if record.kind == "settlement":
            return record
    return None


#: A person-year as the ``ledgers`` table holds it, after ``person_id``: year, the ledger's five
#: amounts as decimal text, seed.
LedgerRow = tuple[int, str, str, str, str, str, str | None]


@attrs.frozen
class PersonState:
    """What the store holds for one person: ledgers and the seeds that opened them, by year, and
    the rows as read (which the commit requires to be unchanged)."""

    ledgers: dict[int, Ledger]
    seeds: dict[int, str | None]
    rows: dict[int, LedgerRow]


@attrs.frozen
class BundleWrite:
    """What one bundle adds to the store: its person-years' ledgers and its newly settled
    claims (made by a worker, written by the main process, in input order).

    ``read`` holds, for each of ``ledgers``, the row as the worker read it before settling (None:
    the store held no ledger for that person-year). The commit inserts a row read as absent and
    updates a row read as X only where it still holds X; otherwise another writer changed the
    store meanwhile, and the commit is refused rather than overwriting its work."""

    person_id: str
    ledgers: tuple[LedgerRow, ...]  # the person-years touched, as the bundle leaves them
    claims: tuple[NewRecord, ...]  # the records appended, in order
    read: tuple[LedgerRow | None, ...]  # the same person-years as read (None: absent)

    def __reduce__(self) -> tuple[type[BundleWrite], tuple[Any, ...]]:
        # Passed between processes once per bundle: plain values pickle fastest.
        return BundleWrite, (self.person_id, self.ledgers, self.claims, self.read)


def ledger_row(year: int, ledger: Ledger, seed: str | None) -> LedgerRow:
    """A person-year as the ``ledgers`` table holds it (money as decimal text)."""
    return (year, *ledger_to_row(ledger), seed)


EMPTY_STATE = PersonState({}, {}, {})


def _parts(values: list[str], size: int = 900) -> Iterator[list[str]]:
    """``values`` in parts small enough for one SQL ``IN (...)`` list."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def store_uri(path: str) -> str:
    """A read-only ``file:`` URI for ``path`` (``#``, ``?``, ``%`` and the like escaped)."""
    return f"file:{urllib.parse.quote(os.fsencode(os.path.abspath(path)))}?mode=ro"


def stored_record(row: Sequence[Any]) -> StoredRecord:
    """A row of ``records`` (:data:`_RECORD_COLUMNS`), its types and tally checked: a damaged
    value is found here rather than in the rules or the output."""
    seq, setl_id, claim_id, person_id, year, kind, digest, result, tally, content = row
    if not (
        isinstance(seq, int)
        and isinstance(setl_id, str)
        and isinstance(claim_id, str)
        and isinstance(person_id, str)
        and isinstance(year, int)
        and kind in ("settlement", "reversal", "correction")
        and (digest is None or isinstance(digest, bytes))
        and isinstance(result, bytes)
        and isinstance(tally, str)
        and (content is None or isinstance(content, bytes))
    ):
        raise TypeError("a value of the wrong type")
    tally_from_text(tally)
    return StoredRecord(
        seq, setl_id, claim_id, person_id, year, kind, digest, result, tally, content
    )


def _ledger_of(row: LedgerRow) -> Ledger:
    """The ledger of a row of ``ledgers`` (after ``person_id``), its types and amounts checked."""
    year, *amounts, seed = row
    if not (
        isinstance(year, int)
        and all(isinstance(amount, str) for amount in amounts)
        and (seed is None or isinstance(seed, str))
    ):
        raise TypeError("a value of the wrong type")
    ledger = ledger_from_row(year, amounts)
    if not all(Decimal(amount).is_finite() for amount in amounts):
        raise ValueError("an amount that is not a number")
    return ledger


def _connect(path: str, *, read_only: bool) -> sqlite3.Connection:
    if read_only:
        connection = sqlite3.connect(store_uri(path), uri=True, check_same_thread=False)
    else:
        # The run's committer thread writes on this connection while the main thread waits for
        # the workers; one thread uses it at a time.
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        connection.execute("PRAGMA busy_timeout = 30000")
        connection.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    except BaseException:
        connection.close()
        raise
    return connection


def _error_name(error: sqlite3.Error) -> str:
    return str(getattr(error, "sqlite_errorname", ""))


def _describe(path: str, error: sqlite3.Error, doing: str) -> str:
    """A one-line message for a failure of SQLite on the store at ``path``."""
    name = _error_name(error)
    if name == "SQLITE_NOTADB":
        return f"{path}: not a yzmedins ledger database ({error})"
    if name.startswith("SQLITE_CORRUPT"):
        return f"{path} is damaged ({error}): restore it from a backup"
    if name.startswith("SQLITE_READONLY") or name.startswith("SQLITE_CANTOPEN"):
        return f"cannot write {path} ({error}): the store and its folder must be writable"
    if name == "SQLITE_FULL":
        return f"cannot write {path}: {error}"
    return f"cannot {doing} {path}: {error}"


class LedgerReader:
    """Read access for the workers (one per process)."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            self.connection = _connect(os.path.realpath(path), read_only=True)
        except sqlite3.Error as error:
            raise StoreError(_describe(path, error, "read")) from None

    def _damaged(self, what: str) -> StoreError:
        return StoreError(f"{self.path} is damaged ({what}): restore it from a backup")

    def records(self, claim_ids: Iterable[str]) -> dict[str, list[StoredRecord]]:
        """The records of the claims among ``claim_ids`` that the store holds, in ``seq``
        order."""
        try:
            return claim_records(self.connection, claim_ids)
        except (ValueError, TypeError) as error:
            raise self._damaged(str(error)) from None
        except sqlite3.Error as error:
            raise StoreError(_describe(self.path, error, "read")) from None

    def persons(self, person_ids: Iterable[str]) -> dict[str, PersonState]:
        """The ledgers (and their seeds) of the persons the store holds among ``person_ids``."""
        states: dict[str, PersonState] = {}
        try:
            for part in _parts(list(person_ids)):
                rows = self.connection.execute(
                    "SELECT person_id, year, basic_fund, catastrophic_fund, self_burden, "
                    "secondary_subsidy, banded, seed FROM ledgers "
                    f"WHERE person_id IN ({','.join('?' * len(part))})",
                    part,
                )
                for row in rows:
                    try:
                        ledger = _ledger_of(row[1:])
                    except (ArithmeticError, ValueError, TypeError) as error:
                        where = f"the {row[1]!r} ledger of person {row[0]!r}"
                        raise self._damaged(f"{where}: {error}") from None
                    state = states.setdefault(row[0], PersonState({}, {}, {}))
                    state.ledgers[row[1]] = ledger
                    state.seeds[row[1]] = row[7]
                    state.rows[row[1]] = row[1:]
        except sqlite3.Error as error:
            raise StoreError(_describe(self.path, error, "read")) from None
        return states

    def close(self) -> None:
        self.connection.close()


def claim_records(
    connection: sqlite3.Connection, claim_ids: Iterable[str]
) -> dict[str, list[StoredRecord]]:
    """The stored records of ``claim_ids``, by claim id, in ``seq`` order; a damaged row is a
    :class:`ValueError` or :class:`TypeError` naming its record."""
    found: dict[str, list[StoredRecord]] = {}
    for part in _parts(list(claim_ids)):
        rows = connection.execute(
            f"SELECT {_RECORD_COLUMNS} FROM records "
            f"WHERE claim_id IN ({','.join('?' * len(part))}) ORDER BY seq",
            part,
        )
        for row in rows:
            try:
                record = stored_record(row)
            except (ValueError, TypeError) as error:
                raise type(error)(f"record {row[1]!r}: {error}") from None
            found.setdefault(record.claim_id, []).append(record)
    return found


def person_year_records(
    connection: sqlite3.Connection, person_id: str, year: int
) -> list[StoredRecord]:
    """The stored records of a person-year, in ``seq`` order."""
    rows = connection.execute(
        f"SELECT {_RECORD_COLUMNS} FROM records WHERE person_id = ? AND year = ? ORDER BY seq",
        (person_id, year),
    )
    return [stored_record(row) for row in rows]


def record_lines(path: str, year: int | None = None) -> Iterator[tuple[int, bytes]]:
    """``(seq, line)`` of every record of the store at ``path`` (of ``year`` only, if given), in
    the order they were made, read-only and without the run lock: one query, so one consistent
    snapshot (a run that writes meanwhile waits to commit until it is read). A store that is
    missing, not a ledger store or of another schema version is a :class:`StoreError`."""
    if not os.path.isfile(path):
        raise StoreError(f"cannot read {path}: no such ledger store")
    try:
        connection = _connect(os.path.realpath(path), read_only=True)
    except sqlite3.Error as error:
        raise StoreError(_describe(path, error, "read")) from None
    try:
        (version,) = connection.execute("PRAGMA user_version").fetchone()
        if version == SCHEMA_VERSION - 1:
            raise StoreError(
                f"{path} has ledger schema version {version}: a run of `yzmedins adjudicate`, "
                "`reverse` or `clear` on it migrates it; then report on it"
            )
        if version != SCHEMA_VERSION:
            raise StoreError(f"{path}: not a yzmedins ledger database of schema {SCHEMA_VERSION}")
        if year is None:
            rows = connection.execute("SELECT seq, result FROM records ORDER BY seq")
        else:
            rows = connection.execute(
                "SELECT seq, result FROM records WHERE year = ? ORDER BY seq", (year,)
            )
        for seq, result in rows:
            if not isinstance(seq, int) or not isinstance(result, bytes):
                raise StoreError(f"{path} is damaged (a record of the wrong type at {seq!r})")
            yield seq, result
    except sqlite3.Error as error:
        raise StoreError(_describe(path, error, "read")) from None
    finally:
        connection.close()


#: The columns of a ledger row after ``person_id``, in table order.
_LEDGER_COLUMNS = (
    "year",
    "basic_fund",
    "catastrophic_fund",
    "self_burden",
    "secondary_subsidy",
    "banded",
    "seed",
)
#: A ledger row exactly as read (``IS``: the seed may be NULL), after ``person_id``.
_AS_READ = " AND ".join(
    f"{column} IS ?" if column == "seed" else f"{column} = ?" for column in _LEDGER_COLUMNS
)
_INSERT_RECORD = (
    "INSERT INTO records (setl_id, claim_id, person_id, year, kind, digest, result, tally, "
    "content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPDATE_LEDGER = (
    "UPDATE ledgers SET basic_fund = ?, catastrophic_fund = ?, self_burden = ?, "
    f"secondary_subsidy = ?, banded = ? WHERE person_id = ? AND {_AS_READ}"
)


class LedgerStore:
    """The writer: opens (or creates) the database, holds the run lock, commits bundle writes.

    The lock is an exclusive ``flock`` on a descriptor of the database file itself, kept open
    until the connection is closed: SQLite's own (POSIX) locks of this process would be dropped
    if any descriptor of the file were closed while the connection is open.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.real_path = os.path.realpath(path)
        self._lock: int | None = None
        created = self._acquire_lock()
        try:
            self.connection = _connect(self.real_path, read_only=False)
        except sqlite3.Error as error:
            self._give_up(created)
            raise StoreError(_describe(path, error, "open")) from None
        except BaseException:
            self._give_up(created)
            raise
        try:
            self._prepare()
        except sqlite3.Error as error:
            self.connection.close()
            self._give_up(created)
            raise StoreError(_describe(path, error, "open")) from None
        except BaseException:
            self.connection.close()
            self._give_up(created)
            raise

    def _acquire_lock(self) -> bool:
        """Open the database file by its resolved path (creating it if need be) and lock it;
        whether this run created it."""
        path, real = self.path, self.real_path
        created = False
        try:
            try:
                descriptor = os.open(real, os.O_RDWR)
            except FileNotFoundError:
                try:
                    descriptor = os.open(real, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
                    created = True
                except FileExistsError:  # another run created it meanwhile
                    descriptor = os.open(real, os.O_RDWR)
        except OSError as error:
            if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise StoreError(
                    f"cannot write {path}: {error.strerror} (the ledger store must be writable)"
                ) from None
            raise StoreError(f"cannot open {path}: {error.strerror}") from None
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(descriptor)
            if error.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                spelled = "" if os.path.abspath(path) == real else f" (that is, {real})"
                raise StoreError(
                    f"{path}{spelled} is in use by another yzmedins run; wait for it to finish "
                    "(runs on one ledger are never interleaved)"
                ) from None
            raise StoreError(f"cannot lock {path}: {error.strerror}") from None
        self._lock = descriptor
        HELD_LOCKS.add(descriptor)
        links = os.fstat(descriptor).st_nlink
        if links > 1:
            self._release_lock()
            raise StoreError(
                f"{path} has {links} hard links: a ledger store must have one name, as SQLite "
                "finds the journal of an interrupted run by the name it was opened by (remove "
                "the other links, or copy the file)"
            )
        return created

    def _give_up(self, created: bool) -> None:
        """Release the lock after a failed opening; remove the file if this run created it and
        it is still empty."""
        if created:
            with contextlib.suppress(OSError):
                if os.path.getsize(self.real_path) == 0:
                    os.remove(self.real_path)
        self._release_lock()

    def _release_lock(self) -> None:
        if self._lock is not None:
            HELD_LOCKS.discard(self._lock)
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock, fcntl.LOCK_UN)
            os.close(self._lock)
            self._lock = None

    def same_file(self, path: str) -> bool:
        """Whether ``path`` (any spelling, symlink or hard link) names this store's file."""
        if self._lock is None:
            return False
        try:
            other = os.stat(path)
        except OSError:
            return False
        mine = os.fstat(self._lock)
        return (other.st_dev, other.st_ino) == (mine.st_dev, mine.st_ino)

    def _prepare(self) -> None:
        connection = self.connection
        if not self.same_file(self.real_path):
            raise StoreError(f"{self.path} was replaced while it was being opened; try again")
        (version,) = connection.execute("PRAGMA user_version").fetchone()
        has_tables = connection.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
        ).fetchone()[0]
        if version == 0 and has_tables:
            raise StoreError(f"{self.path}: not a yzmedins ledger database")
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has ledger schema version {version}, newer than this engine's "
                f"{SCHEMA_VERSION}: upgrade yzmedins to use it"
            )
        if 0 < version < SCHEMA_VERSION - 1:
            raise StoreError(
                f"{self.path} has ledger schema version {version}; this engine reads "
                f"{SCHEMA_VERSION - 1} and {SCHEMA_VERSION}"
            )
        if version > 0:
            self._check(version)  # before anything is written
        # A rollback journal: new claims are appended to fresh pages, which SQLite need not
        # journal, so each result is written once (WAL would write it twice: to the log and
        # again at the checkpoint). Workers read between commits.
        connection.execute("PRAGMA journal_mode = TRUNCATE")
        connection.execute("PRAGMA synchronous = NORMAL")
        if version == 0:
            connection.executescript(
                "BEGIN IMMEDIATE;\n"
                + _SCHEMA
                + _RECORDS
                + "INSERT OR REPLACE INTO meta VALUES ('schema_version', "
                + f"'{SCHEMA_VERSION}'), ('created_by', 'yzmedins');\n"
                + f"PRAGMA user_version = {SCHEMA_VERSION};\nCOMMIT;"
            )
        elif version == 1:
            migrate_v1(connection)
        self._probe_write()

    def _check(self, version: int = SCHEMA_VERSION) -> None:
        """Refuse a damaged store before anything is written to it.

        A store of at most :data:`FULL_CHECK_BYTES` gets a full ``PRAGMA quick_check``. A larger
        one gets a bounded check of what a run rewrites: the ``meta`` and ``ledgers`` tables in
        full (``quick_check``), the index of claim ids (walked: every new claim is inserted into
        it) and the last page of the records (where new records are appended). Damage elsewhere in
        a large store is found when a run reads it, and ends that run (exit status 2) before
        anything more is written.
        """
        connection = self.connection
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        if pages * page_size <= FULL_CHECK_BYTES:
            problems = [row[0] for row in connection.execute("PRAGMA quick_check(20)")]
        else:
            problems = [
                row[0]
                for table in ("meta", "ledgers")
                for row in connection.execute(f"PRAGMA quick_check({table})")
            ]
            table, key = ("claims", "settled") if version == 1 else ("records", "seq")
            connection.execute(
                f"SELECT COUNT(*) FROM {table} INDEXED BY sqlite_autoindex_{table}_1"
            ).fetchone()
            connection.execute(f"SELECT MAX({key}) FROM {table}").fetchone()
        problems = [problem for problem in problems if problem != "ok"]
        if problems:
            first = " ".join(problems[0].split())
            raise StoreError(
                f"{self.path} is damaged (PRAGMA quick_check: {first}); nothing was written "
                "to it: restore it from a backup"
            )

    def _probe_write(self) -> None:
        """Write (and roll back) a change, so that a read-only store, or a folder where SQLite
        cannot make its journal, is found now rather than at the first commit."""
        connection = self.connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute("INSERT OR REPLACE INTO meta VALUES ('write_probe', '')")
        finally:
            if connection.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    connection.execute("ROLLBACK")

    def commit(self, writes: Iterable[BundleWrite]) -> None:
        """Record a batch of bundle writes in one transaction, or nothing (a :class:`StoreError`)
        when a ledger row or a claim id is not as the workers read it."""
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        claim_rows: list[tuple[Any, ...]] = []
        for write in writes:
            person_id = write.person_id
            for row, read in zip(write.ledgers, write.read, strict=True):
                if read is None:
                    inserts.append((person_id, *row))
                else:
                    updates.append((*row[1:6], person_id, *read))
            for setl_id, claim_id, year, kind, digest, result, tally, content in write.claims:
                claim_rows.append(
                    (setl_id, claim_id, person_id, year, kind, digest, result, tally, content)
                )
        if not inserts and not updates and not claim_rows:
            return
        connection = self.connection
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                connection.executemany(
                    "INSERT INTO ledgers VALUES (?, ?, ?, ?, ?, ?, ?, ?)", inserts
                )
                changed = connection.executemany(_UPDATE_LEDGER, updates).rowcount
                if changed != len(updates):
                    raise sqlite3.IntegrityError("a ledger row changed")
                connection.executemany(_INSERT_RECORD, claim_rows)
                connection.execute("COMMIT")
            finally:
                if connection.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        connection.execute("ROLLBACK")
        except sqlite3.IntegrityError:
            raise StoreError(self._conflict(inserts, updates, claim_rows)) from None
        except sqlite3.Error as error:
            raise StoreError(_describe(self.path, error, "write")) from None

    def _conflict(
        self,
        inserts: list[tuple[Any, ...]],
        updates: list[tuple[Any, ...]],
        claim_rows: list[tuple[Any, ...]],
    ) -> str:
        """The message for a batch refused because another writer changed the store."""
        connection = self.connection
        changed = "a ledger or a claim was changed"
        for person_id, year, *_ in inserts:
            if connection.execute(
                "SELECT 1 FROM ledgers WHERE person_id = ? AND year = ?", (person_id, year)
            ).fetchone():
                changed = f"the {year} ledger of person {person_id!r} was changed"
                break
        else:
            for row in updates:
                if not connection.execute(
                    f"SELECT 1 FROM ledgers WHERE person_id = ? AND {_AS_READ}", row[5:]
                ).fetchone():
                    changed = f"the {row[6]} ledger of person {row[5]!r} was changed"
                    break
            else:
                for setl_id, claim_id, *_ in claim_rows:
                    if connection.execute(
                        "SELECT 1 FROM records WHERE setl_id = ?", (setl_id,)
                    ).fetchone():
                        changed = f"claim {claim_id!r} was recorded"
                        break
        return (
            f"{self.path}: {changed} by another writer while this run was settling it; this "
            "run's last batch was not recorded (nothing was overwritten): is another program "
            "writing to the store? Run again to continue from what the store holds"
        )

    def check_options(self, options: str) -> None:
        """Record the run's policy options (:func:`policy_options`) on the first write; refuse
        (a :class:`StoreError`) a run whose options differ from those recorded."""
        connection = self.connection
        try:
            row = connection.execute("SELECT value FROM meta WHERE key = 'options'").fetchone()
            if row is None:
                connection.execute("BEGIN IMMEDIATE")
                try:
                    connection.execute("INSERT INTO meta VALUES ('options', ?)", (options,))
                    connection.execute("COMMIT")
                finally:
                    if connection.in_transaction:
                        with contextlib.suppress(sqlite3.Error):
                            connection.execute("ROLLBACK")
                return
        except sqlite3.Error as error:
            raise StoreError(_describe(self.path, error, "write")) from None
        if row[0] != options:
            raise StoreError(
                f"{self.path} was written with other policies or readings ({row[0]}) than this "
                f"run's ({options}): use the same --policy and readings as its first run"
            )

    # The commands that append records one request at a time (reverse, clear) read and write
    # on this connection inside a transaction of their own.

    def begin(self) -> None:
        self._sql("BEGIN IMMEDIATE")

    def commit_transaction(self) -> None:
        self._sql("COMMIT")

    def rollback(self) -> None:
        if self.connection.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.connection.execute("ROLLBACK")

    def _sql(self, statement: str) -> None:
        try:
            self.connection.execute(statement)
        except sqlite3.Error as error:
            raise StoreError(_describe(self.path, error, "write")) from None

    def ledger_row(self, person_id: str, year: int) -> LedgerRow | None:
        """A person-year's ledger row as the store holds it (seen inside the transaction)."""
        try:
            row = self.connection.execute(
                "SELECT year, basic_fund, catastrophic_fund, self_burden, secondary_subsidy, "
                "banded, seed FROM ledgers WHERE person_id = ? AND year = ?",
                (person_id, year),
            ).fetchone()
        except sqlite3.Error as error:
            raise StoreError(_describe(self.path, error, "read")) from None
        if row is None:
            return None
        try:
            _ledger_of(row)
        except (ArithmeticError, ValueError, TypeError) as error:
            raise StoreError(
                f"{self.path} is damaged (the {year} ledger of person {person_id!r}: {error}): "
                "restore it from a backup"
            ) from None
        return tuple(row)

    def append(
        self,
        person_id: str,
        records: Sequence[NewRecord],
        row: LedgerRow,
        read: LedgerRow | None,
    ) -> None:
        """Append ``records`` of a person and move its ledger row from ``read`` to ``row`` (or
        insert ``row`` when ``read`` is None: the store held no such person-year), inside the
        open transaction; a row no longer as read is a :class:`StoreError`."""
        connection = self.connection
        try:
            connection.executemany(
                _INSERT_RECORD,
                [
                    (setl_id, claim_id, person_id, year, kind, digest, result, tally, content)
                    for setl_id, claim_id, year, kind, digest, result, tally, content in records
                ],
            )
            if read is None:
                connection.execute(
                    "INSERT INTO ledgers VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (person_id, *row)
                )
                changed = 1
            else:
                changed = connection.execute(_UPDATE_LEDGER, (*row[1:6], person_id, *read)).rowcount
        except sqlite3.IntegrityError:
            raise StoreError(
                f"{self.path}: a record of person {person_id!r} was recorded by another writer"
            ) from None
        except sqlite3.Error as error:
            raise StoreError(_describe(self.path, error, "write")) from None
        if changed != 1:
            raise StoreError(
                f"{self.path}: the {row[0]} ledger of person {person_id!r} was changed by "
                "another writer; nothing of this transaction was recorded"
            )

    # The settlement service (yzmedins serve) keeps each message's answer beside the records it
    # made, in the same transaction: a table of its own, created on first use (older engines
    # ignore it), so the schema version is unchanged.

    def open_messages(self) -> None:
        """Create the ``messages`` table of the service if the store has none."""
        self._sql(_MESSAGES)

    def message(self, msgid: str) -> StoredMessage | None:
        """The message ``msgid`` as answered before, or None."""
        try:
            row = self.connection.execute(
                "SELECT msgid, infno, infcode, setl_id, answer FROM messages WHERE msgid = ?",
                (msgid,),
            ).fetchone()
        except sqlite3.Error as error:
            raise StoreError(_describe(self.path, error, "read")) from None
        return None if row is None else StoredMessage(*row)

    def add_message(self, message: StoredMessage, received: str) -> None:
        """Record a message's answer (inside the open transaction)."""
        try:
            self.connection.execute(
                "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)",
                (*attrs.astuple(message), received),
            )
        except sqlite3.Error as error:
            raise StoreError(_describe(self.path, error, "write")) from None

    def savepoint(self) -> None:
        self._sql("SAVEPOINT message")

    def release(self) -> None:
        self._sql("RELEASE message")

    def rollback_to(self) -> None:
        """Undo what was written since :meth:`savepoint` (the transaction stays open)."""
        with contextlib.suppress(sqlite3.Error):
            self.connection.execute("ROLLBACK TO message")
            self.connection.execute("RELEASE message")

    def claim_records(self, claim_ids: Iterable[str]) -> dict[str, list[StoredRecord]]:
        try:
            return claim_records(self.connection, claim_ids)
        except (ValueError, TypeError) as error:
            raise StoreError(
                f"{self.path} is damaged ({error}): restore it from a backup"
            ) from None
        except sqlite3.Error as error:
            raise StoreError(_describe(self.path, error, "read")) from None

    def person_year_records(self, person_id: str, year: int) -> list[StoredRecord]:
        try:
            return person_year_records(self.connection, person_id, year)
        except (ValueError, TypeError) as error:
            raise StoreError(
                f"{self.path} is damaged ({error}): restore it from a backup"
            ) from None
        except sqlite3.Error as error:
            raise StoreError(_describe(self.path, error, "read")) from None

    def persons_of_year(self, year: int, after: str | None, limit: int) -> list[str]:
        """Up to ``limit`` person ids holding a ledger of ``year``, after ``after``, in order."""
        try:
            rows = self.connection.execute(
                "SELECT person_id FROM ledgers WHERE year = ? AND person_id > ? "
                "ORDER BY person_id LIMIT ?",
                (year, "" if after is None else after, limit),
            ).fetchall()
        except sqlite3.Error as error:
            raise StoreError(_describe(self.path, error, "read")) from None
        return [row[0] for row in rows]

    def year_to_date(self) -> dict[int, dict[str, int]]:
        """Per year, what the store holds: person-years and records, and the sums of its
        ledgers (basic and catastrophic fund, secondary subsidy, self-burden) in fen. Reads the
        ledgers (a row per person-year) and the index of records by person-year, never the
        records themselves."""
        years: dict[int, dict[str, int]] = {}
        try:
            rows = self.connection.execute(
                "SELECT year, basic_fund, catastrophic_fund, secondary_subsidy, self_burden "
                "FROM ledgers"
            )
            for year, *amounts in rows:
                figures = years.setdefault(
                    year,
                    dict.fromkeys(("persons", "records", "basic_fund", "catastrophic_fund",
                                   "secondary_subsidy", "self_burden"), 0),
                )  # fmt: skip
                figures["persons"] += 1
                for key, text in zip(
                    ("basic_fund", "catastrophic_fund", "secondary_subsidy", "self_burden"),
                    amounts,
                    strict=True,
                ):
                    figures[key] += int(Decimal(text).scaleb(2))
            counts = self.connection.execute(
                "SELECT year, COUNT(*) FROM records INDEXED BY records_by_person_year GROUP BY year"
            )
            for year, count in counts:
                if year in years:
                    years[year]["records"] = count
        except sqlite3.Error as error:
            raise StoreError(_describe(self.path, error, "read")) from None
        except (ArithmeticError, ValueError, TypeError) as error:
            raise StoreError(
                f"{self.path} is damaged ({error}): restore it from a backup"
            ) from None
        return years

    def close(self) -> None:
        try:
            self.connection.close()
        finally:
            self._release_lock()  # only now: closing it earlier would drop SQLite's locks


#: The keys of a version 1 result line, in the order version 1 wrote them.
V1_RESULT_KEYS = (
    "claim_id", "person_id", "status", "reasons", "year", "total", "full_self_pay",
    "pre_self_pay", "eligible", "deductible", "basic_rate", "catastrophic_rate", "basic_fund",
    "catastrophic_fund", "other_fund", "secondary_subsidy", "fund_total", "personal_cash",
    "self_burden", "in_scope_self_burden", "flags", "ytd", "trace",
)  # fmt: skip
#: The facts of a record, which a version 1 line did not hold (null on migrated records).
_FACTS = (
    "category", "type", "admitted_on", "discharged_on", "hospital_level", "hospital_region",
    "route", "settlement", "maternity",
)  # fmt: skip
#: Rows migrated per fetch: memory stays flat whatever the size of the store.
MIGRATE_ROWS = 1000
_LOCAL_RATE = "0.90"
_AMBIGUOUS_REFERRAL_RATE = Decimal("0.70")


def _applied_rule(old: dict[str, Any], route: str) -> str:
    """The applied rule of a version 1 result, from its tally's route."""
    if old["status"] != "approved":
        return "none"
    if route == "relocated":
        return "local" if old["basic_rate"] == _LOCAL_RATE else "referral_in_province"
    if route == "emergency":
        for step in old["trace"]:
            text = step.get("text", "") if isinstance(step, dict) else ""
            if "out of province" in text:
                return "referral_out_of_province"
            if "in province" in text:
                return "referral_in_province"
        # No deductible step (a maternity stay, 第二十条): the basic rate decides. In-province
        # referral rates are 0.80 (direct) and 0.70 or 0.72 (reimbursed), out of province 0.70
        # and 0.60 or 0.63: 0.70 is read as out of province, the more common of the two.
        if Decimal(old["basic_rate"]) > _AMBIGUOUS_REFERRAL_RATE:
            return "referral_in_province"
        return "referral_out_of_province"
    return route


def migrated_line(result: bytes, tally: str) -> bytes:
    """A version 1 result line in the version 2 shape: its first settlement, its facts null,
    ``banded`` and ``applied_rule`` worked out from its amounts, tally and trace."""
    old = orjson.loads(result)
    if not isinstance(old, dict) or list(old) != list(V1_RESULT_KEYS):
        raise ValueError("not a version 1 result line")
    route = tally_from_text(tally)[2]
    inpatient = route != "special_outpatient"
    banded = Decimal(0)
    if old["status"] == "approved" and inpatient:
        banded = max(banded, Decimal(old["eligible"]) - Decimal(old["deductible"]))
    new: dict[str, Any] = {
        "claim_id": old["claim_id"],
        "person_id": old["person_id"],
        "record": "settlement",
        "setl_id": f"{old['claim_id']}/1",
        "reverses": None,
        "corrects": None,
        "status": old["status"],
        "reasons": old["reasons"],
        "year": old["year"],
        **dict.fromkeys(_FACTS),
        "applied_rule": _applied_rule(old, route),
    }
    for key in V1_RESULT_KEYS[5:20]:
        new[key] = old[key]
    new["banded"] = f"{banded:.2f}"
    new["flags"], new["ytd"], new["trace"] = old["flags"], old["ytd"], old["trace"]
    return encode_result(record_from_json(new))


def migrate_v1(connection: sqlite3.Connection) -> None:
    """Version 1 → 2 in place, in one transaction: each settled claim becomes its first
    settlement record (same ``seq``, digest and tally; its line rewritten by
    :func:`migrated_line`; no content), the ledgers unchanged, ``claims`` dropped. A row that
    cannot be migrated is a :class:`StoreError` naming it, and nothing is changed."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        for statement in _RECORDS.strip().split(";"):
            if statement.strip():
                connection.execute(statement)
        cursor = connection.execute(
            "SELECT settled, claim_id, person_id, year, digest, result, tally FROM claims "
            "ORDER BY settled"
        )
        while rows := cursor.fetchmany(MIGRATE_ROWS):
            migrated = []
            for settled, claim_id, person_id, year, digest, result, tally in rows:
                try:
                    line = migrated_line(bytes(result), tally)
                except (ArithmeticError, ValueError, TypeError, KeyError) as error:
                    raise StoreError(
                        f"claim {claim_id!r} cannot be migrated to ledger schema version "
                        f"{SCHEMA_VERSION} ({error}); nothing was changed"
                    ) from None
                migrated.append(
                    (
                        settled,
                        f"{claim_id}/1",
                        claim_id,
                        person_id,
                        year,
                        "settlement",
                        digest,
                        line,
                        tally,
                        None,
                    )
                )
            connection.executemany(
                f"INSERT INTO records ({_RECORD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                migrated,
            )
        connection.execute("DROP TABLE claims")
        connection.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    finally:
        if connection.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                connection.execute("ROLLBACK")


def remove_store(path: str) -> None:
    """Delete a store and its side files (for tests and benchmarks)."""
    for suffix in ("", "-journal", "-wal", "-shm", ".lock"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
