"""The engine's side of an audit: one person's records replayed operation by operation with the
engine (:func:`yzmedins.engine.settle`) and the settlement life (:mod:`yzmedins.lifecycle`),
giving each record as the engine would have written it (specification §12, §18)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from yzmedins.engine import PersonHistory, settle
from yzmedins.errors import InputError
from yzmedins.io.codec import parse_bundle, result_to_json
from yzmedins.lifecycle import ClaimRecords, SettledClaim, clear_year, reverse
from yzmedins.model import ClaimResult, ContributionRecord, Ledger, Person
from yzmedins.policy import PolicySet

__all__ = ["EngineBook"]


class EngineBook:
    """One person's records as the engine makes them, and the ledgers of their years.

    ``openings``: the ledgers the person's years were opened with (a ``ytd``)."""

    def __init__(self, openings: Iterable[Ledger], policies: PolicySet) -> None:
        self.policies = policies
        self.openings = {ledger.year: ledger for ledger in openings}
        self.ledgers: dict[int, Ledger] = dict(self.openings)
        self.records: dict[str, list[ClaimResult]] = {}
        self.settled: dict[str, SettledClaim] = {}
        self.histories: dict[tuple[Person, tuple[ContributionRecord, ...]], PersonHistory] = {}

    def _append(self, record: ClaimResult, ledger: Ledger) -> None:
        self.records.setdefault(record.claim_id, []).append(record)
        self.ledgers[ledger.year] = ledger

    def settle(self, content: Any) -> dict[str, Any]:
        """Settle the one claim of ``content`` (a §11 bundle of one claim; its ``ytd`` is not
        read) against its year's ledger, as the claim id's next record."""
        value = {**content, "ytd": None} if isinstance(content, dict) else content
        bundle = parse_bundle(value, self.policies)
        if len(bundle.claims) != 1:
            raise InputError("a settlement is of exactly one claim", "claims")
        claim = bundle.claims[0]
        key = (bundle.person, bundle.contributions)
        history = self.histories.get(key) or self.histories.setdefault(key, PersonHistory(*key))
        setl_id = ClaimRecords(claim.id, tuple(self.records.get(claim.id, ()))).next_setl_id
        result, after = settle(history, claim, self.ledgers.get(claim.year), self.policies, setl_id)
        self._append(result, after)
        self.settled[claim.id] = SettledClaim(bundle.person, bundle.contributions, claim)
        return result_to_json(result)

    def reverse(self, setl_id: str) -> dict[str, Any]:
        """Reverse settlement ``setl_id`` (a settlement already reversed gives its reversal)."""
        claim_id = setl_id.rpartition("/")[0]
        mine = ClaimRecords(claim_id, tuple(self.records.get(claim_id, ())))
        target = mine.settlement
        year = target.year if target is not None else None
        ledger = None if year is None else self.ledgers.get(year)
        done = reverse(mine.records, ledger, setl_id=setl_id)
        if done.appended:
            self._append(done.record, done.ledger)
        return result_to_json(done.record)

    def clear(self, year: int) -> list[dict[str, Any]]:
        """年终清算 of ``year``: the corrections it appends."""
        year_records = [r for records in self.records.values() for r in records if r.year == year]
        clearing = clear_year(
            year, year_records, self.settled.values(), self.openings.get(year), self.policies
        )
        for correction in clearing.corrections:
            self.records[correction.claim_id].append(correction)
        self.ledgers[year] = clearing.ledger
        return [result_to_json(correction) for correction in clearing.corrections]

    def adopt(self, record: ClaimResult) -> None:
        """Take a record as it is (one the engine cannot recompute: a settlement whose content
        the store did not keep), so that the replay goes on from the ledger it leaves."""
        self._append(record, record.ytd)

    def ledger_of(self, year: int) -> Ledger:
        return self.ledgers.get(year) or Ledger(year)
