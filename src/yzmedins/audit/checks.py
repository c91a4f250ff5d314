"""What an audit finds: the :class:`Finding`, the comparison of a record with its recomputation,
and the invariants of the contract that need no recomputation (specification §2, §6, §7, §9,
§12, §18).

Every check is a pure function of records and returns findings; the amounts of the law (caps,
the subsidy) come from the policy in force, never from literals.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from yzmedins.io.records import RECORD_KEYS
from yzmedins.model import AMOUNT_FIELDS, ClaimResult, ClaimStatus, RecordKind
from yzmedins.money import ZERO
from yzmedins.policy import Policy, PolicySet
from yzmedins.rules.subsidy import subsidy_for_year

__all__ = [
    "CHECKS",
    "LEDGER_FIELDS",
    "Finding",
    "caps",
    "compare",
    "conservation",
    "ledger_moved",
    "policy_of",
    "rejected_pays_nothing",
    "reversal_negates",
    "subsidy_exact",
    "trace_articles",
]

#: The checks a finding can name.
CHECKS = (
    "engine",
    "reference",
    "missing",
    "unexpected",
    "invariant:conservation",
    "invariant:caps",
    "invariant:ledger",
    "invariant:subsidy",
    "invariant:rejected",
    "invariant:reversal",
    "invariant:trace",
)

#: The ledger's amounts, each moved by the record's amount of the same name.
LEDGER_FIELDS = ("basic_fund", "catastrophic_fund", "self_burden", "secondary_subsidy", "banded")

#: The amounts a rejected record holds at zero (specification §9).
_ZERO_WHEN_REJECTED = (
    "deductible",
    "basic_fund",
    "catastrophic_fund",
    "other_fund",
    "secondary_subsidy",
    "fund_total",
    "self_burden",
    "in_scope_self_burden",
    "banded",
)


@attrs.frozen
class Finding:
    """One disagreement. ``field`` is the record's own key (``basic_fund``, ``ytd.self_burden``),
    ``expected`` the value the check requires, ``got`` the record's; ``file`` and ``line`` name
    the results line (or the store), ``person_id`` and ``year`` the person-year."""

    check: str
    claim_id: str | None
    setl_id: str | None
    field: str | None
    expected: Any
    got: Any
    person_id: str | None = None
    year: int | None = None
    file: str | None = None
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "claim_id": self.claim_id,
            "setl_id": self.setl_id,
            "field": self.field,
            "expected": self.expected,
            "got": self.got,
            "check": self.check,
            "person_id": self.person_id,
            "year": self.year,
            "file": self.file,
            "line": self.line,
        }


def _money(amount: Decimal) -> str:
    return str(amount + ZERO)


def _reason_keys(reasons: Any) -> Any:
    if not isinstance(reasons, list):
        return reasons
    return [
        [r.get("code"), r.get("article"), r.get("item")] if isinstance(r, dict) else r
        for r in reasons
    ]


def compare(
    expected: Mapping[str, Any], got: Mapping[str, Any], check: str, *, wording: bool
) -> list[Finding]:
    """The keys on which ``got`` (a record as written) differs from ``expected`` (recomputed).
    With ``wording`` the whole line counts (trace and messages: the engine's own words);
    without, neither the trace nor the reasons' messages (another implementation's words)."""
    claim_id, setl_id = got.get("claim_id"), got.get("setl_id")
    findings = []
    for key in RECORD_KEYS:
        mine, theirs = expected.get(key), got.get(key)
        if key == "trace" and not wording:
            continue
        if key == "ytd" and isinstance(mine, dict) and isinstance(theirs, dict):
            findings += [
                Finding(check, claim_id, setl_id, f"ytd.{name}", mine.get(name), theirs.get(name))
                for name in LEDGER_FIELDS
                if mine.get(name) != theirs.get(name)
            ]
            continue
        if key == "reasons" and not wording:
            mine, theirs = _reason_keys(mine), _reason_keys(theirs)
        if mine != theirs:
            findings.append(Finding(check, claim_id, setl_id, key, mine, theirs))
    return findings


def policy_of(record: ClaimResult, policies: PolicySet) -> Policy:
    """The policy whose caps a record's year is held to: in force on its discharge date, or
    the nearest (a record without one: the middle of its year)."""
    day = record.discharged_on or date(record.year, 7, 1)
    return policies.in_force(day) or policies.nearest(day)


def _finding(check: str, record: ClaimResult, field: str, expected: Any, got: Any) -> Finding:
    return Finding(check, record.claim_id, record.setl_id, field, expected, got)


def conservation(record: ClaimResult) -> list[Finding]:
    """Money is conserved (§2, §12): ``fund_total`` is the sum of the funds, ``total = fund_total
    + personal_cash``, ``eligible = total − full_self_pay − pre_self_pay``; on approved records
    ``self_burden`` and ``in_scope_self_burden`` are what the funds left (§7, §9)."""
    r = record
    paid = r.basic_fund + r.catastrophic_fund + r.other_fund
    sums = [
        ("fund_total", paid + r.secondary_subsidy, r.fund_total),
        ("personal_cash", r.total - r.fund_total, r.personal_cash),
        ("eligible", r.total - r.full_self_pay - r.pre_self_pay, r.eligible),
    ]
    if r.status is ClaimStatus.APPROVED:
        sums += [
            ("self_burden", r.total - r.full_self_pay - paid, r.self_burden),
            ("in_scope_self_burden", r.eligible - paid, r.in_scope_self_burden),
        ]
    return [
        _finding("invariant:conservation", r, name, _money(want), _money(have))
        for name, want, have in sums
        if want != have
    ]


def rejected_pays_nothing(record: ClaimResult) -> list[Finding]:
    """A rejected claim pays nothing (§9): its fund amounts are 0.00 and the patient pays the
    total."""
    if record.status is not ClaimStatus.REJECTED:
        return []
    found = [
        _finding("invariant:rejected", record, name, "0.00", _money(getattr(record, name)))
        for name in _ZERO_WHEN_REJECTED
        if getattr(record, name) != 0
    ]
    if record.personal_cash != record.total:
        found.append(
            _finding(
                "invariant:rejected",
                record,
                "personal_cash",
                _money(record.total),
                _money(record.personal_cash),
            )
        )
    return found


def caps(record: ClaimResult, policy: Policy) -> list[Finding]:
    """The year's ledger never exceeds the caps (第十七条 for the two funds, 第二十六条 for the
    subsidy)."""
    limits = (
        ("basic_fund", policy.cap_basic),
        ("catastrophic_fund", policy.cap_catastrophic),
        ("secondary_subsidy", policy.subsidy_cap),
    )
    return [
        _finding(
            "invariant:caps",
            record,
            f"ytd.{name}",
            f"at most {_money(cap)}",
            _money(getattr(record.ytd, name)),
        )
        for name, cap in limits
        if getattr(record.ytd, name) > cap
    ]


def ledger_moved(record: ClaimResult, before: Mapping[str, Decimal] | None) -> list[Finding]:
    """The ledger after a record is the ledger before it moved by the record's own amounts
    (§12), so that a person-year's ledger is its opening plus the sum of its records (§18).
    ``before`` None: not known (a record before it is missing), nothing to check."""
    if before is None:
        return []
    return [
        _finding(
            "invariant:ledger",
            record,
            f"ytd.{name}",
            _money(before[name] + getattr(record, name)),
            _money(getattr(record.ytd, name)),
        )
        for name in LEDGER_FIELDS
        if before[name] + getattr(record, name) != getattr(record.ytd, name)
    ]


def subsidy_exact(record: ClaimResult, policy: Policy) -> list[Finding]:
    """第二十六条 (§7): in a year opened from zero (or from a ``ytd`` whose subsidy is S of its
    self-burden) and not reversed since its last clearing, the year's subsidy is exactly S of
    its self-burden, the opening counted."""
    owed = subsidy_for_year(record.ytd.self_burden, policy)
    if owed == record.ytd.secondary_subsidy:
        return []
    return [
        _finding(
            "invariant:subsidy",
            record,
            "ytd.secondary_subsidy",
            _money(owed),
            _money(record.ytd.secondary_subsidy),
        )
    ]


def sums(records: Iterable[ClaimResult]) -> dict[str, Decimal]:
    """Every amount of ``records``, summed."""
    total = dict.fromkeys(AMOUNT_FIELDS, ZERO)
    for record in records:
        for name in AMOUNT_FIELDS:
            total[name] += getattr(record, name)
    return total


def in_effect(records: Sequence[ClaimResult]) -> Sequence[ClaimResult]:
    """A claim's records in effect (its last settlement and the corrections since), given its
    records in the order made; empty when its last settlement was reversed."""
    for index in range(len(records) - 1, -1, -1):
        if records[index].record is RecordKind.REVERSAL:
            return ()
        if records[index].record is RecordKind.SETTLEMENT:
            return records[index:]
    return ()


def reversal_negates(record: ClaimResult, earlier: Sequence[ClaimResult]) -> list[Finding]:
    """A reversal names the settlement in effect and negates exactly the sum of the claim's
    records in effect (§18). ``earlier``: the claim's records before it."""
    effect = in_effect(earlier)
    named = effect[0].setl_id if effect else None
    if record.reverses != named:
        return [_finding("invariant:reversal", record, "reverses", named, record.reverses)]
    total = sums(effect)
    return [
        _finding(
            "invariant:reversal",
            record,
            name,
            _money(ZERO - total[name]),
            _money(getattr(record, name)),
        )
        for name in AMOUNT_FIELDS
        if getattr(record, name) != ZERO - total[name]
    ]


