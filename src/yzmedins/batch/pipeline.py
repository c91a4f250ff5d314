"""The batch pipeline: units in, results and error records out, in input order.

The main process reads units (JSON Lines or tables), hands them in chunks to ``jobs`` worker
processes (or works alone when ``jobs`` is 1), and writes what comes back in input order, so the
output is byte-identical for every ``jobs``. Workers parse, validate, adjudicate and encode; the
main process checks duplicates across the input (specification §11), writes, keeps the summary and
commits to the ledger store. At most a few chunks are in flight, so memory stays flat whatever
the input size.

With input files and more than one job, :func:`run_spooled` (the spool pipeline) does the same
without passing lines between processes: workers read their own parts of the files and write
the result lines to spool files, which the main process copies into the results in order.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import queue
import sqlite3
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.pool import AsyncResult, Pool
from typing import Any, BinaryIO, Protocol

import attrs
import orjson

from yzmedins.batch.store import (
    EMPTY_STATE,
    BundleWrite,
    LedgerReader,
    LedgerStore,
    NewRecord,
    PersonState,
    StoredRecord,
    StoreError,
    claim_digest,
    forget_inherited_locks,
    in_effect,
    ledger_row,
    seed_text,
)
from yzmedins.batch.summary import Summary, Tally, tally_from_text, tally_of, tally_text
from yzmedins.engine import PersonHistory, settle_sequence
from yzmedins.errors import InputError
from yzmedins.io.codec import TraceLevel, parse_bundle, readable_ids, result_to_json, trace_at
from yzmedins.io.contents import settled_writer
from yzmedins.io.csv_results import csv_row
from yzmedins.io.files import FileFailure, Output
from yzmedins.io.jsonl import (
    ErrorRecord,
    decode_line,
    encode_error,
    encode_json,
    encode_settled,
    read_lines,
    too_long,
)
from yzmedins.io.records import record_from_json
from yzmedins.io.typed import fast_bundle
from yzmedins.io.units import Unit
from yzmedins.model import Bundle, Claim, ClaimResult, Ledger
from yzmedins.nhsa import NhsaCodes, nhsa_line, nhsa_shape
from yzmedins.policy import PolicySet

#: What the main process hands out: a unit to adjudicate, or an error record found while
#: reading (a bad table row), passed through so that it keeps its place in the output.
Item = Unit | ErrorRecord

#: Units per chunk handed to a worker, and chunks in flight per worker. A chunk also ends once
#: its units hold ``CHUNK_BYTES`` of input, so that memory stays flat however long the lines.
CHUNK_UNITS = 1024
CHUNK_BYTES = 4 << 20
IN_FLIGHT_PER_JOB = 2
#: The spool pipeline's chunks: about this many bytes of input each, cut at a line end.
SPOOL_BYTES = 1 << 20
#: Bundles per ledger-store transaction.
COMMIT_EVERY = 2000
#: ... or once their records hold this many bytes (results and the claims as settled), so that
#: the batches waiting for the store keep memory flat whatever the bundles' size.
COMMIT_BYTES = 8 << 20


@attrs.frozen
class Settings:
    """What every worker needs: the policies, the output format, the ledger store's path."""

    policies: PolicySet
    format: str = "jsonl"  # jsonl, csv or nhsa
    store_path: str | None = None
    codes: NhsaCodes | None = None  # --format nhsa: the code list (None: the bundled one)
    trace: TraceLevel = TraceLevel.FULL  # of the result lines (the store keeps full lines)


@attrs.frozen
class Outcome:
    """What became of one unit: its result lines (in output order) or its error records."""

    lines: tuple[bytes, ...] = ()  # with a store, the same objects as its claims' results
    tallies: tuple[Tally, ...] = ()
    errors: tuple[ErrorRecord, ...] = ()
    person_id: str | None = None
    claim_ids: tuple[str, ...] = ()
    bundle_write: BundleWrite | None = None
    reproduced: int = 0

    def __reduce__(self) -> tuple[type[Outcome], tuple[Any, ...]]:
        # Pickled once per unit between processes: positional fields, not attrs' state dict.
        return Outcome, (
            self.lines,
            self.tallies,
            self.errors,
            self.person_id,
            self.claim_ids,
            self.bundle_write,
            self.reproduced,
        )


