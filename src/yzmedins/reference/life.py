"""The life of a settlement in the reference implementation (specification §18): settlement,
reversal (结算撤销), re-settlement (更正) and the year-end clearing (年终清算) of a person's
records, replayed operation by operation on plain dictionaries — the result lines themselves.

Written from the text of §18, like :mod:`yzmedins.reference.oracle`; it imports nothing of the
engine's rules, engine, codec or lifecycle.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from yzmedins.reference.oracle import (
    DEFAULT,
    ZERO,
    Claim,
    InputError,
    Ledger,
    Options,
    Person,
    Record,
    adjudicate,
    benefit_starts,
    covered_months,
    m2s,
    parse_bundle,
    parse_ytd,
    zero_ledger,
)

__all__ = ["AMOUNTS", "LEDGER_KEYS", "Book"]

#: Every amount of a record (§18): negated by a reversal, new − old on a correction.
AMOUNTS = (
    "total",
    "full_self_pay",
    "pre_self_pay",
    "eligible",
    "deductible",
    "basic_fund",
    "catastrophic_fund",
    "other_fund",
    "secondary_subsidy",
    "fund_total",
    "personal_cash",
    "self_burden",
    "in_scope_self_burden",
    "banded",
)
#: The ledger's amounts; each moves by the record's amount of the same name.
LEDGER_KEYS = ("basic_fund", "catastrophic_fund", "self_burden", "secondary_subsidy", "banded")

#: What a settlement was made of: the person, their contribution months and benefit runs, the
#: claim.
Content = tuple[Person, list[Record], set[int], list[tuple[int, int, int]], Claim]


def _order(claim: Claim) -> tuple[Any, Any, str]:
    return (claim["discharged_on"], claim["admitted_on"], claim["id"])


class Book:
    """One person's records, appended operation by operation, and the ledgers of their years.

    ``openings``: the ``ytd`` values (§11 JSON) the person's years were opened with.
    """

    def __init__(self, openings: list[Any], options: Options = DEFAULT) -> None:
        self.options = options
        self.openings: dict[int, Ledger] = {}
        for value in openings:
            year, ledger = parse_ytd(value)
            self.openings[year] = ledger
        self.ledgers: dict[int, Ledger] = {y: dict(led) for y, led in self.openings.items()}
        self.records: dict[str, list[dict[str, Any]]] = {}
        self.contents: dict[str, Content] = {}

    # ------------------------------------------------------------------ helpers
    def _ledger(self, year: int) -> Ledger:
        return self.ledgers.get(year) or zero_ledger()

    def _next_id(self, claim_id: str) -> str:
        return f"{claim_id}/{len(self.records.get(claim_id, [])) + 1}"

    def in_effect(self, claim_id: str) -> list[dict[str, Any]]:
        """The claim's settlement in effect and the corrections since (empty when none)."""
        mine = self.records.get(claim_id, [])
        for index in range(len(mine) - 1, -1, -1):
            kind = mine[index]["record"]
            if kind == "reversal":
                return []
            if kind == "settlement":
                return mine[index:]
        return []

    @staticmethod
    def _sums(records: list[dict[str, Any]]) -> dict[str, Decimal]:
        return {
            key: sum((Decimal(record[key]) for record in records), start=ZERO) for key in AMOUNTS
        }

    @staticmethod
    def ledger_json(ledger: Ledger) -> dict[str, str]:
        return {key: m2s(ledger[key]) for key in LEDGER_KEYS}

    # ------------------------------------------------------------------ operations
    def settle(self, content: Any) -> dict[str, Any]:
        """Settle the one claim of ``content`` (a §11 bundle of one claim, its ``ytd`` unread)
        against the ledger of its year, as the claim id's next record."""
        value = dict(content) if isinstance(content, dict) else content
        if isinstance(value, dict):
            value["ytd"] = None
        person, contributions, _, claims = parse_bundle(value)
        if len(claims) != 1:
            raise InputError("claims: a settlement is of exactly one claim")
        claim = claims[0]
        months = covered_months(contributions)
        starts = benefit_starts(contributions, months)
        year = claim["discharged_on"].year
        out, after = adjudicate(
            person, contributions, months, starts, claim, self._ledger(year), self.options
        )
        out["setl_id"] = self._next_id(claim["id"])
        self.ledgers[year] = after
        self.records.setdefault(claim["id"], []).append(out)
        self.contents[claim["id"]] = (person, contributions, months, starts, claim)
        return out

    def reverse(self, setl_id: str) -> dict[str, Any]:
        """Reverse settlement ``setl_id``: the claim's records in effect summed and negated.
        A settlement already reversed gives its reversal again (nothing appended)."""
        claim_id, _, _ = setl_id.rpartition("/")
        mine = self.records.get(claim_id, [])
        in_effect = self.in_effect(claim_id)
        if not in_effect or in_effect[0]["setl_id"] != setl_id:
            for record in mine:
                if record["record"] == "reversal" and record["reverses"] == setl_id:
                    return record
            raise InputError(f"setl_id: {setl_id!r} is not a settlement in effect")
        target = in_effect[0]
        sums = self._sums(in_effect)
        year = target["year"]
        ledger = dict(self._ledger(year))
        for key in LEDGER_KEYS:
            ledger[key] = ledger[key] - sums[key]
        out = dict(target)
        for key in AMOUNTS:
            out[key] = m2s(ZERO - sums[key])
        out.update(
            record="reversal",
            setl_id=self._next_id(claim_id),
            reverses=setl_id,
            corrects=None,
            ytd=self.ledger_json(ledger),
            trace=[{"article": None, "text": "reversal", "amount": out["fund_total"]}],
        )
        self.ledgers[year] = ledger
        mine.append(out)
        return out

    def clear(self, year: int) -> list[dict[str, Any]]:
        """年终清算 of ``year``: adjudicate its claims in effect afresh in the settlement order
        from the year's opening ledger; a correction (new − old) for each approved claim whose
        records do not add up to the fresh result. Returns the corrections appended."""
        claim_ids = [
            claim_id
            for claim_id in self.records
            if self.in_effect(claim_id) and self.in_effect(claim_id)[0]["year"] == year
        ]
        unknown = [claim_id for claim_id in claim_ids if claim_id not in self.contents]
        if unknown:
            raise InputError(f"claims: the content of claim {unknown[0]!r} is not known")
        claim_ids.sort(key=lambda claim_id: _order(self.contents[claim_id][4]))
        ledger = dict(self.openings.get(year) or zero_ledger())
        corrections = []
        for claim_id in claim_ids:
            person, contributions, months, starts, claim = self.contents[claim_id]
            fresh, ledger = adjudicate(
                person, contributions, months, starts, claim, ledger, self.options
            )
            in_effect = self.in_effect(claim_id)
            if fresh["status"] != in_effect[0]["status"]:
                raise InputError(f"claims: claim {claim_id!r} would change its status")
            if fresh["status"] == "rejected":
                continue
            old = self._sums(in_effect)
            deltas = {key: Decimal(fresh[key]) - old[key] for key in AMOUNTS}
            if not any(deltas.values()):
                continue
            out = dict(fresh)
            for key in AMOUNTS:
                out[key] = m2s(deltas[key] + ZERO)
            out.update(
                record="correction",
                setl_id=self._next_id(claim_id),
                reverses=None,
                corrects=in_effect[0]["setl_id"],
            )
            self.records[claim_id].append(out)
            corrections.append(out)
        self.ledgers[year] = ledger
        return corrections

    def adopt(self, record: dict[str, Any]) -> None:
        """Take a record as it is (one whose content is not known), so that the replay goes on
        from the ledger it leaves."""
        self.records.setdefault(record["claim_id"], []).append(record)
        self.ledgers[record["year"]] = {key: Decimal(record["ytd"][key]) for key in LEDGER_KEYS}

    def ledger_of(self, year: int) -> dict[str, str]:
        """The ledger of ``year`` as it stands."""
        return self.ledger_json(self._ledger(year))
