"""第十七条, 第二十三条, 第二十四条, 第二十五条 — which deductible and rates apply to a stay.

第二十三条 参保人员因病情确需转诊转院治疗的 … (1) 到省内市外医院就医的,本统筹地区基本医疗基金
支付 80%,大病医疗互助基金支付 85%。(2) 到省外医院就医的 … 支付 70% … 75%。(3) … 回参保地后台
核报的,基金支付比就医医院网结的少 10%。(4) 未按规定办理转诊转院手续的原则上不予报账。

第二十四条 异地安置人员在安置地市级协议医疗机构住院治疗的,按参保地规定核报;在省级三级协议医疗
机构住院治疗的,按转省内市外医院规定核报。

第二十五条 参保人员因公出差或探亲期间在市外异地患病需急诊抢救住院的,应在三个工作日内向医保经办
机构申报审批,经核实批准后,其发生的符合报账规定的住院医疗费用按转外医院规定核报。
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

import attrs

from yzmedins.calendar import CalendarCoverageError, check_covered, working_day_after
from yzmedins.model import (
    AppliedRule,
    Claim,
    Hospital,
    Level,
    Person,
    Reason,
    Region,
    Route,
    RouteKind,
    Settlement,
)
from yzmedins.policy import Citation, Policy, Rates, ReductionReading
from yzmedins.rules.reasons import overdue, unreferred


@attrs.frozen
class Routing:
    """The rule a stay is settled under: per-admission deductible and the two fund rates."""

    kind: RouteKind
    applied_rule: AppliedRule
    description: str
    deductible: Decimal
    deductible_citation: Citation
    rates: Rates
    rates_citation: Citation
    reasons: tuple[Reason, ...] = ()


#: Routings are values: one per policy and situation is built, then shared. The caches key on
#: the (hashable) policy value and hold at most this many routings each: a policy has a few
#: dozen situations, and a long-running process that builds policy sets anew (``with_options``
#: per call) reuses the entries of equal policies and never grows past the bound.
ROUTING_CACHE_SIZE = 1024


def local_routing(
    level: Level, policy: Policy, description: str, kind: RouteKind = RouteKind.LOCAL
) -> Routing:
    """第十七条/第十八条 本统筹地区: deductible by hospital level, 90% / 95%."""
    return _local_routing(level, policy, description, kind)


@lru_cache(maxsize=ROUTING_CACHE_SIZE)
def _local_routing(level: Level, policy: Policy, description: str, kind: RouteKind) -> Routing:
    return Routing(
        kind=kind,
        applied_rule=AppliedRule.LOCAL,
        description=description,
        deductible=policy.deductible_by_level[level.value],
        deductible_citation=policy.cite(f"deductible.{level.value}"),
        rates=policy.rates_local,
        rates_citation=policy.cite("rates.local.basic"),
    )


def reimbursement_rates(rates: Rates, policy: Policy) -> Rates:
    """第二十三条(3) 回参保地后台核报的,基金支付比就医医院网结的少 10%."""
    reduction = policy.reimbursement_reduction
    if policy.reduction_reading is ReductionReading.RELATIVE:
        factor = 1 - reduction
        return Rates(rates.basic * factor, rates.catastrophic * factor)
    return Rates(rates.basic - reduction, rates.catastrophic - reduction)


def referral_routing(
    region: Region,
    settlement: Settlement,
    policy: Policy,
    description: str,
    kind: RouteKind | None = None,
) -> Routing:
    """第二十三条(1)(2)(3): deductible 1200 (第十七条), rates by region, less when reimbursed."""
    return _referral_routing(region, settlement, policy, description, kind)


@lru_cache(maxsize=ROUTING_CACHE_SIZE)
def _referral_routing(
    region: Region,
    settlement: Settlement,
    policy: Policy,
    description: str,
    kind: RouteKind | None,
) -> Routing:
    if region is Region.IN_PROVINCE:
        rates, key = policy.rates_in_province, "rates.in_province.basic"
        kind = kind or RouteKind.REFERRAL_IN_PROVINCE
        applied = AppliedRule.REFERRAL_IN_PROVINCE
    else:
        rates, key = policy.rates_out_of_province, "rates.out_of_province.basic"
        kind = kind or RouteKind.REFERRAL_OUT_OF_PROVINCE
        applied = AppliedRule.REFERRAL_OUT_OF_PROVINCE
    citation = policy.cite(key)
    if settlement is Settlement.REIMBURSEMENT:
        rates = reimbursement_rates(rates, policy)
        citation = policy.cite("rates.reimbursement.reduction")
        description += ", settled by reimbursement (回参保地后台核报)"
    return Routing(
        kind=kind,
        applied_rule=applied,
        description=description,
        deductible=policy.deductible_outside_region,
        deductible_citation=policy.cite("deductible.outside_region"),
        rates=rates,
        rates_citation=citation,
    )


def emergency_report_deadline(admitted_on: date, policy: Policy) -> date:
    """第二十五条 应在三个工作日内 … 申报: the third PRC working day after admission.

    Raises :class:`CalendarCoverageError` (an input error on ``admitted_on``) when the
    working-day calendar does not cover the admission date or the days after it: the deadline
    is never guessed.
    """
    try:
        check_covered(admitted_on)
        return working_day_after(admitted_on, policy.emergency_report_working_days)
    except CalendarCoverageError as error:
        raise CalendarCoverageError(error.message, "admitted_on") from None


def route_stay(
    person: Person, claim: Claim, hospital: Hospital, policy: Policy, in_force: bool
) -> Routing:
    """Which rule settles an inpatient stay, and the routing failures (specification §5).

    A stay outside the pooling region needs a valid route: a referral, a relocation in force on
    the admission date, or an emergency reported in time (checked only on claims in force).
    Without one it is ``UNREFERRED`` (第二十三条(4)) or ``OVERDUE`` (第三十一条(八)) — unless the
    agency approved an exception, which settles it as a referral to its region.
    """
    if hospital.region is Region.LOCAL:
        return local_routing(hospital.level, policy, f"local {hospital.level.value} hospital")
    region_text = hospital.region.value.replace("_", " ")
    route = claim.route
    failure: Reason | None = None
    if route is Route.REFERRAL:
        return referral_routing(
            hospital.region, claim.settlement, policy, f"referral, {region_text}"
        )
    if route is Route.RELOCATED:
        since = person.relocated_since
        if since is not None and since <= claim.admitted_on:
            if hospital.provincial and hospital.level is Level.TERTIARY:
                return referral_routing(
                    Region.IN_PROVINCE,
                    claim.settlement,
                    policy,
                    "relocated, provincial tertiary hospital: as referral in province",
                    RouteKind.RELOCATED,
                )
            return local_routing(
                hospital.level,
                policy,
                f"relocated, {hospital.level.value} hospital: by the rules of the pooling region",
                RouteKind.RELOCATED,
            )
        failure = unreferred("relocation (异地安置) not registered on or before admission")
    elif route is Route.EMERGENCY:
        # The deadline is checked only on claims in force; elsewhere it is not computed.
        deadline = emergency_report_deadline(claim.admitted_on, policy) if in_force else None
        reported = claim.emergency_reported_on
        if deadline is None or (reported is not None and reported <= deadline):
            return referral_routing(
                hospital.region,
                claim.settlement,
                policy,
                f"emergency, {region_text}",
                RouteKind.EMERGENCY,
            )
        failure = overdue(
            f"emergency reported {reported.isoformat()}, after the deadline {deadline.isoformat()}"
            if reported is not None
            else f"emergency not reported (deadline {deadline.isoformat()})"
        )
    else:
        failure = unreferred(f"stay {region_text} without referral")
    if claim.exception_approved:
        return referral_routing(
            hospital.region,
            claim.settlement,
            policy,
            f"exception approved: as referral, {region_text}",
        )
    approved_as = referral_routing(hospital.region, claim.settlement, policy, region_text)
    return attrs.evolve(approved_as, reasons=(failure,))
