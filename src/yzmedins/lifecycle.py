"""The life of a settlement: reversal (结算撤销), re-settlement (更正) and the year-end clearing
(年终清算) of a person-year — pure functions over records and ledgers (specification §18).

A billing system that keeps its own records hands in a claim's (or a person-year's) records and
stores what comes back; the ledger store does the same. Records are only ever appended:

- a **reversal** negates the claim's records in effect (its settlement and any corrections
  since), moves the ledger back by exactly those amounts, and changes no other record;
- a **re-settlement** is a reversal, then a new settlement of the corrected claim under the same
  claim id, against the ledger as it then stands;
- the **clearing** of a person-year adjudicates afresh, in the settlement order, the year's
  claims in effect from the year's opening ledger, and appends a correction (new − old, for
  every amount) for each claim whose amounts differ from the sum of its records, so that the
  ledger and every claim's records add up to the fresh adjudication.

``setl_id`` is ``"<claim_id>/<n>"``: n counts the claim's records from 1 (split at the last
``/``, since a claim id may hold one).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from yzmedins.engine import PersonHistory, settle
from yzmedins.errors import InputError
from yzmedins.model import (
    AMOUNT_FIELDS,
    Claim,
    ClaimResult,
    ClaimStatus,
    ContributionRecord,
    Ledger,
    Person,
    RecordKind,
    StepCode,
    TraceStep,
    adjudication_order,
)
from yzmedins.money import ZERO
from yzmedins.policy import PolicySet

__all__ = [
    "ClaimRecords",
    "Clearing",
    "Reversal",
    "SettledClaim",
    "clear_year",
    "records_of",
    "resettle",
    "reverse",
    "setl_number",
]

#: The ledger's amounts and the record's amount that moves each.
_LEDGER_MOVES = (
    ("basic_fund", "basic_fund"),
    ("catastrophic_fund", "catastrophic_fund"),
    ("self_burden", "self_burden"),
    ("secondary_subsidy", "secondary_subsidy"),
    ("banded", "banded"),
)


def setl_number(setl_id: str) -> tuple[str, int]:
    """``"C1/3"`` → ``("C1", 3)``; an id that is not ``<claim id>/<n ≥ 1>`` is an input error."""
    claim_id, slash, number = setl_id.rpartition("/")
    if not slash or not claim_id or not number.isdigit() or int(number) < 1:
        raise InputError(f"{setl_id!r} is not a settlement id '<claim id>/<n>'", "setl_id")
    return claim_id, int(number)


@attrs.frozen
class ClaimRecords:
    """One claim id's records, in the order they were made (by their ``setl_id`` number)."""

    claim_id: str
    records: tuple[ClaimResult, ...]

    @classmethod
    def of(cls, claim_id: str, records: Iterable[ClaimResult]) -> ClaimRecords:
        mine = [record for record in records if record.claim_id == claim_id]
        mine.sort(key=lambda record: setl_number(record.setl_id)[1])
        for expected, record in enumerate(mine, start=1):
            if setl_number(record.setl_id)[1] != expected:
                raise InputError(
                    f"the records of claim {claim_id!r} are not numbered 1..{len(mine)} "
                    f"({record.setl_id} out of place): a record is missing",
                    "setl_id",
                )
        return cls(claim_id, tuple(mine))

    @property
    def next_setl_id(self) -> str:
        return f"{self.claim_id}/{len(self.records) + 1}"

    def _last_settlement(self) -> int | None:
        for index in range(len(self.records) - 1, -1, -1):
            if self.records[index].record is RecordKind.SETTLEMENT:
                return index
        return None

    @property
    def in_effect(self) -> tuple[ClaimResult, ...]:
        """The settlement in effect and the corrections since; empty when the claim has none
        (never settled, or its last settlement reversed)."""
        last = self._last_settlement()
        if last is None:
            return ()
        since = self.records[last:]
        if any(record.record is RecordKind.REVERSAL for record in since):
            return ()
        return since

    @property
    def settlement(self) -> ClaimResult | None:
        """The settlement in effect, or None."""
        in_effect = self.in_effect
        return in_effect[0] if in_effect else None

    def reversal_of(self, setl_id: str) -> ClaimResult | None:
        """The reversal that reversed settlement ``setl_id``, if any."""
        for record in self.records:
            if record.record is RecordKind.REVERSAL and record.reverses == setl_id:
                return record
        return None


def records_of(records: Iterable[ClaimResult], claim_id: str) -> ClaimRecords:
    """The records of ``claim_id`` among ``records``."""
    return ClaimRecords.of(claim_id, records)


