"""The national platform's settlement shape (specification §20): the mapping field by field,
the identities on every record of random claims and settlement lives, reversals as the exact
negation, corrections as deltas, the code list as data, and the JSON line's numbers."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import orjson
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from yzmedins import Ledger, adjudicate_bundle
from yzmedins.engine import PersonHistory, settle
from yzmedins.errors import InputError
from yzmedins.lifecycle import SettledClaim, clear_year, records_of, resettle, reverse
from yzmedins.model import ClaimResult, ClaimType, RecordKind
from yzmedins.nhsa import (
    SETLDETAIL_FIELDS,
    SETLINFO_FIELDS,
    bundled_codes,
    load_codes,
    nhsa_json,
    nhsa_line,
    nhsa_shape,
)
from yzmedins.policy import PolicyError, default_policies
from yzmedins.strategies import approvable_claims, bundles, claims

from .builders import CONTRIBUTIONS, d, m, person, stay

POLICIES = default_policies()
POLICY = POLICIES.policies[0]
WHO = person()
HISTORY = PersonHistory(WHO, CONTRIBUTIONS)
ZERO = m("0.00")

#: Every field of the platform's 2304 settlement output (setlinfo) and its fund rows.
PLATFORM_SETLINFO = set(
    [
        "mdtrt_id",
        "setl_id",
        "psn_no",
        "psn_name",
        "psn_cert_type",
        "certno",
        "gend",
        "naty",
        "brdy",
        "age",
        "insutype",
        "psn_type",
        "cvlserv_flag",
        "setl_time",
        "mdtrt_cert_type",
        "med_type",
        "medfee_sumamt",
        "fulamt_ownpay_amt",
        "overlmt_selfpay",
        "preselfpay_amt",
        "inscp_scp_amt",
        "act_pay_dedc",
        "hifp_pay",
        "pool_prop_selfpay",
        "cvlserv_pay",
        "hifes_pay",
        "hifmi_pay",
        "hifob_pay",
        "maf_pay",
        "hosp_part_amt",
        "oth_pay",
        "fund_pay_sumamt",
        "psn_part_amt",
        "acct_pay",
        "psn_cash_pay",
        "balc",
        "acct_mulaid_pay",
        "medins_setl_id",
        "clr_optins",
        "clr_way",
        "clr_type",
    ]
)
PLATFORM_SETLDETAIL = set(
    [
        "fund_pay_type",
        "inscp_scp_amt",
        "crt_payb_lmt_amt",
        "fund_payamt",
        "fund_pay_type_name",
        "setl_proc_info",
    ]
)


def check_identities(shape: dict[str, Any], record: ClaimResult) -> None:
    """The identities every shape holds (specification §20)."""
    info, rows = shape["setlinfo"], shape["setldetail"]
    assert set(info) <= PLATFORM_SETLINFO
    assert all(set(row) <= PLATFORM_SETLDETAIL for row in rows)
    assert info["inscp_scp_amt"] == (
        info["medfee_sumamt"]
        - info["fulamt_ownpay_amt"]
        - info["overlmt_selfpay"]
        - info["preselfpay_amt"]
    )
    assert info["medfee_sumamt"] == (
        info["fund_pay_sumamt"] + info["psn_part_amt"] + info["hosp_part_amt"]
    )
    assert info["psn_part_amt"] == info["acct_pay"] + info["psn_cash_pay"]
    funds = (
        info["hifp_pay"]
        + info["cvlserv_pay"]
        + info["hifes_pay"]
        + info["hifmi_pay"]
        + info["hifob_pay"]
        + info["maf_pay"]
        + info["oth_pay"]
    )
    assert info["fund_pay_sumamt"] == funds == sum((row["fund_payamt"] for row in rows), ZERO)
    assert all(row["fund_payamt"] != ZERO for row in rows)
    codes = [row["fund_pay_type"] for row in rows]
    assert len(codes) == len(set(codes))
    if record.record is RecordKind.SETTLEMENT and record.approved:
        assert info["act_pay_dedc"] <= info["inscp_scp_amt"]
        for row in rows:  # 第十七条, 第二十六条: a fund pays within the room it had
            capped = row["fund_payamt"]
            if row["fund_pay_type"] == "310100":  # special outpatient (第二十一条) is not capped
                capped -= record.other_fund
            assert ZERO <= capped <= row["crt_payb_lmt_amt"]
    if not record.approved:
        assert rows == []
        assert info["psn_cash_pay"] == info["medfee_sumamt"]
    line = nhsa_line(shape)
    assert orjson.loads(line)["setlinfo"]["setl_id"] == record.setl_id
    for name, text in re.findall(rb'"([a-z_]+)":(-?[0-9]+\.[0-9]+)', line):
        places = 4 if name == b"pool_prop_selfpay" else 2
        assert len(text.split(b".")[1]) == places, (name, text)


def negated(shape: dict[str, Any]) -> dict[str, Any]:
    def negate(values: dict[str, Any]) -> dict[str, Any]:
        return {
            k: v if isinstance(v, str) or k == "pool_prop_selfpay" else ZERO - v
            for k, v in values.items()
        }

    return {
        "setlinfo": negate(shape["setlinfo"]),
        "setldetail": [negate(row) for row in shape["setldetail"]],
    }


# The mapping, field by field, on a hand-computed settlement (第十七条, 第十八条).


def test_art18_settlement_maps_field_by_field() -> None:
    """Local tertiary stay of 12,000.00 with 500.00 全自费: eligible 11,500.00, deductible 800.00,
    basic fund 90% × 10,700.00 = 9,630.00 (第十八条), the patient pays 2,370.00."""
    claim = stay("12000.00", id="K1", full_self_pay=m("500.00"))
    result, _ = settle(HISTORY, claim, None, POLICIES)
    shape = nhsa_shape(result)
    assert shape["setlinfo"] == {
        "mdtrt_id": "K1",
        "setl_id": "K1/1",
        "psn_no": "P1",
        "insutype": "310",
        "cvlserv_flag": "0",
        "med_type": "21",
        "medfee_sumamt": m("12000.00"),
        "fulamt_ownpay_amt": m("500.00"),
        "overlmt_selfpay": ZERO,
        "preselfpay_amt": ZERO,
        "inscp_scp_amt": m("11500.00"),
        "act_pay_dedc": m("800.00"),
        "hifp_pay": m("9630.00"),
        "pool_prop_selfpay": m("0.9000"),
        "cvlserv_pay": ZERO,
        "hifes_pay": ZERO,
        "hifmi_pay": ZERO,
        "hifob_pay": ZERO,
        "maf_pay": ZERO,
        "hosp_part_amt": ZERO,
        "oth_pay": ZERO,
        "fund_pay_sumamt": m("9630.00"),
        "psn_part_amt": m("2370.00"),
        "acct_pay": ZERO,
        "psn_cash_pay": m("2370.00"),
    }
    assert shape["setldetail"] == [
        {
            "fund_pay_type": "310100",
            "inscp_scp_amt": m("11500.00"),
            "crt_payb_lmt_amt": m("150000.00"),
            "fund_payamt": m("9630.00"),
            "fund_pay_type_name": "统筹基金",
            "setl_proc_info": "第十八条 90%",
        }
    ]
    assert list(shape["setlinfo"]) == list(SETLINFO_FIELDS)
    assert list(shape["setldetail"][0]) == list(SETLDETAIL_FIELDS)


def test_art17_26_rooms_are_what_each_cap_had_left_before_the_claim() -> None:
    """A 600,000.00 stay uses both caps (第十七条); the second stay finds 0.00 left of each and is
    paid only the subsidy (第二十六条): its row shows the subsidy's room 150,000 − paid so far."""
    big = stay("600000.00", id="A", admitted_on=d("2019-03-01"), discharged_on=d("2019-03-20"))
    small = stay("20000.00", id="B", admitted_on=d("2019-05-01"), discharged_on=d("2019-05-10"))
    first, ledger = settle(HISTORY, big, None, POLICIES)
    second, _ = settle(HISTORY, small, ledger, POLICIES)
    rows = {row["fund_pay_type"]: row for row in nhsa_shape(first)["setldetail"]}
    assert rows["310100"]["crt_payb_lmt_amt"] == m("150000.00")
    assert rows["310100"]["fund_payamt"] == m("150000.00")
    assert rows["330100"]["crt_payb_lmt_amt"] == m("300000.00")
    assert rows["330100"]["fund_payamt"] == first.catastrophic_fund
    assert rows["330100"]["setl_proc_info"] == "第十八条 95%"
    assert rows["999997"]["crt_payb_lmt_amt"] == m("150000.00")
    assert rows["999997"]["setl_proc_info"] == "第二十六条 50%"
    second_rows = nhsa_shape(second)["setldetail"]
    assert [row["fund_pay_type"] for row in second_rows] == ["999997"]
    assert second_rows[0]["crt_payb_lmt_amt"] == m("150000.00") - ledger.secondary_subsidy


