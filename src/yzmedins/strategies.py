"""Hypothesis strategies for auditors: valid persons, claims, ledgers and bundles.

Needs ``hypothesis`` (a test dependency, not a runtime one)::

    from hypothesis import given
    from yzmedins.strategies import bundles

    @given(bundles())
    def test_conservation(bundle): ...

The values are valid by construction (they pass :func:`yzmedins.validation.check_bundle`) and
reach every route, rejection reason, special group and cap of the measures. Knobs steer them:

- ``approved_share`` (:func:`bundles`, :func:`claims`): the share of claims drawn so that they
  pass every check (an insured person, discharged while the policy is in force, a contracted
  hospital, a valid route, an illness); the rest are drawn from the whole space, where most are
  rejected for one reason or another. Default 0.6: about seven in ten claims are approved.
  ``0.0`` draws from the whole space only; ``1.0`` only approved claims.
- ``high_cost_share``: the share of claims with totals of 200,000.00 to 2,000,000.00, which
  reach the annual caps of 第十七条 and the subsidy's cap of 第二十六条. Default 0.1.
- ``regions`` and ``routes``: the hospital regions and routes to draw from (defaults: all).
- ``statuses``: the special statuses a person may have (default: all of 第二十七条–第三十条).
- ``years``: the discharge years of approvable claims (default 2018–2022, the policy's window).

:func:`approvable_claims` draws only claims that pass every check of their own (with
``special_outpatient_share`` for 第二十一条 claims), for properties that compare two
settlements of the same stay.

:func:`settlement_lives` draws sequences of the operations of a settlement's life
(specification §18: settle, reverse, re-settle, clear), each valid where it stands.
Every knob is documented, with examples, in docs/auditing.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

import attrs
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
from yzmedins.money import ZERO, round_fen
from yzmedins.policy import Policy, default_policies
from yzmedins.rules.subsidy import subsidy_for_year

__all__ = [
    "Operation",
    "SettlementLife",
    "amounts",
    "approvable_claims",
    "bundles",
    "claims",
    "contribution_histories",
    "covering_history",
    "ledgers",
    "persons",
    "settlement_lives",
]

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
def persons(
    draw: st.DrawFn, person_id: str = "P1", statuses: Sequence[Status] = tuple(Status)
) -> Person:
    """A person of any category; ``statuses`` are the special statuses they may have."""
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
            st.frozensets(st.sampled_from(tuple(statuses)), max_size=2).filter(
                lambda s: Status.LIXIU not in s or len(s) == 1
            )
        )
        if statuses
        else frozenset(),
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


ALL_REGIONS = (
    Region.LOCAL,
    Region.LOCAL,
    Region.IN_PROVINCE,
    Region.OUT_OF_PROVINCE,
    Region.ABROAD,
)
ALL_ROUTES: tuple[Route | None, ...] = (None, *Route)
IN_FORCE_YEARS = (2018, 2019, 2020, 2021, 2022)


def _totals(draw: st.DrawFn, high_cost_share: float) -> Decimal:
    if draw(st.integers(0, 999)) < round(high_cost_share * 1000):
        return Decimal(draw(st.integers(20_000_000, 200_000_000))).scaleb(-2)
    return draw(amounts())


def _self_pays(draw: st.DrawFn, total: Decimal) -> tuple[Decimal, Decimal]:
    full_self_pay = round_fen(total * Decimal(draw(st.integers(0, 30))) / 100)
    pre_self_pay = round_fen((total - full_self_pay) * Decimal(draw(st.integers(0, 20))) / 100)
    return full_self_pay, pre_self_pay


def _special_outpatient(
    draw: st.DrawFn, claim_id: str, admitted: date, discharged: date, total: Decimal
) -> Claim:
    full_self_pay, pre_self_pay = _self_pays(draw, total)
    eligible = total - full_self_pay - pre_self_pay
    return Claim(
        id=claim_id,
        type=ClaimType.SPECIAL_OUTPATIENT,
        admitted_on=admitted,
        discharged_on=discharged,
        total=total,
        full_self_pay=full_self_pay,
        pre_self_pay=pre_self_pay,
        other_fund=round_fen(eligible * Decimal(draw(st.integers(0, 100))) / 100),
    )


@st.composite
def approvable_claims(
    draw: st.DrawFn,
    claim_id: str = "C1",
    *,
    high_cost_share: float = 0.1,
    regions: Sequence[Region] = ALL_REGIONS,
    years: Sequence[int] = IN_FORCE_YEARS,
    special_outpatient_share: float = 1 / 6,
) -> Claim:
    """A claim that passes every check of its own for a person covered when admitted
    (:func:`covering_history`): discharged in ``years`` inside the policy's window, at a
    contracted hospital, for an illness, with a valid route: local, a referral, or an emergency
    reported the day after admission; ``special_outpatient_share`` of them are special
    outpatient claims (第二十一条). Abroad (第三十一条(六)) is never approvable, so it is left
    out of ``regions`` here."""
    year = draw(st.sampled_from(tuple(years)))
    first = max(date(year, 1, 1), IN_FORCE_FIRST)
    last = min(date(year, 12, 31), IN_FORCE_LAST)
    discharged = draw(st.dates(first, last))
    admitted = discharged - timedelta(days=draw(st.integers(0, 20)))
    total = _totals(draw, high_cost_share)
    if draw(st.integers(0, 999)) < round(special_outpatient_share * 1000):
        return _special_outpatient(draw, claim_id, admitted, discharged, total)
    full_self_pay, pre_self_pay = _self_pays(draw, total)
    region = draw(st.sampled_from([r for r in regions if r is not Region.ABROAD] or [Region.LOCAL]))
    route: Route | None = None
    reported = None
    if region is not Region.LOCAL:
        route = draw(st.sampled_from([Route.REFERRAL, Route.REFERRAL, Route.EMERGENCY]))
        if route is Route.EMERGENCY:
            reported = admitted + timedelta(days=1)
    return Claim(
        id=claim_id,
        type=ClaimType.INPATIENT,
        admitted_on=admitted,
        discharged_on=discharged,
        total=total,
        hospital=Hospital(
            level=draw(st.sampled_from(Level)),
            region=region,
            contracted=True,
            provincial=draw(st.booleans()),
        ),
        route=route,
        settlement=draw(st.sampled_from(Settlement)),
        maternity=draw(st.integers(0, 8)) == 0,
        emergency_reported_on=reported,
        full_self_pay=full_self_pay,
        pre_self_pay=pre_self_pay,
    )


@st.composite
def claims(
    draw: st.DrawFn,
    claim_id: str = "C1",
    *,
    approved_share: float = 0.0,
    high_cost_share: float = 0.1,
    regions: Sequence[Region] = ALL_REGIONS,
    routes: Sequence[Route | None] = ALL_ROUTES,
    years: Sequence[int] = IN_FORCE_YEARS,
) -> Claim:
    """A claim of any kind. With ``approved_share`` that share is drawn by
    :func:`approvable_claims` (approved when the person is covered); the rest reach every
    route, reason and date, in the policy's window or near it."""
    if draw(st.integers(0, 999)) < round(approved_share * 1000):
        return draw(
            approvable_claims(
                claim_id, high_cost_share=high_cost_share, regions=regions, years=years
            )
        )
    window = st.dates(IN_FORCE_FIRST, IN_FORCE_LAST)
    admitted = draw(st.one_of(window, window, window, st.dates(FIRST_DAY, LAST_DAY)))
    discharged = admitted + timedelta(days=draw(st.integers(0, 40)))
    total = _totals(draw, high_cost_share)
    if draw(st.integers(0, 5)) == 0:
        return _special_outpatient(draw, claim_id, admitted, discharged, total)
    full_self_pay, pre_self_pay = _self_pays(draw, total)
    region = draw(st.sampled_from(tuple(regions)))
    reported = None
    route = draw(st.sampled_from(tuple(routes)))
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