#: A worker's answer for a chunk: each unit's outcome, and the summary of their results.
ChunkOutcome = tuple[list[Outcome], Summary]


@attrs.frozen
class Part:
    """A chunk of an input file for the spool pipeline: whole lines, the first numbered
    ``first``, and the spool file its results are written to."""

    source: str  # as error records and the summary name it
    path: str
    start: int
    size: int
    first: int
    spool: str


#: A worker's answer for a part: each unit's outcome without its lines, each unit's line
#: number, where each unit's lines end in the spool file, and the summary of their results.
Spooled = tuple[list[Outcome], list[int], list[int], Summary]


class Worker:
    """Turns units into outcomes; one per process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        # A store that cannot be read raises StoreError here (naming the file).
        self.reader = None if settings.store_path is None else LedgerReader(settings.store_path)
        self.recorded: dict[str, list[StoredRecord]] = {}
        self.states: dict[str, PersonState] = {}
        #: A settlement's output line in the run's format; None: its JSON line.
        trace = settings.trace
        self.convert: Callable[[ClaimResult], bytes] | None = {
            "csv": lambda result: csv_row(result_to_json(result, trace)),
            "nhsa": self._nhsa,
        }.get(settings.format)
        if self.convert is None and trace is not TraceLevel.FULL:
            self.convert = lambda result: encode_settled(result, trace)

    def run(self, units: list[Item]) -> ChunkOutcome:
        """The outcomes of a chunk, in order, and the summary of their results; with a store,
        one look-up for the whole chunk."""
        parsed = [self._parse(unit) for unit in units]
        settle = self._settle
        if self.reader is not None:
            bundles = [item for item in parsed if isinstance(item, Bundle)]
            self.recorded = self.reader.records(c.id for b in bundles for c in b.claims)
            self.states = self.reader.persons(b.person.id for b in bundles)
            settle = self._settle_with_store
        outcomes = [
            parsed_item
            if isinstance(parsed_item, Outcome)
            else self._guard(unit, settle, parsed_item)
            for unit, parsed_item in zip(units, parsed, strict=True)
        ]
        part = Summary()
        for outcome in outcomes:
            for index, tally in enumerate(outcome.tallies):  # the reproduced ones come first
                part.add(tally, reproduced=index < outcome.reproduced)
        return outcomes, part

    def spool(self, part: Part) -> Spooled:
        """Read a part of an input file, adjudicate it, and write its result lines to the
        part's spool file; the outcomes come back without their lines, with where each unit's
        lines end in the spool."""
        units: list[Item] = []
        try:
            with open(part.path, "rb") as handle:
                handle.seek(part.start)
                for number, raw in read_lines(
                    handle, part.source, first=part.first, size=part.size
                ):
                    if raw is None:
                        error = too_long()
                        units.append(ErrorRecord(part.source, number, str(error), error.field))
                    else:
                        units.append(Unit(part.source, number, raw))
        except OSError as error:
            raise FileFailure(f"cannot read {part.source}: {error.strerror or error}") from None
        outcomes, summary = self.run(units)
        ends: list[int] = []
        kept: list[Outcome] = []
        end = 0
        try:
            with open(part.spool, "wb") as spool:
                write = spool.writelines
                for outcome in outcomes:
                    lines = outcome.lines
                    if lines:
                        write(lines)
                        end += sum(map(len, lines))
                        outcome = Outcome(
                            (),
                            outcome.tallies,
                            outcome.errors,
                            outcome.person_id,
                            outcome.claim_ids,
                            outcome.bundle_write,
                            outcome.reproduced,
                        )
                    ends.append(end)
                    kept.append(outcome)
        except OSError as error:
            folder = os.path.dirname(os.path.dirname(part.spool))
            raise FileFailure(f"temporary files in {folder}: {error.strerror or error}") from None
        return kept, [unit.line for unit in units], ends, summary

    def _parse(self, unit: Item) -> Bundle | Outcome:
        if isinstance(unit, ErrorRecord):
            return Outcome(errors=(unit,))
        value = unit.value
        if isinstance(value, bytes):
            bundle = fast_bundle(value, self.settings.policies)
            if bundle is not None:
                return bundle
        try:
            if isinstance(value, bytes | str):
                value = decode_line(value)
            return parse_bundle(value, self.settings.policies)
        except InputError as error:
            person_id, claim_ids = readable_ids(value)
            return Outcome(
                errors=tuple(unit.error_records(error)), person_id=person_id, claim_ids=claim_ids
            )

    @staticmethod
    def _guard(unit: Item, settle: Callable[[Bundle], Outcome], bundle: Bundle) -> Outcome:
        try:
            return settle(bundle)
        except (InputError, orjson.JSONEncodeError) as error:
            assert isinstance(unit, Unit)
            if not isinstance(error, InputError):  # a value that cannot be written back
                error = InputError(f"the result cannot be written: {error}")
            return Outcome(
                errors=tuple(unit.error_records(error)),
                person_id=bundle.person.id,
                claim_ids=tuple(claim.id for claim in bundle.claims),
            )

    def _line(self, result: ClaimResult) -> bytes:
        if self.convert is None:
            return encode_settled(result)
        return self.convert(result)

    def _nhsa(self, result: ClaimResult) -> bytes:
        # A settlement's shape needs only the record (adjudicate writes settlements only).
        shape = nhsa_shape(result, policies=self.settings.policies, codes=self.settings.codes)
        return nhsa_line(shape)

    def _settle(self, bundle: Bundle) -> Outcome:
        ledgers = {} if bundle.ytd is None else {bundle.ytd.year: bundle.ytd}
        file = PersonHistory(bundle.person, bundle.contributions)
        results, _ = settle_sequence(
            file, enumerate(bundle.claims), ledgers, self.settings.policies
        )
        return Outcome(
            lines=tuple([self._line(result) for result in results]),
            tallies=tuple([tally_of(result) for result in results]),
            person_id=bundle.person.id,
            claim_ids=tuple(claim.id for claim in bundle.claims),
        )

    def _settle_with_store(self, bundle: Bundle) -> Outcome:
        """Settle only the claims the store holds no settlement of with the same content, after
        the recorded ones: a claim settled with this content reproduces that settlement's line;
        a claim whose settlements were all reversed is settled again, as its next record."""
        person_id = bundle.person.id
        recorded = self.recorded
        reproduced: list[StoredRecord] = []
        new: list[tuple[int, Claim]] = []
        digests: dict[str, bytes] = {}
        setl_ids: dict[str, str] = {}
        for index, claim in enumerate(bundle.claims):
            records = recorded.get(claim.id, [])
            digest = digests[claim.id] = claim_digest(claim)
            if not records:
                new.append((index, claim))
                continue
            if records[0].person_id != person_id:
                raise InputError(
                    f"claim id {claim.id!r} was settled for person {records[0].person_id!r}",
                    f"claims[{index}].id",
                )
            same = [r for r in records if r.kind == "settlement" and r.digest == digest]
            if same:
                reproduced.append(same[-1])
                continue
            current = in_effect(records)
            if current is not None:
                raise InputError(
                    f"claim {claim.id!r} was settled before with different content "
                    f"({current.setl_id} is in effect): reverse it first with `yzmedins "
                    "reverse`, then settle the corrected claim",
                    f"claims[{index}].id",
                )
            new.append((index, claim))
            setl_ids[claim.id] = f"{claim.id}/{len(records) + 1}"
        state = self.states.get(person_id, EMPTY_STATE)
        ledgers: dict[int, Ledger] = dict(state.ledgers)
        seeds = dict(state.seeds)
        if bundle.ytd is not None:
            year = bundle.ytd.year
            if year in ledgers:
                if seeds[year] != seed_text(bundle.ytd):
                    raise InputError(
                        f"differs from the ledger the store holds for {year}: the store's "
                        "ledger continues that year (omit ytd, or give the one it was opened with)",
                        "ytd",
                    )
            else:
                ledgers[year] = bundle.ytd
                seeds[year] = seed_text(bundle.ytd)
        file = PersonHistory(bundle.person, bundle.contributions)
        results, after = settle_sequence(file, new, ledgers, self.settings.policies, setl_ids)
        reproduced.sort(key=lambda record: record.seq)
        lines = [self._reproduce(record) for record in reproduced]
        tallies = [tally_from_text(record.tally) for record in reproduced]
        claim_rows: list[NewRecord] = []
        claims = {claim.id: claim for _, claim in new}
        write_content = settled_writer(bundle.person, bundle.contributions)
        for result in results:
            json_line = encode_settled(result)
            tally = tally_of(result)
            lines.append(json_line if self.convert is None else self.convert(result))
            tallies.append(tally)
            claim = claims[result.claim_id]
            content = write_content(claim)
            claim_rows.append(
                (
                    result.setl_id,
                    result.claim_id,
                    result.year,
                    "settlement",
                    digests[result.claim_id],
                    json_line,
                    tally_text(tally),
                    content,
                )
            )
        years = {result.year for result in results} | (
            set() if bundle.ytd is None or bundle.ytd.year in state.ledgers else {bundle.ytd.year}
        )
        touched = sorted(years)
        bundle_write = BundleWrite(
            person_id=person_id,
            ledgers=tuple(ledger_row(year, after[year], seeds.get(year)) for year in touched),
            claims=tuple(claim_rows),
            read=tuple(state.rows.get(year) for year in touched),  # the commit's condition
        )
        return Outcome(
            lines=tuple(lines),
            tallies=tuple(tallies),
            person_id=person_id,
            claim_ids=tuple(claim.id for claim in bundle.claims),
            bundle_write=bundle_write,
            reproduced=len(reproduced),
        )

    def _reproduce(self, record: StoredRecord) -> bytes:
        if self.convert is None:
            return record.result
        if self.settings.format == "nhsa":
            return self.convert(record_from_json(orjson.loads(record.result)))
        value = orjson.loads(record.result)
        value["trace"] = trace_at(value["trace"], self.settings.trace)
        if self.settings.format == "csv":
            return csv_row(value)
        return encode_json(value)


_WORKER: Worker | None = None
#: Why this worker process could not start (see :func:`_start_worker`), or None.
_START_ERROR: str | None = None

#: The cyclic garbage collector's first threshold during a run. Adjudication allocates many
#: short-lived, acyclic objects (freed by reference counting); at the default of 700 the
#: collector runs every few claims and costs about 5% of a worker's time (measured).
GC_THRESHOLD = 50_000


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect cycles less often for the run, then restore the previous thresholds."""
    previous = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, previous[1], previous[2])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def _start_worker(settings: Settings) -> None:
    """A pool worker's initializer. It never raises: a pool replaces a worker whose initializer
    raised, forever; the error is kept and raised by :func:`_run_chunk` instead, so that it
    reaches the main process once, with the first chunk."""
    global _WORKER, _START_ERROR
    forget_inherited_locks()
    gc.freeze()  # what the worker inherited stays alive; the collector need not scan it
    gc.set_threshold(GC_THRESHOLD)
    try:
        _WORKER = Worker(settings)
    except StoreError as error:
        _START_ERROR = str(error)
    except Exception as error:
        _START_ERROR = f"a worker process could not start: {type(error).__name__}: {error}"


