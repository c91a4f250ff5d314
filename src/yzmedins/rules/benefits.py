"""第十七条, 第十八条, 第二十条 — deductible, the two bands and the annual caps (specification §6).

第十七条 … 一个结算年度内统筹基金最高实际支付限额为 45 万元,其中基本医疗最高实际支付限额为 15 万元,
超过基本医疗最高实际支付限额的通过大病医疗互助解决,大病医疗互助最高实际支付限额为 30 万元。

第十八条 … 起付标准以下部分由个人自负,起付标准以上、基本医疗最高实际支付限额以下的部分,统筹基金
支付比例为 90%,个人自负 10%,基本医疗最高实际支付限额以上、大病医疗互助最高实际支付限额以下的部分
统筹基金支付比例为 95%,个人自负 5%。最高实际支付限额以上部分由个人负担。

第二十条 参保人员生育发生的住院医疗费用按本办法相关规定进行结算,个人不再承担住院费用起付线下的开支。
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import attrs

from yzmedins.model import Ledger, StepCode, TraceStep
from yzmedins.money import ZERO, round_fen, round_fen_exact, to_fraction
from yzmedins.policy import CapReading, MaternityReading, Policy
from yzmedins.rules.routing import Routing


@attrs.frozen
class Benefits:
    """What the two funds pay for one stay, and the amount that entered the bands."""

    deductible: Decimal
    basic_fund: Decimal
    catastrophic_fund: Decimal
    banded: Decimal
    trace: tuple[TraceStep, ...]


def _overlap(low: Decimal, high: Decimal, band_low: Decimal, band_high: Decimal) -> Decimal:
    return max(min(high, band_high) - max(low, band_low), ZERO)


def actual_payment_bands(
    amount: Decimal, routing: Routing, room_basic: Decimal, room_catastrophic: Decimal
) -> tuple[Decimal, Decimal]:
    """第十七条 最高实际支付限额 read as caps on what each fund actually pays (specification §6).

    The basic fund pays its rate until its room is used; the part of ``amount`` that took is
    ``room / rate`` exactly, and the rest goes to the catastrophic fund at its rate, up to its
    room. Anything beyond is the person's (最高实际支付限额以上部分由个人负担).
    """
    rate_b, rate_c = routing.rates.basic, routing.rates.catastrophic
    if amount * rate_b <= room_basic:
        return round_fen(amount * rate_b), ZERO
    rest: Fraction = to_fraction(amount) - to_fraction(room_basic) / to_fraction(rate_b)
    catastrophic = min(round_fen_exact(rest * to_fraction(rate_c)), room_catastrophic)
    return room_basic, catastrophic


def cumulative_bands(
    amount: Decimal,
    routing: Routing,
    banded_before: Decimal,
    room_basic: Decimal,
    room_catastrophic: Decimal,
    policy: Policy,
) -> tuple[Decimal, Decimal]:
    """第十八条 read as bands on the year's cumulative amount above deductibles (policy option).

    0 to the basic cap at the basic rate, from there up to both caps together at the
    catastrophic rate, the rest personal; payments still never exceed the rooms left.
    """
    low, high = banded_before, banded_before + amount
    basic_band = _overlap(low, high, ZERO, policy.cap_basic)
    catastrophic_band = _overlap(
        low, high, policy.cap_basic, policy.cap_basic + policy.cap_catastrophic
    )
    basic = min(round_fen(basic_band * routing.rates.basic), room_basic)
    catastrophic = min(round_fen(catastrophic_band * routing.rates.catastrophic), room_catastrophic)
    return basic, catastrophic


def settle_stay(
    eligible: Decimal, maternity: bool, routing: Routing, ledger: Ledger, policy: Policy
) -> Benefits:
    """Deductible (第十七条, 第二十条), then the bands and caps (第十七条, 第十八条).

    ``deductible`` = min(the route's per-admission deductible, eligible); ``R`` = eligible −
    deductible enters the bands. A maternity stay has no deductible (免起付线), or under the
    literal reading the basic fund pays the part below the deductible, inside its room.
    """
    trace: list[TraceStep] = []
    usual = min(routing.deductible, eligible)
    room_basic = policy.cap_basic - ledger.basic_fund
    room_catastrophic = policy.cap_catastrophic - ledger.catastrophic_fund
    below_paid = ZERO
    maternity_article = policy.cite("options.maternity").article
    if maternity and policy.maternity_reading is MaternityReading.NO_DEDUCTIBLE:
        deductible = ZERO
        trace.append(
            TraceStep(
                maternity_article,
                "maternity stay: no deductible (免起付线)",
                ZERO,
                code=StepCode.MATERNITY_NO_DEDUCTIBLE,
            )
        )
    else:
        deductible = usual
        trace.append(
            TraceStep(
                routing.deductible_citation.article,
                f"deductible per admission, {routing.description}",
                deductible,
                code=StepCode.DEDUCTIBLE,
            )
        )
        if maternity:
            below_paid = min(deductible, room_basic)
            room_basic -= below_paid
            trace.append(
                TraceStep(
                    maternity_article,
                    "maternity stay: basic fund pays the part below the deductible",
                    below_paid,
                    code=StepCode.MATERNITY_BELOW_DEDUCTIBLE,
                )
            )
    amount = eligible - deductible
    trace.append(
        TraceStep(
            routing.rates_citation.article,
            "amount above the deductible (R)",
            amount,
            code=StepCode.ABOVE_DEDUCTIBLE,
        )
    )
    if policy.cap_reading is CapReading.ACTUAL_PAYMENT:
        basic, catastrophic = actual_payment_bands(amount, routing, room_basic, room_catastrophic)
    else:
        basic, catastrophic = cumulative_bands(
            amount, routing, ledger.banded, room_basic, room_catastrophic, policy
        )
    basic_article = routing.rates_citation.article
    trace.append(
        TraceStep(
            basic_article,
            f"basic fund at {routing.rates.basic!s}, room "
            f"{room_basic!s} of the annual cap {policy.cap_basic!s}",
            basic,
            code=StepCode.BASIC_FUND,
        )
    )
    trace.append(
        TraceStep(
            basic_article,
            f"catastrophic mutual aid fund at {routing.rates.catastrophic!s}, room "
            f"{room_catastrophic!s} of the annual cap {policy.cap_catastrophic!s}",
            catastrophic,
            code=StepCode.CATASTROPHIC_FUND,
        )
    )
    return Benefits(
        deductible=deductible,
        basic_fund=below_paid + basic,
        catastrophic_fund=catastrophic,
        banded=amount,
        trace=tuple(trace),
    )
