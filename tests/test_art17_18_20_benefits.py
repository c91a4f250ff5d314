"""第十七条, 第十八条, 第二十条: deductibles, bands and the annual caps (specification §6)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from yzmedins import ClaimResult, Ledger, Level, Region, Route, Settlement
from yzmedins.policy import CapReading, MaternityReading, PolicySet, default_policies

from .builders import conserved, d, hospital, m, settle, settle_all, stay

DEFAULT = default_policies()


def _with(**options: object) -> PolicySet:
    return PolicySet(tuple(p.with_options(**options) for p in DEFAULT.policies))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("level", "deductible", "basic"),
    [
        # 90% × (5,000 − deductible)
        (Level.TERTIARY, "800.00", "3780.00"),
        (Level.SECONDARY, "500.00", "4050.00"),
        (Level.PRIMARY, "300.00", "4230.00"),
        (Level.COMMUNITY, "100.00", "4410.00"),
    ],
)
def test_art17_local_deductible_by_hospital_level(
    level: Level, deductible: str, basic: str
) -> None:
    """第十七条: local deductible by hospital level."""
    result, _ = settle(stay("5000.00", hospital=hospital(level)))
    assert result.deductible == m(deductible)
    assert result.basic_fund == m(basic)
    assert str(result.basic_rate) == "0.90" and str(result.catastrophic_rate) == "0.95"


def test_art17_deductible_is_at_most_the_eligible_amount() -> None:
    """第十七条: deductible is at most the eligible amount."""
    # eligible 600 − 100 pre-self-pay = 500 < 800: deductible 500, nothing for the funds.
    result, ledger = settle(stay("600.00", pre_self_pay=m("100.00")))
    assert result.eligible == m("500.00")
    assert result.deductible == m("500.00")
    assert result.basic_fund == 0
    assert result.self_burden == m("600.00")  # pre-self-pay counts as self-burden
    assert ledger.banded == 0


def test_art17_deductible_applies_to_each_admission() -> None:
    """第十七条: deductible applies to each admission."""
    results = settle_all(
        [stay("2000.00", id="A"), stay("2000.00", id="B", admitted_on=d("2019-04-01"))]
    )
    # each: 90% × 1,200 = 1,080.00
    assert [r.basic_fund for r in results] == [m("1080.00"), m("1080.00")]
    assert results[1].ytd.basic_fund == m("2160.00")


def test_art18_rounding_is_half_up_to_the_fen() -> None:
    """第十八条: rounding is half up to the fen."""
    # 90% × (1,000.05 − 800) = 180.045 → 180.05.
    result, _ = settle(stay("1000.05"))
    assert result.basic_fund == m("180.05")
    assert result.personal_cash == m("820.00")


def test_art17_basic_cap_crossing_sends_the_rest_to_the_catastrophic_band() -> None:
    """第十七条: basic cap crossing sends the rest to the catastrophic band."""
    # Room 1,000; R = 10,000 at 90% = 9,000 > 1,000 → basic 1,000, using 1,000 / 0.9 =
    # 1,111.11… of R; R2 = 8,888.88…; 95% → 8,444.444… → 8,444.44.
    ledger = Ledger(2019, m("149000.00"), m("0.00"), m("0.00"), m("0.00"))
    result, new = settle(stay("10800.00"), ledger=ledger)
    assert result.basic_fund == m("1000.00")
    assert result.catastrophic_fund == m("8444.44")
    assert new.basic_fund == m("150000.00")
    assert conserved(result)


def test_art17_room_over_rate_is_exact_not_rounded() -> None:
    """第十七条: room over rate is exact not rounded."""
    # Out-of-province referral, 70%: room 100 → 100 / 0.7 = 142.857142… of R = 1,000;
    # R2 = 857.142857…; 75% → 642.857142… → 642.86.
    referral = stay(
        "2200.00", hospital=hospital(region=Region.OUT_OF_PROVINCE), route=Route.REFERRAL
    )
    ledger = Ledger(2019, m("149900.00"), m("0.00"), m("0.00"), m("0.00"))
    result, _ = settle(referral, ledger=ledger)
    assert result.basic_fund == m("100.00")
    assert result.catastrophic_fund == m("642.86")


def test_art17_a_one_fen_room() -> None:
    """第十七条: a one fen room."""
    # Local 90%, room 0.01 → used 0.0111…; R = 1.00 → R2 = 0.98888…; 95% = 0.939444… → 0.94.
    ledger = Ledger(2019, m("149999.99"), m("0.00"), m("0.00"), m("0.00"))
    result, _ = settle(stay("801.00"), ledger=ledger)
    assert result.basic_fund == m("0.01")
    assert result.catastrophic_fund == m("0.94")


def test_art17_catastrophic_cap() -> None:
    """第十七条: catastrophic cap."""
    # Basic exhausted, catastrophic room 1,000: R = 10,000 × 95% = 9,500 → 1,000.00.
    ledger = Ledger(2019, m("150000.00"), m("299000.00"), m("0.00"), m("0.00"))
    result, new = settle(stay("10800.00"), ledger=ledger)
    assert result.basic_fund == 0
    assert result.catastrophic_fund == m("1000.00")
    assert new.catastrophic_fund == m("300000.00")


def test_art18_above_both_caps_is_personal() -> None:
    """第十八条: above both caps is personal."""
    ledger = Ledger(2019, m("150000.00"), m("300000.00"), m("150000.00"), m("65000.00"))
    result, _ = settle(stay("10800.00"), ledger=ledger)
    assert result.basic_fund == 0 and result.catastrophic_fund == 0
    # self-burden 10,800: S(160,800) − S(150,000) = 70,400 − 65,000 = 5,400.00.
    assert result.self_burden == m("10800.00")
    assert result.secondary_subsidy == m("5400.00")


def test_art17_caps_are_shared_by_every_route() -> None:
    """第十七条: caps are shared by every route."""
    referral = stay(
        "200000.00",
        id="A",
        hospital=hospital(region=Region.IN_PROVINCE),
        route=Route.REFERRAL,
    )
    local = stay("50000.00", id="B", admitted_on=d("2019-05-01"))
    first, second = settle_all([referral, local])
    # A: R = 198,800; 80% = 159,040 > 150,000 → basic 150,000 (cap reached).
    assert first.basic_fund == m("150000.00")
    # B: no basic room left; R = 49,200 at 95% = 46,740.00 from the catastrophic fund.
    assert second.basic_fund == 0
    assert second.catastrophic_fund == m("46740.00")


def test_art18_cumulative_bands_reading_option() -> None:
    """第十八条: cumulative bands reading option."""
    # Banded so far 149,000: R = 10,000 → 1,000 in the basic band (90% = 900.00) and 9,000 in
    # the catastrophic band (95% = 8,550.00).
    policies = _with(cap_reading=CapReading.CUMULATIVE_BANDS)
    ledger = Ledger(2019, m("134100.00"), m("0.00"), m("0.00"), m("0.00"), m("149000.00"))
    result, new = settle(stay("10800.00"), ledger=ledger, policies=policies)
    assert result.basic_fund == m("900.00")
    assert result.catastrophic_fund == m("8550.00")
    assert new.banded == m("159000.00")


def test_art18_cumulative_bands_above_450000_is_personal() -> None:
    """第十八条: cumulative bands above 450000 is personal."""
    policies = _with(cap_reading=CapReading.CUMULATIVE_BANDS)
    # R = 599,200 in one stay: basic 90% × 150,000 = 135,000; catastrophic 95% × 300,000 =
    # 285,000; the last 149,200 personal.
    result, _ = settle(stay("600000.00"), policies=policies)
    assert result.basic_fund == m("135000.00")
    assert result.catastrophic_fund == m("285000.00")


def test_art20_maternity_literal_reading_option() -> None:
    """第二十条: maternity literal reading option."""
    # Fund pays the 500 below the deductible, then 90% × 5,500 = 4,950: basic 5,450.00.
    policies = _with(maternity_reading=MaternityReading.FUND_PAYS_BELOW_DEDUCTIBLE)
    claim = stay("6000.00", maternity=True, hospital=hospital(Level.SECONDARY))
    result, _ = settle(claim, policies=policies)
    assert result.deductible == m("500.00")
    assert result.basic_fund == m("5450.00")
    assert result.personal_cash == m("550.00")


def test_art20_maternity_literal_reading_stays_inside_the_basic_room() -> None:
    """第二十条: maternity literal reading stays inside the basic room."""
    policies = _with(maternity_reading=MaternityReading.FUND_PAYS_BELOW_DEDUCTIBLE)
    ledger = Ledger(2019, m("149800.00"), m("0.00"), m("0.00"), m("0.00"))
    claim = stay("6000.00", maternity=True, hospital=hospital(Level.SECONDARY))
    result, new = settle(claim, ledger=ledger, policies=policies)
    # Room 200 all taken below the deductible; R = 5,500 goes to the catastrophic band: 5,225.
    assert result.basic_fund == m("200.00")
    assert result.catastrophic_fund == m("5225.00")
    assert new.basic_fund == m("150000.00")


def test_art20_maternity_at_a_referral_has_no_deductible() -> None:
    """第二十条: maternity at a referral has no deductible."""
    claim = stay(
        "10000.00",
        maternity=True,
        hospital=hospital(region=Region.IN_PROVINCE),
        route=Route.REFERRAL,
    )
    result, _ = settle(claim)
    assert result.deductible == 0
    assert result.basic_fund == m("8000.00")


def _steps(result: ClaimResult) -> list[tuple[int | None, Decimal | None]]:
    """The trace as (article, amount) pairs; every step has a text (free-form, specification §12)."""
    assert all(step.text and "None" not in step.text for step in result.trace)
    return [(step.article, step.amount) for step in result.trace]


def test_art20_trace_of_a_maternity_stay_cites_article_20_for_the_missing_deductible() -> None:
    """第二十条 个人不再承担住院费用起付线下的开支 (default reading): the deductible step is a
    step of 第二十条 with 0.00. Secondary hospital, 6,000.00: R = 6,000.00, basic 90% = 5,400.00
    (第十八条), self-burden 600.00, S(600.00) = 0.00 (第二十六条), personal cash 600.00."""
    claim = stay("6000.00", maternity=True, hospital=hospital(Level.SECONDARY))
    result, _ = settle(claim)
    assert _steps(result) == [
        (39, None),
        (7, None),
        (16, m("6000.00")),
        (20, m("0.00")),
        (18, m("6000.00")),
        (18, m("5400.00")),
        (18, m("0.00")),
        (26, m("600.00")),
        (26, m("0.00")),
        (18, m("600.00")),
    ]


def test_art20_trace_of_the_literal_reading_cites_article_20_for_the_part_below() -> None:
    """第二十条 literal reading: the deductible (第十七条, 500.00 at a secondary hospital) is
    followed by a step of 第二十条 with what the basic fund pays below it — its room, 200.00.
    R = 5,500.00 then finds no basic room (0.00) and goes to the catastrophic fund at 95%:
    5,225.00. Self-burden 6,000 − 200 − 5,225 = 575.00; S(575.00) = 0.00."""
    policies = _with(maternity_reading=MaternityReading.FUND_PAYS_BELOW_DEDUCTIBLE)
    ledger = Ledger(2019, m("149800.00"), m("0.00"), m("0.00"), m("0.00"))
    claim = stay("6000.00", maternity=True, hospital=hospital(Level.SECONDARY))
    result, _ = settle(claim, ledger=ledger, policies=policies)
    assert _steps(result) == [
        (39, None),
        (7, None),
        (16, m("6000.00")),
        (17, m("500.00")),
        (20, m("200.00")),
        (18, m("5500.00")),
        (18, m("0.00")),
        (18, m("5225.00")),
        (26, m("575.00")),
        (26, m("0.00")),
        (18, m("575.00")),
    ]


def test_art23_trace_of_a_reimbursed_referral_cites_article_23_for_the_bands() -> None:
    """第二十三条(一)(三): a referral in the province settled by reimbursement pays 80% − 10 =
    70% and 85% − 10 = 75%; the deductible is 1,200.00 (第十七条). R = 8,800.00, basic 70% =
    6,160.00, catastrophic 0.00, all cited to 第二十三条; self-burden 3,840.00, S = 0.00."""
    claim = stay(
        "10000.00",
        hospital=hospital(region=Region.IN_PROVINCE),
        route=Route.REFERRAL,
        settlement=Settlement.REIMBURSEMENT,
    )
    result, _ = settle(claim)
    assert _steps(result) == [
        (39, None),
        (7, None),
        (16, m("10000.00")),
        (17, m("1200.00")),
        (23, m("8800.00")),
        (23, m("6160.00")),
        (23, m("0.00")),
        (26, m("3840.00")),
        (26, m("0.00")),
        (18, m("3840.00")),
    ]