def test_art21_special_outpatient_is_med_type_14_paid_in_hifp_pay() -> None:
    """第二十一条: a special outpatient claim's payment (other_fund) is the pooling fund's row."""
    claim = stay("30000.00", id="S", full_self_pay=m("2000.00"))
    claim = attrs.evolve(claim, type=ClaimType.SPECIAL_OUTPATIENT, other_fund=m("14000.00"))
    result, _ = settle(HISTORY, claim, None, POLICIES)
    info = nhsa_shape(result)["setlinfo"]
    assert info["med_type"] == "14"
    assert info["hifp_pay"] == m("14000.00")
    (row,) = nhsa_shape(result)["setldetail"]
    assert row["setl_proc_info"] == "第二十一条"


def test_art20_maternity_is_med_type_52() -> None:
    """第二十条: a maternity stay is 生育住院 (52), without a deductible."""
    result, _ = settle(HISTORY, stay("6000.00", maternity=True), None, POLICIES)
    info = nhsa_shape(result)["setlinfo"]
    assert info["med_type"] == "52"
    assert info["act_pay_dedc"] == ZERO


def test_art29_civil_servant_flag() -> None:
    """第二十九条: cvlserv_flag is "1" for a civil servant (the civil_servant_subsidy flag)."""
    servant = PersonHistory(person(statuses=("civil_servant",)), CONTRIBUTIONS)
    result, _ = settle(servant, stay("8000.00"), None, POLICIES)
    assert "civil_servant_subsidy" in result.flags
    assert nhsa_shape(result)["setlinfo"]["cvlserv_flag"] == "1"