def covering_history() -> tuple[ContributionRecord, ...]:
    """Contributions from January 2010 through December 2022: covered (第七条) in every month
    of the policy's window."""
    return (ContributionRecord(Month.of(2010, 1), Month.of(2022, 12), Decimal("5000.00")),)


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
def bundles(
    draw: st.DrawFn,
    max_claims: int = 6,
    with_ytd: bool = True,
    *,
    approved_share: float = 0.6,
    high_cost_share: float = 0.1,
    regions: Sequence[Region] = ALL_REGIONS,
    routes: Sequence[Route | None] = ALL_ROUTES,
    statuses: Sequence[Status] = tuple(Status),
    years: Sequence[int] = IN_FORCE_YEARS,
) -> Bundle:
    """A person, their contributions, an optional ledger and up to ``max_claims`` claims.

    With ``approved_share`` > 0 the person is, in that share of bundles, one whose claims can
    be approved: covered in every month of the window (:func:`covering_history`), never 离休;
    their claims are then drawn with that ``approved_share`` (see the module's knobs).
    """
    approvable = draw(st.integers(0, 999)) < round(approved_share * 1000)
    person_statuses = [s for s in statuses if s is not Status.LIXIU] if approvable else statuses
    person = draw(persons(statuses=person_statuses))
    history = covering_history() if approvable else draw(contribution_histories())
    count = draw(st.integers(1, max_claims))
    drawn = [
        draw(
            claims(
                f"C{index}",
                approved_share=approved_share if approvable else 0.0,
                high_cost_share=high_cost_share,
                regions=regions,
                routes=routes,
                years=years,
            )
        )
        for index in range(count)
    ]
    ytd = None
    if with_ytd and draw(st.integers(0, 3)) == 0:
        ytd = draw(ledgers(draw(st.sampled_from(sorted({c.year for c in drawn})))))
    return Bundle(person, history, ytd, tuple(drawn))


