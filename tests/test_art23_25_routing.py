"""第二十三条, 第二十四条, 第二十五条: referrals, relocation, emergencies (specification §5)."""

from __future__ import annotations

import attrs
import pytest

from yzmedins import Claim, InputError, Level, Region, Route, Settlement
from yzmedins.calendar import CalendarCoverageError, working_day_after
from yzmedins.model import AppliedRule, RouteKind
from yzmedins.policy import PolicySet, ReductionReading, default_policies

from .builders import codes, d, hospital, m, person, settle, stay

IN_PROVINCE = hospital(region=Region.IN_PROVINCE)
OUT_OF_PROVINCE = hospital(region=Region.OUT_OF_PROVINCE)


def test_art23_1_referral_in_province() -> None:
    """第二十三条(1): referral in province."""
    # 1,200 deductible; 80% × 8,800 = 7,040.00; catastrophic rate 85%.
    result, _ = settle(stay("10000.00", hospital=IN_PROVINCE, route=Route.REFERRAL))
    assert result.deductible == m("1200.00")
    assert result.basic_fund == m("7040.00")
    assert str(result.catastrophic_rate) == "0.85"


def test_art23_3_reimbursement_is_ten_points_lower() -> None:
    """第二十三条(3): reimbursement is ten points lower."""
    claim = stay(
        "10000.00", hospital=IN_PROVINCE, route=Route.REFERRAL, settlement=Settlement.REIMBURSEMENT
    )
    result, _ = settle(claim)
    # 70% × 8,800 = 6,160.00
    assert result.basic_fund == m("6160.00")
    assert (str(result.basic_rate), str(result.catastrophic_rate)) == ("0.70", "0.75")


def test_art23_3_relative_reading_option() -> None:
    """第二十三条(3): relative reading option."""
    policies = PolicySet(
        tuple(
            p.with_options(reduction_reading=ReductionReading.RELATIVE)
            for p in default_policies().policies
        )
    )
    claim = stay(
        "10000.00", hospital=IN_PROVINCE, route=Route.REFERRAL, settlement=Settlement.REIMBURSEMENT
    )
    result, _ = settle(claim, policies=policies)
    # 80% × 0.9 = 72%: 6,336.00; catastrophic 85% × 0.9 = 76.5%.
    assert result.basic_fund == m("6336.00")
    assert result.catastrophic_rate == m("0.765")


def test_art23_4_unreferred_stay_outside_the_region_is_rejected() -> None:
    """第二十三条(4): unreferred stay outside the region is rejected."""
    result, _ = settle(stay("10000.00", hospital=IN_PROVINCE))
    assert codes(result) == ["UNREFERRED"]
    assert (result.reasons[0].article, result.reasons[0].item) == (23, 4)


def test_art23_4_approved_exception_settles_as_referral() -> None:
    """第二十三条(4): approved exception settles as referral."""
    result, _ = settle(stay("10000.00", hospital=OUT_OF_PROVINCE, exception_approved=True))
    assert result.approved
    assert result.basic_fund == m("6160.00")  # 70% × 8,800


def test_art23_exception_changes_nothing_else() -> None:
    """第二十三条: exception changes nothing else."""
    claim = stay(
        "10000.00",
        hospital=hospital(region=Region.IN_PROVINCE, contracted=False),
        exception_approved=True,
    )
    result, _ = settle(claim)
    assert codes(result) == ["NON_CONTRACTED"]


def test_art24_relocated_at_a_provincial_tertiary_hospital_is_an_in_province_referral() -> None:
    """第二十四条: relocated at a provincial tertiary hospital is an in province referral."""
    who = person(relocated_since=d("2018-06-01"))
    provincial = hospital(Level.TERTIARY, Region.OUT_OF_PROVINCE, provincial=True)
    result, _ = settle(stay("10000.00", hospital=provincial, route=Route.RELOCATED), who)
    assert result.deductible == m("1200.00")
    assert result.basic_fund == m("7040.00")
    reimbursed, _ = settle(
        stay(
            "10000.00",
            hospital=provincial,
            route=Route.RELOCATED,
            settlement=Settlement.REIMBURSEMENT,
        ),
        who,
    )
    assert reimbursed.basic_fund == m("6160.00")


