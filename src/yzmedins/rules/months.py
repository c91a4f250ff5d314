"""第七条 — the runs of covered months and when their benefits start (specification §4).

第七条 城镇职工医疗保险由用人单位和职工按月共同缴纳，自缴费的下月起享受城镇职工基本医疗保险待遇；
城镇灵活就业人员医疗保险费由参保人员按年缴纳，当年退休人员可按月缴纳。
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from yzmedins.model import ContributionRecord, Month
from yzmedins.policy import Policy


@attrs.frozen
class Run:
    """A maximal stretch of consecutive covered months and the month its benefits start."""

    start: Month
    end: Month
    benefit_start: Month

    def __contains__(self, month: Month) -> bool:
        return self.start.index <= month.index <= self.end.index


def contribution_runs(records: Iterable[ContributionRecord], policy: Policy) -> tuple[Run, ...]:
    """第七条 自缴费的下月起享受待遇: the runs of the covered months and their benefit starts.

    The covered months are the union of every record's months. Benefits of a run start
    ``waiting_months`` after the later of its first month and the month of the earliest
    ``paid_on`` among the records that contain that first month; a record that continues a run
    adds no waiting month.
    """
    records = tuple(records)
    spans = sorted((r.from_.index, r.to.index) for r in records)
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    runs: list[Run] = []
    for start, end in merged:
        paid = [
            Month.containing(r.paid_on).index
            for r in records
            if r.paid_on is not None and r.from_.index <= start <= r.to.index
        ]
        first_payment = max(start, min(paid)) if paid else start
        runs.append(Run(Month(start), Month(end), Month(first_payment + policy.waiting_months)))
    return tuple(runs)
