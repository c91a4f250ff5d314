"""The fold over a person's claims: ``settle(claim, ledger) -> (result, ledger')``.

Pure functions over frozen values. A bundle's claims are settled in the order of the
specification (§3: discharge date, admission date, claim id), each against the ledger the
previous one left for its settlement year (第十五条). One claim's settlement reads as the
measures do: the policy in force (第三十九条), who is covered (第七条, 第十二条), the stay's
exclusions and route (第二十二条–第三十一条), the funds (第十七条, 第十八条, 第二十条, 第二十一条),
the secondary subsidy (第二十六条), the special groups (第二十八条–第三十条).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache

import attrs

from yzmedins.errors import InputError
from yzmedins.model import (
    AppliedRule,
    Bundle,
    Claim,
    ClaimResult,
    ClaimStatus,
    ClaimType,
    ContributionRecord,
    Ledger,
    Person,
    Reason,
    RecordKind,
    RouteKind,
    Settlement,
    Status,
    StepCode,
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
from yzmedins.rules.subsidy import ledger_after, settle_subsidy
from yzmedins.validation import check_bundle

__all__ = [
    "PersonHistory",
    "adjudicate_bundle",
    "adjudicate_claim",
    "first_setl_id",
    "settle",
    "settle_in_order",
    "settle_sequence",
]

#: Articles cited by trace steps that do not come from a parameter.
ART_CATALOGUE_SCOPE = 16  # 第十六条 用药、诊疗项目、医疗服务设施范围 (政策范围内费用)
ART_PERSONAL_SHARE = 18  # 第十八条 起付标准以下部分由个人自负 … 以上部分由个人负担
ART_SPECIAL_DISEASE = 21  # 第二十一条 特殊病种
ART_VETERAN = 28  # 第二十八条
ART_CIVIL_SERVANT = 29  # 第二十九条
ART_MODEL_WORKER = 30  # 第三十条

FLAG_VETERAN = "veteran_benefits"
FLAG_CIVIL_SERVANT_SUBSIDY = "civil_servant_subsidy"


@attrs.frozen
class PersonHistory:
    """A person and their contribution history, with the runs derived once per policy."""

    person: Person
    contributions: tuple[ContributionRecord, ...]
    _runs: dict[Policy, tuple[Run, ...]] = attrs.field(
        factory=dict, init=False, eq=False, repr=False
    )
    flags: tuple[str, ...] = attrs.field(init=False, eq=False, repr=False)

    @flags.default
    def _person_flags(self) -> tuple[str, ...]:
        return _flags(self.person)

    #: What coverage gives each admission month (and side of the retirement day), per policy:
    #: the reasons and trace step of :func:`_coverage`, which do not depend on the claim's
    #: amounts, computed once for the person's claims of one month.
    _covered: dict[tuple[Policy, int, int, bool], tuple[tuple[Reason, ...], TraceStep | None]] = (
        attrs.field(factory=dict, init=False, eq=False, repr=False)
    )

    def runs(self, policy: Policy) -> tuple[Run, ...]:
        runs = self._runs.get(policy)
        if runs is None:
            runs = self._runs[policy] = contribution_runs(self.contributions, policy)
        return runs

    def coverage(
        self, policy: Policy, admitted_on: date
    ) -> tuple[tuple[Reason, ...], TraceStep | None]:
        """第二十七条 and 第七条/第十二条 for an admission: the reasons it fails them, or the
        trace step saying it is covered. The same for every day of a month on one side of the
        retirement day (a retiree's coverage changes on that day)."""
        retired_on = self.person.retired_on
        key = (
            policy,
            admitted_on.year,
            admitted_on.month,
            retired_on is not None and admitted_on >= retired_on,
        )
        known = self._covered.get(key)
        if known is None:
            known = self._covered[key] = _coverage_of(self.person, self.runs(policy), admitted_on,
                                                      policy)  # fmt: skip
        return known


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
        code=StepCode.IN_FORCE,
    )


def first_setl_id(claim_id: str) -> str:
    """The id of a claim's first record (``"C1/1"``)."""
    return f"{claim_id}/1"


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


@attrs.frozen
class _Funds:
    """What the funds pay on one approved claim, before the subsidy."""

    deductible: Decimal
    basic_rate: Decimal
    catastrophic_rate: Decimal
    basic_fund: Decimal
    catastrophic_fund: Decimal
    other_fund: Decimal
    banded: Decimal


