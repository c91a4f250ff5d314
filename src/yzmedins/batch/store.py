"""The ledger store: each person's year-to-date ledger and every settled claim, in SQLite.

Schema version 1 (``PRAGMA user_version``)::

    meta    (key TEXT PRIMARY KEY, value TEXT)           -- schema_version, created_by
    ledgers (person_id, year, basic_fund, catastrophic_fund, self_burden, secondary_subsidy,
             banded, seed)                                -- PRIMARY KEY (person_id, year)
    claims  (settled INTEGER PRIMARY KEY, claim_id UNIQUE, person_id, year, digest, result, tally)

Money is stored as decimal text. ``seed`` is the ``ytd`` that opened a person-year (JSON, or
NULL when the year started from zero). ``settled`` numbers the claims in the order they were
settled (the order of the runs, and within a run of the results); ``digest`` is a
hash of the claim as parsed (so ``"12000"`` and ``"12000.00"`` are the same content); ``result``
is the result line exactly as written, so a rerun reproduces it byte for byte; ``tally`` feeds
the run summary.

Writers: one run at a time holds an exclusive lock on ``DB.lock`` (released by the operating
system when the process ends, however it ends); a second run is refused. Results and ledgers of
a batch of bundles are committed in one transaction, so a run killed at any moment leaves every
bundle either fully recorded or not at all.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO, Any

import attrs
import orjson

from yzmedins.model import Claim, Ledger

SCHEMA_VERSION = 1

#: Page cache per connection, in KiB (SQLite's default is 2 MiB). Each run looks up every claim
#: id in the index of settled claims; a larger cache keeps that index in memory. Memory stays
#: bounded by it, whatever the size of the store.
CACHE_KIB = 32768

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
CREATE TABLE IF NOT EXISTS claims (
    settled INTEGER PRIMARY KEY,
    claim_id TEXT NOT NULL UNIQUE,
    person_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    digest BLOB NOT NULL,
    result BLOB NOT NULL,
    tally TEXT NOT NULL
);
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
    """The ledger store cannot be used: locked, unreadable, or of another schema version."""


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


def seed_text(ledger: Ledger | None) -> str | None:
    if ledger is None:
        return None
    return orjson.dumps([ledger.year, *ledger_to_row(ledger)]).decode()


@attrs.frozen
class RecordedClaim:
    person_id: str
    settled: int
    digest: bytes
    result: bytes
    tally: str


@attrs.frozen
class PersonState:
    """What the store holds for one person: ledgers and the seeds that opened them, by year."""

    ledgers: dict[int, Ledger]
    seeds: dict[int, str | None]


#: A person-year as the ``ledgers`` table holds it, after ``person_id``: year, the ledger's five
#: amounts as decimal text, seed.
LedgerRow = tuple[int, str, str, str, str, str, str | None]


@attrs.frozen
class Settlement:
    """What one bundle adds to the store (written by the main process, in order)."""

    person_id: str
    ledgers: tuple[LedgerRow, ...]  # the person-years touched
    claims: tuple[tuple[str, int, bytes, bytes, str], ...]  # id, year, digest, result, tally

    def __reduce__(self) -> tuple[type[Settlement], tuple[Any, ...]]:
        # Passed between processes once per bundle: plain values pickle fastest.
        return Settlement, (self.person_id, self.ledgers, self.claims)


def ledger_row(year: int, ledger: Ledger, seed: str | None) -> LedgerRow:
    """A person-year as the ``ledgers`` table holds it (money as decimal text)."""
    return (year, *ledger_to_row(ledger), seed)


EMPTY_STATE = PersonState({}, {})


def _parts(values: list[str], size: int = 900) -> Iterator[list[str]]:
    """``values`` in parts small enough for one SQL ``IN (...)`` list."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _connect(path: str, *, read_only: bool) -> sqlite3.Connection:
    if read_only:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        # The run's committer thread writes on this connection while the main thread waits for
        # the workers; one thread uses it at a time.
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA busy_timeout = 30000")
    connection.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    return connection


