"""The fold over a person's claims: ``adjudicate(claim, ledger) -> (result, ledger')``.

Pure functions over frozen values. A bundle's claims are settled in the order of RULES §2
(discharge date, admission date, claim id), each against the ledger the previous one left for
its settlement year (第十五条).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

import attrs

from yzmedins.errors import InputError
from yzmedins.model import (
    Bundle,
    Claim,
    ClaimResult,
    ClaimStatus,
    ClaimType,
    ContributionRecord,
    Ledger,
    Person,
    Reason,
    RouteKind,
    Status,
    TraceStep,
    adjudication_order,
)
from yzmedins.money import ZERO
from yzmedins.policy import Policy, PolicySet, default_policies
from yzmedins.rules.benefits import settle_stay
from yzmedins.rules.coverage import Coverage, coverage_on
from yzmedins.rules.exclusions import lixiu, stay_exclusions
from yzmedins.rules.months import Run, contribution_runs
from yzmedins.rules.reasons import NOT_IN_FORCE, NOT_INSURED, WAITING_PERIOD, reason
from yzmedins.rules.routing import Routing, route_stay
from yzmedins.rules.subsidy import subsidy_increment
from yzmedins.validation import check_bundle

__all__ = [
    "PersonFile",
    "adjudicate_bundle",
    "adjudicate_claim",
    "settle",
    "settle_in_order",
    "settle_sequence",
]

#: Articles cited by trace steps that do not come from a parameter.
ART_CATALOGUE_SCOPE = 16  # 第十六条 用药、诊疗项目、医疗服务设施范围 (政策范围内费用)
ART_SPECIAL_DISEASE = 21  # 第二十一条 特殊病种
ART_VETERAN = 28  # 第二十八条
ART_CIVIL_SERVANT = 29  # 第二十九条
ART_MODEL_WORKER = 30  # 第三十条

FLAG_VETERAN = "veteran_benefits"
FLAG_CIVIL_SERVANT_SUBSIDY = "civil_servant_subsidy"


@attrs.frozen
class PersonFile:
    """A person and their contribution history, with the runs derived once per policy."""

    person: Person
    contributions: tuple[ContributionRecord, ...]
    _runs: dict[str, tuple[Run, ...]] = attrs.field(factory=dict, init=False, eq=False, repr=False)
    flags: tuple[str, ...] = attrs.field(init=False, eq=False, repr=False)

    @flags.default
    def _person_flags(self) -> tuple[str, ...]:
        return _flags(self.person)

    def runs(self, policy: Policy) -> tuple[Run, ...]:
        runs = self._runs.get(policy.id)
        if runs is None:
            runs = self._runs[policy.id] = contribution_runs(self.contributions, policy)
        return runs


#: Trace steps naming the policy in force, per (policy, settlement year): a handful per
#: policy; the bound keeps a long-running process that builds policy sets anew flat.
IN_FORCE_STEP_CACHE_SIZE = 256


@lru_cache(maxsize=IN_FORCE_STEP_CACHE_SIZE)
def _in_force_step(policy: Policy, year: int) -> TraceStep:
    """第三十九条: the trace step naming the policy in force (shared: trace steps are values)."""
    return TraceStep(
        policy.cite("in_force.from").article,
        f"{policy.document} in force {policy.in_force_from.isoformat()}.."
        f"{policy.in_force_to.isoformat()}; settlement year {year}",
    )


def _ledger_for(claim: Claim, ledger: Ledger | None) -> Ledger:
    """第十五条: the ledger of the claim's settlement year; another year's starts from zero."""
    if ledger is not None and ledger.year == claim.year:
        return ledger
    return Ledger(claim.year)


def _flags(person: Person) -> tuple[str, ...]:
    """第二十八条–第三十条: flags for benefits paid under separate rules (no amounts invented)."""
    flags: list[str] = []
    if Status.DISABLED_VETERAN in person.statuses:
        flags.append(FLAG_VETERAN)
    if person.statuses & {Status.CIVIL_SERVANT, Status.MODEL_WORKER, Status.SPECIAL_ALLOWANCE}:
        flags.append(FLAG_CIVIL_SERVANT_SUBSIDY)
    return tuple(flags)


def _rejected(
    person: Person,
    claim: Claim,
    ledger: Ledger,
    reasons: Sequence[Reason],
    trace: list[TraceStep],
    route: RouteKind,
) -> ClaimResult:
    """RULES §8: a rejected claim pays nothing and leaves the ledger as it was."""
    for item in reasons:
        trace.append(TraceStep(item.article, f"rejected {item.code}: {item.message}", None))
    trace.append(TraceStep(reasons[0].article, "personal cash: the whole total", claim.total))
    return ClaimResult(
        claim_id=claim.id,
        person_id=person.id,
        status=ClaimStatus.REJECTED,
        reasons=tuple(reasons),
        year=claim.year,
        total=claim.total,
        full_self_pay=claim.full_self_pay,
        pre_self_pay=claim.pre_self_pay,
        eligible=claim.eligible,
        deductible=ZERO,
        basic_rate=ZERO,
        catastrophic_rate=ZERO,
        basic_fund=ZERO,
        catastrophic_fund=ZERO,
        other_fund=ZERO,
        secondary_subsidy=ZERO,
        fund_total=ZERO,
        personal_cash=claim.total,
        self_burden=ZERO,
        in_scope_self_burden=ZERO,
        flags=(),
        ytd=ledger,
        trace=tuple(trace),
        route=route,
    )


def settle(
    file: PersonFile, claim: Claim, ledger: Ledger | None, policies: PolicySet
) -> tuple[ClaimResult, Ledger]:
    """Adjudicate one validated claim against the ledger; return the result and new ledger."""
    person = file.person
    ledger = _ledger_for(claim, ledger)
    trace: list[TraceStep] = []
    reasons: list[Reason] = []
    policy = policies.in_force(claim.discharged_on)
    in_force = policy is not None
    if policy is None:
        policy = policies.nearest(claim.discharged_on)
        reasons.append(
            reason(
                NOT_IN_FORCE,
                f"discharged {claim.discharged_on.isoformat()}, outside every policy in force",
            )
        )
    else:
        trace.append(_in_force_step(policy, claim.year))
    lixiu_reason = lixiu(person)
    if lixiu_reason is not None:
        reasons.append(lixiu_reason)
    decision = coverage_on(person, file.runs(policy), claim.admitted_on, policy)
    if decision.coverage is Coverage.WAITING:
        reasons.append(reason(WAITING_PERIOD, decision.explanation))
    elif decision.coverage is Coverage.NONE:
        reasons.append(reason(NOT_INSURED, decision.explanation))
    else:
        trace.append(
            TraceStep(policy.cite("coverage.waiting_months").article, decision.explanation)
        )
    routing: Routing | None = None
    if claim.type is ClaimType.INPATIENT:
        hospital = claim.hospital
        if hospital is None:
            raise InputError("is required on an inpatient claim", "hospital")
        reasons.extend(stay_exclusions(claim, hospital))
        routing = route_stay(person, claim, hospital, policy, in_force)
        reasons.extend(routing.reasons)
    if reasons:
        route = RouteKind.SPECIAL_OUTPATIENT if routing is None else routing.kind
        return _rejected(person, claim, ledger, reasons, trace, route), ledger
    return _approved(file, claim, ledger, routing, policy, trace)


def _approved(
    file: PersonFile,
    claim: Claim,
    ledger: Ledger,
    routing: Routing | None,
    policy: Policy,
    trace: list[TraceStep],
) -> tuple[ClaimResult, Ledger]:
    eligible = claim.eligible
    trace.append(
        TraceStep(
            ART_CATALOGUE_SCOPE,
            "eligible (政策范围内费用) = total − full_self_pay − pre_self_pay",
            eligible,
        )
    )
    if routing is None:
        other = claim.other_fund if claim.other_fund is not None else ZERO
        deductible = basic = catastrophic = banded = ZERO
        basic_rate = catastrophic_rate = ZERO
        trace.append(
            TraceStep(
                ART_SPECIAL_DISEASE, "special outpatient: paid under special-disease rules", other
            )
        )
    else:
        other = ZERO
        benefits = settle_stay(eligible, claim.maternity, routing, ledger, policy)
        deductible, basic, catastrophic = (
            benefits.deductible,
            benefits.basic_fund,
            benefits.catastrophic_fund,
        )
        banded = benefits.banded
        basic_rate, catastrophic_rate = routing.rates.basic, routing.rates.catastrophic
        trace.extend(benefits.trace)
    burden = claim.total - claim.full_self_pay - basic - catastrophic - other
    subsidy = subsidy_increment(ledger.self_burden, burden, policy)
    subsidy_article = policy.cite("subsidy.rate").article
    trace.append(TraceStep(subsidy_article, "self-burden (个人自负, 全自费 excluded)", burden))
    trace.append(
        TraceStep(
            subsidy_article,
            f"secondary subsidy: S({ledger.self_burden + burden!s}) − S({ledger.self_burden!s})",
            subsidy,
        )
    )
    fund_total = basic + catastrophic + other + subsidy
    personal_cash = claim.total - fund_total
    in_scope = eligible - basic - catastrophic - other
    person = file.person
    flags = file.flags
    if FLAG_VETERAN in flags:
        trace.append(TraceStep(ART_VETERAN, "一至六级革命伤残军人: benefits under separate rules"))
    if FLAG_CIVIL_SERVANT_SUBSIDY in flags:
        article = ART_CIVIL_SERVANT if Status.CIVIL_SERVANT in person.statuses else ART_MODEL_WORKER
        trace.append(
            TraceStep(
                article,
                "in-scope self-burden (政策内自负), base of the civil-servant subsidy",
                in_scope,
            )
        )
    trace.append(TraceStep(subsidy_article, "personal cash = total − fund total", personal_cash))
    new_ledger = Ledger(
        year=ledger.year,
        basic_fund=ledger.basic_fund + basic,
        catastrophic_fund=ledger.catastrophic_fund + catastrophic,
        self_burden=ledger.self_burden + burden,
        secondary_subsidy=ledger.secondary_subsidy + subsidy,
        banded=ledger.banded + banded,
    )
    result = ClaimResult(
        claim_id=claim.id,
        person_id=person.id,
        status=ClaimStatus.APPROVED,
        reasons=(),
        year=claim.year,
        total=claim.total,
        full_self_pay=claim.full_self_pay,
        pre_self_pay=claim.pre_self_pay,
        eligible=eligible,
        deductible=deductible,
        basic_rate=basic_rate,
        catastrophic_rate=catastrophic_rate,
        basic_fund=basic,
        catastrophic_fund=catastrophic,
        other_fund=other,
        secondary_subsidy=subsidy,
        fund_total=fund_total,
        personal_cash=personal_cash,
        self_burden=burden,
        in_scope_self_burden=in_scope,
        flags=flags,
        ytd=new_ledger,
        trace=tuple(trace),
        route=RouteKind.SPECIAL_OUTPATIENT if routing is None else routing.kind,
    )
    return result, new_ledger


def settle_sequence(
    file: PersonFile,
    claims: Iterable[tuple[int, Claim]],
    ledgers: Mapping[int, Ledger],
    policies: PolicySet,
) -> tuple[list[ClaimResult], dict[int, Ledger]]:
    """Settle ``(index, claim)`` pairs in the RULES §2 order against ``ledgers`` (by year).

    Returns the results in that order and the ledgers after them; an :class:`InputError` names
    the claim by its index (``claims[index]``).
    """
    after = dict(ledgers)
    results: list[ClaimResult] = []
    for index, claim in sorted(claims, key=lambda pair: adjudication_order(pair[1])):
        try:
            result, after[claim.year] = settle(file, claim, after.get(claim.year), policies)
        except InputError as error:
            raise error.at(f"claims[{index}]") from None
        results.append(result)
    return results, after


def settle_in_order(
    file: PersonFile, claims: Iterable[Claim], ytd: Ledger | None, policies: PolicySet
) -> list[ClaimResult]:
    """Settle a person's claims in the RULES §2 order, one ledger per settlement year."""
    ledgers = {} if ytd is None else {ytd.year: ytd}
    return settle_sequence(file, enumerate(claims), ledgers, policies)[0]