def _sums(records: Iterable[ClaimResult]) -> dict[str, Decimal]:
    sums = dict.fromkeys(AMOUNT_FIELDS, ZERO)
    for record in records:
        for name in AMOUNT_FIELDS:
            sums[name] += getattr(record, name)
    return sums


def _with_amounts(base: ClaimResult, amounts: Mapping[str, Decimal], **changes: Any) -> ClaimResult:
    """``base`` with its amounts replaced by ``amounts`` and the other ``changes``."""
    fields: dict[str, Any] = dict(amounts)
    fields.update(changes)
    return attrs.evolve(base, **fields)


def _moved(ledger: Ledger, amounts: Mapping[str, Decimal], sign: int) -> Ledger:
    """The ledger moved by the record amounts ``amounts`` (``sign`` −1: moved back)."""
    moved = {}
    for ledger_name, record_name in _LEDGER_MOVES:
        value = getattr(ledger, ledger_name) + sign * amounts[record_name]
        if value < 0:
            raise InputError(
                f"the ledger's {ledger_name} {getattr(ledger, ledger_name)} is less than the "
                f"records being reversed hold ({amounts[record_name]}): not the ledger of "
                "these records",
                f"ytd.{ledger_name}",
            )
        moved[ledger_name] = value + ZERO  # never -0.00
    return Ledger(ledger.year, **moved)


@attrs.frozen
class Reversal:
    """A reversal record, the ledger after it, and whether it is new (``appended``) or the
    reversal made earlier of the same settlement (a retried request)."""

    record: ClaimResult
    ledger: Ledger
    appended: bool


def reverse(
    records: Iterable[ClaimResult],
    ledger: Ledger | None,
    *,
    claim_id: str | None = None,
    setl_id: str | None = None,
) -> Reversal:
    """结算撤销: reverse the settlement in effect of ``claim_id`` (or the settlement
    ``setl_id``), given the claim's records and the ledger of its person-year as it stands.

    The reversal is the sum of the claim's records in effect with every amount negated; its
    rates, status, reasons, flags and facts are the settlement's. The ledger moves back by
    exactly those amounts (a rejected settlement moved none). A settlement already reversed
    returns that reversal again (``appended`` False): a retry is harmless. An unknown claim or
    settlement is an :class:`InputError`.
    """
    if (claim_id is None) == (setl_id is None):
        raise InputError("give either a claim id or a settlement id")
    if setl_id is not None:
        claim_id, _ = setl_number(setl_id)
    assert claim_id is not None
    claim = ClaimRecords.of(claim_id, records)
    if not claim.records:
        field = "claim_id" if setl_id is None else "setl_id"
        raise InputError(f"no settlement of claim {claim_id!r} is recorded", field)
    target = claim.settlement
    if setl_id is not None and (target is None or target.setl_id != setl_id):
        named = next((r for r in claim.records if r.setl_id == setl_id), None)
        if named is None:
            raise InputError(f"settlement {setl_id!r} is not recorded", "setl_id")
        if named.record is not RecordKind.SETTLEMENT:
            raise InputError(f"{setl_id!r} is a {named.record.value}, not a settlement", "setl_id")
        earlier = claim.reversal_of(setl_id)
        assert earlier is not None  # a settlement no longer in effect was reversed
        return Reversal(earlier, earlier.ytd, appended=False)
    if target is None:
        last = next(r for r in reversed(claim.records) if r.record is RecordKind.REVERSAL)
        return Reversal(last, last.ytd, appended=False)
    if ledger is None or ledger.year != target.year:
        raise InputError(
            f"the ledger of {target.year} is needed to reverse {target.setl_id}", "ytd"
        )
    sums = _sums(claim.in_effect)
    after = _moved(ledger, sums, -1)
    negated = {name: ZERO - amount for name, amount in sums.items()}
    record = _with_amounts(
        target,
        negated,
        record=RecordKind.REVERSAL,
        setl_id=claim.next_setl_id,
        reverses=target.setl_id,
        corrects=None,
        ytd=after,
        trace=(
            TraceStep(
                None,
                f"reversal (结算撤销) of {target.setl_id}: its records in effect, every amount "
                "negated",
                negated["fund_total"],
                code=StepCode.REVERSAL,
            ),
        ),
    )
    return Reversal(record, after, appended=True)


