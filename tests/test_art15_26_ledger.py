"""第十五条 结算年度 and 第二十六条 二次补助: the year-to-date ledger and the subsidy."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import yzmedins.policy
from yzmedins import ClaimType, InputError, Ledger, Level, Region, Route
from yzmedins.policy import PolicySet, default_policies, load_policy
from yzmedins.rules.subsidy import subsidy_for_year

from .builders import conserved, d, hospital, m, settle, settle_all, stay

POLICY = default_policies().policies[0]


def test_art15_a_ledger_of_another_year_does_not_apply() -> None:
    """第十五条: a ledger of another year does not apply."""
    # The 2019 basic fund is exhausted; a 2020 stay starts from zero:
    # 90% × (12,000 − 800) = 10,080.00.
    ledger = Ledger(2019, m("150000.00"), m("0.00"), m("0.00"), m("0.00"))
    result, new = settle(stay(admitted_on=d("2020-05-01")), ledger=ledger)
    assert result.basic_fund == m("10080.00")
    # self-burden: deductible 800 + 10% of 11,200 = 1,920.00.
    assert new == Ledger(2020, m("10080.00"), m("0.00"), m("1920.00"), m("0.00"), m("11200.00"))


def test_art15_claims_of_two_years_keep_two_ledgers() -> None:
    """第十五条: claims of two years keep two ledgers."""
    results = settle_all(
        [
            stay("30000.00", id="A", admitted_on=d("2019-12-20"), discharged_on=d("2020-01-03")),
            stay("30000.00", id="B", admitted_on=d("2019-06-01")),
            stay("30000.00", id="C", admitted_on=d("2020-02-01")),
        ]
    )
    assert [r.claim_id for r in results] == ["B", "A", "C"]
    b, a, c = results
    # B alone in 2019; A and C share 2020: 2 × (800 + 10% × 29,200) = 2 × 3,720 = 7,440.
    assert b.ytd.year == 2019 and b.ytd.self_burden == m("3720.00")
    assert a.ytd.year == 2020 and c.ytd.self_burden == m("7440.00")


@pytest.mark.parametrize(
    ("burden", "subsidy"),
    [
        ("0.00", "0.00"),
        ("20000.00", "0.00"),
        ("20000.01", "0.01"),  # 0.005 rounds half up
        ("20000.03", "0.02"),  # 0.015 → 0.02
        ("150000.00", "65000.00"),
        ("320000.00", "150000.00"),
        ("999999.99", "150000.00"),
    ],
)
def test_art26_subsidy_is_half_above_20000_capped_at_150000(burden: str, subsidy: str) -> None:
    """第二十六条: subsidy is half above 20000 capped at 150000."""
    assert subsidy_for_year(Decimal(burden), POLICY) == Decimal(subsidy)


def test_art26_subsidy_is_incremental_over_the_year() -> None:
    """第二十六条: subsidy is incremental over the year."""
    # Ledger self-burden 19,000. Stay: 10,000 local tertiary → self-burden 800 + 920 = 1,720;
    # S(20,720) − S(19,000) = 360.00.
    ledger = Ledger(2019, m("10000.00"), m("0.00"), m("19000.00"), m("0.00"))
    result, new = settle(stay("10000.00"), ledger=ledger)
    assert result.self_burden == m("1720.00")
    assert result.secondary_subsidy == m("360.00")
    assert new.secondary_subsidy == m("360.00")
    assert result.personal_cash == m("1360.00")
    assert conserved(result)


def test_art26_a_year_paid_less_than_owed_gets_the_difference_with_its_next_claim() -> None:
    """第二十六条, cumulatively: ytd says 1,000 of subsidy was paid on 25,000 of self-burden.
    The next stay (self-burden 1,720) makes the year owe S(26,720) = 3,360.00, of which 2,360.00
    are unpaid; a claim's subsidy is at most its own self-burden, so it pays 1,720.00."""
    ledger = Ledger(2019, m("10000.00"), m("0.00"), m("25000.00"), m("1000.00"))
    result, new = settle(stay("10000.00"), ledger=ledger)
    assert result.self_burden == m("1720.00")
    assert result.secondary_subsidy == m("1720.00")
    assert result.personal_cash == m("0.00")
    assert new.secondary_subsidy == m("2720.00")
    # The one after pays the rest that is owed: S(28,440) − 2,720 = 4,220 − 2,720 = 1,500.00.
    second, after = settle(stay("10000.00", id="C2"), ledger=new)
    assert second.secondary_subsidy == m("1500.00")
    assert after.secondary_subsidy == subsidy_for_year(after.self_burden, POLICY)


def test_art26_a_year_paid_more_than_owed_pays_nothing_until_owed_again() -> None:
    """第二十六条, cumulatively: after a reversal a ledger may hold more subsidy than
    S(self-burden); the next claim pays max(S(after) − paid, 0)."""
    ledger = Ledger(2019, m("10000.00"), m("0.00"), m("25000.00"), m("5000.00"))
    result, new = settle(stay("10000.00"), ledger=ledger)
    assert result.secondary_subsidy == m("0.00")  # S(26,720) = 3,360 < 5,000 paid
    assert new.secondary_subsidy == m("5000.00")
    assert conserved(result)


def test_art26_odd_cents_sum_to_s_of_the_year_total() -> None:
    """第二十六条: odd cents sum to s of the year total."""
    # Three stays whose self-burdens end in odd cents; the increments add up exactly.
    claims = [
        stay("90000.01", id="A", admitted_on=d("2019-01-05")),
        stay("33333.33", id="B", admitted_on=d("2019-02-05")),
        stay("77777.77", id="C", admitted_on=d("2019-03-05")),
    ]
    results = settle_all(claims)
    total_burden = sum((r.self_burden for r in results), m("0.00"))
    assert sum((r.secondary_subsidy for r in results), m("0.00")) == subsidy_for_year(
        total_burden, POLICY
    )


