"""The audit of one person: their records replayed with the engine and with the reference
implementation, compared, and held to the invariants.

The records are taken in the order they were made (a results file's line order, files in the
order given; a store's ``seq``) and read as operations: a settlement settles its claim's content
against the ledger as it stands, a reversal reverses the settlement it names, and a run of
corrections of one person-year is one clearing of that year. Each implementation replays the
operations on its own records (so one wrong record does not make every later one look wrong),
and every record is compared with both recomputations. A record that repeats an earlier
``setl_id``, or cannot be read, is ``unexpected``; an input claim with no settlement is
``missing`` and is settled in the replay at its place in the settlement order (§3), so that the
claims after it are recomputed against the ledger they were settled with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from yzmedins.audit.checks import (
    LEDGER_FIELDS,
    Finding,
    caps,
    compare,
    conservation,
    ledger_moved,
    policy_of,
    rejected_pays_nothing,
    reversal_negates,
    subsidy_exact,
    trace_articles,
)
from yzmedins.audit.engine_book import EngineBook
from yzmedins.errors import InputError
from yzmedins.io.codec import parse_ledger
from yzmedins.io.records import record_from_json
from yzmedins.model import ClaimResult, Ledger, RecordKind
from yzmedins.policy import PolicySet
from yzmedins.reference import Book, Options
from yzmedins.reference import InputError as ReferenceError
from yzmedins.rules.subsidy import subsidy_for_year

__all__ = ["Case", "FileRecord", "audit_person"]


@attrs.frozen
class FileRecord:
    """A record to audit: its JSON value as written, where it was read, and (from a ledger
    store) the content it was settled from."""

    seq: int
    file: str
    line: int | None
    value: Any
    content: Any = None


@attrs.frozen
class Case:
    """One person to audit.

    ``records``: their records, in the order made. ``contents``: by claim id, the one-claim
    bundle (§11) each input claim is settled from (results files; a store's records carry their
    own). ``order``: the input claims in the settlement order (§3), each of which must have a
    settlement. ``openings``: the ``ytd`` values (§11 JSON) their years were opened with.
    ``store_ledgers``: the ledgers a store holds for them, by year (JSON amounts), or None.
    """

    person_id: str | None
    records: tuple[FileRecord, ...]
    contents: Mapping[str, Any] = attrs.field(factory=dict)
    order: tuple[str, ...] = ()
    openings: tuple[Any, ...] = ()
    store_ledgers: Mapping[int, Mapping[str, str]] | None = None
    store: str | None = None


@attrs.frozen
class _Op:
    kind: str  # "settle", "reverse" or "clear"
    claim_id: str
    year: int
    records: tuple[tuple[FileRecord, ClaimResult], ...]
    content: Any = None


Recompute = Callable[[], Any]


class _Audit:
    def __init__(self, case: Case, policies: PolicySet, options: Options | None) -> None:
        self.case = case
        self.policies = policies
        self.findings: list[Finding] = []
        openings = [parse_ledger(value) for value in case.openings]
        self.openings = {ledger.year: ledger for ledger in openings}
        self.engine = EngineBook(openings, policies)
        self.reference = None if options is None else Book(list(case.openings), options)
        # the invariants' state, from the records as written
        self.before: dict[int, Mapping[str, Decimal] | None] = {
            year: _amounts(ledger) for year, ledger in self.openings.items()
        }
        self.exact: dict[int, bool] = {}
        self.written: dict[str, list[ClaimResult]] = {}

    # ------------------------------------------------------------------ findings
    def add(self, found: Sequence[Finding], where: FileRecord | None, year: int | None) -> None:
        for finding in found:
            self.findings.append(
                attrs.evolve(
                    finding,
                    person_id=self.case.person_id,
                    year=year,
                    file=None if where is None else where.file,
                    line=None if where is None else where.line,
                )
            )

    # ------------------------------------------------------------------ reading
    def read(self) -> list[tuple[FileRecord, ClaimResult]]:
        """The readable records, each once; the others are findings."""
        read: list[tuple[FileRecord, ClaimResult]] = []
        seen: set[str] = set()
        for item in self.case.records:
            value = item.value
            claim_id = value.get("claim_id") if isinstance(value, dict) else None
            setl_id = value.get("setl_id") if isinstance(value, dict) else None
            claim_id = claim_id if isinstance(claim_id, str) else None
            setl_id = setl_id if isinstance(setl_id, str) else None
            try:
                record = record_from_json(value)
            except InputError as error:
                why = Finding("unexpected", claim_id, setl_id, error.field, None, str(error))
                self.add([why], item, None)
                continue
            if record.setl_id in seen:
                again = Finding("unexpected", claim_id, setl_id, "setl_id", None, setl_id)
                self.add([again], item, record.year)
                continue
            seen.add(record.setl_id)
            read.append((item, record))
        return read

    def operations(self, read: list[tuple[FileRecord, ClaimResult]]) -> list[_Op]:
        ops: list[_Op] = []
        settled: set[str] = set()
        previous: FileRecord | None = None
        for item, record in read:
            kind = record.record
            if kind is RecordKind.SETTLEMENT:
                settled.add(record.claim_id)
                content = item.content
                if content is None:
                    content = self.case.contents.get(record.claim_id)
                ops.append(_Op("settle", record.claim_id, record.year, ((item, record),), content))
            elif kind is RecordKind.REVERSAL:
                ops.append(_Op("reverse", record.claim_id, record.year, ((item, record),)))
            else:
                last = ops[-1] if ops else None
                if (
                    last is not None
                    and last.kind == "clear"
                    and last.year == record.year
                    and last.records[-1][0] is previous
                ):
                    ops[-1] = attrs.evolve(last, records=(*last.records, (item, record)))
                else:
                    ops.append(_Op("clear", record.claim_id, record.year, ((item, record),)))
            previous = item
        rank = {claim_id: index for index, claim_id in enumerate(self.case.order)}
        for claim_id in self.case.order:
            if claim_id in settled:
                continue
            content = self.case.contents[claim_id]
            year = int(str(content["claims"][0]["discharged_on"])[:4])
            place = next(
                (
                    index
                    for index, op in enumerate(ops)
                    if op.kind == "settle" and rank.get(op.claim_id, len(rank)) > rank[claim_id]
                ),
                len(ops),
            )
            ops.insert(place, _Op("settle", claim_id, year, (), content))
        return ops

    # ------------------------------------------------------------------ replay
    def _run(self, check: str, compute: Recompute) -> tuple[Any, Exception | None]:
        errors: tuple[type[Exception], ...] = (InputError, ReferenceError)
        try:
            return compute(), None
        except errors as error:
            return None, error

    def _error(self, check: str, error: Exception, item: FileRecord | None, record: Any) -> None:
        field = getattr(error, "field", None)
        kind = None if record is None else record.record.value
        claim_id = None if record is None else record.claim_id
        setl_id = None if record is None else record.setl_id
        year = None if record is None else record.year
        found = Finding(check, claim_id, setl_id, field, f"input error: {error}", kind)
        self.add([found], item, year)

    def settle(self, op: _Op) -> None:
        item, record = op.records[0] if op.records else (None, None)
        if op.content is None:  # a store's record without its content: taken as written
            assert record is not None
            self.engine.adopt(record)
            if self.reference is not None:
                self.reference.adopt(item.value if item is not None else {})
            self.invariants(item, record)
            return
        engine, engine_error = self._run("engine", lambda: self.engine.settle(op.content))
        reference, reference_error = (None, None)
        if self.reference is not None:
            book = self.reference
            reference, reference_error = self._run("reference", lambda: book.settle(op.content))
        if record is None or item is None:
            setl_id = engine["setl_id"] if engine else f"{op.claim_id}/?"
            missing = Finding("missing", op.claim_id, setl_id, None, "settlement", None)
            self.add([missing], None, op.year)
            self.before[op.year] = None  # the ledger before the next record is not known
            return
        self.recomputed(item, record, engine, engine_error, reference, reference_error)
        self.invariants(item, record)

    def recomputed(
        self,
        item: FileRecord,
        record: ClaimResult,
        engine: Any,
        engine_error: Exception | None,
        reference: Any,
        reference_error: Exception | None,
    ) -> None:
        if engine_error is not None:
            self._error("engine", engine_error, item, record)
            self.engine.adopt(record)
        else:
            self.add(compare(engine, item.value, "engine", wording=True), item, record.year)
        if self.reference is None:
            return
        if reference_error is not None:
            self._error("reference", reference_error, item, record)
            self.reference.adopt(item.value)
        else:
            self.add(compare(reference, item.value, "reference", wording=False), item, record.year)

    def reverse(self, op: _Op) -> None:
        item, record = op.records[0]
        named = record.reverses or ""
        engine, engine_error = self._run("engine", lambda: self.engine.reverse(named))
        reference, reference_error = (None, None)
        if self.reference is not None:
            book = self.reference
            reference, reference_error = self._run("reference", lambda: book.reverse(named))
        self.recomputed(item, record, engine, engine_error, reference, reference_error)
        self.invariants(item, record)

    def clear(self, op: _Op) -> None:
        written = {record.claim_id: (item, record) for item, record in op.records}
        engine, engine_error = self._run("engine", lambda: self.engine.clear(op.year))
        reference, reference_error = (None, None)
        if self.reference is not None:
            book = self.reference
            reference, reference_error = self._run("reference", lambda: book.clear(op.year))
        self.exact[op.year] = self._opening_exact(op.year)
        for check, made, error in (
            ("engine", engine, engine_error),
            ("reference", reference, reference_error),
        ):
            if error is not None:
                first_item, first = op.records[0]
                self._error(check, error, first_item, first)
                continue
            if made is None:
                continue
            expected = {value["claim_id"]: value for value in made}
            for claim_id, (item, record) in written.items():
                if claim_id in expected:
                    wording = check == "engine"
                    self.add(
                        compare(expected[claim_id], item.value, check, wording=wording),
                        item,
                        op.year,
                    )
                else:
                    extra = Finding(check, claim_id, record.setl_id, "record", None, "correction")
                    self.add([extra], item, op.year)
            for claim_id, value in expected.items():
                if claim_id in written:
                    continue
                kind = "missing" if check == "engine" else check
                field = None if check == "engine" else "record"
                lost = Finding(kind, claim_id, value["setl_id"], field, "correction", None)
                if (
                    check == "reference"
                    and engine is not None
                    and any(v["claim_id"] == claim_id for v in engine)
                ):
                    continue  # reported as missing already
                self.add([lost], None, op.year)
        for item, record in op.records:
            self.invariants(item, record)

    # ------------------------------------------------------------------ invariants
    def _opening_exact(self, year: int) -> bool:
        opening = self.openings.get(year)
        if opening is None:
            return True
        policy = self.policies.in_force(_mid(year)) or self.policies.nearest(_mid(year))
        return subsidy_for_year(opening.self_burden, policy) == opening.secondary_subsidy

    def invariants(self, item: FileRecord | None, record: ClaimResult) -> None:
        year = record.year
        policy = policy_of(record, self.policies)
        found = conservation(record) + rejected_pays_nothing(record) + caps(record, policy)
        found += trace_articles(record)
        earlier = self.written.setdefault(record.claim_id, [])
        if record.record is RecordKind.REVERSAL:
            found += reversal_negates(record, earlier)
            self.exact[year] = False
        earlier.append(record)
        before = self.before[year] if year in self.before else _amounts(Ledger(year))
        if record.record is RecordKind.CORRECTION:
            # a correction's ytd is the fresh adjudication's ledger after its claim (§18), not
            # the ledger moved by it: the sum goes on, and is checked at the next record
            self.before[year] = None if before is None else _moved(before, record)
        else:
            found += ledger_moved(record, before)
            self.before[year] = _amounts(record.ytd)
        if self.exact.setdefault(year, self._opening_exact(year)):
            found += subsidy_exact(record, policy)
        self.add(found, item, year)

    def store_ledgers(self) -> None:
        """A store's ledger rows: each equals its opening plus the sum of the person-year's
        records, and both recomputations."""
        if self.case.store_ledgers is None:
            return
        years = set(self.case.store_ledgers) | set(self.before)
        for year in sorted(years):
            row = self.case.store_ledgers.get(year)
            got = {name: None if row is None else row.get(name) for name in LEDGER_FIELDS}
            summed = self._summed(year)
            views: list[tuple[str, Mapping[str, Any]]] = [
                ("invariant:ledger", summed),
                ("engine", _ledger_json(self.engine.ledger_of(year))),
            ]
            if self.reference is not None:
                views.append(("reference", self.reference.ledger_of(year)))
            where = FileRecord(0, self.case.store or "", None, None)
            for check, expected in views:
                for name in LEDGER_FIELDS:
                    if expected.get(name) != got[name]:
                        found = Finding(
                            check, None, None, f"ytd.{name}", expected.get(name), got[name]
                        )
                        self.add([found], where, year)

    def _summed(self, year: int) -> dict[str, str]:
        ledger = self.openings.get(year) or Ledger(year)
        totals = {name: getattr(ledger, name) for name in LEDGER_FIELDS}
        for records in self.written.values():
            for record in records:
                if record.year == year:
                    for name in LEDGER_FIELDS:
                        totals[name] += getattr(record, name)
        return {name: str(amount) for name, amount in totals.items()}

    def run(self) -> list[Finding]:
        for op in self.operations(self.read()):
            if op.kind == "settle":
                self.settle(op)
            elif op.kind == "reverse":
                self.reverse(op)
            else:
                self.clear(op)
        self.store_ledgers()
        return self.findings


def _mid(year: int) -> date:
    return date(year, 7, 1)


def _amounts(ledger: Ledger) -> dict[str, Decimal]:
    return {name: getattr(ledger, name) for name in LEDGER_FIELDS}


def _moved(ledger: Mapping[str, Decimal], record: ClaimResult) -> dict[str, Decimal]:
    return {name: ledger[name] + getattr(record, name) for name in LEDGER_FIELDS}


def _ledger_json(ledger: Ledger) -> dict[str, str]:
    return {name: str(getattr(ledger, name)) for name in LEDGER_FIELDS}


def audit_person(case: Case, policies: PolicySet, options: Options | None) -> list[Finding]:
    """Every finding on one person's records. ``options``: the reference implementation's
    readings, or None to recompute with the engine alone (parameter files of one's own)."""
    return _Audit(case, policies, options).run()