@attrs.frozen
class Operation:
    """One step of a settlement's life (specification §18): ``settle`` a claim (its first
    settlement, or after a reversal its corrected content: a re-settlement, 更正), ``reverse``
    the settlement in effect of ``claim_id`` (结算撤销), or ``clear`` a ``year`` (年终清算)."""

    kind: str
    claim: Claim | None = None
    claim_id: str | None = None
    year: int | None = None


@attrs.frozen
class SettlementLife:
    """A person, their contributions and a sequence of operations on their claims."""

    person: Person
    contributions: tuple[ContributionRecord, ...]
    operations: tuple[Operation, ...]


@st.composite
def settlement_lives(
    draw: st.DrawFn,
    max_claims: int = 4,
    max_operations: int = 10,
    *,
    high_cost_share: float = 0.3,
    regions: Sequence[Region] = ALL_REGIONS,
    years: Sequence[int] = (2019,),
) -> SettlementLife:
    """A covered person's claims settled, then reversed, re-settled with corrected totals and
    cleared in any order: every operation valid where it stands (a reversal only of a claim in
    effect, a settlement only of a claim not in effect). ``high_cost_share`` (default 0.3) makes
    the caps and the subsidy's cumulative method matter; ``years`` the discharge years."""
    person = draw(persons(statuses=()))
    claims = [
        draw(
            approvable_claims(
                f"L{index}", high_cost_share=high_cost_share, regions=regions, years=years
            )
        )
        for index in range(draw(st.integers(1, max_claims)))
    ]
    operations = [Operation("settle", claim=claim) for claim in claims]
    in_effect = {claim.id for claim in claims}
    for _ in range(draw(st.integers(0, max_operations))):
        choice = draw(st.sampled_from(("reverse", "settle", "clear")))
        if choice == "reverse" and in_effect:
            claim_id = draw(st.sampled_from(sorted(in_effect)))
            in_effect.discard(claim_id)
            operations.append(Operation("reverse", claim_id=claim_id))
        elif choice == "settle" and len(in_effect) < len(claims):
            claim = draw(st.sampled_from([c for c in claims if c.id not in in_effect]))
            total = draw(st.integers(0, int(claim.total * 100))) if claim.total else 0
            corrected = attrs.evolve(
                claim,
                total=Decimal(total).scaleb(-2),
                full_self_pay=ZERO,
                pre_self_pay=ZERO,
                other_fund=None if claim.other_fund is None else ZERO,
            )
            in_effect.add(claim.id)
            operations.append(Operation("settle", claim=corrected))
        elif choice == "clear":
            operations.append(Operation("clear", year=draw(st.sampled_from(tuple(years)))))
    return SettlementLife(person, covering_history(), tuple(operations))
