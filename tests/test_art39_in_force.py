"""第三十九条 本办法从2018年1月1日起施行，有效期至2022年6月30日止 — and successor policies."""

from __future__ import annotations

import tomllib
from importlib import resources

from yzmedins import Region, Route
from yzmedins.policy import PolicySet, default_policies, parse_policy

from .builders import codes, d, hospital, m, settle, stay


def test_art39_first_and_last_days_are_in_force() -> None:
    """第三十九条: first and last days are in force."""
    first, _ = settle(stay(admitted_on=d("2017-12-28"), discharged_on=d("2018-01-01")))
    last, _ = settle(stay(admitted_on=d("2022-06-30")))
    assert first.approved and last.approved


def test_art39_discharge_outside_the_window_is_not_in_force() -> None:
    """第三十九条: discharge outside the window is not in force."""
    before, ledger = settle(stay(admitted_on=d("2017-12-20"), discharged_on=d("2017-12-31")))
    after, _ = settle(stay(admitted_on=d("2022-06-30"), discharged_on=d("2022-07-01")))
    for result in (before, after):
        assert codes(result) == ["NOT_IN_FORCE"]
        assert result.reasons[0].article == 39 and result.reasons[0].item is None
        assert result.fund_total == m("0.00") and result.personal_cash == result.total
        assert result.eligible == m("12000.00")
        assert result.basic_rate == 0 and result.deductible == 0
    assert before.year == 2017 and ledger.year == 2017 and ledger.basic_fund == 0


def test_art39_out_of_force_claims_still_get_the_secondary_checks() -> None:
    """第三十九条: out of force claims still get the secondary checks."""
    # No contributions at all: both reasons, in the §8 order.
    result, _ = settle(stay(admitted_on=d("2023-02-01")), contributions=())
    assert codes(result) == ["NOT_IN_FORCE", "NOT_INSURED"]


def test_art39_emergency_deadline_is_not_checked_out_of_force() -> None:
    """第三十九条: emergency deadline is not checked out of force."""
    # 2030 lies beyond the working-day calendar: no deadline check, so no input error either.
    claim = stay(
        admitted_on=d("2030-03-01"),
        hospital=hospital(region=Region.IN_PROVINCE),
        route=Route.EMERGENCY,
    )
    result, _ = settle(claim, contributions=())
    assert codes(result) == ["NOT_IN_FORCE", "NOT_INSURED"]


def _successor() -> PolicySet:
    text = resources.files("yzmedins.policy").joinpath("yongzhou-2017.toml").read_text("utf-8")
    data = tomllib.loads(text)
    data["id"] = "successor"
    data["in_force"]["from"]["value"] = d("2022-07-01")
    data["in_force"]["to"]["value"] = d("2025-12-31")
    data["deductible"]["tertiary"]["value"] = "700.00"
    return PolicySet((*default_policies().policies, parse_policy(data, "successor")))


def test_art39_a_successor_policy_is_picked_by_discharge_date() -> None:
    """第三十九条: a successor policy is picked by discharge date."""
    policies = _successor()
    old, _ = settle(stay(admitted_on=d("2022-06-30")), policies=policies)
    new, _ = settle(stay(admitted_on=d("2022-07-01")), policies=policies)
    assert old.deductible == m("800.00")
    assert new.deductible == m("700.00")
    assert new.approved


def test_art39_out_of_force_claim_uses_the_nearest_policy() -> None:
    """第三十九条: out of force claim uses the nearest policy."""
    policies = _successor()
    assert policies.nearest(d("2017-06-01")).id == "yongzhou-2017-12"
    assert policies.nearest(d("2027-01-01")).id == "successor"
    assert policies.in_force(d("2026-01-01")) is None