def test_art31_rejected_claim_has_no_fund_rows_and_the_patient_pays_all() -> None:
    """第三十一条: a rejected claim pays nothing; psn_cash_pay = medfee_sumamt."""
    result, _ = settle(HISTORY, stay("5000.00", cause="cosmetic"), None, POLICIES)
    shape = nhsa_shape(result)
    assert shape["setldetail"] == []
    assert shape["setlinfo"]["psn_cash_pay"] == shape["setlinfo"]["medfee_sumamt"] == m("5000.00")
    assert shape["setlinfo"]["fund_pay_sumamt"] == ZERO


def test_reversal_is_the_exact_negation_of_what_it_reverses() -> None:
    """Every amount of setlinfo and of each row negated, pool_prop_selfpay kept."""
    first, ledger = settle(HISTORY, stay("600000.00", id="A"), None, POLICIES)
    reversal = reverse([first], ledger, claim_id="A").record
    shape = nhsa_shape(reversal, [first])
    expected = negated(nhsa_shape(first))
    expected["setlinfo"]["setl_id"] = "A/2"
    assert shape == expected
    assert shape["setlinfo"]["pool_prop_selfpay"] == m("0.9000")
    with pytest.raises(InputError) as raised:
        nhsa_shape(reversal)
    assert raised.value.field == "setl_id"


def test_line_amounts_are_numbers_with_two_decimals() -> None:
    result, _ = settle(HISTORY, stay("4300.50", id="K2", pre_self_pay=m("230.40")), None, POLICIES)
    line = nhsa_line(nhsa_shape(result))
    assert line.endswith(b"\n") and b"\n" not in line[:-1]
    assert b'"medfee_sumamt":4300.50,' in line
    assert b'"pool_prop_selfpay":0.9000,' in line
    assert b'"overlmt_selfpay":0.00,' in line
    parsed = orjson.loads(line)
    assert parsed["setlinfo"]["preselfpay_amt"] == 230.4
    assert nhsa_json(nhsa_shape(result)) == line.decode().rstrip("\n")