class LedgerReader:
    """Read access for the workers (one per process)."""

    def __init__(self, path: str) -> None:
        self.connection = _connect(path, read_only=True)

    def claims(self, claim_ids: Iterable[str]) -> dict[str, RecordedClaim]:
        """The recorded claims among ``claim_ids``."""
        found: dict[str, RecordedClaim] = {}
        for part in _parts(list(claim_ids)):
            rows = self.connection.execute(
                "SELECT claim_id, person_id, settled, digest, result, tally FROM claims "
                f"WHERE claim_id IN ({','.join('?' * len(part))})",
                part,
            )
            found.update((row[0], RecordedClaim(*row[1:])) for row in rows)
        return found

    def persons(self, person_ids: Iterable[str]) -> dict[str, PersonState]:
        """The ledgers (and their seeds) of the persons the store holds among ``person_ids``."""
        states: dict[str, PersonState] = {}
        for part in _parts(list(person_ids)):
            rows = self.connection.execute(
                "SELECT person_id, year, basic_fund, catastrophic_fund, self_burden, "
                "secondary_subsidy, banded, seed FROM ledgers "
                f"WHERE person_id IN ({','.join('?' * len(part))})",
                part,
            )
            for row in rows:
                state = states.setdefault(row[0], PersonState({}, {}))
                state.ledgers[row[1]] = ledger_from_row(row[1], row[2:7])
                state.seeds[row[1]] = row[7]
        return states

    def close(self) -> None:
        self.connection.close()


class LedgerStore:
    """The writer: opens (or creates) the database, holds the run lock, commits settlements."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock: IO[bytes] | None = None
        self._lock = self._acquire_lock(path)
        try:
            self.connection = _connect(path, read_only=False)
            self._prepare()
        except sqlite3.DatabaseError as error:
            self._release_lock()
            raise StoreError(f"{path}: not a yzmedins ledger database ({error})") from None
        except StoreError:
            self._release_lock()
            raise

    @staticmethod
    def _acquire_lock(path: str) -> IO[bytes]:
        try:
            handle = open(f"{path}.lock", "ab")  # noqa: SIM115 (held for the whole run)
        except OSError as error:
            raise StoreError(f"cannot open {path}.lock: {error.strerror}") from None
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise StoreError(
                f"{path} is in use by another yzmedins run; wait for it to finish "
                "(runs on one ledger are never interleaved)"
            ) from None
        HELD_LOCKS.add(handle.fileno())
        return handle

    def _release_lock(self) -> None:
        if self._lock is not None:
            HELD_LOCKS.discard(self._lock.fileno())
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    def _prepare(self) -> None:
        connection = self.connection
        # A rollback journal: new claims are appended to fresh pages, which SQLite need not
        # journal, so each result is written once (WAL would write it twice: to the log and
        # again at the checkpoint). Workers read between commits.
        connection.execute("PRAGMA journal_mode = TRUNCATE")
        connection.execute("PRAGMA synchronous = NORMAL")
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
        if 0 < version < SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has ledger schema version {version}; this engine needs "
                f"{SCHEMA_VERSION}: see docs/ledger.md for the migration"
            )
        if version == 0:
            connection.executescript(
                "BEGIN IMMEDIATE;\n"
                + _SCHEMA
                + "INSERT OR REPLACE INTO meta VALUES ('schema_version', "
                + f"'{SCHEMA_VERSION}'), ('created_by', 'yzmedins');\n"
                + f"PRAGMA user_version = {SCHEMA_VERSION};\nCOMMIT;"
            )

    def commit(self, settlements: Iterable[Settlement]) -> None:
        """Record a batch of settlements in one transaction."""
        ledger_rows: list[tuple[Any, ...]] = []
        claim_rows: list[tuple[Any, ...]] = []
        for settlement in settlements:
            for row in settlement.ledgers:
                ledger_rows.append((settlement.person_id, *row))
            for claim_id, year, digest, result, tally in settlement.claims:
                claim_rows.append((claim_id, settlement.person_id, year, digest, result, tally))
        if not ledger_rows and not claim_rows:
            return
        connection = self.connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.executemany(
                "INSERT INTO ledgers VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (person_id, year) DO UPDATE SET basic_fund = excluded.basic_fund, "
                "catastrophic_fund = excluded.catastrophic_fund, "
                "self_burden = excluded.self_burden, "
                "secondary_subsidy = excluded.secondary_subsidy, banded = excluded.banded",
                ledger_rows,
            )
            connection.executemany(
                "INSERT INTO claims (claim_id, person_id, year, digest, result, tally) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                claim_rows,
            )
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def close(self) -> None:
        try:
            self.connection.close()
        finally:
            self._release_lock()


def remove_store(path: str) -> None:
    """Delete a store and its side files (for tests and benchmarks)."""
    for suffix in ("", "-journal", "-wal", "-shm", ".lock"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
