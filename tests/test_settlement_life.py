"""The life of a settlement (specification §18): reversal, re-settlement and the year-end
clearing, over records and ledgers (yzmedins.lifecycle), by hand and as properties."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import attrs
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from yzmedins import InputError, Ledger
from yzmedins.engine import PersonHistory, settle
from yzmedins.io.codec import result_to_json
from yzmedins.io.records import record_from_json
from yzmedins.lifecycle import (
    ClaimRecords,
    SettledClaim,
    clear_year,
    ledger_of,
    records_of,
    resettle,
    reverse,
    setl_number,
)
from yzmedins.model import AMOUNT_FIELDS, Claim, ClaimResult, RecordKind
from yzmedins.policy import default_policies
from yzmedins.rules.subsidy import subsidy_for_year
from yzmedins.strategies import approvable_claims

from .builders import CONTRIBUTIONS, conserved, d, m, person, stay

POLICIES = default_policies()
POLICY = POLICIES.policies[0]
WHO = person()
HISTORY = PersonHistory(WHO, CONTRIBUTIONS)


def _amounts(record: ClaimResult) -> dict[str, Decimal]:
    return {name: getattr(record, name) for name in AMOUNT_FIELDS}


def _sum(records: list[ClaimResult]) -> dict[str, Decimal]:
    total = dict.fromkeys(AMOUNT_FIELDS, m("0.00"))
    for record in records:
        for name in AMOUNT_FIELDS:
            total[name] += getattr(record, name)
    return total


# The worked example of docs/settlement-life.md: a reversal frees cap room and changes the
# subsidy, and the clearing makes the year exact.
BIG = stay("600000.00", id="A", admitted_on=d("2019-03-01"), discharged_on=d("2019-03-20"))
SMALL = stay("20000.00", id="B", admitted_on=d("2019-05-01"), discharged_on=d("2019-05-10"))


def _two_settlements() -> tuple[list[ClaimResult], Ledger]:
    first, ledger = settle(HISTORY, BIG, None, POLICIES)
    second, ledger = settle(HISTORY, SMALL, ledger, POLICIES)
    return [first, second], ledger


def test_art17_26_worked_example_the_second_stay_finds_the_caps_used() -> None:
    """第十七条 caps, 第二十六条 subsidy: after a 600,000.00 stay (basic 150,000, catastrophic
    300,000, subsidy 65,000), a 20,000.00 stay is paid nothing by the funds and a subsidy of
    S(170,000) − 65,000 = 75,000 − 65,000 = 10,000.00."""
    (first, second), ledger = _two_settlements()
    assert (first.basic_fund, first.catastrophic_fund) == (m("150000.00"), m("300000.00"))
    assert (first.secondary_subsidy, first.personal_cash) == (m("65000.00"), m("85000.00"))
    assert (second.basic_fund, second.catastrophic_fund) == (m("0.00"), m("0.00"))
    assert second.self_burden == m("20000.00")
    assert second.secondary_subsidy == m("10000.00")
    assert second.personal_cash == m("10000.00")
    assert [first.setl_id, second.setl_id] == ["A/1", "B/1"]
    assert ledger == Ledger(
        2019, m("150000.00"), m("300000.00"), m("170000.00"), m("75000.00"), m("618400.00")
    )


def test_reversal_negates_the_settlement_and_moves_the_ledger_back() -> None:
    """结算撤销: every amount of A/1 negated, the ledger back by exactly those amounts; B/1
    stands as it was."""
    records, ledger = _two_settlements()
    reversal = reverse(records, ledger, claim_id="A")
    assert reversal.appended
    record = reversal.record
    assert record.record is RecordKind.REVERSAL
    assert (record.setl_id, record.reverses, record.corrects) == ("A/2", "A/1", None)
    assert _amounts(record) == {
        name: m("0.00") - value for name, value in _amounts(records[0]).items()
    }
    assert record.basic_fund == m("-150000.00") and record.secondary_subsidy == m("-65000.00")
    assert (record.basic_rate, record.status, record.reasons) == (
        records[0].basic_rate,
        records[0].status,
        records[0].reasons,
    )
    assert [step.article for step in record.trace] == [None]
    assert reversal.ledger == Ledger(
        2019, m("0.00"), m("0.00"), m("20000.00"), m("10000.00"), m("19200.00")
    )
    assert record.ytd == reversal.ledger
    assert conserved(record)


def test_a_reversal_retried_returns_the_same_reversal_and_appends_nothing() -> None:
    records, ledger = _two_settlements()
    first = reverse(records, ledger, claim_id="A")
    records.append(first.record)
    again = reverse(records, first.ledger, claim_id="A")
    by_settlement = reverse(records, first.ledger, setl_id="A/1")
    assert not again.appended and not by_settlement.appended
    assert again.record == first.record == by_settlement.record


def test_unknown_claims_and_settlements_are_input_errors() -> None:
    records, ledger = _two_settlements()
    with pytest.raises(InputError, match="no settlement of claim 'Z'") as raised:
        reverse(records, ledger, claim_id="Z")
    assert raised.value.field == "claim_id"
    with pytest.raises(InputError, match="'A/7' is not recorded"):
        reverse(records, ledger, setl_id="A/7")
    with pytest.raises(InputError, match="not a settlement id"):
        reverse(records, ledger, setl_id="A")
    with pytest.raises(InputError, match="either a claim id or a settlement id"):
        reverse(records, ledger)


def test_a_rejected_settlement_is_reversed_and_moves_no_ledger_amount() -> None:
    """A rejected claim's reversal negates its line (total, eligible, personal cash) and moves
    no ledger amount."""
    rejected_claim = stay("5000.00", id="R", cause="work_injury")
    rejected, ledger = settle(HISTORY, rejected_claim, None, POLICIES)
    assert not rejected.approved
    reversal = reverse([rejected], ledger, claim_id="R")
    assert reversal.record.total == m("-5000.00")
    assert reversal.record.personal_cash == m("-5000.00")
    assert reversal.ledger == ledger


def test_resettlement_reverses_then_settles_the_corrected_claim_as_the_next_record() -> None:
    """更正: A/2 reverses A/1, A/3 settles the corrected bill of 500,000.00 against the ledger
    as it then stands: basic 150,000, catastrophic 300,000, self-burden 50,000 and a subsidy
    of S(70,000) − 10,000 already paid = 25,000 − 10,000 = 15,000.00."""
    records, ledger = _two_settlements()
    corrected = attrs.evolve(BIG, total=m("500000.00"))
    reversal, settlement, after = resettle(records, WHO, CONTRIBUTIONS, corrected, ledger, POLICIES)
    assert reversal is not None and reversal.record.setl_id == "A/2"
    assert settlement.setl_id == "A/3" and settlement.record is RecordKind.SETTLEMENT
    assert settlement.self_burden == m("50000.00")
    assert settlement.secondary_subsidy == m("15000.00")
    assert settlement.personal_cash == m("35000.00")
    records += [reversal.record, settlement]
    assert records_of(records, "A").settlement == settlement
    assert after == ledger_of(None, 2019, records)


def test_clearing_after_a_reversal_corrects_the_stay_that_found_the_caps_used() -> None:
    """年终清算: with A reversed, B adjudicated afresh from zero is paid 17,280.00 by the basic
    fund ((20,000 − 800) × 90%), has a self-burden of 2,720.00 and no subsidy. B/2 corrects B/1
    by the differences: basic +17,280.00, subsidy −10,000.00, personal cash −7,280.00 (a refund
    to the patient)."""
    records, ledger = _two_settlements()
    reversal = reverse(records, ledger, claim_id="A")
    records.append(reversal.record)
    settled = [SettledClaim(WHO, CONTRIBUTIONS, BIG), SettledClaim(WHO, CONTRIBUTIONS, SMALL)]
    clearing = clear_year(2019, records, settled, None, POLICIES)
    (correction,) = clearing.corrections
    assert (correction.record, correction.setl_id, correction.corrects) == (
        RecordKind.CORRECTION,
        "B/2",
        "B/1",
    )
    assert correction.basic_fund == m("17280.00")
    assert correction.secondary_subsidy == m("-10000.00")
    assert correction.personal_cash == m("-7280.00")
    assert correction.self_burden == m("-17280.00")
    assert correction.total == m("0.00") and correction.banded == m("0.00")
    assert clearing.ledger == Ledger(
        2019, m("17280.00"), m("0.00"), m("2720.00"), m("0.00"), m("19200.00")
    )
    records.append(correction)
    assert ledger_of(None, 2019, records) == clearing.ledger
    again = clear_year(2019, records, settled, None, POLICIES)
    assert again.corrections == () and again.ledger == clearing.ledger


def test_records_round_trip_through_their_lines() -> None:
    records, ledger = _two_settlements()
    reversal = reverse(records, ledger, claim_id="A")
    for record in [*records, reversal.record]:
        assert record_from_json(result_to_json(record)) == record


def test_setl_id_splits_at_the_last_slash() -> None:
    assert setl_number("K/2019/3") == ("K/2019", 3)
    for bad in ("K", "K/0", "/1", "K/x"):
        with pytest.raises(InputError):
            setl_number(bad)


def test_a_gap_in_a_claims_records_is_refused() -> None:
    records, ledger = _two_settlements()
    reversal = reverse(records, ledger, claim_id="A")
    renumbered = attrs.evolve(reversal.record, setl_id="A/3")
    with pytest.raises(InputError, match="a record is missing"):
        ClaimRecords.of("A", [records[0], renumbered])


# Properties over random sequences of settlements, reversals, re-settlements and clearings of
# one person-year.


@attrs.define
class Book:
    """What a billing system keeps for one person-year: records, the ledger, claim contents."""

    opening: Ledger | None
    records: list[ClaimResult] = attrs.Factory(list)
    ledger: Ledger | None = None
    contents: dict[str, Claim] = attrs.Factory(dict)
    reversed_any: bool = False

    def __attrs_post_init__(self) -> None:
        self.ledger = self.opening


YEAR = 2020


def _claims_of_year() -> st.SearchStrategy[Claim]:
    return approvable_claims(years=(YEAR,), high_cost_share=0.3)


OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["settle", "reverse", "resettle", "clear"]), st.integers(0, 7)),
    min_size=1,
    max_size=12,
)


def _check_records(book: Book) -> None:
    for record in book.records:
        assert conserved(record), record.setl_id
        if record.record is RecordKind.SETTLEMENT:
            assert record.secondary_subsidy <= record.self_burden
    assert ledger_of(book.opening, YEAR, book.records) == (book.ledger or Ledger(YEAR))


@settings(max_examples=120, deadline=None)
@given(
    st.lists(_claims_of_year(), min_size=1, max_size=5),
    OPERATIONS,
    st.booleans(),
)
def test_settlement_life_invariants(
    drawn: list[Claim], operations: list[tuple[str, int]], seeded: bool
) -> None:
    """Over any sequence of operations on a person-year: every record conserves money; a
    settlement never pays more subsidy than its own self-burden; the ledger is the opening
    ledger plus every record; a reversal is the exact negation of the claim's records in
    effect; a year from zero never reversed holds S(self-burden) of subsidy after every
    settlement; after a clearing each claim's records sum to the fresh adjudication, and a year
    from zero holds exactly S(its self-burden); clearing again appends nothing."""
    claims = [attrs.evolve(claim, id=f"K{index}") for index, claim in enumerate(drawn)]
    opening = (
        Ledger(YEAR, m("20000.00"), m("0.00"), m("30000.00"), m("5000.00")) if seeded else None
    )
    book = Book(opening)
    for operation, pick in operations:
        claim = claims[pick % len(claims)]
        state = records_of(book.records, claim.id)
        event(operation)
        if operation == "settle" and not state.records:
            result, book.ledger = settle(HISTORY, claim, book.ledger, POLICIES)
            book.records.append(result)
            book.contents[claim.id] = claim
            if opening is None and not book.reversed_any:
                assert book.ledger.secondary_subsidy == subsidy_for_year(
                    book.ledger.self_burden, POLICY
                )
        elif operation == "reverse" and state.records:
            in_effect = list(state.in_effect)
            reversal = reverse(book.records, book.ledger, claim_id=claim.id)
            if reversal.appended:
                expected = {n: m("0.00") - v for n, v in _sum(in_effect).items()}
                assert _amounts(reversal.record) == expected
                book.records.append(reversal.record)
                book.ledger = reversal.ledger
                book.reversed_any = True
            else:
                assert not in_effect
        elif operation == "resettle" and state.records:
            corrected = attrs.evolve(claim, total=claim.total + m("100.00"))
            undone, result, book.ledger = resettle(
                book.records, WHO, CONTRIBUTIONS, corrected, book.ledger, POLICIES
            )
            if undone is not None:
                book.records.append(undone.record)
                book.reversed_any = True
            book.records.append(result)
            book.contents[claim.id] = corrected
        elif operation == "clear":
            _clear_and_check(book)
        _check_records(book)
    _clear_and_check(book)


def _clear_and_check(book: Book) -> None:
    settled = [SettledClaim(WHO, CONTRIBUTIONS, claim) for claim in book.contents.values()]
    clearing = clear_year(YEAR, book.records, settled, book.opening, POLICIES)
    book.records.extend(clearing.corrections)
    book.ledger = clearing.ledger
    _check_records(book)
    # Σ records per claim = the fresh adjudication of the claims in effect, in order.
    fresh_ledger = book.opening
    in_effect = {
        claim_id: records_of(book.records, claim_id)
        for claim_id in sorted({r.claim_id for r in book.records})
    }
    alive = [book.contents[c] for c, state in in_effect.items() if state.settlement is not None]
    sums: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for claim_id, state in in_effect.items():
        sums[claim_id] = _sum(list(state.records))
    for claim_id, state in in_effect.items():
        if state.settlement is None:  # reversed and not settled again: its records cancel
            assert set(sums[claim_id].values()) == {m("0.00")}, claim_id
    for claim in sorted(alive, key=lambda c: (c.discharged_on, c.admitted_on, c.id)):
        fresh, fresh_ledger = settle(HISTORY, claim, fresh_ledger, POLICIES)
        assert sums[claim.id] == _amounts(fresh), claim.id
    if book.opening is None:
        ledger = book.ledger or Ledger(YEAR)
        assert ledger.secondary_subsidy == subsidy_for_year(ledger.self_burden, POLICY)
    again = clear_year(
        YEAR,
        book.records,
        [SettledClaim(WHO, CONTRIBUTIONS, claim) for claim in book.contents.values()],
        book.opening,
        POLICIES,
    )
    assert again.corrections == ()