def test_code_lists_are_data(tmp_path: Path) -> None:
    """Another code list changes the codes and names written, not the amounts."""
    text = (
        'insutype = "390"\n[med_type]\ninpatient = "2101"\nmaternity = "5201"\n'
        'special_outpatient = "1402"\n[funds.basic]\ncode = "A"\nname = "甲"\n'
        '[funds.catastrophic]\ncode = "B"\nname = "乙"\n[funds.subsidy]\ncode = "C"\nname = "丙"\n'
    )
    path = tmp_path / "codes.toml"
    path.write_text(text, encoding="utf-8")
    codes = load_codes(str(path))
    result, _ = settle(HISTORY, stay("600000.00"), None, POLICIES)
    ours, theirs = nhsa_shape(result), nhsa_shape(result, codes=codes)
    assert theirs["setlinfo"]["insutype"] == "390" and theirs["setlinfo"]["med_type"] == "2101"
    assert [r["fund_pay_type"] for r in theirs["setldetail"]] == ["A", "B", "C"]
    assert [r["fund_payamt"] for r in theirs["setldetail"]] == [
        r["fund_payamt"] for r in ours["setldetail"]
    ]
    assert bundled_codes().funds["subsidy"].code == "999997"
    path.write_text('insutype = "390"\n', encoding="utf-8")
    with pytest.raises(PolicyError, match="med_type"):
        load_codes(str(path))


# Properties: every identity on every record of random claims and settlement lives.


@settings(max_examples=300, deadline=None)
@given(bundles(max_claims=8, high_cost_share=0.3))
def test_identities_hold_on_every_settlement_of_random_bundles(bundle: Any) -> None:
    """Settlements, rejections, special outpatient, maternity, special groups, cap-crossing
    stays, seeded ledgers: each record's shape holds every identity."""
    for result in adjudicate_bundle(bundle):
        event("approved" if result.approved else "rejected")
        event(f"rows={len(nhsa_shape(result)['setldetail'])}")
        check_identities(nhsa_shape(result), result)


YEAR = 2020

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["settle", "settle", "reverse", "resettle", "clear", "clear"]),
        st.integers(0, 5),
    ),
    min_size=1,
    max_size=10,
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            approvable_claims(years=(YEAR,), high_cost_share=0.4),
            claims(years=(YEAR,), approved_share=0.5),
        ),
        min_size=1,
        max_size=5,
    ),
    OPERATIONS,
)
def test_identities_hold_over_settlement_lives(drawn: list[Any], operations: Any) -> None:
    """Over settlements, reversals, re-settlements and clearings: every record's shape holds
    the identities; a reversal's shape negates the shape of the records it reverses, summed; a
    correction has rows only for the funds whose delta is not zero."""
    claims_ = [attrs.evolve(c, id=f"K{i}") for i, c in enumerate(drawn)]
    records: list[ClaimResult] = []
    ledgers: dict[int, Ledger] = {}  # by settlement year (a rejected claim may be of another)
    contents = {}

    def year_of(claim_id: str) -> int:
        return next(r.year for r in records if r.claim_id == claim_id)

    for operation, pick in operations:
        claim = claims_[pick % len(claims_)]
        state = records_of(records, claim.id)
        if operation == "settle" and not state.records:
            year = claim.discharged_on.year
            result, after = settle(HISTORY, claim, ledgers.get(year), POLICIES)
            records.append(result)
            if after is not None:
                ledgers[after.year] = after
            contents[claim.id] = claim
        elif operation == "reverse" and state.records:
            year = year_of(claim.id)
            reversal = reverse(records, ledgers.get(year, Ledger(year)), claim_id=claim.id)
            if reversal.appended:
                records.append(reversal.record)
                ledgers[year] = reversal.ledger
        elif operation == "resettle" and state.records:
            year = year_of(claim.id)
            corrected = attrs.evolve(claim, total=claim.total + m("100.00"))
            undone, result, after = resettle(
                records, WHO, CONTRIBUTIONS, corrected, ledgers.get(year, Ledger(year)), POLICIES
            )
            if undone is not None:
                records.append(undone.record)
            records.append(result)
            ledgers[after.year] = after
            contents[claim.id] = corrected
        elif operation == "clear" and YEAR in ledgers:
            settled = [
                SettledClaim(WHO, CONTRIBUTIONS, c)
                for c in contents.values()
                if c.discharged_on.year == YEAR
            ]
            mine = [r for r in records if r.year == YEAR]
            clearing = clear_year(YEAR, mine, settled, None, POLICIES)
            records.extend(clearing.corrections)
            ledgers[YEAR] = clearing.ledger
    for index, record in enumerate(records):
        earlier = [r for r in records[:index] if r.claim_id == record.claim_id]
        shape = nhsa_shape(record, earlier)
        event(record.record.value)
        check_identities(shape, record)
        if record.record is RecordKind.REVERSAL:
            alive = list(records_of(earlier, record.claim_id).in_effect)
            if len(alive) == 1:  # the settlement alone: its shape, negated exactly
                expected = negated(nhsa_shape(alive[0]))
                expected["setlinfo"]["setl_id"] = record.setl_id
                assert shape == expected
            else:  # with corrections: the claim as in effect, summed, negated
                event("reversal after a correction")
                paid = sum((r.fund_total for r in alive), ZERO)
                assert shape["setlinfo"]["fund_pay_sumamt"] == ZERO - paid
                assert shape["setlinfo"]["medfee_sumamt"] == ZERO - alive[0].total
        if record.record is RecordKind.CORRECTION:
            deltas = {
                "310100": record.basic_fund + record.other_fund,
                "330100": record.catastrophic_fund,
                "999997": record.secondary_subsidy,
            }
            assert {r["fund_pay_type"] for r in shape["setldetail"]} == {
                code for code, delta in deltas.items() if delta != ZERO
            }


