"""第二十六条 — the secondary subsidy on the year's self-burden (二次补助, RULES §7).

第二十六条 对城镇职工住院费用自负总额进行二次补助,补助标准为:一个结算年度内,参保人员住院医疗费
(含特殊门诊)累计个人自负总额(全自费部分除外 …)在 20000 元以上部分补助 50%,最高补助金额不超过
15 万元,所需资金从统筹基金中列支。
"""

from __future__ import annotations

from decimal import Decimal

from yzmedins.money import ZERO, round_fen
from yzmedins.policy import Policy


def subsidy_for_year(self_burden: Decimal, policy: Policy) -> Decimal:
    """``S(x) = min(round_fen(max(x − 20,000, 0) × 50%), 150,000.00)``."""
    if self_burden <= policy.subsidy_threshold:
        return ZERO  # 20000 元以上部分补助: nothing at or below the threshold
    above = self_burden - policy.subsidy_threshold
    return min(round_fen(above * policy.subsidy_rate), policy.subsidy_cap)


def subsidy_increment(before: Decimal, burden: Decimal, policy: Policy) -> Decimal:
    """A claim's subsidy: ``S(year-to-date after) − S(year-to-date before)``.

    Computed incrementally so that a year's subsidies add up to exactly ``S(year total)``.
    """
    return subsidy_for_year(before + burden, policy) - subsidy_for_year(before, policy)