def test_art24_relocated_at_a_municipal_hospital_follows_local_rules() -> None:
    """第二十四条: relocated at a municipal hospital follows local rules."""
    who = person(relocated_since=d("2018-06-01"))
    municipal = hospital(Level.SECONDARY, Region.IN_PROVINCE)
    claim = stay(
        "10000.00", hospital=municipal, route=Route.RELOCATED, settlement=Settlement.REIMBURSEMENT
    )
    result, _ = settle(claim, who)
    # Local secondary: 500; 90% × 9,500 = 8,550.00, no reimbursement reduction.
    assert result.deductible == m("500.00")
    assert result.basic_fund == m("8550.00")


@pytest.mark.parametrize("since", [None, "2019-03-03"])
def test_art24_relocation_not_in_force_on_admission_is_unreferred(since: str | None) -> None:
    """第二十四条: relocation not in force on admission is unreferred."""
    who = person(relocated_since=None if since is None else d(since))
    result, _ = settle(stay("10000.00", hospital=IN_PROVINCE, route=Route.RELOCATED), who)
    assert codes(result) == ["UNREFERRED"]


def test_art25_emergency_in_time_is_settled_as_referral_with_reimbursement_reduction() -> None:
    """第二十五条: emergency in time is settled as referral with reimbursement reduction."""
    claim = stay(
        "10000.00",
        hospital=OUT_OF_PROVINCE,
        route=Route.EMERGENCY,
        emergency_reported_on=d("2019-03-05"),
        settlement=Settlement.REIMBURSEMENT,
    )
    result, _ = settle(claim)
    # Admitted Saturday 2019-03-02: working days Mon 4, Tue 5, Wed 6 → in time.
    # Out of province, reimbursed: 60% × 8,800 = 5,280.00.
    assert result.basic_fund == m("5280.00")


def test_art25_emergency_not_reported_is_overdue() -> None:
    """第二十五条: emergency not reported is overdue."""
    result, _ = settle(stay("10000.00", hospital=OUT_OF_PROVINCE, route=Route.EMERGENCY))
    assert codes(result) == ["OVERDUE"]
    excused, _ = settle(
        stay("10000.00", hospital=OUT_OF_PROVINCE, route=Route.EMERGENCY, exception_approved=True)
    )
    assert excused.approved and excused.basic_fund == m("6160.00")


def test_art25_deadline_over_national_day_2019() -> None:
    """第二十五条: deadline over national day 2019."""
    # Admitted Monday 2019-09-30; 10-01..07 off; Tue 8, Wed 9, Thu 10 → 2019-10-10.
    assert working_day_after(d("2019-09-30"), 3) == d("2019-10-10")
    claim = stay(
        "10000.00",
        admitted_on=d("2019-09-30"),
        discharged_on=d("2019-10-09"),
        hospital=IN_PROVINCE,
        route=Route.EMERGENCY,
        emergency_reported_on=d("2019-10-10"),
    )
    assert settle(claim)[0].approved
    late = attrs.evolve(claim, emergency_reported_on=d("2019-10-11"))
    assert codes(settle(late)[0]) == ["OVERDUE"]


def test_art25_deadline_over_an_adjusted_working_sunday() -> None:
    """第二十五条: deadline over an adjusted working sunday."""
    # Labour Day 2019: 05-01..04 off, Sunday 2019-05-05 a working day (调休).
    # Admitted Tuesday 2019-04-30: the working days after are Sun 5, Mon 6, Tue 7.
    assert working_day_after(d("2019-04-30"), 3) == d("2019-05-07")


