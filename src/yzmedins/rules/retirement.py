"""第十一条, 第十二条 — contribution years and the retirement test (specification §10).

第十一条 最低累计缴费年限为男 30 年，女 25 年，且达到国家法定正常退休年龄的退休人员（男满 60
周岁，女干部满 55 周岁，女工人满 50 周岁，灵活就业人员参照执行）。2003 年 1 月 1 日以前符合国家
规定的连续工龄或工作年限，视同医疗保险缴费年限。

第十二条 参保人员达到法定正常退休年龄、满足最低缴费年限要求且本省实际连续缴费年限不低于 10
年的，不再缴纳医疗保险费。缴费年限不足的，以上年度统筹地区在岗职工平均工资为基数，一次性补足至最低
缴费年限。按照国家相关规定办理提前退休手续的参保人员（不含辞职和灵活就业人员），应以上年度统筹地区在岗
职工平均工资为基数，一次性补足至法定正常退休年龄，缴费年限不足的，还需补足至最低缴费年限。
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import attrs
from dateutil.relativedelta import relativedelta

from yzmedins.errors import InputError
from yzmedins.model import Category, ContributionRecord, FemaleClass, Month, Person, Sex
from yzmedins.money import ZERO, round_fen_exact, to_fraction
from yzmedins.policy import Policy, PolicySet, default_policies
from yzmedins.rules.contributions import check_positive
from yzmedins.rules.months import Run, contribution_runs
from yzmedins.validation import check_contribution, check_person


def statutory_retirement_date(person: Person, policy: Policy) -> date:
    """第十一条 法定正常退休年龄: men 60, women cadres 55, women workers 50.

    A birthday on 29 February falls on 28 February in a year that has none (specification §10).
    """
    if person.sex is Sex.MALE:
        age = policy.retirement_age_male
    elif person.female_class is FemaleClass.CADRE:
        age = policy.retirement_age_female_cadre
    else:
        age = policy.retirement_age_female_worker
    return person.birth_date + relativedelta(years=age)


def minimum_months(person: Person, policy: Policy) -> int:
    """第十一条 最低累计缴费年限为男 30 年，女 25 年 — in months."""
    if person.sex is Sex.MALE:
        return policy.minimum_months_male
    return policy.minimum_months_female


def actual_runs(
    runs: tuple[Run, ...], before: Month, policy: Policy
) -> tuple[tuple[Month, Month], ...]:
    """The runs of actual contribution months (从参保缴费之日起, from 2003-01) before ``before``."""
    first = Month.containing(policy.actual_months_from).index
    last = before.index - 1
    clipped: list[tuple[Month, Month]] = []
    for run in runs:
        start = max(run.start.index, first)
        end = min(run.end.index, last)
        if start <= end:
            clipped.append((Month(start), Month(end)))
    return tuple(clipped)


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end``, a started month counted whole (specification §10)."""
    if end <= start:
        return 0
    delta = relativedelta(end, start)
    months = delta.years * 12 + delta.months
    return months + 1 if delta.days else months


@attrs.frozen
class RetirementAssessment:
    """The retirement test of a person, judged on the months before ``judged_month``."""

    statutory_date: date
    deemed_months: int
    actual_months: int
    minimum_months: int
    longest_run_months: int
    final_run_months: int
    qualified: bool
    early_months: int
    shortfall_months: int

    @property
    def total_months(self) -> int:
        return self.deemed_months + self.actual_months

    def months_to_continue(self, policy: Policy) -> int:
        """第十二条 本省实际连续缴费年限不低于 10 年: months still to pay, never bought."""
        if self.longest_run_months >= policy.minimum_continuous_months:
            return 0
        return policy.minimum_continuous_months - self.final_run_months

    def lump_sum(self, average_wage: Decimal, policy: Policy) -> Decimal:
        """第十二条 一次性补足: (early + shortfall months) × average wage ÷ 12 × make-up rate.

        Computed exactly and rounded once, to the fen, half up.
        """
        months = self.early_months + self.shortfall_months
        if months == 0:
            return ZERO
        return round_fen_exact(
            months * to_fraction(average_wage) * to_fraction(policy.makeup_rate) / 12
        )


def assess_retirement(
    person: Person, runs: tuple[Run, ...], judged_month: Month, policy: Policy
) -> RetirementAssessment:
    """第十一条/第十二条 the retirement test on the contribution months before ``judged_month``.

    Qualified (不再缴纳医疗保险费) when retired on or after the statutory date, the minimum
    months (deemed + actual) are met, and the longest run of actual months reaches the minimum
    continuous months. Early retirees under national rules (not flexible workers) owe the months
    from retirement to the statutory date first (第十二条), then any remaining shortfall.
    """
    statutory = statutory_retirement_date(person, policy)
    clipped = actual_runs(runs, judged_month, policy)
    lengths = [end.index - start.index + 1 for start, end in clipped]
    actual = sum(lengths)
    longest = max(lengths, default=0)
    reaching = [
        n
        for (_, end), n in zip(clipped, lengths, strict=True)
        if end.index == judged_month.index - 1
    ]
    final_run = reaching[0] if reaching else 0
    minimum = minimum_months(person, policy)
    total = person.deemed_months + actual
    retired_on = person.retired_on
    at_statutory_age = retired_on is not None and retired_on >= statutory
    early = 0
    if (
        retired_on is not None
        and person.early_retirement
        and person.category is not Category.FLEXIBLE
    ):
        early = months_between(retired_on, statutory)
    shortfall = max(minimum - total - early, 0)
    qualified = (
        at_statutory_age and total >= minimum and longest >= policy.minimum_continuous_months
    )
    return RetirementAssessment(
        statutory_date=statutory,
        deemed_months=person.deemed_months,
        actual_months=actual,
        minimum_months=minimum,
        longest_run_months=longest,
        final_run_months=final_run,
        qualified=qualified,
        early_months=early,
        shortfall_months=shortfall,
    )


@attrs.frozen
class RetirementDecision:
    """第十二条 what the agency decides at retirement: the test, the make-up sum, months to pay."""

    person_id: str
    assessment: RetirementAssessment
    lump_sum: Decimal
    months_to_continue: int


def decide_at_retirement(
    person: Person,
    contributions: Iterable[ContributionRecord],
    average_wage: Decimal,
    policies: PolicySet | None = None,
) -> RetirementDecision:
    """第十一条/第十二条 the retirement test at ``retired_on``, on the months before its month.

    第十二条 缴费年限不足的，以上年度统筹地区在岗职工平均工资为基数，一次性补足至最低缴费年限。

    ``average_wage`` is the prior-year regional average on-post wage (annual). The parameters
    are the policy in force on ``retired_on``, or the nearest one (specification §3), so the
    decision agrees with the test the claims engine runs for that person.
    """
    check_person(person)
    records = tuple(contributions)
    for index, record in enumerate(records):
        check_contribution(record, f"contributions[{index}]")
    check_positive(average_wage, "average_wage")
    retired_on = person.retired_on
    if retired_on is None:
        raise InputError("is required for the retirement test", "person.retired_on")
    policy = (policies or default_policies()).nearest(retired_on)
    runs = contribution_runs(records, policy)
    assessment = assess_retirement(person, runs, Month.containing(retired_on), policy)
    return RetirementDecision(
        person_id=person.id,
        assessment=assessment,
        lump_sum=assessment.lump_sum(average_wage, policy),
        months_to_continue=assessment.months_to_continue(policy),
    )
