"""The values the rules work on: persons, contributions, claims, ledgers, results.

Every class is a frozen, slotted attrs class without behaviour of its own; untrusted input is
validated once, at the edge (:mod:`yzmedins.io.codec`), before any of these is built. Money is
``Decimal`` with two places everywhere (RULES §1).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

import attrs

from yzmedins.money import ZERO


class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


class Category(StrEnum):
    """``employee`` (在职职工), ``flexible`` (灵活就业人员), ``retiree`` (退休职工)."""

    EMPLOYEE = "employee"
    FLEXIBLE = "flexible"
    RETIREE = "retiree"


class FemaleClass(StrEnum):
    """第十一条: 女干部 (``cadre``) retire at 55, 女工人 (``worker``) at 50."""

    CADRE = "cadre"
    WORKER = "worker"


class Status(StrEnum):
    LIXIU = "lixiu"  # 离休, 第二十七条
    DISABLED_VETERAN = "disabled_veteran"  # 一至六级革命伤残军人, 第二十八条
    CIVIL_SERVANT = "civil_servant"  # 国家公务员, 第二十九条
    MODEL_WORKER = "model_worker"  # 省以上劳模, 第三十条
    SPECIAL_ALLOWANCE = "special_allowance"  # 享受国家特殊津贴, 第三十条
    HARDSHIP_ENTERPRISE = "hardship_enterprise"  # 湘劳社政字〔2007〕11号, 第十四条


class ClaimType(StrEnum):
    INPATIENT = "inpatient"
    SPECIAL_OUTPATIENT = "special_outpatient"  # 特殊门诊, 第二十一条


class Level(StrEnum):
    TERTIARY = "tertiary"
    SECONDARY = "secondary"
    PRIMARY = "primary"
    COMMUNITY = "community"  # 乡镇卫生院/社区服务中心


class Region(StrEnum):
    LOCAL = "local"  # 本统筹地区
    IN_PROVINCE = "in_province"  # 省内市外
    OUT_OF_PROVINCE = "out_of_province"  # 省外
    ABROAD = "abroad"  # 境外及港澳台


class Route(StrEnum):
    REFERRAL = "referral"  # 转诊转院, 第二十三条
    RELOCATED = "relocated"  # 长期异地安置, 第二十四条
    EMERGENCY = "emergency"  # 因公出差/探亲 急诊抢救, 第二十五条


class Settlement(StrEnum):
    DIRECT = "direct"  # 就医医院直接联网结算
    REIMBURSEMENT = "reimbursement"  # 回参保地后台核报


class Cause(StrEnum):
    ILLNESS = "illness"
    SUICIDE_SELF_HARM = "suicide_self_harm"
    ASSAULT_OR_FIGHT = "assault_or_fight"
    ALCOHOL_OR_DRUGS = "alcohol_or_drugs"
    IN_CUSTODY = "in_custody"
    TRAFFIC_ACCIDENT = "traffic_accident"
    MEDICAL_ACCIDENT = "medical_accident"
    LIABILITY_ACCIDENT = "liability_accident"
    WORK_INJURY = "work_injury"
    COSMETIC = "cosmetic"
    ILLEGAL_ACT = "illegal_act"
    OTHER_EXCLUDED = "other_excluded"
    ACCIDENT_NO_THIRD_PARTY = "accident_no_third_party"


class RouteKind(StrEnum):
    """How a claim was (or would have been) settled, for summaries by route."""

    LOCAL = "local"
    REFERRAL_IN_PROVINCE = "referral_in_province"
    REFERRAL_OUT_OF_PROVINCE = "referral_out_of_province"
    RELOCATED = "relocated"
    EMERGENCY = "emergency"
    SPECIAL_OUTPATIENT = "special_outpatient"


class ClaimStatus(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


@attrs.frozen
class Month:
    """A calendar month, ordered; ``index`` counts months since year 0."""

    index: int

    @classmethod
    def of(cls, year: int, month: int) -> Month:
        return cls(year * 12 + month - 1)

    @classmethod
    def containing(cls, day: date) -> Month:
        return cls(day.year * 12 + day.month - 1)

    @property
    def year(self) -> int:
        return self.index // 12

    @property
    def month(self) -> int:
        return self.index % 12 + 1

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@attrs.frozen
class Person:
    id: str
    sex: Sex
    birth_date: date
    category: Category
    female_class: FemaleClass = FemaleClass.WORKER
    statuses: frozenset[Status] = frozenset()
    retired_on: date | None = None
    early_retirement: bool = False
    deemed_months: int = 0
    relocated_since: date | None = None
    lump_sum_paid_on: date | None = None


@attrs.frozen
class ContributionRecord:
    """Months ``start``..``end`` (inclusive) paid on ``base``; ``paid_on`` for a lump payment."""

    start: Month
    end: Month
    base: Decimal | None = None
    paid_on: date | None = None


@attrs.frozen
class Hospital:
    level: Level
    region: Region
    contracted: bool = True
    provincial: bool = False


@attrs.frozen
class Claim:
    """An inpatient stay or a special-outpatient claim, as billed."""

    id: str
    admitted_on: date
    discharged_on: date
    total: Decimal
    type: ClaimType = ClaimType.INPATIENT
    hospital: Hospital | None = None
    route: Route | None = None
    settlement: Settlement = Settlement.DIRECT
    maternity: bool = False
    cause: Cause = Cause.ILLNESS
    emergency_reported_on: date | None = None
    exception_approved: bool = False
    full_self_pay: Decimal = ZERO
    pre_self_pay: Decimal = ZERO
    other_fund: Decimal | None = None

    @property
    def year(self) -> int:
        """第十五条: the settlement year is the calendar year of discharge."""
        return self.discharged_on.year

    @property
    def eligible(self) -> Decimal:
        """政策范围内费用 = total − 全自费 − 先行自付 (RULES §5)."""
        return self.total - self.full_self_pay - self.pre_self_pay


def adjudication_order(claim: Claim) -> tuple[date, date, str]:
    """RULES §2: a person's claims in order of (discharge, admission, claim id)."""
    return (claim.discharged_on, claim.admitted_on, claim.id)


