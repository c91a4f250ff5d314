"""第二十六条 — the secondary subsidy on the year's self-burden (二次补助, specification §7).

第二十六条 对城镇职工住院费用自负总额进行二次补助,补助标准为:一个结算年度内,参保人员住院医疗费
(含特殊门诊)累计个人自负总额(全自费部分除外 …)在 20000 元以上部分补助 50%,最高补助金额不超过
15 万元,所需资金从统筹基金中列支。
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from yzmedins.model import Claim, Ledger, StepCode, TraceStep
from yzmedins.money import ZERO, round_fen
from yzmedins.policy import Policy


def subsidy_for_year(self_burden: Decimal, policy: Policy) -> Decimal:
    """``S(x) = min(round_fen(max(x − 20,000, 0) × 50%), 150,000.00)``."""
    if self_burden <= policy.subsidy_threshold:
        return ZERO  # 20000 元以上部分补助: nothing at or below the threshold
    above = self_burden - policy.subsidy_threshold
    return min(round_fen(above * policy.subsidy_rate), policy.subsidy_cap)


def self_burden(claim: Claim, funds_paid: Decimal) -> Decimal:
    """个人自负 (全自费部分除外): the total less 全自费 and what the funds paid — deductible,
    co-payment, the part above the caps and 先行自付."""
    return claim.total - claim.full_self_pay - funds_paid


def claim_subsidy(ledger: Ledger, burden: Decimal, policy: Policy) -> Decimal:
    """A claim's subsidy: what the year is owed beyond what it has paid, ``max(S(self-burden
    after the claim) − subsidy already paid, 0)``, at most the claim's own self-burden.

    The cumulative method (累计): when the ledger holds settlements only, what was paid is
    ``S(self-burden before)``, so a year's subsidies add up to exactly ``S(year total)``. After a
    reversal the ledger may hold more or less; the next claims pay what is owed, never a
    negative amount, and never more than their own self-burden.
    """
    owed = subsidy_for_year(ledger.self_burden + burden, policy) - ledger.secondary_subsidy
    return min(max(owed, ZERO), burden)


@attrs.frozen
class Subsidy:
    """第二十六条 for one approved claim: its self-burden, its subsidy and the trace steps."""

    self_burden: Decimal
    subsidy: Decimal
    trace: tuple[TraceStep, ...]


def settle_subsidy(claim: Claim, funds_paid: Decimal, ledger: Ledger, policy: Policy) -> Subsidy:
    """第二十六条: the claim's self-burden (``funds_paid`` = basic + catastrophic + other fund)
    and its secondary subsidy against the year's ledger."""
    article = policy.cite("subsidy.rate").article
    burden = self_burden(claim, funds_paid)
    subsidy = claim_subsidy(ledger, burden, policy)
    after = ledger.self_burden + burden
    return Subsidy(
        self_burden=burden,
        subsidy=subsidy,
        trace=(
            TraceStep(
                article,
                "self-burden (个人自负, 全自费 excluded)",
                burden,
                code=StepCode.SELF_BURDEN,
            ),
            TraceStep(
                article,
                f"secondary subsidy: S({after!s}) − {ledger.secondary_subsidy!s} already paid",
                subsidy,
                code=StepCode.SECONDARY_SUBSIDY,
            ),
        ),
    )


def ledger_after(
    ledger: Ledger,
    *,
    basic_fund: Decimal,
    catastrophic_fund: Decimal,
    burden: Decimal,
    subsidy: Decimal,
    banded: Decimal,
) -> Ledger:
    """第十五条, 第二十六条: the year's ledger moved on by one approved claim."""
    return Ledger(
        year=ledger.year,
        basic_fund=ledger.basic_fund + basic_fund,
        catastrophic_fund=ledger.catastrophic_fund + catastrophic_fund,
        self_burden=ledger.self_burden + burden,
        secondary_subsidy=ledger.secondary_subsidy + subsidy,
        banded=ledger.banded + banded,
    )