def test_a_correction_needs_the_settlement_it_corrects() -> None:
    big = stay("600000.00", id="A", admitted_on=d("2020-03-01"), discharged_on=d("2020-03-20"))
    small = stay("20000.00", id="B", admitted_on=d("2020-05-01"), discharged_on=d("2020-05-10"))
    first, ledger = settle(HISTORY, big, None, POLICIES)
    second, ledger = settle(HISTORY, small, ledger, POLICIES)
    reversal = reverse([first, second], ledger, claim_id="A")
    records = [first, second, reversal.record]
    settled = [SettledClaim(WHO, CONTRIBUTIONS, c) for c in (big, small)]
    clearing = clear_year(2020, records, settled, None, POLICIES)
    (correction,) = clearing.corrections
    assert correction.claim_id == "B"
    shape = nhsa_shape(correction, [second])
    # The fresh adjudication of B finds both caps untouched (A is reversed).
    fresh = {row["fund_pay_type"]: row["crt_payb_lmt_amt"] for row in shape["setldetail"]}
    assert fresh.get("310100", m("150000.00")) == m("150000.00")
    check_identities(shape, correction)
    with pytest.raises(InputError):
        nhsa_shape(correction)
    # Reversing B now negates its settlement and its correction, summed: B as in effect.
    undo = reverse([*records, correction], clearing.ledger, claim_id="B").record
    undone = nhsa_shape(undo, [second, correction])
    check_identities(undone, undo)
    paid = {
        "310100": second.basic_fund + correction.basic_fund,
        "330100": second.catastrophic_fund + correction.catastrophic_fund,
        "999997": second.secondary_subsidy + correction.secondary_subsidy,
    }
    assert {row["fund_pay_type"]: row["fund_payamt"] for row in undone["setldetail"]} == {
        code: ZERO - amount for code, amount in paid.items() if amount
    }
    # Its rooms are the fresh adjudication's (as the correction shows them), negated.
    fresh_rooms = {row["fund_pay_type"]: row["crt_payb_lmt_amt"] for row in shape["setldetail"]}
    for row in undone["setldetail"]:
        if row["fund_pay_type"] in fresh_rooms:
            assert row["crt_payb_lmt_amt"] == ZERO - fresh_rooms[row["fund_pay_type"]]


def test_amounts_are_decimals_never_floats() -> None:
    result, _ = settle(HISTORY, stay("1234.56"), None, POLICIES)
    shape = nhsa_shape(result)
    values = [*shape["setlinfo"].values(), *(v for r in shape["setldetail"] for v in r.values())]
    assert all(isinstance(v, str | Decimal) for v in values)
