"""第二十二条, 第二十七条–第三十一条: exclusions, special groups and reason order (specification §9)."""

from __future__ import annotations

import pytest

from yzmedins import Cause, Level, Region, Route, Status
from yzmedins.rules.exclusions import EXCLUDED_CAUSE_ITEMS

from .builders import codes, d, hospital, m, person, settle, stay


@pytest.mark.parametrize(
    ("cause", "item"),
    [
        (Cause.SUICIDE_SELF_HARM, 1),
        (Cause.ASSAULT_OR_FIGHT, 1),
        (Cause.ALCOHOL_OR_DRUGS, 1),
        (Cause.IN_CUSTODY, 1),
        (Cause.TRAFFIC_ACCIDENT, 2),
        (Cause.MEDICAL_ACCIDENT, 2),
        (Cause.LIABILITY_ACCIDENT, 2),
        (Cause.WORK_INJURY, 3),
        (Cause.COSMETIC, 4),
        (Cause.ILLEGAL_ACT, 5),
        (Cause.OTHER_EXCLUDED, 9),
    ],
)
def test_art31_excluded_causes_cite_their_item(cause: Cause, item: int) -> None:
    """第三十一条: excluded causes cite their item."""
    result, ledger = settle(stay(cause=cause))
    assert codes(result) == ["EXCLUDED_CAUSE"]
    assert (result.reasons[0].article, result.reasons[0].item) == (31, item)
    assert result.personal_cash == m("12000.00") and ledger.basic_fund == 0


def test_art31_every_excluded_cause_has_an_item() -> None:
    """第三十一条: every excluded cause has an item."""
    assert set(EXCLUDED_CAUSE_ITEMS) == set(Cause) - {Cause.ILLNESS, Cause.ACCIDENT_NO_THIRD_PARTY}


def test_art22_accident_without_third_party_goes_to_the_accident_scheme() -> None:
    """第二十二条: accident without third party goes to the accident scheme."""
    result, _ = settle(stay(cause=Cause.ACCIDENT_NO_THIRD_PARTY))
    assert codes(result) == ["ACCIDENT_SCHEME"]
    assert (result.reasons[0].article, result.reasons[0].item) == (22, None)


def test_art31_6_abroad() -> None:
    """第三十一条(6): abroad."""
    result, _ = settle(stay(hospital=hospital(region=Region.ABROAD), route=Route.REFERRAL))
    assert codes(result) == ["ABROAD"]
    assert (result.reasons[0].article, result.reasons[0].item) == (31, 6)


def test_art31_7_non_contracted_hospital() -> None:
    """第三十一条, 第七条: non contracted hospital."""
    result, _ = settle(stay(hospital=hospital(contracted=False)))
    assert codes(result) == ["NON_CONTRACTED"]
    assert (result.reasons[0].article, result.reasons[0].item) == (31, 7)


def test_art27_lixiu_is_funded_separately() -> None:
    """第二十七条: lixiu is funded separately."""
    result, _ = settle(stay(), person(statuses=frozenset({Status.LIXIU})))
    assert codes(result) == ["LIXIU"]
    assert result.reasons[0].article == 27


def test_rules_s8_every_failing_check_is_listed_in_order() -> None:
    claim = stay(
        admitted_on=d("2023-01-05"),
        hospital=hospital(Level.PRIMARY, Region.ABROAD, contracted=False),
        cause=Cause.COSMETIC,
    )
    result, _ = settle(claim, person(statuses=frozenset({Status.LIXIU})), contributions=())
    assert codes(result) == [
        "NOT_IN_FORCE",
        "LIXIU",
        "NOT_INSURED",
        "ABROAD",
        "EXCLUDED_CAUSE",
        "NON_CONTRACTED",
        "UNREFERRED",
    ]
    assert result.eligible == m("12000.00")
    assert result.fund_total == 0 and result.in_scope_self_burden == 0


def test_art28_disabled_veteran_flag() -> None:
    """第二十八条: disabled veteran flag."""
    result, _ = settle(stay(), person(statuses=frozenset({Status.DISABLED_VETERAN})))
    assert result.flags == ("veteran_benefits",)
    assert any(step.article == 28 for step in result.trace)


@pytest.mark.parametrize(
    "status", [Status.CIVIL_SERVANT, Status.MODEL_WORKER, Status.SPECIAL_ALLOWANCE]
)
def test_art29_30_civil_servant_subsidy_flag_and_in_scope_self_burden(status: Status) -> None:
    """第二十九条, 第三十条: civil servant subsidy flag and in scope self burden."""
    # Example 1 again: in-scope self-burden = eligible 11,500 − basic 9,630 = 1,870.00.
    result, _ = settle(stay(full_self_pay=m("500.00")), person(statuses=frozenset({status})))
    assert result.flags == ("civil_servant_subsidy",)
    assert result.in_scope_self_burden == m("1870.00")


def test_art28_30_both_flags_in_table_order_and_none_when_rejected() -> None:
    """第二十八条, 第三十条: both flags in table order and none when rejected."""
    statuses = frozenset({Status.MODEL_WORKER, Status.DISABLED_VETERAN})
    approved, _ = settle(stay(), person(statuses=statuses))
    assert approved.flags == ("veteran_benefits", "civil_servant_subsidy")
    rejected, _ = settle(stay(cause=Cause.COSMETIC), person(statuses=statuses))
    assert rejected.flags == ()


def test_art14_hardship_enterprise_status_changes_no_claim() -> None:
    """第十四条: hardship enterprise status changes no claim."""
    result, _ = settle(stay(), person(statuses=frozenset({Status.HARDSHIP_ENTERPRISE})))
    assert result.approved and result.flags == ()