_NOTHING_PAID = _Funds(ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO)


def settle(
    history: PersonHistory,
    claim: Claim,
    ledger: Ledger | None,
    policies: PolicySet,
    setl_id: str | None = None,
) -> tuple[ClaimResult, Ledger]:
    """Adjudicate one validated claim against the ledger; return its settlement record (with
    ``setl_id``, by default the claim's first) and the new ledger."""
    ledger = _ledger_for(claim, ledger)
    trace: list[TraceStep] = []
    policy, reasons = _policy_in_force(claim, policies, trace)
    in_force = not reasons
    reasons += _coverage(history, claim, policy, trace)
    routing: Routing | None = None
    if claim.type is ClaimType.INPATIENT:
        hospital = claim.hospital
        if hospital is None:
            raise InputError("is required on an inpatient claim", "hospital")
        reasons.extend(stay_exclusions(claim, hospital))
        routing = route_stay(history.person, claim, hospital, policy, in_force)
        reasons.extend(routing.reasons)
    setl_id = setl_id or first_setl_id(claim.id)
    if reasons:
        return _rejected(history, claim, ledger, reasons, routing, trace, setl_id), ledger
    funds = _funds_paid(claim, routing, ledger, policy, trace)
    paid = funds.basic_fund + funds.catastrophic_fund + funds.other_fund
    subsidy = settle_subsidy(claim, paid, ledger, policy)
    trace.extend(subsidy.trace)
    in_scope = claim.eligible - paid
    trace.extend(_special_groups(history, in_scope))
    personal_cash = claim.total - paid - subsidy.subsidy
    trace.append(
        TraceStep(
            ART_SPECIAL_DISEASE if routing is None else ART_PERSONAL_SHARE,
            "personal cash = total − fund total",
            personal_cash,
            code=StepCode.PERSONAL_CASH,
        )
    )
    after = ledger_after(
        ledger,
        basic_fund=funds.basic_fund,
        catastrophic_fund=funds.catastrophic_fund,
        burden=subsidy.self_burden,
        subsidy=subsidy.subsidy,
        banded=funds.banded,
    )
    result = _record(
        history,
        claim,
        setl_id=setl_id,
        status=ClaimStatus.APPROVED,
        reasons=(),
        funds=funds,
        subsidy=subsidy.subsidy,
        personal_cash=personal_cash,
        self_burden=subsidy.self_burden,
        in_scope_self_burden=in_scope,
        flags=history.flags,
        ytd=after,
        trace=trace,
        routing=routing,
    )
    return result, after


def _policy_in_force(
    claim: Claim, policies: PolicySet, trace: list[TraceStep]
) -> tuple[Policy, list[Reason]]:
    """第三十九条: the policy in force on the discharge date; outside every window, the nearest
    one (for the other checks) and ``NOT_IN_FORCE``."""
    policy = policies.in_force(claim.discharged_on)
    if policy is not None:
        trace.append(_in_force_step(policy, claim.year))
        return policy, []
    message = f"discharged {claim.discharged_on.isoformat()}, outside every policy in force"
    return policies.nearest(claim.discharged_on), [reason(NOT_IN_FORCE, message)]


def _coverage(
    history: PersonHistory, claim: Claim, policy: Policy, trace: list[TraceStep]
) -> list[Reason]:
    """第二十七条 离休 (separate funding), then 第七条/第十二条 coverage of the admission month."""
    reasons, step = history.coverage(policy, claim.admitted_on)
    if step is not None:
        trace.append(step)
    return list(reasons)


def _coverage_of(
    person: Person, runs: tuple[Run, ...], admitted_on: date, policy: Policy
) -> tuple[tuple[Reason, ...], TraceStep | None]:
    reasons: list[Reason] = []
    lixiu_reason = lixiu(person)
    if lixiu_reason is not None:
        reasons.append(lixiu_reason)
    decision = coverage_on(person, runs, admitted_on, policy)
    if decision.coverage is Coverage.WAITING:
        reasons.append(reason(WAITING_PERIOD, decision.explanation))
    elif decision.coverage is Coverage.NONE:
        reasons.append(reason(NOT_INSURED, decision.explanation))
    else:
        step = TraceStep(
            policy.cite("coverage.waiting_months").article,
            decision.explanation,
            code=StepCode.COVERED,
        )
        return tuple(reasons), step
    return tuple(reasons), None


