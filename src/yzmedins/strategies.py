"""Hypothesis strategies for auditors: valid persons, claims, ledgers and bundles.

Needs ``hypothesis`` (a test dependency, not a runtime one)::

    from hypothesis import given
    from yzmedins.strategies import bundles

    @given(bundles())
    def test_conservation(bundle): ...

The values are valid by construction (they pass :func:`yzmedins.validation.check_bundle`) and
reach every route, rejection reason, special group and cap of the measures.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from yzmedins.model import (
    Bundle,
    Category,
    Cause,
    Claim,
    ClaimType,
    ContributionRecord,
    FemaleClass,
    Hospital,
    Ledger,
    Level,
    Month,
    Person,
    Region,
    Route,
    Settlement,
    Sex,
    Status,
)
from yzmedins.money import round_fen
from yzmedins.policy import Policy, default_policies
from yzmedins.rules.subsidy import subsidy_for_year

__all__ = ["amounts", "bundles", "claims", "contribution_histories", "ledgers", "persons"]

FIRST_DAY = date(2017, 10, 1)
LAST_DAY = date(2022, 9, 30)
IN_FORCE_FIRST = date(2018, 1, 1)
IN_FORCE_LAST = date(2022, 6, 20)


def amounts(max_fen: int = 100_000_000) -> st.SearchStrategy[Decimal]:
    """Two-place amounts, weighted toward everyday bills with some very large ones."""
    small = st.integers(0, 5_000_000)
    large = st.integers(0, max_fen)
    return st.one_of(small, small, large).map(lambda fen: Decimal(fen).scaleb(-2))


@st.composite
def persons(draw: st.DrawFn, person_id: str = "P1") -> Person:
    sex = draw(st.sampled_from(Sex))
    category = draw(st.sampled_from(Category))
    birth = draw(st.dates(date(1940, 1, 1), date(2000, 12, 31)))
    retired_on = None
    if category is Category.RETIREE or draw(st.integers(0, 4)) == 0:
        retired_on = draw(
            st.dates(birth + timedelta(days=365 * 45), birth + timedelta(days=365 * 62))
        )
    relocated = draw(st.one_of(st.none(), st.dates(date(2010, 1, 1), LAST_DAY)))
    lump = draw(st.one_of(st.none(), st.dates(date(2010, 1, 1), LAST_DAY))) if retired_on else None
    return Person(
        id=person_id,
        sex=sex,
        birth_date=birth,
        category=category,
        female_class=draw(st.sampled_from(FemaleClass)),
        statuses=draw(
            st.frozensets(st.sampled_from(Status), max_size=2).filter(
                lambda s: Status.LIXIU not in s or len(s) == 1
            )
        ),
        retired_on=retired_on,
        early_retirement=draw(st.booleans()),
        deemed_months=draw(st.integers(0, 400)),
        relocated_since=relocated,
        lump_sum_paid_on=lump,
    )


@st.composite
def contribution_histories(draw: st.DrawFn) -> tuple[ContributionRecord, ...]:
    """One to three runs of months, some with a lump payment date (``paid_on``)."""
    records: list[ContributionRecord] = []
    if draw(st.integers(0, 2)) > 0:
        paid_on = draw(st.one_of(st.none(), st.dates(date(2009, 12, 1), date(2010, 3, 1))))
        records.append(
            ContributionRecord(Month.of(2010, 1), Month.of(2022, 12), Decimal("5000.00"), paid_on)
        )
    start = draw(st.integers(Month.of(2000, 1).index, Month.of(2021, 12).index))
    for _ in range(draw(st.integers(0, 3))):
        length = draw(st.integers(1, 240))
        end = start + length - 1
        paid_on = None
        if draw(st.integers(0, 3)) == 0:
            first = Month(start)
            paid_on = date(first.year, first.month, 1) + timedelta(days=draw(st.integers(0, 120)))
        records.append(ContributionRecord(Month(start), Month(end), Decimal("4500.00"), paid_on))
        start = end + 1 + draw(st.integers(0, 8))
    return tuple(records)


@st.composite
def claims(draw: st.DrawFn, claim_id: str = "C1") -> Claim:
    window = st.dates(IN_FORCE_FIRST, IN_FORCE_LAST)
    admitted = draw(st.one_of(window, window, window, st.dates(FIRST_DAY, LAST_DAY)))
    discharged = admitted + timedelta(days=draw(st.integers(0, 40)))
    total = draw(amounts())
    full_self_pay = round_fen(total * Decimal(draw(st.integers(0, 30))) / 100)
    pre_self_pay = round_fen((total - full_self_pay) * Decimal(draw(st.integers(0, 20))) / 100)
    if draw(st.integers(0, 5)) == 0:
        eligible = total - full_self_pay - pre_self_pay
        other = round_fen(eligible * Decimal(draw(st.integers(0, 100))) / 100)
        return Claim(
            id=claim_id,
            type=ClaimType.SPECIAL_OUTPATIENT,
            admitted_on=admitted,
            discharged_on=discharged,
            total=total,
            full_self_pay=full_self_pay,
            pre_self_pay=pre_self_pay,
            other_fund=other,
        )
    region = draw(
        st.sampled_from(
            [Region.LOCAL, Region.LOCAL, Region.IN_PROVINCE, Region.OUT_OF_PROVINCE, Region.ABROAD]
        )
    )
    reported = None
    route = draw(st.one_of(st.none(), st.sampled_from(Route)))
    if route is Route.EMERGENCY and draw(st.integers(0, 4)) > 0:
        reported = admitted + timedelta(days=draw(st.integers(0, 9)))
    return Claim(
        id=claim_id,
        type=ClaimType.INPATIENT,
        admitted_on=admitted,
        discharged_on=discharged,
        total=total,
        hospital=Hospital(
            level=draw(st.sampled_from(Level)),
            region=region,
            contracted=draw(st.integers(0, 15)) > 0,
            provincial=draw(st.booleans()),
        ),
        route=route,
        settlement=draw(st.sampled_from(Settlement)),
        maternity=draw(st.integers(0, 8)) == 0,
        cause=draw(st.sampled_from([Cause.ILLNESS] * 12 + list(Cause))),
        emergency_reported_on=reported,
        exception_approved=draw(st.integers(0, 8)) == 0,
        full_self_pay=full_self_pay,
        pre_self_pay=pre_self_pay,
    )


@st.composite
def ledgers(draw: st.DrawFn, year: int, policy: Policy | None = None) -> Ledger:
    """A valid year-to-date ledger of ``year``: within the caps, subsidy within S(self_burden)."""
    policy = policy or default_policies().policies[0]
    self_burden = draw(amounts(40_000_000))
    subsidy_ceiling = subsidy_for_year(self_burden, policy)
    return Ledger(
        year=year,
        basic_fund=draw(
            amounts(int(policy.cap_basic * 100)).filter(lambda a: a <= policy.cap_basic)
        ),
        catastrophic_fund=draw(
            amounts(int(policy.cap_catastrophic * 100)).filter(
                lambda a: a <= policy.cap_catastrophic
            )
        ),
        self_burden=self_burden,
        secondary_subsidy=round_fen(subsidy_ceiling * Decimal(draw(st.integers(0, 100))) / 100),
        banded=draw(amounts()),
    )


@st.composite
def bundles(draw: st.DrawFn, max_claims: int = 6, with_ytd: bool = True) -> Bundle:
    """A person, their contributions, an optional ledger and up to ``max_claims`` claims."""
    person = draw(persons())
    history = draw(contribution_histories())
    count = draw(st.integers(1, max_claims))
    drawn = [draw(claims(f"C{index}")) for index in range(count)]
    ytd = None
    if with_ytd and draw(st.integers(0, 3)) == 0:
        ytd = draw(ledgers(draw(st.sampled_from(sorted({c.year for c in drawn})))))
    return Bundle(person, history, ytd, tuple(drawn))
