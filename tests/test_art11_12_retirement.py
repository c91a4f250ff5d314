"""第十一条, 第十二条: the retirement test the agency runs at each retirement (specification §10).

Months are counted from 2003-01 up to the month before the retirement month; the make-up lump
sum is (early + shortfall months) × average wage ÷ 12 × 10%, computed exactly, rounded once.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yzmedins import Category, ContributionRecord, FemaleClass, InputError, Month, Person, Sex
from yzmedins.policy import default_policies
from yzmedins.rules.coverage import Coverage, coverage_on
from yzmedins.rules.months import contribution_runs
from yzmedins.rules.retirement import RetirementDecision, decide_at_retirement

from .builders import d, months, person, retired_man

POLICY = default_policies().policies[0]
WAGE = Decimal("52000.00")


def _decide(who: Person, *history: ContributionRecord, wage: Decimal = WAGE) -> RetirementDecision:
    return decide_at_retirement(who, history, wage)


def _summary(decision: RetirementDecision) -> dict[str, Any]:
    test = decision.assessment
    return {
        "statutory_date": test.statutory_date.isoformat(),
        "actual": test.actual_months,
        "total": test.total_months,
        "longest": test.longest_run_months,
        "qualified": test.qualified,
        "early": test.early_months,
        "shortfall": test.shortfall_months,
        "lump_sum": str(decision.lump_sum),
        "continue": decision.months_to_continue,
    }


def test_art12_qualified_man_pays_nothing_more() -> None:
    """第十二条: qualified man pays nothing more."""
    # Statutory date 2015-05-10 (60). Actual 2003-01..2015-05 = 149 months; 240 deemed → 389 ≥
    # 360; longest run 149 ≥ 120 → 不再缴纳医疗保险费.
    decision = _decide(retired_man(), months("2003-01", "2015-05"))
    assert _summary(decision) == {
        "statutory_date": "2015-05-10",
        "actual": 149,
        "total": 389,
        "longest": 149,
        "qualified": True,
        "early": 0,
        "shortfall": 0,
        "lump_sum": "0.00",
        "continue": 0,
    }
    assert decision.assessment.minimum_months == 360


def test_art11_actual_months_stop_at_the_month_before_retirement_and_start_in_2003() -> None:
    """第十一条: actual months stop at the month before retirement and start in 2003."""
    # Records 1998-01..2020-12; retired 2015-06-01: actual months 2003-01..2015-05 = 149.
    decision = _decide(retired_man(), months("1998-01", "2020-12"))
    assert decision.assessment.actual_months == 149
    # Retired on the last day of June: June is the retirement month, still not counted.
    late = _decide(retired_man(retired_on=d("2015-06-30")), months("1998-01", "2020-12"))
    assert late.assessment.actual_months == 149


def test_art12_shortfall_is_bought_at_the_average_wage() -> None:
    """第十二条: shortfall is bought at the average wage."""
    # Woman worker born 1968-04-02 retires 2018-04-02 at 50 (statutory date). 100 deemed + 120
    # actual (2008-04..2018-03) = 220 < 300 → shortfall 80 months; longest run 120 → nothing
    # to continue. Lump sum 80 × 52,000.00 ÷ 12 × 10% = 416,000 ÷ 12 = 34,666.666… → 34,666.67.
    who = person(category=Category.RETIREE, retired_on=d("2018-04-02"), deemed_months=100)
    decision = _decide(who, months("2008-04", "2018-03"))
    assert _summary(decision) == {
        "statutory_date": "2018-04-02",
        "actual": 120,
        "total": 220,
        "longest": 120,
        "qualified": False,
        "early": 0,
        "shortfall": 80,
        "lump_sum": "34666.67",
        "continue": 0,
    }
    assert decision.assessment.minimum_months == 300


def test_art12_early_retiree_buys_the_months_to_statutory_age_then_the_shortfall() -> None:
    """第十二条: early retiree buys the months to statutory age then the shortfall."""
    # Man born 1959-07-10: statutory date 2019-07-10. Early retirement 2019-03-15 → 3 months 25
    # days → 4 months. 100 deemed + 170 actual (2005-01..2019-02) = 270; shortfall after the
    # early months 360 − 270 − 4 = 86. Lump sum (4 + 86) × 52,000.00 ÷ 12 × 10% = 39,000.00.
    who = retired_man(birth_date=d("1959-07-10"), retired_on=d("2019-03-15"), deemed_months=100)
    decision = _decide(attrs.evolve(who, early_retirement=True), months("2005-01", "2019-02"))
    assert _summary(decision) == {
        "statutory_date": "2019-07-10",
        "actual": 170,
        "total": 270,
        "longest": 170,
        "qualified": False,
        "early": 4,
        "shortfall": 86,
        "lump_sum": "39000.00",
        "continue": 0,
    }


def test_art12_early_months_of_the_rules_example_are_28() -> None:
    """第十二条: early months of the rules example are 28."""
    # specification §10: 2019-03-15 → 2021-07-10 is 2 years 3 months 25 days → 28 months. 300 deemed +
    # 194 actual (2003-01..2019-02) = 494 ≥ 360 → no shortfall. Lump sum 28 × 52,000.00 ÷ 12 ×
    # 10% = 145,600 ÷ 12 = 12,133.333… → 12,133.33.
    who = retired_man(
        birth_date=d("1961-07-10"),
        retired_on=d("2019-03-15"),
        deemed_months=300,
        early_retirement=True,
    )
    decision = _decide(who, months("2003-01", "2019-02"))
    assert (decision.assessment.early_months, decision.assessment.shortfall_months) == (28, 0)
    assert decision.lump_sum == Decimal("12133.33")
    assert not decision.assessment.qualified


def test_art12_lump_sum_is_rounded_half_up_once() -> None:
    """第十二条: lump sum is rounded half up once."""
    # One early month (2019-06-10 → 2019-07-10): 52,000.20 ÷ 12 × 10% = 433.335 → 433.34.
    who = retired_man(
        birth_date=d("1959-07-10"),
        retired_on=d("2019-06-10"),
        deemed_months=300,
        early_retirement=True,
    )
    decision = _decide(who, months("2003-01", "2019-05"), wage=Decimal("52000.20"))
    assert decision.assessment.early_months == 1
    assert decision.lump_sum == Decimal("433.34")


def test_art12_flexible_workers_have_no_early_retirement_months() -> None:
    """第十二条: flexible workers have no early retirement months."""
    # 不含辞职和灵活就业人员: the same early retirement as a flexible worker buys no early months;
    # retired before the statutory date, the person is not qualified either.
    who = retired_man(
        birth_date=d("1961-07-10"),
        retired_on=d("2019-03-15"),
        deemed_months=300,
        early_retirement=True,
        category=Category.FLEXIBLE,
    )
    decision = _decide(who, months("2003-01", "2019-02"))
    assert (decision.assessment.early_months, decision.lump_sum) == (0, Decimal("0.00"))
    assert not decision.assessment.qualified


def test_art12_ten_continuous_years_are_paid_not_bought() -> None:
    """第十二条: ten continuous years are paid not bought."""
    # 300 deemed + 60 (2003-01..2007-12) + 29 (2013-01..2015-05) = 389 ≥ 360: no lump sum. The
    # longest run is 60 < 120; the run reaching 2015-05 (the month before retirement) has 29
    # months → 120 − 29 = 91 months still to pay.
    history = (months("2003-01", "2007-12"), months("2013-01", "2015-05"))
    decision = _decide(retired_man(deemed_months=300), *history)
    assert _summary(decision) == {
        "statutory_date": "2015-05-10",
        "actual": 89,
        "total": 389,
        "longest": 60,
        "qualified": False,
        "early": 0,
        "shortfall": 0,
        "lump_sum": "0.00",
        "continue": 91,
    }


def test_art12_no_run_reaching_retirement_means_120_months_to_continue() -> None:
    """第十二条: no run reaching retirement means 120 months to continue."""
    # The last run ends 2015-03, not 2015-05: no run reaches the month before retirement.
    history = (months("2003-01", "2007-12"), months("2013-01", "2015-03"))
    decision = _decide(retired_man(deemed_months=300), *history)
    assert decision.months_to_continue == 120


def test_art12_shortfall_and_continuity_together() -> None:
    """第十二条: shortfall and continuity together."""
    # 100 deemed + 60 + 29 = 189 → shortfall 171; lump 171 × 52,000.00 ÷ 12 × 10% = 74,100.00;
    # and 91 months still to pay for ten continuous years.
    history = (months("2003-01", "2007-12"), months("2013-01", "2015-05"))
    decision = _decide(retired_man(deemed_months=100), *history)
    assert (decision.assessment.shortfall_months, decision.lump_sum) == (171, Decimal("74100.00"))
    assert decision.months_to_continue == 91


@pytest.mark.parametrize(
    ("sex", "female_class", "birth", "minimum", "statutory"),
    [
        (Sex.MALE, FemaleClass.WORKER, "1958-07-15", 360, "2018-07-15"),
        (Sex.FEMALE, FemaleClass.CADRE, "1963-07-15", 300, "2018-07-15"),
        (Sex.FEMALE, FemaleClass.WORKER, "1968-07-15", 300, "2018-07-15"),
        (Sex.FEMALE, FemaleClass.WORKER, "1968-02-29", 300, "2018-02-28"),
    ],
)
def test_art11_statutory_date_and_minimum_by_sex_and_class(
    sex: Sex, female_class: FemaleClass, birth: str, minimum: int, statutory: str
) -> None:
    """第十一条: statutory date and minimum by sex and class."""
    who = person(
        sex=sex,
        female_class=female_class,
        birth_date=d(birth),
        category=Category.RETIREE,
        retired_on=d("2018-08-01"),
    )
    decision = _decide(who)
    assert decision.assessment.statutory_date == d(statutory)
    assert decision.assessment.minimum_months == minimum


def test_art11_the_test_needs_retired_on() -> None:
    """第十一条: the test needs retired on."""
    with pytest.raises(InputError) as caught:
        _decide(person())
    assert caught.value.field == "person.retired_on"


def test_art12_the_average_wage_must_be_positive() -> None:
    """第十二条: the average wage must be positive."""
    with pytest.raises(InputError) as caught:
        _decide(retired_man(), wage=Decimal("0.00"))
    assert caught.value.field == "average_wage"


def test_art12_makeup_rate_is_a_parameter() -> None:
    """第十二条: makeup rate is a parameter."""
    assert POLICY.makeup_rate == Decimal("0.10")
    assert POLICY.cite("contributions.makeup_rate").article == 12


# --- properties ---------------------------------------------------------------------------------


@st.composite
def _retired(draw: st.DrawFn) -> Person:
    birth = date(1945, 1, 1) + timedelta(days=draw(st.integers(0, 11_000)))
    retired_on = birth + timedelta(days=draw(st.integers(45 * 365, 66 * 365)))
    return Person(
        id="P",
        sex=draw(st.sampled_from(Sex)),
        birth_date=birth,
        category=draw(st.sampled_from(Category)),
        female_class=draw(st.sampled_from(FemaleClass)),
        retired_on=retired_on,
        early_retirement=draw(st.booleans()),
        deemed_months=draw(st.integers(0, 400)),
    )


@st.composite
def _records(draw: st.DrawFn) -> tuple[ContributionRecord, ...]:
    spans = draw(
        st.lists(st.tuples(st.integers(0, 300), st.integers(0, 200)), min_size=0, max_size=4)
    )
    first = Month.of(1998, 1).index
    return tuple(
        ContributionRecord(Month(first + start), Month(first + start + length))
        for start, length in spans
    )


_wages = st.integers(100, 9_999_999_999).map(lambda fen: Decimal(fen).scaleb(-2))


@settings(max_examples=300)
@given(_retired(), _records(), _wages)
def test_art12_lump_sum_is_zero_exactly_when_nothing_is_owed(
    who: Person, history: tuple[ContributionRecord, ...], wage: Decimal
) -> None:
    """第十二条: lump sum is zero exactly when nothing is owed."""
    decision = decide_at_retirement(who, history, wage)
    owed = decision.assessment.early_months + decision.assessment.shortfall_months
    assert (decision.lump_sum == 0) == (owed == 0)
    assert decision.lump_sum.as_tuple().exponent == -2


@settings(max_examples=300)
@given(_retired(), _records(), _records(), _wages)
def test_art12_more_contribution_months_never_increase_the_lump_sum(
    who: Person,
    history: tuple[ContributionRecord, ...],
    more: tuple[ContributionRecord, ...],
    wage: Decimal,
) -> None:
    """第十二条: more contribution months never increase the lump sum."""
    before = decide_at_retirement(who, history, wage)
    after = decide_at_retirement(who, history + more, wage)
    assert after.lump_sum <= before.lump_sum
    assert after.assessment.total_months >= before.assessment.total_months


@settings(max_examples=200)
@given(_retired(), _records(), st.integers(0, 60))
def test_art12_claims_coverage_uses_the_same_retirement_test(
    who: Person, history: tuple[ContributionRecord, ...], months_after: int
) -> None:
    """第十二条: claims coverage uses the same retirement test."""
    # Records that stop before the retirement month: a retiree admitted in any later month is
    # covered as a qualified retiree exactly when the retirement decision says qualified.
    assert who.retired_on is not None
    retirement_month = Month.containing(who.retired_on)
    clipped = tuple(
        attrs.evolve(r, to=Month(min(r.to.index, retirement_month.index - 1)))
        for r in history
        if r.from_.index < retirement_month.index
    )
    admission_month = Month(retirement_month.index + months_after)
    admitted_on = max(date(admission_month.year, admission_month.month, 1), who.retired_on)
    runs = contribution_runs(clipped, POLICY)
    decision = coverage_on(who, runs, admitted_on, POLICY)
    qualified = decide_at_retirement(who, clipped, WAGE).assessment.qualified
    assert (decision.coverage is Coverage.BENEFIT) == qualified
