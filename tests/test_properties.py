"""Invariants of the measures over generated bundles (hypothesis)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import attrs
from hypothesis import given, settings
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
from yzmedins.strategies import bundles, claims

from .builders import conserved, settle

POLICY = default_policies().policies[0]
MONEY_FIELDS = (
    "total", "full_self_pay", "pre_self_pay", "eligible", "deductible", "basic_fund",
    "catastrophic_fund", "other_fund", "secondary_subsidy", "fund_total", "personal_cash",
    "self_burden", "in_scope_self_burden",
)  # fmt: skip


def _has_two_places(amount: Decimal) -> bool:
    return amount.as_tuple().exponent == -2


@settings(max_examples=300)
@given(bundles())
def test_rules_s1_every_claim_conserves_money_to_the_fen(bundle: Bundle) -> None:
    for result in adjudicate_bundle(bundle):
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


@settings(max_examples=300)
@given(bundles(max_claims=8))
def test_art17_26_annual_caps_hold_for_every_year(bundle: Bundle) -> None:
    for result in adjudicate_bundle(bundle):
        assert result.ytd.basic_fund <= POLICY.cap_basic
        assert result.ytd.catastrophic_fund <= POLICY.cap_catastrophic
        assert result.ytd.secondary_subsidy <= POLICY.subsidy_cap


@settings(max_examples=300)
@given(bundles(max_claims=8, with_ytd=False))
def test_art26_a_years_subsidies_sum_to_s_of_its_self_burden(bundle: Bundle) -> None:
    subsidies: dict[int, Decimal] = defaultdict(Decimal)
    burdens: dict[int, Decimal] = defaultdict(Decimal)
    for result in adjudicate_bundle(bundle):
        subsidies[result.year] += result.secondary_subsidy
        burdens[result.year] += result.self_burden
        assert result.ytd.self_burden == burdens[result.year]
    for year, burden in burdens.items():
        assert subsidies[year] == subsidy_for_year(burden, POLICY)


@settings(max_examples=200)
@given(bundles(), st.randoms(use_true_random=False))
def test_rules_s2_results_do_not_depend_on_the_order_of_claims(
    bundle: Bundle, random: object
) -> None:
    shuffled = list(bundle.claims)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    again = attrs.evolve(bundle, claims=tuple(shuffled))
    assert adjudicate_bundle(bundle) == adjudicate_bundle(again)


def _funds(result: ClaimResult) -> tuple[Decimal, Decimal, Decimal]:
    return result.basic_fund, result.catastrophic_fund, result.fund_total


@settings(max_examples=300)
@given(claims(), st.integers(1, 10_000_000), st.booleans())
def test_art18_a_bigger_bill_never_lowers_what_the_funds_pay(
    claim: Claim, extra_fen: int, ytd: bool
) -> None:
    extra = Decimal(extra_fen).scaleb(-2)
    if claim.total + extra > Decimal("99999999.99"):
        return
    bigger = attrs.evolve(claim, total=claim.total + extra)
    if claim.type is ClaimType.SPECIAL_OUTPATIENT:
        bigger = attrs.evolve(bigger, other_fund=claim.other_fund)
    ledger = (
        Ledger(claim.year, Decimal("140000.00"), Decimal("10000.00"), Decimal("15000.00"))
        if ytd
        else None
    )
    small, _ = settle(claim, ledger=ledger)
    large, _ = settle(bigger, ledger=ledger)
    for before, after in zip(_funds(small), _funds(large), strict=True):
        assert after >= before


@settings(max_examples=300)
@given(claims())
def test_art23_3_reimbursement_never_pays_more_than_direct(claim: Claim) -> None:
    direct, _ = settle(attrs.evolve(claim, settlement=Settlement.DIRECT))
    reimbursed, _ = settle(attrs.evolve(claim, settlement=Settlement.REIMBURSEMENT))
    assert reimbursed.fund_total <= direct.fund_total
    assert reimbursed.basic_fund <= direct.basic_fund


@settings(max_examples=300)
@given(claims())
def test_art23_referral_never_pays_more_than_the_same_bill_settled_locally(claim: Claim) -> None:
    if claim.hospital is None:
        return
    local_hospital = attrs.evolve(claim.hospital, region=Region.LOCAL)
    local, _ = settle(attrs.evolve(claim, hospital=local_hospital))
    for region in (Region.IN_PROVINCE, Region.OUT_OF_PROVINCE):
        referred_hospital = attrs.evolve(claim.hospital, region=region)
        referred, _ = settle(attrs.evolve(claim, hospital=referred_hospital, route=Route.REFERRAL))
        assert referred.fund_total <= local.fund_total
        assert referred.basic_fund <= local.basic_fund


@settings(max_examples=300)
@given(bundles())
def test_art31_a_rejected_claim_pays_nothing_and_leaves_the_ledger(bundle: Bundle) -> None:
    results = adjudicate_bundle(bundle)
    previous: dict[int, Ledger] = {}
    if bundle.ytd is not None:
        previous[bundle.ytd.year] = bundle.ytd
    for result in results:
        before = previous.get(result.year, Ledger(result.year))
        if not result.approved:
            assert result.reasons
            assert result.fund_total == 0
            assert result.personal_cash == result.total
            assert result.ytd == before
            assert result.flags == ()
        previous[result.year] = result.ytd