def _run_chunk(units: list[Item]) -> ChunkOutcome:
    if _START_ERROR is not None:
        raise StoreError(_START_ERROR)  # a plain message: it pickles to the main process
    assert _WORKER is not None
    return _WORKER.run(units)


def _spool_part(part: Part) -> Spooled:
    if _START_ERROR is not None:
        raise StoreError(_START_ERROR)
    assert _WORKER is not None
    return _WORKER.spool(part)


class SeenIds:
    """Person and claim ids read so far in this input, kept on disk so memory stays flat."""

    def __init__(self, folder: str) -> None:
        self.connection = sqlite3.connect(os.path.join(folder, "seen.db"), isolation_level=None)
        self.connection.execute("PRAGMA journal_mode = OFF")
        self.connection.execute("PRAGMA synchronous = OFF")
        self.connection.execute(
            "CREATE TABLE seen (kind INTEGER, id TEXT, PRIMARY KEY (kind, id)) WITHOUT ROWID"
        )

    def known(self, kind: int, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ",".join("?" * len(part))
            found.update(
                row[0]
                for row in self.connection.execute(
                    f"SELECT id FROM seen WHERE kind = ? AND id IN ({marks})", [kind, *part]
                )
            )
        return found

    def add(self, rows: list[tuple[int, str]]) -> None:
        self.connection.execute("BEGIN")
        self.connection.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?)", rows)
        self.connection.execute("COMMIT")

    def add_new(self, rows: list[tuple[int, str]]) -> bool:
        """Add ``rows`` if none was seen before and none repeats (the usual case: one insert,
        no look-ups); otherwise add nothing and return False."""
        self.connection.execute("BEGIN")
        try:
            self.connection.executemany("INSERT INTO seen VALUES (?, ?)", rows)
        except sqlite3.IntegrityError:
            self.connection.execute("ROLLBACK")
            return False
        self.connection.execute("COMMIT")
        return True

    def close(self) -> None:
        self.connection.close()


