"""第七条, 第十一条, 第十二条: who is covered in the month of admission (specification §4)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yzmedins import Category, FemaleClass, Sex, strategies
from yzmedins.engine import PersonHistory
from yzmedins.policy import default_policies
from yzmedins.rules.retirement import statutory_retirement_date

from .builders import codes, d, examples, months, person, retired_man, settle, stay

POLICY = default_policies().policies[0]


def test_art7_benefits_start_the_month_after_the_first_payment() -> None:
    """第七条: benefits start the month after the first payment."""
    history = (months("2019-01", "2019-12"),)
    waiting, _ = settle(stay(admitted_on=d("2019-01-31")), contributions=history)
    covered, _ = settle(stay(admitted_on=d("2019-02-01")), contributions=history)
    assert codes(waiting) == ["WAITING_PERIOD"]
    assert (waiting.reasons[0].article, waiting.reasons[0].item) == (7, None)
    assert covered.approved


def test_art7_annual_payment_in_march_starts_benefits_in_april() -> None:
    """第七条: annual payment in march starts benefits in april."""
    # 灵活就业人员 按年缴纳: paid on 2019-03-10 for the whole year → benefits from 2019-04.
    history = (months("2019-01", "2019-12", paid_on="2019-03-10"),)
    march, _ = settle(stay(admitted_on=d("2019-03-20")), contributions=history)
    april, _ = settle(stay(admitted_on=d("2019-04-01")), contributions=history)
    assert codes(march) == ["WAITING_PERIOD"]
    assert april.approved


def test_art7_a_record_that_continues_a_run_adds_no_waiting_month() -> None:
    """第七条: a record that continues a run adds no waiting month."""
    history = (months("2018-01", "2018-12"), months("2019-01", "2019-12", paid_on="2019-03-01"))
    result, _ = settle(stay(admitted_on=d("2019-01-15")), contributions=history)
    assert result.approved


def test_art7_earliest_paid_on_of_the_records_holding_the_first_month() -> None:
    """第七条: earliest paid on of the records holding the first month."""
    history = (
        months("2019-01", "2019-06", paid_on="2019-05-02"),
        months("2019-01", "2019-12", paid_on="2019-02-10"),
    )
    early, _ = settle(stay(admitted_on=d("2019-02-20")), contributions=history)
    covered, _ = settle(stay(admitted_on=d("2019-03-01")), contributions=history)
    assert codes(early) == ["WAITING_PERIOD"]
    assert covered.approved


def test_art7_gap_and_end_of_contributions() -> None:
    """第七条: gap and end of contributions."""
    history = (months("2015-01", "2018-06"), months("2018-09", "2019-06"))
    gap, _ = settle(stay(admitted_on=d("2018-07-10")), contributions=history)
    restart, _ = settle(stay(admitted_on=d("2018-09-10")), contributions=history)
    resumed, _ = settle(stay(admitted_on=d("2018-10-01")), contributions=history)
    ended, _ = settle(stay(admitted_on=d("2019-07-01")), contributions=history)
    assert codes(gap) == ["NOT_INSURED"]
    assert codes(restart) == ["WAITING_PERIOD"]
    assert resumed.approved
    assert codes(ended) == ["NOT_INSURED"]


def test_art7_coverage_is_judged_on_the_admission_month() -> None:
    """第七条: coverage is judged on the admission month."""
    # Admitted in the last benefit month, discharged after contributions stopped: covered.
    history = (months("2015-01", "2019-03"),)
    result, _ = settle(
        stay(admitted_on=d("2019-03-30"), discharged_on=d("2019-04-20")), contributions=history
    )
    assert result.approved


def test_art12_qualified_retiree_is_covered_without_contributions() -> None:
    """第十二条: qualified retiree is covered without contributions."""
    # Statutory date 2015-05-10 (60). Actual months 2003-01..2015-05 = 149; 240 deemed → 389 ≥
    # 360; longest run 149 ≥ 120 → 不再缴纳医疗保险费.
    who = retired_man()
    result, _ = settle(stay(admitted_on=d("2019-03-02")), who, (months("2003-01", "2015-05"),))
    assert result.approved


def test_art11_retiree_short_of_the_minimum_is_not_insured() -> None:
    """第十一条: retiree short of the minimum is not insured."""
    # 100 deemed + 125 actual (2005-01..2015-05) = 225 < 360.
    who = retired_man(deemed_months=100)
    result, _ = settle(stay(admitted_on=d("2019-03-02")), who, (months("2005-01", "2015-05"),))
    assert codes(result) == ["NOT_INSURED"]
    assert result.reasons[0].message == (
        "no contribution covers 2019-03, and the retiree is not covered without one: "
        "225 contribution months (deemed 100 + actual 125), 360 required (第十一条); "
        "no make-up payment (一次性补足) recorded"
    )


def test_art12_make_up_payment_covers_from_the_next_month() -> None:
    """第十二条: make up payment covers from the next month."""
    who = retired_man(deemed_months=100, lump_sum_paid_on=d("2019-02-15"))
    history = (months("2005-01", "2015-05"),)
    february, _ = settle(stay(admitted_on=d("2019-02-20")), who, history)
    march, _ = settle(stay(admitted_on=d("2019-03-01")), who, history)
    assert codes(february) == ["NOT_INSURED"]
    assert february.reasons[0].message.endswith(
        "the make-up payment of 2019-02-15 covers from 2019-03"
    )
    assert march.approved


def test_art12_ten_continuous_years_are_required() -> None:
    """第十二条: ten continuous years are required."""
    # 300 deemed + 60 + 60 actual = 420 ≥ 360, but the longest run is 60 < 120.
    who = retired_man(deemed_months=300)
    history = (months("2003-01", "2007-12"), months("2009-01", "2013-12"))
    result, _ = settle(stay(admitted_on=d("2019-03-02")), who, history)
    assert codes(result) == ["NOT_INSURED"]
    assert "longest run of actual months 60, 120 required" in result.reasons[0].message
    assert "required (第十一条)" not in result.reasons[0].message


def test_art11_early_retiree_is_not_qualified_without_the_make_up() -> None:
    """第十一条: early retiree is not qualified without the make up."""
    who = retired_man(retired_on=d("2012-01-01"), early_retirement=True)
    result, _ = settle(stay(admitted_on=d("2019-03-02")), who, (months("2000-01", "2011-12"),))
    assert codes(result) == ["NOT_INSURED"]
    assert "retired 2012-01-01, before the statutory retirement date 2015-05-10" in (
        result.reasons[0].message
    )


def test_art12_retiree_paths_apply_only_from_retired_on() -> None:
    """第十二条: retiree paths apply only from retired on."""
    # Qualified on paper, but admitted before retirement with no contribution that month.
    who = retired_man(retired_on=d("2019-06-01"), birth_date=d("1955-05-10"))
    result, _ = settle(stay(admitted_on=d("2019-03-02")), who, (months("2003-01", "2018-12"),))
    assert codes(result) == ["NOT_INSURED"]


def test_art12_retiree_still_paying_is_covered_by_the_records() -> None:
    """第十二条: retiree still paying is covered by the records."""
    who = retired_man(deemed_months=0)
    result, _ = settle(stay(admitted_on=d("2019-03-02")), who, (months("2016-01", "2020-12"),))
    assert result.approved


def test_art12_retirement_test_counts_months_before_the_admission_month() -> None:
    """第十二条: retirement test counts months before the admission month."""
    # A retiree who kept paying until qualified: 240 deemed, actual 2010-01..2019-12 = 120.
    # Admitted 2020-01: months before = 120 → 360 → covered; the record does not cover 2020-01.
    who = retired_man(retired_on=d("2015-06-01"))
    result, _ = settle(stay(admitted_on=d("2020-01-05")), who, (months("2010-01", "2019-12"),))
    assert result.approved
    short, _ = settle(stay(admitted_on=d("2020-01-05")), who, (months("2010-02", "2019-11"),))
    assert codes(short) == ["NOT_INSURED"]


@pytest.mark.parametrize(
    ("sex", "female_class", "birth", "statutory"),
    [
        (Sex.MALE, FemaleClass.WORKER, "1958-07-15", "2018-07-15"),
        (Sex.FEMALE, FemaleClass.CADRE, "1963-07-15", "2018-07-15"),
        (Sex.FEMALE, FemaleClass.WORKER, "1968-07-15", "2018-07-15"),
        (Sex.FEMALE, FemaleClass.WORKER, "1968-02-29", "2018-02-28"),
        (Sex.MALE, FemaleClass.WORKER, "1960-02-29", "2020-02-29"),
    ],
)
def test_art11_statutory_retirement_age(
    sex: Sex, female_class: FemaleClass, birth: str, statutory: str
) -> None:
    """第十一条: statutory retirement age."""
    who = person(sex=sex, female_class=female_class, birth_date=d(birth))
    assert statutory_retirement_date(who, POLICY) == d(statutory)


def test_art11_woman_minimum_is_300_months() -> None:
    """第十一条: woman minimum is 300 months."""
    # Woman worker born 1968-04-02 retires 2018-04-02 (50); 180 deemed + 120 actual = 300.
    who = person(category=Category.RETIREE, retired_on=d("2018-04-02"), deemed_months=180)
    history = (months("2008-04", "2018-03"),)
    result, _ = settle(stay(admitted_on=d("2019-03-02")), who, history)
    assert result.approved
    one_short = person(category=Category.RETIREE, retired_on=d("2018-04-02"), deemed_months=179)
    assert codes(settle(stay(admitted_on=d("2019-03-02")), one_short, history)[0]) == [
        "NOT_INSURED"
    ]


@settings(max_examples=examples(150), deadline=None)
@given(
    strategies.persons(),
    strategies.contribution_histories(),
    strategies.claims(approved_share=0.5),
    st.lists(st.integers(-40, 40), min_size=1, max_size=6),
)
def test_art7_11_12_coverage_computed_once_per_month_is_the_same_as_each_time(
    who: Any, history: Any, claim: Any, shifts: list[int]
) -> None:
    """第七条/第十一条/第十二条: coverage remembered per person, policy and admission month (on
    each side of the retirement day) decides every admission as deciding it afresh does —
    also for a retiree whose retirement day falls inside the month."""
    if who.retired_on is not None:
        shifts = [*shifts, (who.retired_on - claim.admitted_on).days, (
            who.retired_on - claim.admitted_on).days - 1]  # fmt: skip
    stays = []
    for index, shift in enumerate(shifts):
        admitted = claim.admitted_on + timedelta(days=shift)
        if not date(2017, 1, 1) <= admitted <= date(2023, 12, 1):
            continue
        stays.append(
            attrs.evolve(
                claim,
                id=f"C{index}",
                admitted_on=admitted,
                discharged_on=admitted + (claim.discharged_on - claim.admitted_on),
            )
        )
    shared = PersonHistory(who, history)
    for each in stays:
        remembered = shared.coverage(default_policies().policies[0], each.admitted_on)
        fresh = PersonHistory(who, history).coverage(
            default_policies().policies[0], each.admitted_on
        )
        assert remembered == fresh
