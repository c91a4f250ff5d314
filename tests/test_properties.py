"""Invariants of the measures over generated bundles (hypothesis).

Each property counts the examples in which it compared something (an approved claim, a stay
that reached a cap, a subsidy paid) and asserts that most did: a property that returned early
on most examples would pass without testing. ``event()`` labels the cases for
``pytest --hypothesis-show-statistics``.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import attrs
from hypothesis import assume, event, given, settings
from hypothesis import strategies as st

from yzmedins import (
    Bundle,
    Claim,
    ClaimResult,
    Ledger,
    Region,
    Route,
    Settlement,
    adjudicate_bundle,
)
from yzmedins.model import ClaimType
from yzmedins.policy import default_policies
from yzmedins.rules.subsidy import subsidy_for_year
from yzmedins.strategies import approvable_claims, bundles
from yzmedins.validation import MAX_AMOUNT

from .builders import conserved, examples, settle

POLICY = default_policies().policies[0]
MONEY_FIELDS = (
    "total", "full_self_pay", "pre_self_pay", "eligible", "deductible", "basic_fund",
    "catastrophic_fund", "other_fund", "secondary_subsidy", "fund_total", "personal_cash",
    "self_burden", "in_scope_self_burden",
)  # fmt: skip
OUTSIDE = (Region.IN_PROVINCE, Region.OUT_OF_PROVINCE)


def _has_two_places(amount: Decimal) -> bool:
    return amount.as_tuple().exponent == -2


def _mostly(checked: list[bool], share: float = 0.8) -> None:
    """Most examples compared something (``share`` of them at least)."""
    assert checked, "no example ran"
    assert sum(checked) >= share * len(checked), f"{sum(checked)} of {len(checked)} meaningful"


def test_rules_every_claim_conserves_money_to_the_fen() -> None:
    """第十七条–第二十六条: total = funds + personal cash, every amount two places, none negative."""
    approved: list[bool] = []

    @settings(max_examples=examples(300))
    @given(bundles())
    def check(bundle: Bundle) -> None:
        for result in adjudicate_bundle(bundle):
            event(result.status.value)
            approved.append(result.approved)
            assert conserved(result)
            assert result.fund_total == (
                result.basic_fund
                + result.catastrophic_fund
                + result.other_fund
                + result.secondary_subsidy
            )
            for name in MONEY_FIELDS:
                amount = getattr(result, name)
                assert _has_two_places(amount), name
                assert amount >= 0, name

    check()
    _mostly(approved, 0.5)


def test_art17_26_annual_caps_hold_for_every_year() -> None:
    """第十七条, 第二十六条: the two funds' caps and the subsidy's cap are never exceeded."""
    reached: list[bool] = []

    @settings(max_examples=examples(300))
    @given(bundles(max_claims=8, approved_share=1.0, high_cost_share=0.8))
    def check(bundle: Bundle) -> None:
        at_cap = False
        for result in adjudicate_bundle(bundle):
            assert result.ytd.basic_fund <= POLICY.cap_basic
            assert result.ytd.catastrophic_fund <= POLICY.cap_catastrophic
            assert result.ytd.secondary_subsidy <= POLICY.subsidy_cap
            at_cap = at_cap or result.ytd.basic_fund == POLICY.cap_basic
        event("basic cap reached" if at_cap else "below the basic cap")
        reached.append(at_cap)

    check()
    _mostly(reached, 0.5)


def test_art26_a_years_subsidies_sum_to_s_of_its_self_burden() -> None:
    """第二十六条: a year's subsidies add up to S(its self-burden), to the fen."""
    paid: list[bool] = []

    @settings(max_examples=examples(300))
    @given(bundles(max_claims=8, with_ytd=False, approved_share=1.0, high_cost_share=0.3))
    def check(bundle: Bundle) -> None:
        subsidies: dict[int, Decimal] = defaultdict(Decimal)
        burdens: dict[int, Decimal] = defaultdict(Decimal)
        for result in adjudicate_bundle(bundle):
            subsidies[result.year] += result.secondary_subsidy
            burdens[result.year] += result.self_burden
            assert result.ytd.self_burden == burdens[result.year]
        for year, burden in burdens.items():
            assert subsidies[year] == subsidy_for_year(burden, POLICY)
        event("subsidy paid" if any(subsidies.values()) else "no subsidy")
        paid.append(any(subsidies.values()))

    check()
    _mostly(paid, 0.5)


@settings(max_examples=examples(200))
@given(bundles(), st.randoms(use_true_random=False))
def test_art15_results_do_not_depend_on_the_order_of_claims(bundle: Bundle, random: object) -> None:
    """第十五条 and the settlement order: shuffling a bundle's claims changes no result."""
    shuffled = list(bundle.claims)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    event(f"{len(shuffled)} claims")
    again = attrs.evolve(bundle, claims=tuple(shuffled))
    assert adjudicate_bundle(bundle) == adjudicate_bundle(again)


