"""第八条, 第九条, 第十条, 第十四条: the yearly contribution statement (specification §10).

Every expected amount is worked by hand in the comments: wages are annual, bases monthly, each
amount rounded to the fen half up where it is computed.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from yzmedins import Category, InputError, Person, Sex, Status
from yzmedins.policy import PolicySet, default_policies
from yzmedins.rules.contributions import (
    ContributionStatement,
    Standing,
    StatementRequest,
    contribution_statement,
    statement_for,
)

from .builders import d, person

POLICY = default_policies().policies[0]
AMOUNTS = (
    "monthly_base", "employer_monthly", "employee_monthly", "flexible_annual", "mutual_aid_fee",
    "account_monthly", "account_annual",
)  # fmt: skip


def _statement(who: Person, year: int = 2019, /, **inputs: str | None) -> ContributionStatement:
    values = {key: None if value is None else Decimal(value) for key, value in inputs.items()}
    return contribution_statement(StatementRequest(who, year, **values))


def _amounts(statement: ContributionStatement) -> dict[str, str]:
    return {name: str(getattr(statement, name)) for name in AMOUNTS}


def _due(**changes: str) -> dict[str, str]:
    zero = dict.fromkeys(AMOUNTS, "0.00")
    zero["mutual_aid_fee"] = "140.00"
    zero.update(changes)
    return zero


def _retiree(**changes: Any) -> Person:
    return person(category=Category.RETIREE, retired_on=d("2018-04-02"), **changes)


def _flexible(**changes: Any) -> Person:
    return person(category=Category.FLEXIBLE, **changes)


# --- 第九条 the employee's base, 第八条(一) 8% and 2%, 第十四条 the account -------------------------


def test_art9_employee_base_is_the_prior_year_wage_over_12() -> None:
    """第九条: employee base is the prior year wage over 12."""
    # 60,000.00 ÷ 12 = 5,000.00 (above the floor 52,000.00 ÷ 12); employer 8% = 400.00,
    # employee 2% = 100.00; account 2.7% × 5,000.00 = 135.00 a month, × 12 = 1,620.00.
    statement = _statement(person(), prior_year_wage="60000.00", average_wage="52000.00")
    assert statement.standing is Standing.EMPLOYEE
    assert _amounts(statement) == _due(
        monthly_base="5000.00",
        employer_monthly="400.00",
        employee_monthly="100.00",
        account_monthly="135.00",
        account_annual="1620.00",
    )


def test_art9_a_wage_below_the_average_is_floored_at_the_average() -> None:
    """第九条: a wage below the average is floored at the average."""
    # max(30,000.00, 52,000.00) ÷ 12 = 4,333.333… → 4,333.33; 8% = 346.6664 → 346.67;
    # 2% = 86.6666 → 86.67; 2.7% = 116.99991 → 117.00 a month, 1,404.00 a year.
    statement = _statement(person(), prior_year_wage="30000.00", average_wage="52000.00")
    assert _amounts(statement) == _due(
        monthly_base="4333.33",
        employer_monthly="346.67",
        employee_monthly="86.67",
        account_monthly="117.00",
        account_annual="1404.00",
    )


def test_art9_a_zero_wage_is_floored_too() -> None:
    """第九条: a zero wage is floored too."""
    statement = _statement(person(), prior_year_wage="0.00", average_wage="52000.00")
    assert statement.monthly_base == Decimal("4333.33")


def test_art8_1_each_monthly_amount_is_rounded_half_up() -> None:
    """第八条(1): each monthly amount is rounded half up."""
    # 60,003.00 ÷ 12 = 5,000.25; 8% = 400.02; 2% = 100.005 → 100.01 (half up);
    # 2.7% = 135.00675 → 135.01, × 12 = 1,620.12.
    statement = _statement(person(), prior_year_wage="60003.00", average_wage="52000.00")
    assert _amounts(statement) == _due(
        monthly_base="5000.25",
        employer_monthly="400.02",
        employee_monthly="100.01",
        account_monthly="135.01",
        account_annual="1620.12",
    )


def test_art9_the_base_is_rounded_half_up_once() -> None:
    """第九条: the base is rounded half up once."""
    # 60,000.06 ÷ 12 = 5,000.005 exactly → 5,000.01.
    statement = _statement(person(), prior_year_wage="60000.06", average_wage="52000.00")
    assert statement.monthly_base == Decimal("5000.01")


def test_art9_no_ceiling_by_default_and_a_ceiling_as_an_option() -> None:
    """第九条: no ceiling by default and a ceiling as an option."""
    # No ceiling: 240,000.00 ÷ 12 = 20,000.00; 8% = 1,600.00; 2% = 400.00; 2.7% = 540.00.
    plain = _statement(person(), prior_year_wage="240000.00", average_wage="52000.00")
    assert (plain.monthly_base, plain.employer_monthly, plain.account_monthly) == (
        Decimal("20000.00"),
        Decimal("1600.00"),
        Decimal("540.00"),
    )
    # Ceiling 300%: min(240,000.00, 3 × 52,000.00) ÷ 12 = 156,000.00 ÷ 12 = 13,000.00;
    # 8% = 1,040.00; 2% = 260.00; 2.7% = 351.00, × 12 = 4,212.00.
    capped = PolicySet((POLICY.with_base_ceiling(Decimal("3")),))
    request = StatementRequest(
        person(), 2019, average_wage=Decimal("52000.00"), prior_year_wage=Decimal("240000.00")
    )
    assert _amounts(contribution_statement(request, capped)) == _due(
        monthly_base="13000.00",
        employer_monthly="1040.00",
        employee_monthly="260.00",
        account_monthly="351.00",
        account_annual="4212.00",
    )


def test_art9_the_ceiling_option_is_read_from_the_parameter_file() -> None:
    """第九条: the ceiling option is read from the parameter file."""
    assert POLICY.base_ceiling is None
    assert POLICY.cite("options.contribution_base_ceiling").article == 9


# --- 第八条(二) and 第九条 flexible workers ----------------------------------------------------------


def test_art8_2_flexible_worker_pays_10_percent_of_the_average_for_the_year() -> None:
    """第八条(2): flexible worker pays 10 percent of the average for the year."""
    # Base 52,000.00 ÷ 12 = 4,333.33; annual 10% × 52,000.00 = 5,200.00; no employer or
    # employee contribution; account 2.7% × 4,333.33 = 116.99991 → 117.00, × 12 = 1,404.00.
    statement = _statement(_flexible(), average_wage="52000.00", prior_year_wage="90000.00")
    assert statement.standing is Standing.FLEXIBLE
    assert _amounts(statement) == _due(
        monthly_base="4333.33",
        flexible_annual="5200.00",
        account_monthly="117.00",
        account_annual="1404.00",
    )


def test_art8_2_the_annual_contribution_is_rounded_once() -> None:
    """第八条(2): the annual contribution is rounded once."""
    # 10% × 52,345.67 = 5,234.567 → 5,234.57 (twelve monthly 10% × 4,362.14 = 436.21 would
    # give 5,234.52: the annual figure is computed from the annual wage).
    statement = _statement(_flexible(), average_wage="52345.67")
    assert statement.monthly_base == Decimal("4362.14")  # 52,345.67 ÷ 12 = 4,362.1391…
    assert statement.flexible_annual == Decimal("5234.57")


def test_art7_flexible_worker_retiring_this_year_pays_the_months_before_retirement() -> None:
    """第七条: flexible worker retiring this year pays the months before retirement."""
    # 当年退休人员可按月缴纳: retired 2019-06-15 → January–May = 5 months, each 10% × 4,333.33
    # = 433.333 → 433.33; 5 × 433.33 = 2,166.65. The account keeps the year's base (it is
    # the 退休当年缴费基数): 117.00 a month, 1,404.00 a year.
    who = _flexible(retired_on=d("2019-06-15"))
    statement = _statement(who, average_wage="52000.00")
    assert statement.standing is Standing.FLEXIBLE_RETIRING
    assert _amounts(statement) == _due(
        monthly_base="4333.33",
        flexible_annual="2166.65",
        account_monthly="117.00",
        account_annual="1404.00",
    )


def test_art7_flexible_worker_retiring_in_january_owes_no_month() -> None:
    """第七条: flexible worker retiring in january owes no month."""
    statement = _statement(_flexible(retired_on=d("2019-01-10")), average_wage="52000.00")
    assert statement.flexible_annual == Decimal("0.00")
    assert statement.account_monthly == Decimal("117.00")


def test_art14_retired_flexible_worker_is_credited_on_the_retirement_year_base() -> None:
    """第十四条: retired flexible worker is credited on the retirement year base."""
    # Retired 2016: no contribution; fee 140.00; account 2.7% × 3,500.00 = 94.50, × 12 = 1,134.00.
    who = _flexible(retired_on=d("2016-09-01"))
    statement = _statement(who, retirement_year_base="3500.00")
    assert statement.standing is Standing.FLEXIBLE_RETIRED
    assert _amounts(statement) == _due(account_monthly="94.50", account_annual="1134.00")


def test_art14_retired_flexible_worker_needs_the_retirement_year_base() -> None:
    """第十四条: retired flexible worker needs the retirement year base."""
    with pytest.raises(InputError) as caught:
        _statement(_flexible(retired_on=d("2016-09-01")), average_wage="52000.00")
    assert caught.value.field == "retirement_year_base"


def test_art9_flexible_worker_retiring_later_is_still_working() -> None:
    """第九条: flexible worker retiring later is still working."""
    statement = _statement(_flexible(retired_on=d("2023-02-01")), average_wage="52000.00")
    assert statement.standing is Standing.FLEXIBLE
    assert statement.flexible_annual == Decimal("5200.00")


# --- 第十条 and 第十四条 retirees --------------------------------------------------------------------


def test_art10_art14_retiree_pays_only_the_fee_and_is_credited_on_the_employer_average() -> None:
    """第十条: art14 retiree pays only the fee and is credited on the employer average."""
    # No contributions; fee 140.00; account 2.7% × 4,800.00 = 129.60, × 12 = 1,555.20.
    statement = _statement(_retiree(), employer_average_base="4800.00")
    assert statement.standing is Standing.RETIREE
    assert _amounts(statement) == _due(account_monthly="129.60", account_annual="1555.20")


def test_art14_retiree_account_rounds_half_up() -> None:
    """第十四条: retiree account rounds half up."""
    # 2.7% × 4,835.00 = 130.545 exactly → 130.55 (half up, not to even), × 12 = 1,566.60;
    # 2.7% × 4,833.50 = 130.5045 → 130.50.
    tie = _statement(_retiree(), employer_average_base="4835.00")
    low = _statement(_retiree(), employer_average_base="4833.50")
    assert (tie.account_monthly, tie.account_annual) == (Decimal("130.55"), Decimal("1566.60"))
    assert low.account_monthly == Decimal("130.50")


def test_art14_retiree_without_the_employer_average_base_is_an_input_error() -> None:
    """第十四条: retiree without the employer average base is an input error."""
    with pytest.raises(InputError) as caught:
        _statement(_retiree(), average_wage="52000.00")
    assert caught.value.field == "employer_average_base"
    assert "required for a retiree" in str(caught.value)


def test_art14_retiree_statements_start_with_the_retirement_year() -> None:
    """第十四条: retiree statements start with the retirement year."""
    with pytest.raises(InputError) as caught:
        _statement(_retiree(), 2017, employer_average_base="4800.00")
    assert caught.value.field == "year"
    same_year = _statement(_retiree(), 2018, employer_average_base="4800.00")
    assert same_year.account_monthly == Decimal("129.60")


def test_art14_employee_retired_before_the_year_must_be_a_retiree() -> None:
    """第十四条: employee retired before the year must be a retiree."""
    who = person(retired_on=d("2017-04-02"))
    with pytest.raises(InputError) as caught:
        _statement(who, 2019, prior_year_wage="60000.00", average_wage="52000.00")
    assert caught.value.field == "person.category"
    retiring = _statement(
        person(retired_on=d("2019-08-01")), prior_year_wage="60000.00", average_wage="52000.00"
    )
    assert retiring.employer_monthly == Decimal("400.00")


@pytest.mark.parametrize(
    ("who", "inputs"),
    [
        (person(), {"prior_year_wage": "60000.00", "average_wage": "52000.00"}),
        (_flexible(), {"average_wage": "52000.00"}),
        (_flexible(retired_on=d("2019-06-15")), {"average_wage": "52000.00"}),
        (_retiree(), {}),
    ],
    ids=["employee", "flexible", "flexible_retiring", "retiree"],
)
def test_art14_hardship_enterprise_has_no_personal_account(
    who: Person, inputs: dict[str, str]
) -> None:
    """第十四条: hardship enterprise has no personal account."""
    # 湘劳社政字〔2007〕11号: 不建立个人账户 — and the account bases are then not needed.
    hardship = attrs.evolve(who, statuses=frozenset({Status.HARDSHIP_ENTERPRISE}))
    statement = _statement(hardship, **inputs)
    assert (statement.account_monthly, statement.account_annual) == (
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert statement.mutual_aid_fee == Decimal("140.00")


def test_art14_hardship_employee_still_pays_both_contributions() -> None:
    """第十四条: hardship employee still pays both contributions."""
    who = person(statuses=frozenset({Status.HARDSHIP_ENTERPRISE}))
    statement = _statement(who, prior_year_wage="60000.00", average_wage="52000.00")
    assert (statement.employer_monthly, statement.employee_monthly) == (
        Decimal("400.00"),
        Decimal("100.00"),
    )


# --- parameters, inputs and years ---------------------------------------------------------------


def test_art8_10_14_amounts_come_from_the_parameters() -> None:
    """第八条, 第十条, 第十四条: amounts come from the parameters."""
    # Another parameter set: fee 150.00, employer 7%, account 3%: 5,000.00 → 350.00, 150.00.
    policy = attrs.evolve(
        POLICY,
        mutual_aid_fee=Decimal("150.00"),
        employer_rate=Decimal("0.07"),
        account_rate=Decimal("0.03"),
    )
    request = StatementRequest(
        person(), 2019, average_wage=Decimal("52000.00"), prior_year_wage=Decimal("60000.00")
    )
    statement = statement_for(request, policy)
    assert (statement.employer_monthly, statement.mutual_aid_fee, statement.account_monthly) == (
        Decimal("350.00"),
        Decimal("150.00"),
        Decimal("150.00"),
    )


@pytest.mark.parametrize(
    ("who", "inputs", "field"),
    [
        (person(), {"average_wage": "52000.00"}, "prior_year_wage"),
        (person(), {"prior_year_wage": "60000.00"}, "average_wage"),
        (person(), {"prior_year_wage": "60000.00", "average_wage": "0.00"}, "average_wage"),
        (_flexible(), {"prior_year_wage": "60000.00"}, "average_wage"),
        (_retiree(), {"employer_average_base": "0.00"}, "employer_average_base"),
        (person(), {"prior_year_wage": "60000.001", "average_wage": "52000.00"}, "prior_year_wage"),
    ],
)
def test_art9_missing_or_bad_inputs_name_their_field(
    who: Person, inputs: dict[str, str], field: str
) -> None:
    """第九条: missing or bad inputs name their field."""
    with pytest.raises(InputError) as caught:
        _statement(who, **inputs)
    assert caught.value.field == field


@pytest.mark.parametrize("year", [2017, 2023, 0, 10000])
def test_art39_a_year_without_a_policy_in_force_on_1_january_is_an_input_error(year: int) -> None:
    """第三十九条: a year without a policy in force on 1 january is an input error."""
    with pytest.raises(InputError) as caught:
        _statement(person(), year, prior_year_wage="60000.00", average_wage="52000.00")
    assert caught.value.field == "year"


@pytest.mark.parametrize("year", [2018, 2022])
def test_art39_the_first_and_last_years_in_force_are_billed(year: int) -> None:
    """第三十九条: the first and last years in force are billed."""
    statement = _statement(person(), year, prior_year_wage="60000.00", average_wage="52000.00")
    assert statement.year == year


# --- properties ---------------------------------------------------------------------------------

_money = st.integers(0, 9_999_999_999).map(lambda fen: Decimal(fen).scaleb(-2))
_wage = st.integers(100, 9_999_999_999).map(lambda fen: Decimal(fen).scaleb(-2))


@st.composite
def _requests(draw: st.DrawFn) -> StatementRequest:
    year = draw(st.integers(2018, 2022))
    category = draw(st.sampled_from(Category))
    retired_on = draw(
        st.one_of(st.none(), st.dates(date(2000, 1, 1), date(2030, 12, 31)))
        if category is not Category.RETIREE
        else st.dates(date(2000, 1, 1), date(year, 12, 31))
    )
    if category is Category.EMPLOYEE and retired_on is not None and retired_on.year < year:
        retired_on = None
    statuses = draw(st.frozensets(st.sampled_from([Status.HARDSHIP_ENTERPRISE]), max_size=1))
    who = Person(
        id="P",
        sex=draw(st.sampled_from(Sex)),
        birth_date=date(1950, 1, 1) + timedelta(days=draw(st.integers(0, 9000))),
        category=category,
        statuses=statuses,
        retired_on=retired_on,
    )
    return StatementRequest(
        who,
        year,
        average_wage=draw(_wage),
        prior_year_wage=draw(_money),
        employer_average_base=draw(_wage),
        retirement_year_base=draw(_wage),
    )


@given(_requests())
def test_rules_s1_every_statement_amount_has_two_places(request: StatementRequest) -> None:
    statement = contribution_statement(request)
    for name in AMOUNTS:
        assert getattr(statement, name).as_tuple().exponent == -2, name
    assert statement.account_annual == 12 * statement.account_monthly
    assert statement.mutual_aid_fee == POLICY.mutual_aid_fee


@given(_requests())
def test_art9_the_employee_base_is_never_below_the_average_over_12(
    request: StatementRequest,
) -> None:
    """第九条: the employee base is never below the average over 12."""
    statement = contribution_statement(request)
    assert request.average_wage is not None and request.prior_year_wage is not None
    if statement.standing is Standing.EMPLOYEE:
        floor = request.average_wage / 12
        assert statement.monthly_base >= floor - Decimal("0.005")
        assert statement.monthly_base >= request.prior_year_wage / 12 - Decimal("0.005")
    else:
        assert statement.employer_monthly == statement.employee_monthly == Decimal("0.00")