def _funds_paid(
    claim: Claim,
    routing: Routing | None,
    ledger: Ledger,
    policy: Policy,
    trace: list[TraceStep],
) -> _Funds:
    """第十六条 eligible; a stay's deductible, bands and caps (第十七条, 第十八条, 第二十条); a
    special outpatient claim's payment under the special-disease rules (第二十一条)."""
    eligible = claim.eligible
    trace.append(
        TraceStep(
            ART_CATALOGUE_SCOPE,
            "eligible (政策范围内费用) = total − full_self_pay − pre_self_pay",
            eligible,
            code=StepCode.ELIGIBLE,
        )
    )
    if routing is None:
        other = claim.other_fund if claim.other_fund is not None else ZERO
        trace.append(
            TraceStep(
                ART_SPECIAL_DISEASE,
                "special outpatient: paid under special-disease rules",
                other,
                code=StepCode.SPECIAL_OUTPATIENT,
            )
        )
        return attrs.evolve(_NOTHING_PAID, other_fund=other)
    benefits = settle_stay(eligible, claim.maternity, routing, ledger, policy)
    trace.extend(benefits.trace)
    return _Funds(
        deductible=benefits.deductible,
        basic_rate=routing.rates.basic,
        catastrophic_rate=routing.rates.catastrophic,
        basic_fund=benefits.basic_fund,
        catastrophic_fund=benefits.catastrophic_fund,
        other_fund=ZERO,
        banded=benefits.banded,
    )


def _special_groups(history: PersonHistory, in_scope: Decimal) -> list[TraceStep]:
    """第二十八条–第三十条: benefits paid under separate rules, traced without amounts invented
    (the in-scope self-burden is the base of the civil-servant subsidy)."""
    steps: list[TraceStep] = []
    if FLAG_VETERAN in history.flags:
        steps.append(
            TraceStep(
                ART_VETERAN,
                "一至六级革命伤残军人: benefits under separate rules",
                code=StepCode.VETERAN,
            )
        )
    if FLAG_CIVIL_SERVANT_SUBSIDY in history.flags:
        statuses = history.person.statuses
        article = ART_CIVIL_SERVANT if Status.CIVIL_SERVANT in statuses else ART_MODEL_WORKER
        steps.append(
            TraceStep(
                article,
                "in-scope self-burden (政策内自负), base of the civil-servant subsidy",
                in_scope,
                code=StepCode.CIVIL_SERVANT_BASE,
            )
        )
    return steps


def _rejected(
    history: PersonHistory,
    claim: Claim,
    ledger: Ledger,
    reasons: Sequence[Reason],
    routing: Routing | None,
    trace: list[TraceStep],
    setl_id: str,
) -> ClaimResult:
    """A rejected claim pays nothing and leaves the ledger as it was. The whole total is the
    patient's: not a rule of one article but the consequence of the reasons listed, so that
    step cites none."""
    for item in reasons:
        trace.append(
            TraceStep(
                item.article,
                f"rejected {item.code}: {item.message}",
                None,
                code=StepCode.REJECTED,
            )
        )
    trace.append(
        TraceStep(
            None,
            "personal cash: the whole total (the claim is rejected)",
            claim.total,
            code=StepCode.REJECTED_PERSONAL_CASH,
        )
    )
    return _record(
        history,
        claim,
        setl_id=setl_id,
        status=ClaimStatus.REJECTED,
        reasons=tuple(reasons),
        funds=_NOTHING_PAID,
        subsidy=ZERO,
        personal_cash=claim.total,
        self_burden=ZERO,
        in_scope_self_burden=ZERO,
        flags=(),
        ytd=ledger,
        trace=trace,
        routing=routing,
    )


