"""第十七条, 第十八条, 第二十条: deductibles, bands and the annual caps (specification §6)."""

from __future__ import annotations

import pytest

from yzmedins import Ledger, Level, Region, Route
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