PERSON, CLAIM = 0, 1


def _chunks(units: Iterable[Item]) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    size = 0
    for unit in units:
        chunk.append(unit)
        if isinstance(unit, Unit) and isinstance(unit.value, bytes):
            size += len(unit.value)
        if len(chunk) >= CHUNK_UNITS or size >= CHUNK_BYTES:
            yield chunk
            chunk = []
            size = 0
    if chunk:
        yield chunk


def _outcomes(
    settings: Settings, chunks: Iterator[list[Item]], jobs: int
) -> Iterator[tuple[list[Item], ChunkOutcome]]:
    """Each chunk with its outcomes, in input order, with a bounded number in flight."""
    if jobs <= 1:
        worker = Worker(settings)
        try:
            for chunk in chunks:
                yield chunk, worker.run(chunk)
        finally:
            if worker.reader is not None:
                worker.reader.close()
        return
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with context.Pool(jobs, initializer=_start_worker, initargs=(settings,)) as pool:
        pending: deque[tuple[list[Item], AsyncResult[ChunkOutcome]]] = deque()
        for chunk in chunks:
            pending.append((chunk, _submit(pool, chunk)))
            if len(pending) >= jobs * IN_FLIGHT_PER_JOB:
                units, result = pending.popleft()
                yield units, result.get()
        while pending:
            units, result = pending.popleft()
            yield units, result.get()


