"""第八条, 第九条, 第十条, 第十四条 — yearly contribution statements (specification §10).

第八条 城镇职工医疗保险的缴费比例：（一）用人单位和职工的缴费比例分别为 8% 和 2%；（二）城镇灵活就业
人员的缴费比例为 10%；

第九条 城镇职工医疗保险缴费基数为上年度职工工资总额，职工个人工资总额低于上年度统筹地区在岗职工平均
工资的，按上年度统筹地区在岗职工平均工资计算缴费基数；城镇灵活就业人员以上年度统筹地区在岗职工平均
工资为缴费基数。

第十条 所有参加城镇职工医疗保险的人员（包括在职和退休人员）均应参加大病医疗互助，大病医疗互助的缴费
标准为每人每年 140 元。

第十四条 划入个人账户的划转比例为 2.7%。

Wages (上年度职工工资总额, 上年度在岗职工平均工资) are annual; contribution bases are monthly, as in
``contributions[].base``. Every amount is rounded to the fen, half up, where it is computed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

import attrs

from yzmedins.errors import InputError
from yzmedins.model import Category, Person, Status
from yzmedins.money import ZERO, round_fen, round_fen_exact, to_fraction
from yzmedins.policy import Policy, PolicySet, default_policies
from yzmedins.validation import check_money, check_person

__all__ = [
    "ContributionStatement",
    "Standing",
    "StatementRequest",
    "account_monthly_credit",
    "check_positive",
    "contribution_statement",
    "employee_monthly_base",
    "employer_and_employee_monthly",
    "flexible_annual_contribution",
    "flexible_monthly_base",
    "flexible_payment_until_retirement",
    "mutual_aid_fee",
    "policy_for_year",
    "standing_in",
    "statement_for",
]

MONTHS_PER_YEAR = 12  # a calendar fact, not a number of the law


class Standing(StrEnum):
    """Who the person is in the statement year; 第十四条 names an account base for each."""

    EMPLOYEE = "employee"  # 在职职工
    FLEXIBLE = "flexible"  # 未退休的灵活就业人员
    FLEXIBLE_RETIRING = "flexible_retiring"  # 灵活就业人员, 当年退休 (第七条 可按月缴纳)
    FLEXIBLE_RETIRED = "flexible_retired"  # 已退休的灵活就业人员
    RETIREE = "retiree"  # 退休人员


@attrs.frozen
class StatementRequest:
    """What a statement needs besides the parameters; each input is read only where needed.

    ``average_wage`` (上年度统筹地区在岗职工平均工资) and ``prior_year_wage`` (上年度职工工资总额)
    are annual; ``employer_average_base`` (所在单位当年平均缴费基数) and ``retirement_year_base``
    (退休当年缴费基数) are monthly bases.
    """

    person: Person
    year: int
    average_wage: Decimal | None = None
    prior_year_wage: Decimal | None = None
    employer_average_base: Decimal | None = None
    retirement_year_base: Decimal | None = None


@attrs.frozen
class ContributionStatement:
    """第八条–第十条, 第十四条 what is due for a person in a year; ``0.00`` where nothing is."""

    person_id: str
    year: int
    standing: Standing
    monthly_base: Decimal
    employer_monthly: Decimal
    employee_monthly: Decimal
    flexible_annual: Decimal
    mutual_aid_fee: Decimal
    account_monthly: Decimal
    account_annual: Decimal


def check_positive(value: Decimal, field: str) -> None:
    """An amount of specification §2 that must also be above zero (a wage or a base that is
    read)."""
    check_money(value, field)
    if value == 0:
        raise InputError("must be more than 0.00", field)


def _given(value: Decimal | None, field: str, who: str, *, positive: bool = True) -> Decimal:
    if value is None:
        raise InputError(f"is required for {who}", field)
    if positive:
        check_positive(value, field)
    else:
        check_money(value, field)
    return value


def policy_for_year(policies: PolicySet, year: int) -> Policy:
    """第三十九条 the policy that bills ``year``: the one in force on its 1 January."""
    if not 1 <= year <= 9999:
        raise InputError(f"{year} is not a year", "year")
    policy = policies.in_force(date(year, 1, 1))
    if policy is None:
        windows = ", ".join(
            f"{p.in_force_from.isoformat()}..{p.in_force_to.isoformat()}" for p in policies.policies
        )
        raise InputError(f"no loaded policy is in force on {year}-01-01 ({windows})", "year")
    return policy


def standing_in(person: Person, year: int) -> Standing:
    """第十四条 在职 / 未退休 / 已退休: the person's standing in ``year``.

    ``category`` tells employees from retired employees; ``retired_on`` tells a working, a
    retiring (that year) and a retired flexible worker apart. A retiree's statements start
    with the retirement year, an employee's end with it.
    """
    retired_on = person.retired_on
    if person.category is Category.RETIREE:
        if retired_on is None:
            raise InputError("is required for a retiree", "person.retired_on")
        if year < retired_on.year:
            raise InputError(
                f"{year} is before the retirement year {retired_on.year}: a retiree's "
                "statements start with the year they retired",
                "year",
            )
        return Standing.RETIREE
    if person.category is Category.EMPLOYEE:
        if retired_on is not None and retired_on.year < year:
            raise InputError(
                f"'employee' retired on {retired_on.isoformat()}: from {retired_on.year + 1} "
                "the statement is a retiree's (category 'retiree')",
                "person.category",
            )
        return Standing.EMPLOYEE
    if retired_on is None or retired_on.year > year:
        return Standing.FLEXIBLE
    if retired_on.year == year:
        return Standing.FLEXIBLE_RETIRING
    return Standing.FLEXIBLE_RETIRED


def employee_monthly_base(
    prior_year_wage: Decimal, average_wage: Decimal, policy: Policy
) -> Decimal:
    """第九条 缴费基数为上年度职工工资总额，…低于上年度统筹地区在岗职工平均工资的，
    按上年度统筹地区在岗职工平均工资计算缴费基数。

    The prior-year wage total ÷ 12, floored at the average wage ÷ 12 (and, under the ceiling
    option, capped at the multiple × the average wage ÷ 12), rounded once to the fen.
    """
    annual = max(to_fraction(prior_year_wage), to_fraction(average_wage))
    if policy.base_ceiling is not None:
        annual = min(annual, to_fraction(policy.base_ceiling) * to_fraction(average_wage))
    return round_fen_exact(annual / MONTHS_PER_YEAR)


def flexible_monthly_base(average_wage: Decimal) -> Decimal:
    """第九条 城镇灵活就业人员以上年度统筹地区在岗职工平均工资为缴费基数 — ÷ 12, to the fen."""
    return round_fen_exact(Fraction(to_fraction(average_wage), MONTHS_PER_YEAR))


def employer_and_employee_monthly(base: Decimal, policy: Policy) -> tuple[Decimal, Decimal]:
    """第八条(一) 用人单位和职工的缴费比例分别为 8% 和 2% — each a month, to the fen."""
    return round_fen(policy.employer_rate * base), round_fen(policy.employee_rate * base)


def flexible_annual_contribution(average_wage: Decimal, policy: Policy) -> Decimal:
    """第八条(二) 城镇灵活就业人员的缴费比例为 10% — of the annual average wage, rounded once."""
    return round_fen(policy.flexible_rate * average_wage)


def flexible_payment_until_retirement(base: Decimal, retired_on: date, policy: Policy) -> Decimal:
    """第七条 当年退休人员可按月缴纳 — a flexible worker retiring this year pays by the month.

    The months before the retirement month (the months the retirement test counts), each
    第八条(二) 10% of the monthly base, rounded to the fen.
    """
    months_before = retired_on.month - 1
    return months_before * round_fen(policy.flexible_rate * base)


def mutual_aid_fee(policy: Policy) -> Decimal:
    """第十条 大病医疗互助的缴费标准为每人每年 140 元 — everyone, 包括在职和退休人员."""
    return policy.mutual_aid_fee


def account_monthly_credit(
    request: StatementRequest, standing: Standing, monthly_base: Decimal, policy: Policy
) -> Decimal:
    """第十四条 划入个人账户的划转比例为 2.7% — a month, of the base it names for the person.

    在职职工的个人账户划入基数为单位与个人缴费基数，未退休的灵活就业人员个人账户划入基数为本人缴费
    基数，退休人员的个人账户划转基数为所在单位当年平均缴费基数，已退休的灵活就业人员的个人账户划转基数
    为其退休当年缴费基数。…按湘劳社政字〔2007〕11 号文件参保的困难企业职工和退休人员不建立个人账户。

    A flexible worker retiring this year keeps the year's own base: it is their 退休当年缴费基数.
    """
    if Status.HARDSHIP_ENTERPRISE in request.person.statuses:
        return ZERO
    if standing is Standing.RETIREE:
        base = _given(request.employer_average_base, "employer_average_base", "a retiree")
    elif standing is Standing.FLEXIBLE_RETIRED:
        base = _given(
            request.retirement_year_base, "retirement_year_base", "a retired flexible worker"
        )
    else:
        base = monthly_base
    return round_fen(policy.account_rate * base)


def statement_for(request: StatementRequest, policy: Policy) -> ContributionStatement:
    """第八条, 第九条, 第十条, 第十四条 the statement of ``request`` under ``policy``.

    Employees pay 第八条(一) on their 第九条 base; flexible workers pay 第八条(二) for the year (by
    the month up to retirement in the year they retire); retirees and retired flexible workers
    pay no contributions and have no contribution base. Everyone pays the 第十条 fee. The
    account credit of the year is 12 × the monthly credit.
    """
    person = request.person
    check_person(person)
    standing = standing_in(person, request.year)
    base = employer = employee = flexible = ZERO
    if standing is Standing.EMPLOYEE:
        who = "an employee"
        prior = _given(request.prior_year_wage, "prior_year_wage", who, positive=False)
        average = _given(request.average_wage, "average_wage", who)
        base = employee_monthly_base(prior, average, policy)
        employer, employee = employer_and_employee_monthly(base, policy)
    elif standing in (Standing.FLEXIBLE, Standing.FLEXIBLE_RETIRING):
        average = _given(request.average_wage, "average_wage", "a flexible worker")
        base = flexible_monthly_base(average)
        if standing is Standing.FLEXIBLE:
            flexible = flexible_annual_contribution(average, policy)
        else:
            assert person.retired_on is not None
            flexible = flexible_payment_until_retirement(base, person.retired_on, policy)
    account = account_monthly_credit(request, standing, base, policy)
    return ContributionStatement(
        person_id=person.id,
        year=request.year,
        standing=standing,
        monthly_base=base,
        employer_monthly=employer,
        employee_monthly=employee,
        flexible_annual=flexible,
        mutual_aid_fee=mutual_aid_fee(policy),
        account_monthly=account,
        account_annual=MONTHS_PER_YEAR * account,
    )


def contribution_statement(
    request: StatementRequest, policies: PolicySet | None = None
) -> ContributionStatement:
    """The statement of ``request`` under the policy in force on 1 January of its year."""
    policies = policies or default_policies()
    return statement_for(request, policy_for_year(policies, request.year))