@attrs.frozen
class Ledger:
    """A person's year-to-date accumulators for one settlement year (第十五条, 第二十六条)."""

    year: int
    basic_fund: Decimal = ZERO
    catastrophic_fund: Decimal = ZERO
    self_burden: Decimal = ZERO
    secondary_subsidy: Decimal = ZERO
    banded: Decimal = ZERO


@attrs.frozen
class Reason:
    code: str
    article: int
    item: int | None
    message: str


@attrs.frozen
class TraceStep:
    """One step of the computation: the article behind it, what it did, the amount it produced."""

    article: int
    text: str
    amount: Decimal | None = None


@attrs.frozen
class ClaimResult:
    claim_id: str
    person_id: str
    status: ClaimStatus
    reasons: tuple[Reason, ...]
    year: int
    total: Decimal
    full_self_pay: Decimal
    pre_self_pay: Decimal
    eligible: Decimal
    deductible: Decimal
    basic_rate: Decimal
    catastrophic_rate: Decimal
    basic_fund: Decimal
    catastrophic_fund: Decimal
    other_fund: Decimal
    secondary_subsidy: Decimal
    fund_total: Decimal
    personal_cash: Decimal
    self_burden: Decimal
    in_scope_self_burden: Decimal
    flags: tuple[str, ...]
    ytd: Ledger
    trace: tuple[TraceStep, ...]
    route: RouteKind

    @property
    def approved(self) -> bool:
        return self.status is ClaimStatus.APPROVED


@attrs.frozen
class Bundle:
    """One person with their contribution history, an optional ledger and claims (RULES §10)."""

    person: Person
    contributions: tuple[ContributionRecord, ...] = ()
    ytd: Ledger | None = None
    claims: tuple[Claim, ...] = ()
