"""第七条, 第十一条, 第十二条 — who is covered in the month of admission (specification §4).

第七条 城镇职工医疗保险由用人单位和职工按月共同缴纳，自缴费的下月起享受城镇职工基本医疗保险待遇；
城镇灵活就业人员医疗保险费由参保人员按年缴纳，当年退休人员可按月缴纳。

第十二条 参保人员达到法定正常退休年龄、满足最低缴费年限要求且本省实际连续缴费年限不低于 10
年的，不再缴纳医疗保险费。缴费年限不足的，…一次性补足至最低缴费年限。
"""

from __future__ import annotations

from datetime import date
from enum import Enum

import attrs

from yzmedins.model import Month, Person
from yzmedins.policy import Policy
from yzmedins.rules.months import Run
from yzmedins.rules.retirement import RetirementAssessment, assess_retirement


class Coverage(Enum):
    """How a month stands under 第七条."""

    BENEFIT = "benefit"  # 享受待遇
    WAITING = "waiting"  # covered, before benefits start
    NONE = "none"  # no contribution covers it


def contribution_coverage(runs: tuple[Run, ...], month: Month) -> tuple[Coverage, Run | None]:
    """Whether ``month`` is a benefit month, a waiting month, or uncovered, and its run."""
    for run in runs:
        if month in run:
            if month.index >= run.benefit_start.index:
                return Coverage.BENEFIT, run
            return Coverage.WAITING, run
    return Coverage.NONE, None


def lump_sum_covers(lump_sum_paid_on: date | None, month: Month, policy: Policy) -> bool:
    """第十二条 一次性补足 then 第七条: covered from the month after the make-up payment."""
    if lump_sum_paid_on is None:
        return False
    return month.index >= Month.containing(lump_sum_paid_on).index + policy.waiting_months


@attrs.frozen
class CoverageDecision:
    """The outcome of the coverage checks for one admission, with the reason in words."""

    coverage: Coverage
    explanation: str


def coverage_on(
    person: Person, runs: tuple[Run, ...], admitted_on: date, policy: Policy
) -> CoverageDecision:
    """第七条/第十二条: whether the admission month is a benefit month.

    A benefit month of a contribution run covers anyone. From ``retired_on``, a retiree is also
    covered when the retirement test on the months before the admission month finds them
    qualified (不再缴纳医疗保险费), or from the month after their make-up payment
    (``lump_sum_paid_on``). Otherwise a covered month before benefits start is a waiting month
    and any other month is not insured.
    """
    month = Month.containing(admitted_on)
    status, run = contribution_coverage(runs, month)
    if status is Coverage.BENEFIT:
        assert run is not None
        return CoverageDecision(
            status, f"{month!s} is a benefit month of the run from {run.start!s}"
        )
    retired_on = person.retired_on
    if retired_on is not None and admitted_on >= retired_on:
        assessment = assess_retirement(person, runs, month, policy)
        if assessment.qualified:
            return CoverageDecision(
                Coverage.BENEFIT,
                f"retired {retired_on.isoformat()} qualified: {assessment.total_months} months "
                f"(minimum {assessment.minimum_months}), longest run "
                f"{assessment.longest_run_months}",
            )
        if lump_sum_covers(person.lump_sum_paid_on, month, policy):
            assert person.lump_sum_paid_on is not None
            return CoverageDecision(
                Coverage.BENEFIT,
                f"retired, make-up payment made {person.lump_sum_paid_on.isoformat()}",
            )
        if status is Coverage.NONE:
            return CoverageDecision(
                status,
                f"no contribution covers {month}, and the retiree is not covered without one: "
                + not_qualified_because(person, assessment, month, policy),
            )
    if status is Coverage.WAITING:
        assert run is not None
        return CoverageDecision(
            status, f"{month} is covered but benefits start in {run.benefit_start} (自缴费的下月起)"
        )
    return CoverageDecision(status, f"no contribution or retiree entitlement covers {month}")


def not_qualified_because(
    person: Person, assessment: RetirementAssessment, month: Month, policy: Policy
) -> str:
    """第十二条: which tests of 不再缴纳医疗保险费 a retiree failed, and the make-up payment's
    state, in words."""
    failed: list[str] = []
    retired_on = person.retired_on
    if retired_on is not None and retired_on < assessment.statutory_date:
        failed.append(
            f"retired {retired_on.isoformat()}, before the statutory retirement date "
            f"{assessment.statutory_date.isoformat()} (第十一条)"
        )
    if assessment.total_months < assessment.minimum_months:
        failed.append(
            f"{assessment.total_months} contribution months (deemed {assessment.deemed_months} "
            f"+ actual {assessment.actual_months}), {assessment.minimum_months} required "
            "(第十一条)"
        )
    if assessment.longest_run_months < policy.minimum_continuous_months:
        failed.append(
            f"longest run of actual months {assessment.longest_run_months}, "
            f"{policy.minimum_continuous_months} required (本省实际连续缴费年限不低于10年)"
        )
    paid_on = person.lump_sum_paid_on
    if paid_on is None:
        failed.append("no make-up payment (一次性补足) recorded")
    else:
        start = Month(Month.containing(paid_on).index + policy.waiting_months)
        failed.append(f"the make-up payment of {paid_on.isoformat()} covers from {start}")
    return "; ".join(failed)