def adjudicate_claim(
    person: Person,
    contributions: Iterable[ContributionRecord],
    claim: Claim,
    ledger: Ledger | None = None,
    *,
    policies: PolicySet | None = None,
) -> tuple[ClaimResult, Ledger]:
    """Adjudicate one claim for a hospital billing system, in real time.

    ``ledger`` is the person's year-to-date ledger as recorded (``None``, or a ledger of another
    year, starts the claim's settlement year from zero). Returns the result and the new ledger;
    nothing else changes, so pre-settlement and settlement are the same call. Raises
    :class:`~yzmedins.errors.InputError` naming the field for invalid input (``person``,
    ``contributions[i]``, ``claims[0]``, ``ytd``, as in a bundle).
    """
    policies = _policies(policies)
    if contributions is None:
        raise InputError(
            "expected ContributionRecords (an empty list for none), got None", "contributions"
        )
    bundle = Bundle(person, tuple(contributions), ledger, (claim,))
    check_bundle(bundle, policies)
    return settle(
        PersonFile(bundle.person, bundle.contributions), bundle.claims[0], bundle.ytd, policies
    )


def adjudicate_bundle(bundle: Bundle, *, policies: PolicySet | None = None) -> list[ClaimResult]:
    """Adjudicate every claim of a bundle in the RULES §2 order; results in that order."""
    policies = _policies(policies)
    if not isinstance(bundle, Bundle):
        raise InputError(f"expected a Bundle, got {type(bundle).__name__}")
    check_bundle(bundle, policies)
    return settle_in_order(
        PersonFile(bundle.person, bundle.contributions), bundle.claims, bundle.ytd, policies
    )


def _policies(policies: PolicySet | None) -> PolicySet:
    if policies is None:
        return default_policies()
    if not isinstance(policies, PolicySet):
        raise TypeError(f"policies must be a PolicySet, not {type(policies).__name__}")
    return policies