def _record(
    history: PersonHistory,
    claim: Claim,
    *,
    setl_id: str,
    status: ClaimStatus,
    reasons: tuple[Reason, ...],
    funds: _Funds,
    subsidy: Decimal,
    personal_cash: Decimal,
    self_burden: Decimal,
    in_scope_self_burden: Decimal,
    flags: tuple[str, ...],
    ytd: Ledger,
    trace: list[TraceStep],
    routing: Routing | None,
) -> ClaimResult:
    """The settlement record of a claim, approved or rejected, with the claim's facts."""
    hospital = claim.hospital if claim.type is ClaimType.INPATIENT else None
    if status is ClaimStatus.REJECTED:
        applied = AppliedRule.NONE
    elif routing is None:
        applied = AppliedRule.SPECIAL_OUTPATIENT
    else:
        applied = routing.applied_rule
    return ClaimResult(
        record=RecordKind.SETTLEMENT,
        setl_id=setl_id,
        reverses=None,
        corrects=None,
        claim_id=claim.id,
        person_id=history.person.id,
        status=status,
        reasons=reasons,
        year=claim.year,
        category=history.person.category,
        type=claim.type,
        admitted_on=claim.admitted_on,
        discharged_on=claim.discharged_on,
        hospital_level=None if hospital is None else hospital.level,
        hospital_region=None if hospital is None else hospital.region,
        route=claim.route if hospital is not None else None,
        settlement=claim.settlement if hospital is not None else Settlement.DIRECT,
        maternity=claim.maternity,
        applied_rule=applied,
        total=claim.total,
        full_self_pay=claim.full_self_pay,
        pre_self_pay=claim.pre_self_pay,
        eligible=claim.eligible,
        deductible=funds.deductible,
        basic_rate=funds.basic_rate,
        catastrophic_rate=funds.catastrophic_rate,
        basic_fund=funds.basic_fund,
        catastrophic_fund=funds.catastrophic_fund,
        other_fund=funds.other_fund,
        secondary_subsidy=subsidy,
        fund_total=funds.basic_fund + funds.catastrophic_fund + funds.other_fund + subsidy,
        personal_cash=personal_cash,
        self_burden=self_burden,
        in_scope_self_burden=in_scope_self_burden,
        banded=funds.banded,
        flags=flags,
        ytd=ytd,
        trace=tuple(trace),
        route_kind=RouteKind.SPECIAL_OUTPATIENT if routing is None else routing.kind,
    )


def settle_sequence(
    file: PersonHistory,
    claims: Iterable[tuple[int, Claim]],
    ledgers: Mapping[int, Ledger],
    policies: PolicySet,
    setl_ids: Mapping[str, str] | None = None,
) -> tuple[list[ClaimResult], dict[int, Ledger]]:
    """Settle ``(index, claim)`` pairs in the settlement order (§3) against ``ledgers`` (by year).

    ``setl_ids`` gives, by claim id, the settlement id of a claim settled again (by default
    each claim's first). Returns the results in that order and the ledgers after them; an
    :class:`InputError` names the claim by its index (``claims[index]``).
    """
    after = dict(ledgers)
    results: list[ClaimResult] = []
    given = setl_ids or {}
    for index, claim in sorted(claims, key=lambda pair: adjudication_order(pair[1])):
        try:
            result, after[claim.year] = settle(
                file, claim, after.get(claim.year), policies, given.get(claim.id)
            )
        except InputError as error:
            raise error.at(f"claims[{index}]") from None
        results.append(result)
    return results, after


def settle_in_order(
    file: PersonHistory, claims: Iterable[Claim], ytd: Ledger | None, policies: PolicySet
) -> list[ClaimResult]:
    """Settle a person's claims in the settlement order (§3), one ledger per settlement year."""
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
        PersonHistory(bundle.person, bundle.contributions), bundle.claims[0], bundle.ytd, policies
    )


def adjudicate_bundle(bundle: Bundle, *, policies: PolicySet | None = None) -> list[ClaimResult]:
    """Adjudicate every claim of a bundle in the settlement order (§3); results in that order."""
    policies = _policies(policies)
    if not isinstance(bundle, Bundle):
        raise InputError(f"expected a Bundle, got {type(bundle).__name__}")
    check_bundle(bundle, policies)
    return settle_in_order(
        PersonHistory(bundle.person, bundle.contributions), bundle.claims, bundle.ytd, policies
    )


def _policies(policies: PolicySet | None) -> PolicySet:
    if policies is None:
        return default_policies()
    if not isinstance(policies, PolicySet):
        raise TypeError(f"policies must be a PolicySet, not {type(policies).__name__}")
    return policies
