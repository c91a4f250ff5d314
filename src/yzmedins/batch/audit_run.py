"""The audit's batch machinery: results staged on disk, persons audited in worker processes, the
findings written in input order.

Results files are read once into a temporary SQLite file indexed by claim id (in any order, of
any size), so that each person's records are looked up when their bundle comes; a ledger store is
read directly. Workers audit a chunk of persons at a time; at most a few chunks are in flight, so
memory stays flat whatever the size of the inputs, and the findings are the same for every
``jobs``.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.pool import AsyncResult
from typing import Any

import attrs
import orjson

from yzmedins.audit import Case, FileRecord, Finding, audit_person
from yzmedins.batch.pipeline import CLAIM, PERSON, SeenIds
from yzmedins.batch.store import StoreError, store_uri
from yzmedins.errors import InputError
from yzmedins.io.codec import parse_bundle, readable_ids
from yzmedins.io.jsonl import ErrorRecord, decode_line, read_lines, too_long
from yzmedins.io.units import Unit
from yzmedins.model import adjudication_order
from yzmedins.policy import PolicySet
from yzmedins.reference import Options

__all__ = [
    "AuditCounts",
    "AuditSettings",
    "Staging",
    "audit_units",
    "store_options",
    "store_persons",
]

#: Persons per chunk handed to a worker, and chunks in flight per worker.
CHUNK = 256
IN_FLIGHT_PER_JOB = 2


@attrs.frozen
class AuditSettings:
    """What every worker needs: the policies, the reference's readings (None: no reference),
    and where the records are (the staged results, or a ledger store)."""

    policies: PolicySet
    options: Options | None
    staging: str | None = None
    store: str | None = None


@attrs.define
class AuditCounts:
    """What a run read and found."""

    persons: int = 0
    records: int = 0
    claims: int = 0
    errors: int = 0
    findings: dict[str, int] = attrs.field(factory=dict)

    def add(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self.findings[finding.check] = self.findings.get(finding.check, 0) + 1

    def merge(self, other: AuditCounts) -> None:
        self.persons += other.persons
        self.records += other.records
        self.claims += other.claims
        self.add_counts(other.findings)

    def add_counts(self, counts: dict[str, int]) -> None:
        for check, count in counts.items():
            self.findings[check] = self.findings.get(check, 0) + count

    @property
    def found(self) -> int:
        return sum(self.findings.values())


def encode_finding(finding: Finding) -> bytes:
    return orjson.dumps(finding.to_json()) + b"\n"


class Staging:
    """Results lines on disk, by claim id; unreadable lines are findings as they are read."""

    def __init__(self, folder: str) -> None:
        self.path = os.path.join(folder, "results.db")
        self.connection = sqlite3.connect(self.path, isolation_level=None)
        self.connection.execute("PRAGMA journal_mode = OFF")
        self.connection.execute("PRAGMA synchronous = OFF")
        self.connection.execute(
            "CREATE TABLE records (seq INTEGER PRIMARY KEY, file TEXT NOT NULL, "
            "line INTEGER NOT NULL, claim_id TEXT NOT NULL, raw BLOB NOT NULL)"
        )
        self.read = 0

    def stage(self, handle: Any, source: str) -> Iterator[Finding]:
        """Read one results file; yield a finding for each line that is not a record."""
        rows: list[tuple[str, int, str, bytes]] = []
        for number, raw in read_lines(handle, source):
            self.read += 1
            try:
                if raw is None:
                    raise too_long()
                value = decode_line(raw)
            except InputError as error:
                yield Finding(
                    "unexpected",
                    None,
                    None,
                    error.field,
                    None,
                    str(error),
                    file=source,
                    line=number,
                )
                continue
            claim_id = value.get("claim_id") if isinstance(value, dict) else None
            if not isinstance(claim_id, str) or not claim_id:
                setl_id = value.get("setl_id") if isinstance(value, dict) else None
                why = "is missing" if isinstance(value, dict) else "the line is not an object"
                yield attrs.evolve(
                    Finding(
                        "unexpected",
                        None,
                        setl_id if isinstance(setl_id, str) else None,
                        "claim_id",
                        None,
                        why if claim_id is None else f"not a claim id: {claim_id!r}",
                    ),
                    file=source,
                    line=number,
                )
                continue
            rows.append((source, number, claim_id, raw))
            if len(rows) >= 5000:
                self._insert(rows)
                rows = []
        self._insert(rows)

    def _insert(self, rows: list[tuple[str, int, str, bytes]]) -> None:
        self.connection.execute("BEGIN")
        self.connection.executemany(
            "INSERT INTO records (file, line, claim_id, raw) VALUES (?, ?, ?, ?)", rows
        )
        self.connection.execute("COMMIT")

    def index(self) -> None:
        self.connection.execute("CREATE INDEX records_by_claim ON records (claim_id, seq)")

    def unexpected(self, audited: str) -> Iterator[Finding]:
        """The records whose claim is no claim of a valid input line (``audited``: the
        database of those claim ids)."""
        self.connection.execute("ATTACH DATABASE ? AS audited", (audited,))
        rows = self.connection.execute(
            "SELECT file, line, claim_id, raw FROM records WHERE claim_id NOT IN "
            "(SELECT id FROM audited.seen WHERE kind = ?) ORDER BY seq",
            (CLAIM,),
        )
        for file, line, claim_id, raw in rows:
            value = orjson.loads(raw)
            setl_id = value.get("setl_id")
            yield Finding(
                "unexpected",
                claim_id,
                setl_id if isinstance(setl_id, str) else None,
                "claim_id",
                "a claim of the input",
                claim_id,
                person_id=value.get("person_id")
                if isinstance(value.get("person_id"), str)
                else None,
                year=value.get("year") if isinstance(value.get("year"), int) else None,
                file=file,
                line=line,
            )

    def close(self) -> None:
        self.connection.close()


#: A worker's answer for one unit: finding lines, error records, the ids it used, counts.
Outcome = tuple[list[bytes], list[ErrorRecord], str | None, tuple[str, ...], AuditCounts]


class AuditWorker:
    """Audits units (input bundles, or a store's person ids); one per process."""

    def __init__(self, settings: AuditSettings) -> None:
        self.settings = settings
        path = settings.staging or settings.store
        assert path is not None
        try:
            self.connection = sqlite3.connect(store_uri(path), uri=True)
            self.connection.execute("PRAGMA query_only = 1")
        except sqlite3.Error as error:
            raise StoreError(f"cannot read {path}: {error}") from None

    def run(self, units: list[Any]) -> list[Outcome]:
        try:
            return [self._unit(unit) for unit in units]
        except sqlite3.Error as error:
            raise StoreError(
                f"cannot read {self.settings.store or 'the results'}: {error}"
            ) from None

    def _unit(self, unit: Any) -> Outcome:
        if isinstance(unit, ErrorRecord):
            return [], [unit], None, (), AuditCounts()
        if isinstance(unit, str):
            return self._store_person(unit)
        return self._bundle(unit)

    def _audit(self, case: Case) -> tuple[list[bytes], AuditCounts]:
        try:
            findings = audit_person(case, self.settings.policies, self.settings.options)
        except InputError as error:  # records the engine cannot even replay
            findings = [
                Finding(
                    "engine",
                    None,
                    None,
                    error.field,
                    f"input error: {error}",
                    None,
                    person_id=case.person_id,
                )
            ]
        counts = AuditCounts(persons=1, records=len(case.records), claims=len(case.order))
        counts.add(findings)
        return [encode_finding(finding) for finding in findings], counts

    def _bundle(self, unit: Unit) -> Outcome:
        value = unit.value
        try:
            if isinstance(value, bytes | str):
                value = decode_line(value)
            bundle = parse_bundle(value, self.settings.policies)
        except InputError as error:
            person_id, claim_ids = readable_ids(value)
            return [], unit.error_records(error), person_id, claim_ids, AuditCounts()
        claim_ids = tuple(claim.id for claim in bundle.claims)
        records: list[FileRecord] = []
        for start in range(0, len(claim_ids), 900):
            part = claim_ids[start : start + 900]
            rows = self.connection.execute(
                "SELECT seq, file, line, raw FROM records WHERE claim_id IN "
                f"({','.join('?' * len(part))})",
                part,
            )
            records += [FileRecord(s, f, n, orjson.loads(raw)) for s, f, n, raw in rows]
        records.sort(key=lambda record: record.seq)
        shared = {"person": value["person"], "contributions": value.get("contributions")}
        contents = {
            claim["id"]: {**shared, "ytd": None, "claims": [claim]} for claim in value["claims"]
        }
        ytd = value.get("ytd")
        case = Case(
            bundle.person.id,
            tuple(records),
            contents,
            tuple(claim.id for claim in sorted(bundle.claims, key=adjudication_order)),
            () if ytd is None else (ytd,),
        )
        lines, counts = self._audit(case)
        return lines, [], bundle.person.id, claim_ids, counts

    def _store_person(self, person_id: str) -> Outcome:
        rows = self.connection.execute(
            "SELECT seq, result, content FROM records WHERE person_id = ? ORDER BY seq",
            (person_id,),
        )
        store = self.settings.store or ""
        records = tuple(
            FileRecord(seq, store, None, orjson.loads(result), _content(content))
            for seq, result, content in rows
        )
        ledgers: dict[int, dict[str, str]] = {}
        openings = []
        for row in self.connection.execute(
            "SELECT year, basic_fund, catastrophic_fund, self_burden, secondary_subsidy, banded, "
            "seed FROM ledgers WHERE person_id = ? ORDER BY year",
            (person_id,),
        ):
            year, *amounts, seed = row
            ledgers[year] = dict(zip(_LEDGER, amounts, strict=True))
            if seed is not None:
                seed_year, *seed_amounts = orjson.loads(seed)
                openings.append(
                    {"year": seed_year, **dict(zip(_LEDGER, seed_amounts, strict=True))}
                )
        case = Case(
            person_id, records, openings=tuple(openings), store_ledgers=ledgers, store=store
        )
        lines, counts = self._audit(case)
        return lines, [], None, (), counts

    def close(self) -> None:
        self.connection.close()


_LEDGER = ("basic_fund", "catastrophic_fund", "self_burden", "secondary_subsidy", "banded")


def _content(content: bytes | None) -> Any:
    return None if content is None else orjson.loads(content)


_WORKER: AuditWorker | None = None
_START_ERROR: str | None = None


def _start(settings: AuditSettings) -> None:
    global _WORKER, _START_ERROR
    try:
        _WORKER = AuditWorker(settings)
    except StoreError as error:
        _START_ERROR = str(error)


def _run_chunk(units: list[Any]) -> list[Outcome]:
    if _START_ERROR is not None:
        raise StoreError(_START_ERROR)
    assert _WORKER is not None
    return _WORKER.run(units)


def _chunks(units: Iterable[Any]) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for unit in units:
        chunk.append(unit)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _outcomes(
    settings: AuditSettings, units: Iterable[Any], jobs: int
) -> Iterator[tuple[Any, Outcome]]:
    """Each unit with its outcome, in input order, with a bounded number of chunks in flight."""
    if jobs <= 1:
        worker = AuditWorker(settings)
        try:
            for chunk in _chunks(units):
                yield from zip(chunk, worker.run(chunk), strict=True)
        finally:
            worker.close()
        return
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with context.Pool(jobs, initializer=_start, initargs=(settings,)) as pool:
        pending: deque[tuple[list[Any], AsyncResult[list[Outcome]]]] = deque()
        for chunk in _chunks(units):
            pending.append((chunk, pool.apply_async(_run_chunk, (chunk,))))
            if len(pending) >= jobs * IN_FLIGHT_PER_JOB:
                done, result = pending.popleft()
                yield from zip(done, result.get(), strict=True)
        while pending:
            done, result = pending.popleft()
            yield from zip(done, result.get(), strict=True)


def audit_units(
    units: Iterable[Any],
    settings: AuditSettings,
    folder: str,
    write: Callable[[bytes], Any],
    error: Callable[[ErrorRecord], Any],
    counts: AuditCounts,
    *,
    jobs: int,
) -> str:
    """Audit every unit, writing finding lines and error records in input order; return the
    path of the database of the claim ids audited (for the records no input claim has)."""
    seen = SeenIds(folder)
    os.makedirs(os.path.join(folder, "audited"), exist_ok=True)
    audited = SeenIds(os.path.join(folder, "audited"))
    try:
        for unit, (lines, errors, person_id, claim_ids, part) in _outcomes(settings, units, jobs):
            ids = ([(PERSON, person_id)] if person_id is not None else []) + [
                (CLAIM, claim_id) for claim_id in claim_ids
            ]
            if ids and not errors and not seen.add_new(ids):
                errors = unit.error_records(_reused(seen, person_id, claim_ids))
                lines = []
                seen.add(ids)
            elif errors:
                seen.add(ids)
            for record in errors:
                counts.errors += 1
                error(record)
            if errors:
                continue
            audited.add([(CLAIM, claim_id) for claim_id in claim_ids])
            counts.merge(part)
            for line in lines:
                write(line)
    finally:
        seen.close()
        audited.close()
    return os.path.join(folder, "audited", "seen.db")


def _reused(seen: SeenIds, person_id: str | None, claim_ids: tuple[str, ...]) -> InputError:
    """The error of a bundle that uses an id of an earlier one (specification §13)."""
    if person_id is not None and seen.known(PERSON, [person_id]):
        return InputError(
            f"person {person_id!r} already appeared in an earlier bundle", "person.id"
        )
    known = seen.known(CLAIM, list(claim_ids))
    index = next((i for i, claim_id in enumerate(claim_ids) if claim_id in known), 0)
    return InputError(
        f"claim id {claim_ids[index]!r} already appeared in an earlier bundle",
        f"claims[{index}].id",
    )


def store_persons(path: str) -> Iterator[str]:
    """Every person of a ledger store, in id order."""
    connection = sqlite3.connect(store_uri(path), uri=True)
    try:
        rows = connection.execute(
            "SELECT person_id FROM records UNION SELECT person_id FROM ledgers ORDER BY 1"
        )
        for (person_id,) in rows:
            yield person_id
    finally:
        connection.close()


def store_options(path: str) -> str | None:
    """The policy options a store recorded, or None."""
    connection = sqlite3.connect(store_uri(path), uri=True)
    try:
        row = connection.execute("SELECT value FROM meta WHERE key = 'options'").fetchone()
    finally:
        connection.close()
    return None if row is None else str(row[0])