#: The amounts of an approved settlement that its trace must show with their article.
_TRACED = ("basic_fund", "catastrophic_fund", "other_fund", "secondary_subsidy", "personal_cash")


def trace_articles(record: ClaimResult) -> list[Finding]:
    """Every amount has an article in the trace (§12): on a settlement or correction every step
    with an amount cites an article — but for the whole total left to the patient on a
    rejected claim — and an approved settlement's payments each appear as the amount of a step
    that cites one (or the sum of two such steps)."""
    if record.record is RecordKind.REVERSAL:
        return []
    found = []
    for index, step in enumerate(record.trace):
        if step.amount is None or step.article is not None:
            continue
        if record.status is ClaimStatus.REJECTED and step.amount == record.personal_cash:
            continue
        found.append(
            _finding(
                "invariant:trace",
                record,
                f"trace[{index}].article",
                "an article",
                None,
            )
        )
    if record.record is RecordKind.SETTLEMENT and record.status is ClaimStatus.APPROVED:
        cited = {
            step.amount
            for step in record.trace
            if step.article is not None and step.amount is not None
        }
        # a payment made in two steps (第二十条 read literally: the part below the deductible,
        # then the band) is the sum of two of them
        cited |= {first + second for first, second in itertools.combinations(cited, 2)}
        for name in _TRACED:
            amount = getattr(record, name)
            if amount != 0 and amount not in cited:
                found.append(
                    _finding(
                        "invariant:trace",
                        record,
                        name,
                        f"a trace step of {_money(amount)} with its article",
                        None,
                    )
                )
    return found