def test_art25_admission_outside_the_calendar_is_an_input_error() -> None:
    """第二十五条: admission outside the calendar is an input error."""
    claim = stay(
        "10000.00",
        admitted_on=d("2003-06-01"),
        discharged_on=d("2018-01-02"),
        hospital=IN_PROVINCE,
        route=Route.EMERGENCY,
        emergency_reported_on=d("2003-06-02"),
    )
    with pytest.raises(InputError) as raised:  # an input error, never a guessed deadline
        settle(claim)
    assert isinstance(raised.value, CalendarCoverageError)
    assert raised.value.field == "admitted_on"
    assert raised.value.message.startswith("2003-06-01 is outside the working-day calendar")


def test_art17_route_is_not_read_for_a_local_stay() -> None:
    """第十七条: route is not read for a local stay."""
    result, _ = settle(stay("10000.00", route=Route.EMERGENCY))
    assert result.approved and result.deductible == m("800.00")


def test_art31_6_abroad_without_a_route_is_also_unreferred() -> None:
    """第三十一条(6): abroad without a route is also unreferred."""
    result, _ = settle(stay(hospital=hospital(region=Region.ABROAD)))
    assert codes(result) == ["ABROAD", "UNREFERRED"]


def test_art25_late_emergency_abroad_is_abroad_and_overdue() -> None:
    """第二十五条: late emergency abroad is abroad and overdue."""
    claim = stay(hospital=hospital(region=Region.ABROAD), route=Route.EMERGENCY)
    assert codes(settle(claim)[0]) == ["ABROAD", "OVERDUE"]


def test_art25_report_before_admission_is_in_time() -> None:
    """第二十五条: report before admission is in time."""
    claim = stay(
        "10000.00",
        hospital=IN_PROVINCE,
        route=Route.EMERGENCY,
        emergency_reported_on=d("2019-03-01"),
    )
    assert settle(claim)[0].approved


RELOCATED_WHO = person(relocated_since=d("2018-06-01"))
PROVINCIAL = hospital(Level.TERTIARY, Region.OUT_OF_PROVINCE, provincial=True)
MUNICIPAL = hospital(Level.SECONDARY, Region.IN_PROVINCE)
IN_TIME = d("2019-03-05")  # admitted Saturday 2019-03-02: the deadline is Wednesday 03-06