def resettle(
    records: Iterable[ClaimResult],
    person: Person,
    contributions: Iterable[ContributionRecord],
    claim: Claim,
    ledger: Ledger | None,
    policies: PolicySet,
) -> tuple[Reversal | None, ClaimResult, Ledger]:
    """更正: reverse the claim's settlement in effect (if any), then settle the corrected claim
    under the same id (the next ``setl_id``) against the ledger as it then stands. Returns the
    reversal (None when nothing was in effect), the new settlement and the ledger after it.
    The claim must be validated (``yzmedins.validation.check_claim``)."""
    history = list(records)
    reversal: Reversal | None = None
    if ClaimRecords.of(claim.id, history).settlement is not None:
        reversal = reverse(history, ledger, claim_id=claim.id)
        history.append(reversal.record)
        ledger = reversal.ledger
    setl_id = ClaimRecords.of(claim.id, history).next_setl_id
    result, after = settle(
        PersonHistory(person, tuple(contributions)), claim, ledger, policies, setl_id
    )
    return reversal, result, after


@attrs.frozen
class SettledClaim:
    """A claim in effect as it was settled: the claim and the person and contributions it was
    settled with (what a clearing adjudicates afresh)."""

    person: Person
    contributions: tuple[ContributionRecord, ...]
    claim: Claim


@attrs.frozen
class Clearing:
    """The corrections a clearing appends (in the settlement order) and the ledger after it."""

    corrections: tuple[ClaimResult, ...]
    ledger: Ledger


def clear_year(
    year: int,
    records: Iterable[ClaimResult],
    settled: Iterable[SettledClaim],
    opening: Ledger | None,
    policies: PolicySet,
) -> Clearing:
    """年终清算 of a person-year: adjudicate afresh the year's claims in effect, in the settlement
    order, from the year's opening ledger (``opening``: the ``ytd`` the year was started from,
    or None for zero), and append a correction for each claim whose amounts differ from the
    sum of its records: every amount new − old, the other fields the fresh adjudication's,
    ``corrects`` the settlement in effect, ``ytd`` the fresh ledger after the claim.

    ``records`` are the person-year's records; ``settled`` the claims in effect as settled.
    A rejected claim is never corrected (its status does not depend on other claims); a status
    that would change is an :class:`InputError` (the claim's content or the policies differ
    from those it was settled with). Clearing a year again appends nothing.
    """
    year_records = [record for record in records if record.year == year]
    contents = {item.claim.id: item for item in settled}
    claim_ids = sorted({record.claim_id for record in year_records})
    in_effect: dict[str, ClaimRecords] = {}
    for claim_id in claim_ids:
        claim_records = ClaimRecords.of(claim_id, year_records)
        if claim_records.settlement is not None:
            in_effect[claim_id] = claim_records
    missing = sorted(set(in_effect) - set(contents))
    if missing:
        raise InputError(f"the content of claim {missing[0]!r} as settled is not given", "claims")
    ledger = opening if opening is not None and opening.year == year else Ledger(year)
    histories: dict[tuple[Person, tuple[ContributionRecord, ...]], PersonHistory] = {}
    corrections: list[ClaimResult] = []
    for item in sorted((contents[i] for i in in_effect), key=lambda c: adjudication_order(c.claim)):
        key = (item.person, item.contributions)
        history = histories.get(key) or histories.setdefault(key, PersonHistory(*key))
        claim_records = in_effect[item.claim.id]
        settlement = claim_records.settlement
        assert settlement is not None
        fresh, ledger = settle(history, item.claim, ledger, policies, claim_records.next_setl_id)
        if fresh.status is not settlement.status:
            raise InputError(
                f"claim {item.claim.id!r} would be {fresh.status.value} afresh but was "
                f"{settlement.status.value}: it was settled with other content or policies",
                "claims",
            )
        if fresh.status is ClaimStatus.REJECTED:
            continue
        old = _sums(claim_records.in_effect)
        deltas = {name: getattr(fresh, name) - old[name] + ZERO for name in AMOUNT_FIELDS}
        if any(deltas.values()):
            corrections.append(
                _with_amounts(
                    fresh, deltas, record=RecordKind.CORRECTION, corrects=settlement.setl_id
                )
            )
    return Clearing(tuple(corrections), ledger)


def ledger_of(opening: Ledger | None, year: int, records: Sequence[ClaimResult]) -> Ledger:
    """A person-year's ledger: its opening ledger plus the sum of all its records."""
    ledger = opening if opening is not None and opening.year == year else Ledger(year)
    return _moved(ledger, _sums(r for r in records if r.year == year), 1)