def _submit(pool: Pool, chunk: list[Item]) -> AsyncResult[ChunkOutcome]:
    return pool.apply_async(_run_chunk, (chunk,))


class Committer:
    """Commits batches of bundle writes to the ledger store in a thread of its own.

    SQLite writes (and waits for the disk) without holding Python's interpreter lock, so the main
    process goes on handing out work and writing results while a batch is committed. At most
    two batches wait; each is still one transaction, so a run killed at any moment leaves every
    bundle fully recorded or not at all. An error in the thread is raised in the main thread at
    the next :meth:`submit` or at :meth:`close`.
    """

    def __init__(self, store: LedgerStore) -> None:
        self.store = store
        self.batches: queue.Queue[list[BundleWrite] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="yzmedins-ledger", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (batch := self.batches.get()) is not None:
            if self.error is None:
                try:
                    self.store.commit(batch)
                except BaseException as error:  # handed to the main thread
                    self.error = error

    def submit(self, batch: list[BundleWrite]) -> None:
        self._raise()
        self.batches.put(batch)

    def close(self, *, quietly: bool = False) -> None:
        """Wait for every submitted batch to be committed; raise the thread's error if any
        (unless ``quietly``, when another error is on its way)."""
        if self.thread.is_alive():
            self.batches.put(None)
            self.thread.join()
        if not quietly:
            self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            raise error


class Writer(Protocol):
    """Where lines go: a binary file, or a :class:`yzmedins.io.files.Output`."""

    def write(self, data: bytes, /) -> Any: ...

    def writelines(self, lines: Iterable[bytes], /) -> Any: ...


@attrs.define
class Sinks:
    """Where the run writes: results, error records, and progress."""

    results: Writer
    errors: Writer
    advance: Callable[[Item], None] = lambda unit: None
    #: The spool pipeline's progress: bytes of input done.
    progress: Callable[[int], None] = lambda size: None


def run_batch(
    units: Iterable[Item],
    settings: Settings,
    sinks: Sinks,
    summary: Summary,
    *,
    jobs: int = 1,
    store: LedgerStore | None = None,
) -> Summary:
    """Adjudicate every unit; write results and errors in input order; fill ``summary``."""
    with _fewer_collections(), tempfile.TemporaryDirectory(prefix="yzmedins-") as folder:
        seen = SeenIds(folder)
        recorder = _Recorder(store)
        try:
            for chunk, (outcomes, part) in _outcomes(settings, _chunks(units), jobs):
                summary.merge(part)
                read_ids = [
                    (kind, read_id) for outcome in outcomes for kind, read_id in _ids(outcome)
                ]
                if not seen.add_new(read_ids):  # some id was seen before: check line by line
                    outcomes = _refuse_duplicates(chunk, outcomes, read_ids, seen, summary)
                for unit, outcome in zip(chunk, outcomes, strict=True):
                    sinks.advance(unit)
                    if outcome.errors:
                        summary.errors += len(outcome.errors)
                        for record in outcome.errors:
                            sinks.errors.write(encode_error(record))
                        continue
                    summary.bundles += 1
                    sinks.results.writelines(outcome.lines)
                    if outcome.bundle_write is not None:
                        recorder.add(outcome.bundle_write)
                recorder.checkpoint()
            recorder.finish()
        except BaseException:
            recorder.abandon()
            raise
        finally:
            seen.close()
    return summary


class _Recorder:
    """Gathers the bundle writes of a run into the committer's batches (of at most
    :data:`COMMIT_EVERY` bundles or about :data:`COMMIT_BYTES`); without a ledger store,
    nothing."""

    def __init__(self, store: LedgerStore | None) -> None:
        self.committer = None if store is None else Committer(store)
        self.pending: list[BundleWrite] = []
        self.bytes = 0

    def add(self, write: BundleWrite) -> None:
        self.pending.append(write)
        self.bytes += _size(write)

    def checkpoint(self) -> None:
        """Hand the batch to the committer once it is full."""
        if self.committer is not None and (
            len(self.pending) >= COMMIT_EVERY or self.bytes >= COMMIT_BYTES
        ):
            self.committer.submit(self.pending)
            self.pending = []
            self.bytes = 0

    def finish(self) -> None:
        """Commit the rest, and wait for every batch to be committed."""
        if self.committer is not None:
            self.committer.submit(self.pending)
            self.committer.close()

    def abandon(self) -> None:
        """After an error: what was submitted is committed; the error wins."""
        if self.committer is not None:
            self.committer.close(quietly=True)


def _size(write: BundleWrite) -> int:
    """The bytes a bundle's new records hold (their result lines and contents)."""
    return sum(len(record[5]) + len(record[7] or b"") for record in write.claims)


def _ids(outcome: Outcome) -> Iterator[tuple[int, str]]:
    """The ids a unit uses (specification §11), valid or not: its person, then its claims."""
    if outcome.person_id is not None:
        yield PERSON, outcome.person_id
    for claim_id in outcome.claim_ids:
        yield CLAIM, claim_id


def _refuse_duplicates(
    chunk: list[Item],
    outcomes: list[Outcome],
    read_ids: list[tuple[int, str]],
    seen: SeenIds,
    summary: Summary,
) -> list[Outcome]:
    """The outcomes with every unit that reuses an id of an earlier unit refused (specification
    §11); the refused units' results are taken out of ``summary`` again. ``read_ids`` are the
    chunk's ids, all of which count as used from now on."""
    persons = [o.person_id for o in outcomes if o.person_id is not None]
    claims = [claim_id for o in outcomes for claim_id in o.claim_ids]
    known_persons = seen.known(PERSON, persons)
    known_claims = seen.known(CLAIM, claims)
    checked_outcomes: list[Outcome] = []
    for unit, outcome in zip(chunk, outcomes, strict=True):
        checked = _check_duplicates(unit, outcome, known_persons, known_claims)
        if checked is not outcome:  # refused after all: its results do not count
            for index, tally in enumerate(outcome.tallies):
                summary.add(tally, -1, reproduced=index < outcome.reproduced)
        if outcome.person_id is not None:
            known_persons.add(outcome.person_id)
        known_claims.update(outcome.claim_ids)
        checked_outcomes.append(checked)
    seen.add(read_ids)
    return checked_outcomes


def _check_duplicates(unit: Item, outcome: Outcome, persons: set[str], claims: set[str]) -> Outcome:
    """specification §11: a person or claim id of an earlier bundle of the input makes this one an
    error."""
    if outcome.errors or outcome.person_id is None or isinstance(unit, ErrorRecord):
        return outcome
    # Ids repeated inside the line itself were refused by the codec; here: earlier lines.
    error: InputError | None = None
    if outcome.person_id in persons:
        error = InputError(
            f"person {outcome.person_id!r} already appeared in an earlier bundle", "person.id"
        )
    else:
        for index, claim_id in enumerate(outcome.claim_ids):
            if claim_id in claims:
                error = InputError(
                    f"claim id {claim_id!r} already appeared in an earlier bundle",
                    f"claims[{index}].id",
                )
                break
    if error is None:
        return outcome
    return Outcome(
        errors=tuple(unit.error_records(error)),
        person_id=outcome.person_id,
        claim_ids=outcome.claim_ids,
    )


def line_ranges(handle: BinaryIO, size: int = SPOOL_BYTES) -> Iterator[tuple[int, int, int]]:
    """``(start, bytes, number of the first line)`` of consecutive parts of a file, each of
    whole lines and about ``size`` bytes (longer where a line is longer), read in blocks of
    ``size``: no line is held in memory, however long."""
    start = 0
    first = 1
    carried = 0  # bytes read since the last cut, none of them a line end
    while block := handle.read(size):
        cut = block.rfind(b"\n")
        if cut < 0:
            carried += len(block)
            continue
        length = carried + cut + 1
        yield start, length, first
        start += length
        first += block.count(b"\n", 0, cut + 1)
        carried = len(block) - cut - 1
    if carried:
        yield start, carried, first


def _parts(inputs: list[tuple[str, str]], folder: str, summary: Summary) -> Iterator[Part]:
    """The parts of every input file, in order (each file counted in the summary as it
    begins)."""
    index = 0
    for source, path in inputs:
        summary.inputs.setdefault(source, 0)
        try:
            handle = open(path, "rb")  # noqa: SIM115 (the with block below)
        except OSError as error:
            raise FileFailure(f"cannot read {source}: {error.strerror or error}") from None
        with handle:
            ranges = line_ranges(handle, SPOOL_BYTES)
            while True:
                try:
                    found = next(ranges, None)
                except OSError as error:
                    message = f"cannot read {source}: {error.strerror or error}"
                    raise FileFailure(message) from None
                if found is None:
                    break
                start, size, first = found
                spool = os.path.join(folder, f"{index}.spool")
                yield Part(source, path, start, size, first, spool)
                index += 1


def run_spooled(
    inputs: list[tuple[str, str]],
    settings: Settings,
    sinks: Sinks,
    summary: Summary,
    *,
    jobs: int,
    store: LedgerStore | None = None,
) -> Summary:
    """The spool pipeline (``--jobs`` > 1 on input files): each worker reads its own parts of
    the input files (``(name, path)``), adjudicates them and writes their result lines to a
    spool file; this process takes the parts in input order, refuses repeated ids
    (specification §11), merges the summaries, writes the error records, copies each spool
    into the results (:meth:`Output.copy_from`, ``os.sendfile``), deleting it, and commits the
    bundles' records to the ledger store as :func:`run_batch` does. At most ``jobs`` ×
    :data:`IN_FLIGHT_PER_JOB` parts are in flight; the spools live in the run's temporary
    folder, removed on every way out."""
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with _fewer_collections(), tempfile.TemporaryDirectory(prefix="yzmedins-") as folder:
        seen = SeenIds(folder)
        recorder = _Recorder(store)

        def take(part: Part, spooled: Spooled) -> None:
            for write in _take(part, spooled, seen, sinks, summary):
                recorder.add(write)
            recorder.checkpoint()

        try:
            with context.Pool(jobs, initializer=_start_worker, initargs=(settings,)) as pool:
                running: deque[tuple[Part, AsyncResult[Spooled]]] = deque()
                for part in _parts(inputs, folder, summary):
                    running.append((part, pool.apply_async(_spool_part, (part,))))
                    if len(running) >= jobs * IN_FLIGHT_PER_JOB:
                        done, result = running.popleft()
                        take(done, result.get())
                while running:
                    done, result = running.popleft()
                    take(done, result.get())
            recorder.finish()
        except BaseException:
            recorder.abandon()
            raise
        finally:
            seen.close()
    return summary


def _take(
    part: Part, spooled: Spooled, seen: SeenIds, sinks: Sinks, summary: Summary
) -> list[BundleWrite]:
    """Write a part's outcomes: its error records, and its spool's lines but those of a unit
    refused for an id of an earlier unit; then delete the spool. Returns the bundle writes of
    the units not refused, in order."""
    outcomes, numbers, ends, part_summary = spooled
    summary.merge(part_summary)
    summary.inputs[part.source] += len(outcomes)
    read_ids = [(kind, read_id) for outcome in outcomes for kind, read_id in _ids(outcome)]
    checked = outcomes
    if not seen.add_new(read_ids):  # some id was seen before: check line by line
        units: list[Item] = [Unit(part.source, number, None) for number in numbers]
        checked = _refuse_duplicates(units, outcomes, read_ids, seen, summary)
    kept: list[tuple[int, int]] = []  # (offset, bytes) of the spool to copy
    writes: list[BundleWrite] = []
    start = 0
    for index, outcome in enumerate(checked):
        if not outcome.errors:
            summary.bundles += 1
            if outcome.bundle_write is not None:
                writes.append(outcome.bundle_write)
            continue
        summary.errors += len(outcome.errors)
        for record in outcome.errors:
            sinks.errors.write(encode_error(record))
        if outcome is not outcomes[index]:  # refused: its lines are left out
            begin = ends[index - 1] if index else 0
            if begin > start:
                kept.append((start, begin - start))
            start = ends[index]
    total = ends[-1] if ends else 0
    if total > start:
        kept.append((start, total - start))
    try:
        spool = os.open(part.spool, os.O_RDONLY)
    except OSError as error:
        folder = os.path.dirname(os.path.dirname(part.spool))
        raise FileFailure(f"temporary files in {folder}: {error.strerror or error}") from None
    try:
        for offset, count in kept:
            _copy(sinks.results, spool, offset, count)
    finally:
        os.close(spool)
    os.remove(part.spool)
    sinks.progress(part.size)
    return writes


def _copy(sink: Writer, spool: int, offset: int, count: int) -> None:
    """Append ``count`` bytes of the spool file from ``offset`` to ``sink``."""
    if isinstance(sink, Output):
        sink.copy_from(spool, offset, count)
        return
    while count > 0:
        block = os.pread(spool, min(count, 1 << 20), offset)
        if not block:
            raise FileFailure("a spool file ended early")
        sink.write(block)
        offset, count = offset + len(block), count - len(block)