@pytest.mark.parametrize(
    ("claim", "kind", "applied"),
    [
        (stay("10000.00"), RouteKind.LOCAL, AppliedRule.LOCAL),
        (
            stay("10000.00", hospital=IN_PROVINCE, route=Route.REFERRAL),
            RouteKind.REFERRAL_IN_PROVINCE,
            AppliedRule.REFERRAL_IN_PROVINCE,
        ),
        (
            stay(
                "10000.00",
                hospital=OUT_OF_PROVINCE,
                route=Route.REFERRAL,
                settlement=Settlement.REIMBURSEMENT,
            ),
            RouteKind.REFERRAL_OUT_OF_PROVINCE,
            AppliedRule.REFERRAL_OUT_OF_PROVINCE,
        ),
        (
            stay("10000.00", hospital=PROVINCIAL, route=Route.RELOCATED),
            RouteKind.RELOCATED,
            AppliedRule.REFERRAL_IN_PROVINCE,
        ),
        (
            stay("10000.00", hospital=MUNICIPAL, route=Route.RELOCATED),
            RouteKind.RELOCATED,
            AppliedRule.LOCAL,
        ),
        (
            stay(
                "10000.00",
                hospital=IN_PROVINCE,
                route=Route.EMERGENCY,
                emergency_reported_on=IN_TIME,
            ),
            RouteKind.EMERGENCY,
            AppliedRule.REFERRAL_IN_PROVINCE,
        ),
        (
            stay(
                "10000.00",
                hospital=OUT_OF_PROVINCE,
                route=Route.EMERGENCY,
                emergency_reported_on=IN_TIME,
            ),
            RouteKind.EMERGENCY,
            AppliedRule.REFERRAL_OUT_OF_PROVINCE,
        ),
        (
            stay("10000.00", hospital=IN_PROVINCE, exception_approved=True),
            RouteKind.REFERRAL_IN_PROVINCE,
            AppliedRule.REFERRAL_IN_PROVINCE,
        ),
        (
            stay("10000.00", hospital=OUT_OF_PROVINCE, exception_approved=True),
            RouteKind.REFERRAL_OUT_OF_PROVINCE,
            AppliedRule.REFERRAL_OUT_OF_PROVINCE,
        ),
        # Rejected (第二十三条(4)): no rule applied, but summaries by route count it where it was.
        (stay("10000.00", hospital=IN_PROVINCE), RouteKind.REFERRAL_IN_PROVINCE, AppliedRule.NONE),
        (
            stay("10000.00", hospital=OUT_OF_PROVINCE),
            RouteKind.REFERRAL_OUT_OF_PROVINCE,
            AppliedRule.NONE,
        ),
    ],
)
def test_art23_24_25_route_kind_names_the_route_a_stay_came_by(
    claim: Claim, kind: RouteKind, applied: AppliedRule
) -> None:
    """第二十三条 referrals (and exceptions to (四)), 第二十四条 relocation at a provincial
    tertiary or a municipal hospital, 第二十五条 emergencies in time: each stay is counted under
    the route it came by (``route_kind``) and settled under the row of 第十七条/第二十三条 that the
    article names (``applied_rule``). No trace text shows a missing value."""
    result, _ = settle(claim, RELOCATED_WHO)
    assert (result.route_kind, result.applied_rule) == (kind, applied)
    assert all(step.text and "None" not in step.text for step in result.trace)
    assert all(reason.message and "None" not in reason.message for reason in result.reasons)


def test_art24_relocation_registered_on_the_day_of_admission_is_in_force() -> None:
    """第二十四条 异地安置人员: a relocation registered on the admission day itself is in force
    for the stay. Municipal secondary hospital, local rules: deductible 500.00, 90% × 9,500 =
    8,550.00."""
    who = person(relocated_since=d("2019-03-02"))
    result, _ = settle(stay("10000.00", hospital=MUNICIPAL, route=Route.RELOCATED), who)
    assert result.approved and result.route_kind is RouteKind.RELOCATED
    assert result.basic_fund == m("8550.00")


def test_art24_relocation_after_admission_is_explained_as_unreferred() -> None:
    """第二十四条, 第二十三条(四): a relocation registered the day after admission is not in force;
    the reason says so."""
    who = person(relocated_since=d("2019-03-03"))
    result, _ = settle(stay("10000.00", hospital=MUNICIPAL, route=Route.RELOCATED), who)
    assert codes(result) == ["UNREFERRED"]
    assert "relocation" in result.reasons[0].message


def test_art25_the_overdue_reason_names_the_day_reported_and_the_deadline() -> None:
    """第二十五条 应在三个工作日内 … 申报: admitted Saturday 2019-03-02, the third working day
    after is Wednesday 2019-03-06. Reported Thursday 2019-03-07 is overdue, and the reason names
    both days; not reported at all, it names the deadline and no day of report."""
    late = stay(
        "10000.00",
        hospital=IN_PROVINCE,
        route=Route.EMERGENCY,
        emergency_reported_on=d("2019-03-07"),
    )
    result, _ = settle(late)
    assert codes(result) == ["OVERDUE"]
    assert "2019-03-07" in result.reasons[0].message
    assert "2019-03-06" in result.reasons[0].message
    silent, _ = settle(attrs.evolve(late, emergency_reported_on=None))
    assert codes(silent) == ["OVERDUE"]
    assert "2019-03-06" in silent.reasons[0].message
    assert "reported 2019" not in silent.reasons[0].message
