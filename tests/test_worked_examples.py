"""specification §6: the worked examples, computed by hand from the measures."""

from __future__ import annotations

import attrs

from yzmedins import Level, Region, Route, Settlement
from yzmedins.calendar import working_day_after

from .builders import codes, conserved, d, hospital, m, settle, stay


def test_example_1_art17_18_local_tertiary() -> None:
    # eligible 12,000 − 500 = 11,500; deductible 800 (第十七条 三级医院);
    # basic 90% × 10,700 = 9,630.00 (第十八条); personal 12,000 − 9,630 = 2,370.00;
    # self_burden 2,370 − 500 full self-pay = 1,870.00.
    result, ledger = settle(stay("12000.00", full_self_pay=m("500.00")))
    assert result.eligible == m("11500.00")
    assert result.deductible == m("800.00")
    assert result.basic_fund == m("9630.00")
    assert result.catastrophic_fund == m("0.00")
    assert result.personal_cash == m("2370.00")
    assert result.self_burden == m("1870.00")
    assert result.in_scope_self_burden == m("1870.00")
    assert ledger.banded == m("10700.00")
    assert conserved(result)


def test_example_2_art20_maternity_has_no_deductible() -> None:
    # secondary hospital, maternity: deductible 0; basic 90% × 6,000 = 5,400; personal 600.
    claim = stay("6000.00", maternity=True, hospital=hospital(Level.SECONDARY))
    result, _ = settle(claim)
    assert result.deductible == m("0.00")
    assert result.basic_fund == m("5400.00")
    assert result.personal_cash == m("600.00")


def test_example_3_art23_2_referral_out_of_province_direct_and_reimbursed() -> None:
    # deductible 1,200 (第十七条 转本统筹地区外); 70% × 18,800 = 13,160.00; personal 6,840.00.
    referral = stay(
        "20000.00", hospital=hospital(region=Region.OUT_OF_PROVINCE), route=Route.REFERRAL
    )
    direct, _ = settle(referral)
    assert direct.deductible == m("1200.00")
    assert direct.basic_fund == m("13160.00")
    assert direct.personal_cash == m("6840.00")
    # 第二十三条(3): 10 points lower, 60% × 18,800 = 11,280.00; personal 8,720.00.
    reimbursed, _ = settle(attrs.evolve(referral, settlement=Settlement.REIMBURSEMENT))
    assert reimbursed.basic_fund == m("11280.00")
    assert reimbursed.personal_cash == m("8720.00")
    assert str(reimbursed.basic_rate) == "0.60"


def test_example_4_art17_caps_art26_subsidy_on_a_600k_stay() -> None:
    # R = 600,000 − 800 = 599,200. 90% × R = 539,280 > 150,000 → basic 150,000.00, using
    # 150,000 / 0.9 = 166,666.666… of R. R2 = 432,533.333…; 95% × R2 = 410,906.67 > 300,000 →
    # catastrophic 300,000.00. self_burden 600,000 − 450,000 = 150,000.00;
    # subsidy (150,000 − 20,000) × 50% = 65,000.00; personal 600,000 − 515,000 = 85,000.00.
    result, ledger = settle(stay("600000.00"))
    assert result.basic_fund == m("150000.00")
    assert result.catastrophic_fund == m("300000.00")
    assert result.self_burden == m("150000.00")
    assert result.secondary_subsidy == m("65000.00")
    assert result.personal_cash == m("85000.00")
    assert result.fund_total == m("515000.00")
    assert ledger.banded == m("599200.00")
    assert conserved(result)


def test_example_5_art25_deadline_is_the_third_working_day_with_tiaoxiu() -> None:
    # Admitted Wednesday 2018-02-14; Spring Festival 02-15..21 off; Thursday 22 and Friday 23 are
    # working days 1 and 2; Saturday 2018-02-24 is an adjusted working day (调休), the third.
    assert working_day_after(d("2018-02-14"), 3) == d("2018-02-24")
    emergency = stay(
        "10000.00",
        admitted_on=d("2018-02-14"),
        discharged_on=d("2018-02-20"),
        hospital=hospital(region=Region.IN_PROVINCE),
        route=Route.EMERGENCY,
        emergency_reported_on=d("2018-02-24"),
    )
    in_time, _ = settle(emergency)
    assert in_time.approved
    # As referral in province: 1,200 deductible, 80% × 8,800 = 7,040.00.
    assert in_time.basic_fund == m("7040.00")
    late, _ = settle(attrs.evolve(emergency, emergency_reported_on=d("2018-02-25")))
    assert codes(late) == ["OVERDUE"]
    assert late.reasons[0].article == 31 and late.reasons[0].item == 8