def _funds(result: ClaimResult) -> tuple[Decimal, Decimal, Decimal]:
    return result.basic_fund, result.catastrophic_fund, result.fund_total


def test_art18_a_bigger_bill_never_lowers_what_the_funds_pay() -> None:
    """第十八条: more eligible cost never lowers what either fund pays, at any point of a year."""
    compared: list[bool] = []

    @settings(max_examples=examples(300))
    @given(approvable_claims(high_cost_share=0.3), st.integers(1, 10_000_000), st.booleans())
    def check(claim: Claim, extra_fen: int, ytd: bool) -> None:
        extra = Decimal(extra_fen).scaleb(-2)
        bigger_total = min(claim.total + extra, MAX_AMOUNT)
        bigger = attrs.evolve(claim, total=bigger_total)
        ledger = (
            Ledger(claim.year, Decimal("140000.00"), Decimal("10000.00"), Decimal("15000.00"))
            if ytd
            else None
        )
        small, _ = settle(claim, ledger=ledger)
        large, _ = settle(bigger, ledger=ledger)
        assert small.approved and large.approved
        event("special outpatient" if claim.type is ClaimType.SPECIAL_OUTPATIENT else "stay")
        for before, after in zip(_funds(small), _funds(large), strict=True):
            assert after >= before
        compared.append(bigger_total > claim.total)

    check()
    _mostly(compared, 0.95)


def test_art23_3_reimbursement_never_pays_more_than_direct() -> None:
    """第二十三条(三): settled by reimbursement, a stay outside the region never pays more."""
    paid: list[bool] = []

    @settings(max_examples=examples(300))
    @given(approvable_claims(regions=OUTSIDE, special_outpatient_share=0.0))
    def check(claim: Claim) -> None:
        direct, _ = settle(attrs.evolve(claim, settlement=Settlement.DIRECT))
        assume(direct.basic_fund > 0)  # a bill above the deductible: something to compare
        reimbursed, _ = settle(attrs.evolve(claim, settlement=Settlement.REIMBURSEMENT))
        assert direct.approved and reimbursed.approved
        assert reimbursed.fund_total <= direct.fund_total
        assert reimbursed.basic_fund <= direct.basic_fund
        event(f"route {claim.route}")
        paid.append(reimbursed.basic_fund > 0)

    check()
    _mostly(paid)


def test_art23_referral_never_pays_more_than_the_same_bill_settled_locally() -> None:
    """第二十三条(一)(二): a referral out of the region never pays more than the same stay
    settled locally (第十七条, 第十八条)."""
    paid: list[bool] = []

    @settings(max_examples=examples(300))
    @given(approvable_claims(special_outpatient_share=0.0))
    def check(claim: Claim) -> None:
        assert claim.hospital is not None
        local_hospital = attrs.evolve(claim.hospital, region=Region.LOCAL)
        local, _ = settle(attrs.evolve(claim, hospital=local_hospital, route=None))
        assert local.approved
        assume(local.basic_fund > 0)  # a bill above the deductible: something to compare
        for region in OUTSIDE:
            referred_hospital = attrs.evolve(claim.hospital, region=region)
            referred, _ = settle(
                attrs.evolve(claim, hospital=referred_hospital, route=Route.REFERRAL)
            )
            assert referred.approved
            assert referred.fund_total <= local.fund_total
            assert referred.basic_fund <= local.basic_fund
        paid.append(local.basic_fund > 0)

    check()
    _mostly(paid)


def test_art31_a_rejected_claim_pays_nothing_and_leaves_the_ledger() -> None:
    """第三十一条 and every other rejection: nothing paid, the ledger as it was."""
    rejected: list[bool] = []

    @settings(max_examples=examples(300))
    @given(bundles(approved_share=0.0))
    def check(bundle: Bundle) -> None:
        results = adjudicate_bundle(bundle)
        previous: dict[int, Ledger] = {}
        if bundle.ytd is not None:
            previous[bundle.ytd.year] = bundle.ytd
        for result in results:
            before = previous.get(result.year, Ledger(result.year))
            if not result.approved:
                event(result.reasons[0].code)
                assert result.reasons
                assert result.fund_total == 0
                assert result.personal_cash == result.total
                assert result.ytd == before
                assert result.flags == ()
            rejected.append(not result.approved)
            previous[result.year] = result.ytd

    check()
    _mostly(rejected, 0.5)


def test_strategies_approve_a_reasonable_share_by_default() -> None:
    """The public strategies' default knobs: most generated claims are approved, and a
    share of ``approved_share=1.0`` approves every claim."""
    default: list[bool] = []
    every: list[bool] = []

    @settings(max_examples=examples(200))
    @given(bundles(), bundles(approved_share=1.0))
    def check(mixed: Bundle, approvable: Bundle) -> None:
        default.extend(result.approved for result in adjudicate_bundle(mixed))
        every.extend(result.approved for result in adjudicate_bundle(approvable))

    check()
    assert 0.55 <= sum(default) / len(default) <= 0.9
    assert all(every)
