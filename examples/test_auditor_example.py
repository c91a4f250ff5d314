"""An auditor's own property tests of the engine — run them with ``pytest examples/``.

They use the strategies of :mod:`yzmedins.strategies` (docs/auditing.md describes every knob)
and check what the measures require with nothing but the public API: the engine's settlements,
the settlement life of :mod:`yzmedins.lifecycle`, and the audit's recomputation by the
independent reference implementation (:func:`yzmedins.audit.audit_person`).
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings

from yzmedins import adjudicate_bundle
from yzmedins.audit import Case, FileRecord, audit_person
from yzmedins.engine import PersonHistory, settle
from yzmedins.io.codec import result_to_json
from yzmedins.io.contents import settled_to_json
from yzmedins.lifecycle import ClaimRecords, SettledClaim, clear_year, reverse
from yzmedins.model import Bundle, ClaimResult, ClaimStatus, Ledger, Region
from yzmedins.policy import default_policies
from yzmedins.reference import Options
from yzmedins.strategies import SettlementLife, bundles, settlement_lives

POLICIES = default_policies()
POLICY = POLICIES.policies[0]


@settings(max_examples=60, deadline=None)
@given(bundles(approved_share=1.0, high_cost_share=0.5, regions=(Region.LOCAL,)))
def test_art17_the_funds_never_pay_more_than_the_caps(bundle: Bundle) -> None:
    """第十七条: in a year the basic fund pays at most 150,000.00 and the catastrophic fund at
    most 300,000.00, whatever the bills (half of them here reach the caps)."""
    for result in adjudicate_bundle(bundle):
        assert result.ytd.basic_fund <= POLICY.cap_basic
        assert result.ytd.catastrophic_fund <= POLICY.cap_catastrophic
        assert result.total == result.fund_total + result.personal_cash


@settings(max_examples=60, deadline=None)
@given(bundles(approved_share=0.0, with_ytd=False))
def test_art31_a_rejected_claim_pays_nothing(bundle: Bundle) -> None:
    """第三十一条 and the others: a rejected claim pays nothing and leaves the ledger as it was."""
    for result in adjudicate_bundle(bundle):
        if result.status is ClaimStatus.REJECTED:
            assert result.fund_total == Decimal("0.00")
            assert result.personal_cash == result.total


def _live(life: SettlementLife) -> list[FileRecord]:
    """The records a billing system keeps for ``life``, as result lines with what each
    settlement was made of."""
    history = PersonHistory(life.person, life.contributions)
    records: list[ClaimResult] = []
    contents: dict[str, object] = {}
    settled: dict[str, SettledClaim] = {}
    ledgers: dict[int, Ledger] = {}
    for operation in life.operations:
        if operation.kind == "settle" and operation.claim is not None:
            claim = operation.claim
            setl_id = ClaimRecords.of(claim.id, records).next_setl_id
            result, ledgers[claim.year] = settle(
                history, claim, ledgers.get(claim.year), POLICIES, setl_id
            )
            records.append(result)
            contents[setl_id] = settled_to_json(life.person, life.contributions, claim)
            settled[claim.id] = SettledClaim(life.person, life.contributions, claim)
        elif operation.kind == "reverse" and operation.claim_id is not None:
            mine = ClaimRecords.of(operation.claim_id, records)
            year = mine.records[-1].year
            done = reverse(records, ledgers.get(year), claim_id=operation.claim_id)
            records.append(done.record)
            ledgers[year] = done.ledger
        elif operation.kind == "clear" and operation.year is not None:
            clearing = clear_year(operation.year, records, settled.values(), None, POLICIES)
            records.extend(clearing.corrections)
            ledgers[operation.year] = clearing.ledger
    return [
        FileRecord(seq, "memory", None, result_to_json(r), contents.get(r.setl_id))
        for seq, r in enumerate(records)
    ]


@settings(max_examples=40, deadline=None)
@given(settlement_lives())
def test_art26_every_life_of_a_settlement_audits_clean(life: SettlementLife) -> None:
    """第二十六条 and the settlement life: whatever the sequence of settlements, reversals,
    re-settlements and clearings, the records agree with the independent reference
    implementation and every invariant (a reversal negates exactly, the ledger is the sum of
    the records, a cleared year holds exactly S of its self-burden)."""
    records = _live(life)
    findings = audit_person(Case(life.person.id, tuple(records)), POLICIES, Options())
    assert findings == []