def test_art26_special_outpatient_counts_toward_the_subsidy() -> None:
    """第二十六条: special outpatient counts toward the subsidy."""
    # 第二十六条 住院医疗费(含特殊门诊): self-burden 30,000 − 2,000 − 5,000 other = 23,000;
    # S(23,000) = 1,500.00.
    claim = stay(
        "30000.00",
        type=ClaimType.SPECIAL_OUTPATIENT,
        hospital=None,
        full_self_pay=m("2000.00"),
        other_fund=m("5000.00"),
    )
    result, ledger = settle(claim)
    assert result.deductible == 0 and str(result.basic_rate) == "0.00"
    assert result.other_fund == m("5000.00")
    assert result.self_burden == m("23000.00")
    assert result.secondary_subsidy == m("1500.00")
    assert result.in_scope_self_burden == m("23000.00")
    assert result.personal_cash == m("23500.00")
    assert ledger.banded == 0 and ledger.basic_fund == 0
    assert conserved(result)


def test_art21_special_outpatient_ignores_stay_only_checks() -> None:
    """第二十一条: special outpatient ignores stay only checks."""
    # A special outpatient claim with an excluded cause, abroad hospital and no route is still
    # approved: only NOT_IN_FORCE, LIXIU and coverage apply to it (specification §7).
    from yzmedins import Cause

    claim = stay(
        "1000.00",
        type=ClaimType.SPECIAL_OUTPATIENT,
        hospital=hospital(Level.PRIMARY, Region.ABROAD, contracted=False),
        cause=Cause.TRAFFIC_ACCIDENT,
        route=Route.EMERGENCY,
        other_fund=m("600.00"),
    )
    result, _ = settle(claim)
    assert result.approved and result.secondary_subsidy == 0


def test_art15_ledger_input_is_validated() -> None:
    """第十五条: ledger input is validated."""
    over = Ledger(2019, m("150000.01"), m("0.00"), m("0.00"), m("0.00"))
    with pytest.raises(InputError, match=r"ytd\.basic_fund"):
        settle(stay(), ledger=over)
    over_the_subsidy_cap = Ledger(2019, m("0.00"), m("0.00"), m("400000.00"), m("150000.01"))
    with pytest.raises(InputError, match=r"ytd\.secondary_subsidy"):
        settle(stay(), ledger=over_the_subsidy_cap)
    # A subsidy above S(self_burden) is not refused: the cumulative subsidy pays what is owed.
    paid_ahead = Ledger(2019, m("0.00"), m("0.00"), m("20000.00"), m("0.01"))
    result, _ = settle(stay(), ledger=paid_ahead)
    assert result.approved


def _successor_policy(tmp_path: Path) -> PolicySet:
    """A fictitious successor of the 2017 measures from 2022-07-01 with a basic cap of
    200,000.00, and the 2017 measures themselves."""
    text = (Path(yzmedins.policy.__file__).parent / "yongzhou-2017.toml").read_text("utf-8")
    text = text.replace('id = "yongzhou-2017-12"', 'id = "fictitious-2022"')
    text = text.replace("from = { value = 2018-01-01", "from = { value = 2022-07-01")
    text = text.replace("to = { value = 2022-06-30", "to = { value = 2025-12-31")
    text = text.replace('basic = { value = "150000.00"', 'basic = { value = "200000.00"')
    path = tmp_path / "successor.toml"
    path.write_text(text, "utf-8")
    return PolicySet((*default_policies().policies, load_policy(str(path))))


def test_art17_a_ytd_is_checked_against_the_caps_of_its_claims_policy(tmp_path: Path) -> None:
    """第十七条 caps, 第三十九条 policy in force: a 2022 ytd holding 160,000.00 of basic fund
    is within the successor's cap for a claim discharged in August, and over the 2017 cap for
    one discharged in March (the policy nearest 1 July would have been the wrong one)."""
    policies = _successor_policy(tmp_path)
    ytd = Ledger(2022, m("160000.00"), m("0.00"), m("20000.00"), m("0.00"))
    august = stay(admitted_on=d("2022-08-01"))
    result, _ = settle(august, ledger=ytd, policies=policies)
    assert result.approved and result.basic_fund == m("10080.00")  # (12,000 − 800) × 90%
    march = stay(admitted_on=d("2022-03-01"))
    with pytest.raises(
        InputError, match=r"ytd\.basic_fund: 160000.00 exceeds the annual cap 150000.00"
    ):
        settle(march, ledger=ytd, policies=policies)


def test_art26_trace_cites_article_26_and_names_s_of_the_year_after_the_claim() -> None:
    """第二十六条: the self-burden and subsidy steps cite 第二十六条 with their amounts, and the
    subsidy step names the year's self-burden after the claim. Ledger self-burden 19,000.00;
    a local tertiary stay of 10,000.00 adds 800 + 10% × 9,200 = 1,720.00, so the year stands at
    20,720.00 and S(20,720.00) − 0.00 = 50% × 720 = 360.00."""
    ledger = Ledger(2019, m("10000.00"), m("0.00"), m("19000.00"), m("0.00"))
    result, _ = settle(stay("10000.00"), ledger=ledger)
    burden_step, subsidy_step = (step for step in result.trace if step.article == 26)
    assert (burden_step.amount, subsidy_step.amount) == (m("1720.00"), m("360.00"))
    assert "S(20720.00)" in subsidy_step.text
    assert "0.00 already paid" in subsidy_step.text
