"""The values the rules work on: persons, contributions, claims, ledgers, results.

Every class is a frozen, slotted attrs class without behaviour of its own. Money is ``Decimal``
with two places everywhere (specification §2).

The input values (:class:`Person`, :class:`ContributionRecord`, :class:`Hospital`,
:class:`Claim`, :class:`Ledger`, :class:`Bundle`) are built by the JSON codec and by billing
systems from database rows, so each constructor converts what a row naturally holds — an enum's
value as text (``"retiree"``), an ``int`` or a ``Decimal`` with at most two places, a date
``"YYYY-MM-DD"``, a month ``"YYYY-MM"``, a list for a tuple or a set, ``0``/``1`` for a flag —
and raises :class:`~yzmedins.errors.InputError` naming the field for anything else, so that no
value is misread later. Checks across fields (a retiree's ``retired_on``, discharge before
admission, amounts within the total) are :mod:`yzmedins.validation`'s, run by every entry point.

Values of the right types take a fast path (one check per field in ``__attrs_post_init__``):
the codec builds millions of claims in a batch run. Results (:class:`ClaimResult`,
:class:`TraceStep`, :class:`Reason`) are built only by the engine and are not converted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

import attrs

from yzmedins.errors import InputError
from yzmedins.money import FEN, MAX_AMOUNT, ZERO, is_amount, to_amount, to_total


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


class AppliedRule(StrEnum):
    """The row of the routing table whose deductible and rates settled a claim."""

    LOCAL = "local"  # 第十七条, 第十八条 (and 第二十四条 at a municipal hospital)
    REFERRAL_IN_PROVINCE = "referral_in_province"  # 第二十三条(一), 第二十四条, 第二十五条
    REFERRAL_OUT_OF_PROVINCE = "referral_out_of_province"  # 第二十三条(二), 第二十五条
    SPECIAL_OUTPATIENT = "special_outpatient"  # 第二十一条
    NONE = "none"  # a rejected claim


class ClaimStatus(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class RecordKind(StrEnum):
    """What a record of a claim is (the national platform's 2304 结算 and 2305 撤销)."""

    SETTLEMENT = "settlement"  # 结算
    REVERSAL = "reversal"  # 结算撤销: the records in effect, negated
    CORRECTION = "correction"  # 年终清算: fresh adjudication − the records so far


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


# --- conversion of input values (see the module docstring) -----------------------------------

_E = TypeVar("_E", bound=StrEnum)

#: ``convert(value, field)``: the value converted, or :class:`InputError` naming ``field``.
Convert = Callable[[Any, str], Any]

_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})")


def _kind(value: object) -> str:
    return "None" if value is None else type(value).__name__


def to_text(value: object, field: str) -> str:
    """An identifier: a string (an empty one is refused by :mod:`yzmedins.validation`)."""
    if isinstance(value, str):
        return str(value)
    raise InputError(f"expected a string, got {_kind(value)}", field)


def to_member(kind: type[_E], value: object, field: str) -> _E:
    """A member of ``kind``, or its value as text (``"retiree"``)."""
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        member = kind._value2member_map_.get(value)
        if member is not None:
            return member  # type: ignore[return-value]
    allowed = ", ".join(repr(option.value) for option in kind)
    shown = repr(value) if isinstance(value, str) else _kind(value)
    raise InputError(f"{shown} is not one of {allowed}", field)


def to_date(value: object, field: str) -> date:
    """A ``date``, or its ISO text ``"YYYY-MM-DD"``; a ``datetime`` is refused, not truncated."""
    if isinstance(value, datetime):
        raise InputError(f"expected a date, got a datetime ({value}): give its .date()", field)
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise InputError(f"expected a date or 'YYYY-MM-DD', got {_kind(value)}", field)
    if not _DATE_TEXT.fullmatch(value):
        raise InputError(f"{value!r} is not a date 'YYYY-MM-DD'", field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{value!r} is not a valid date", field) from None


def to_month(value: object, field: str) -> Month:
    """A :class:`Month`, or its text ``"YYYY-MM"``."""
    if isinstance(value, Month):
        return value
    if not isinstance(value, str):
        raise InputError(f"expected a Month or 'YYYY-MM', got {_kind(value)}", field)
    match = _MONTH_TEXT.fullmatch(value)
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise InputError(f"{value!r} is not a month 'YYYY-MM'", field)
    return Month.of(int(match.group(1)), int(match.group(2)))


def to_flag(value: object, field: str) -> bool:
    """``True``/``False``, or ``1``/``0`` as a database stores them; nothing else is read."""
    if isinstance(value, bool):
        return value
    if type(value) is int and value in (0, 1):
        return value == 1
    raise InputError(f"expected true or false (or 1 or 0), got {value!r}", field)


def to_count(value: object, field: str) -> int:
    """A whole number (not a bool)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise InputError(f"expected a whole number, got {_kind(value)}", field)


def _member_of(kind: type[StrEnum]) -> Convert:
    def convert(value: object, field: str) -> StrEnum:
        return to_member(kind, value, field)

    return convert


def _instance_of(kind: type[object]) -> Convert:
    def convert(value: object, field: str) -> object:
        if isinstance(value, kind):
            return value
        raise InputError(f"expected a {kind.__name__}, got {_kind(value)}", field)

    return convert


def _optional(convert: Convert) -> Convert:
    def optional(value: object, field: str) -> object:
        return None if value is None else convert(value, field)

    return optional


def _tuple_of(kind: type[object]) -> Convert:
    """A list or tuple of ``kind`` instances, as a tuple; ``field[i]`` names a wrong item."""

    def convert(value: object, field: str) -> tuple[object, ...]:
        if not isinstance(value, tuple | list):
            raise InputError(
                f"expected a list or tuple of {kind.__name__}, got {_kind(value)}", field
            )
        for index, item in enumerate(value):
            if not isinstance(item, kind):
                raise InputError(
                    f"expected a {kind.__name__}, got {_kind(item)}", f"{field}[{index}]"
                )
        return tuple(value)

    return convert


def _statuses(value: object, field: str) -> frozenset[Status]:
    """A set, frozenset, list or tuple of statuses (members or their text), as a frozenset."""
    if not isinstance(value, frozenset | set | list | tuple):
        raise InputError(f"expected a set or list of statuses, got {_kind(value)}", field)
    return frozenset(to_member(Status, item, field) for item in value)


def _convert(value: object, fields: tuple[tuple[str, str, Convert], ...]) -> None:
    """The slow path: convert each field (``attribute, field name, converter``) in order."""
    for name, field, convert in fields:
        given = getattr(value, name)
        converted = convert(given, field)
        if converted is not given:
            object.__setattr__(value, name, converted)


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

    def __attrs_post_init__(self) -> None:
        statuses, retired_on = self.statuses, self.retired_on
        relocated_since, lump_sum_paid_on = self.relocated_since, self.lump_sum_paid_on
        if not (
            type(self.id) is str
            and type(self.sex) is Sex
            and type(self.birth_date) is date
            and type(self.category) is Category
            and type(self.female_class) is FemaleClass
            and type(statuses) is frozenset
            and (not statuses or all(type(status) is Status for status in statuses))
            and (retired_on is None or type(retired_on) is date)
            and (self.early_retirement is False or self.early_retirement is True)
            and type(self.deemed_months) is int
            and (relocated_since is None or type(relocated_since) is date)
            and (lump_sum_paid_on is None or type(lump_sum_paid_on) is date)
        ):
            _convert(self, _PERSON_FIELDS)


@attrs.frozen
class ContributionRecord:
    """Months ``from_``..``to`` (inclusive; JSON ``from``, ``to``) paid on ``base``; ``paid_on``
    for a lump payment."""

    from_: Month
    to: Month
    base: Decimal | None = None
    paid_on: date | None = None

    def __attrs_post_init__(self) -> None:
        base, paid_on = self.base, self.paid_on
        if not (
            type(self.from_) is Month
            and type(self.to) is Month
            and (
                base is None
                or (
                    type(base) is Decimal
                    and base.same_quantum(FEN)
                    and not base.is_signed()
                    and base <= MAX_AMOUNT
                )
            )
            and (paid_on is None or type(paid_on) is date)
        ):
            _convert(self, _RECORD_FIELDS)


@attrs.frozen
class Hospital:
    level: Level
    region: Region
    contracted: bool = True
    provincial: bool = False

    def __attrs_post_init__(self) -> None:
        if not (
            type(self.level) is Level
            and type(self.region) is Region
            and (self.contracted is True or self.contracted is False)
            and (self.provincial is True or self.provincial is False)
        ):
            _convert(self, _HOSPITAL_FIELDS)


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

    def __attrs_post_init__(self) -> None:
        # The amounts' test is is_amount's, inlined: claims are the bulk of every batch.
        hospital, route, reported = self.hospital, self.route, self.emergency_reported_on
        total, full, pre, other = self.total, self.full_self_pay, self.pre_self_pay, self.other_fund
        if not (
            type(self.id) is str
            and type(self.admitted_on) is date
            and type(self.discharged_on) is date
            and type(total) is Decimal
            and total.same_quantum(FEN)
            and not total.is_signed()
            and total <= MAX_AMOUNT
            and type(self.type) is ClaimType
            and (hospital is None or type(hospital) is Hospital)
            and (route is None or type(route) is Route)
            and type(self.settlement) is Settlement
            and (self.maternity is False or self.maternity is True)
            and type(self.cause) is Cause
            and (reported is None or type(reported) is date)
            and (self.exception_approved is False or self.exception_approved is True)
            and (
                full is ZERO
                or (
                    type(full) is Decimal
                    and full.same_quantum(FEN)
                    and not full.is_signed()
                    and full <= MAX_AMOUNT
                )
            )
            and (
                pre is ZERO
                or (
                    type(pre) is Decimal
                    and pre.same_quantum(FEN)
                    and not pre.is_signed()
                    and pre <= MAX_AMOUNT
                )
            )
            and (other is None or is_amount(other))
        ):
            _convert(self, _CLAIM_FIELDS)

    @property
    def year(self) -> int:
        """第十五条: the settlement year is the calendar year of discharge."""
        return self.discharged_on.year

    @property
    def eligible(self) -> Decimal:
        """政策范围内费用 = total − 全自费 − 先行自付 (specification §6)."""
        return self.total - self.full_self_pay - self.pre_self_pay


def adjudication_order(claim: Claim) -> tuple[date, date, str]:
    """specification §3: a person's claims in order of (discharge, admission, claim id)."""
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

    def __attrs_post_init__(self) -> None:
        # The engine builds a ledger per approved claim: is_amount's test, inlined. A ledger
        # sums a year's amounts, so it is not bound by the largest amount of one input.
        basic, catastrophic, burden = self.basic_fund, self.catastrophic_fund, self.self_burden
        subsidy, banded = self.secondary_subsidy, self.banded
        if not (
            type(self.year) is int
            and (
                basic is ZERO
                or (type(basic) is Decimal and basic.same_quantum(FEN) and not basic.is_signed())
            )
            and (
                catastrophic is ZERO
                or (
                    type(catastrophic) is Decimal
                    and catastrophic.same_quantum(FEN)
                    and not catastrophic.is_signed()
                )
            )
            and (
                burden is ZERO
                or (type(burden) is Decimal and burden.same_quantum(FEN) and not burden.is_signed())
            )
            and (
                subsidy is ZERO
                or (
                    type(subsidy) is Decimal
                    and subsidy.same_quantum(FEN)
                    and not subsidy.is_signed()
                )
            )
            and (
                banded is ZERO
                or (type(banded) is Decimal and banded.same_quantum(FEN) and not banded.is_signed())
            )
        ):
            _convert(self, _LEDGER_FIELDS)


@attrs.frozen
class Reason:
    code: str
    article: int
    item: int | None
    message: str


class StepCode(StrEnum):
    """What a trace step does, in one word (specification §25: ``--trace codes`` writes it in
    place of the step's text; the table there gives each code's text)."""

    IN_FORCE = "in_force"
    COVERED = "covered"
    ELIGIBLE = "eligible"
    SPECIAL_OUTPATIENT = "special_outpatient"
    MATERNITY_NO_DEDUCTIBLE = "maternity_no_deductible"
    DEDUCTIBLE = "deductible"
    MATERNITY_BELOW_DEDUCTIBLE = "maternity_below_deductible"
    ABOVE_DEDUCTIBLE = "above_deductible"
    BASIC_FUND = "basic_fund"
    CATASTROPHIC_FUND = "catastrophic_fund"
    SELF_BURDEN = "self_burden"
    SECONDARY_SUBSIDY = "secondary_subsidy"
    VETERAN = "veteran"
    CIVIL_SERVANT_BASE = "civil_servant_base"
    PERSONAL_CASH = "personal_cash"
    REJECTED = "rejected"
    REJECTED_PERSONAL_CASH = "rejected_personal_cash"
    REVERSAL = "reversal"


@attrs.frozen
class TraceStep:
    """One step of the computation: the article behind it, what it did, the amount it produced.

    ``article`` is None only on steps that are not a rule of the measures: the whole total of a
    rejected claim left to the patient, and a reversal. ``code`` names the step's kind (what
    ``--trace codes`` writes instead of the text); a step read back from a result line has none
    (:func:`yzmedins.io.codec.step_code` finds it from the text), and it does not count in
    comparisons: the line is the record.
    """

    article: int | None
    text: str
    amount: Decimal | None = None
    code: StepCode | None = attrs.field(default=None, eq=False, kw_only=True)


#: The amounts a record carries, in the order of a result line: a reversal negates each, a
#: correction carries the difference of each, and a claim's records sum to its settlement.
AMOUNT_FIELDS = (
    "total", "full_self_pay", "pre_self_pay", "eligible", "deductible", "basic_fund",
    "catastrophic_fund", "other_fund", "secondary_subsidy", "fund_total", "personal_cash",
    "self_burden", "in_scope_self_burden", "banded",
)  # fmt: skip


@attrs.frozen
class ClaimResult:
    """One record of a claim: a settlement, a reversal or a correction, with the claim's facts
    as settled, every amount, the ledger after it and the trace of how it was computed.

    ``setl_id`` is ``"<claim_id>/<n>"``, n counting the claim's records from 1. The facts
    (``category`` … ``maternity``) are None only on records migrated from a store that did not
    keep them. ``route_kind`` (how the stay was routed, for summaries) is not part of the line.
    """

    record: RecordKind
    setl_id: str
    reverses: str | None
    corrects: str | None
    claim_id: str
    person_id: str
    status: ClaimStatus
    reasons: tuple[Reason, ...]
    year: int
    category: Category | None
    type: ClaimType | None
    admitted_on: date | None
    discharged_on: date | None
    hospital_level: Level | None
    hospital_region: Region | None
    route: Route | None
    settlement: Settlement | None
    maternity: bool | None
    applied_rule: AppliedRule
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
    banded: Decimal
    flags: tuple[str, ...]
    ytd: Ledger
    trace: tuple[TraceStep, ...]
    route_kind: RouteKind | None = attrs.field(default=None, eq=False)

    @property
    def approved(self) -> bool:
        return self.status is ClaimStatus.APPROVED


@attrs.frozen
class Bundle:
    """One person with their contribution history, an optional ledger and claims (specification
    §11)."""

    person: Person
    contributions: tuple[ContributionRecord, ...] = ()
    ytd: Ledger | None = None
    claims: tuple[Claim, ...] = ()

    def __attrs_post_init__(self) -> None:
        contributions, claims = self.contributions, self.claims
        if (
            type(self.person) is Person
            and (self.ytd is None or type(self.ytd) is Ledger)
            and type(contributions) is tuple
            and type(claims) is tuple
        ):
            for record in contributions:
                if type(record) is not ContributionRecord:
                    break
            else:
                for claim in claims:
                    if type(claim) is not Claim:
                        break
                else:
                    return
        _convert(self, _BUNDLE_FIELDS)


_optional_date = _optional(to_date)

#: Each input class's fields: attribute, the field's name in the JSON contract, converter.
_PERSON_FIELDS: tuple[tuple[str, str, Convert], ...] = (
    ("id", "id", to_text),
    ("sex", "sex", _member_of(Sex)),
    ("birth_date", "birth_date", to_date),
    ("category", "category", _member_of(Category)),
    ("female_class", "female_class", _member_of(FemaleClass)),
    ("statuses", "statuses", _statuses),
    ("retired_on", "retired_on", _optional_date),
    ("early_retirement", "early_retirement", to_flag),
    ("deemed_months", "deemed_months", to_count),
    ("relocated_since", "relocated_since", _optional_date),
    ("lump_sum_paid_on", "lump_sum_paid_on", _optional_date),
)
_RECORD_FIELDS: tuple[tuple[str, str, Convert], ...] = (
    ("from_", "from", to_month),
    ("to", "to", to_month),
    ("base", "base", _optional(to_amount)),
    ("paid_on", "paid_on", _optional_date),
)
_HOSPITAL_FIELDS: tuple[tuple[str, str, Convert], ...] = (
    ("level", "hospital.level", _member_of(Level)),
    ("region", "hospital.region", _member_of(Region)),
    ("contracted", "hospital.contracted", to_flag),
    ("provincial", "hospital.provincial", to_flag),
)
_CLAIM_FIELDS: tuple[tuple[str, str, Convert], ...] = (
    ("id", "id", to_text),
    ("admitted_on", "admitted_on", to_date),
    ("discharged_on", "discharged_on", to_date),
    ("total", "total", to_amount),
    ("type", "type", _member_of(ClaimType)),
    ("hospital", "hospital", _optional(_instance_of(Hospital))),
    ("route", "route", _optional(_member_of(Route))),
    ("settlement", "settlement", _member_of(Settlement)),
    ("maternity", "maternity", to_flag),
    ("cause", "cause", _member_of(Cause)),
    ("emergency_reported_on", "emergency_reported_on", _optional_date),
    ("exception_approved", "exception_approved", to_flag),
    ("full_self_pay", "full_self_pay", to_amount),
    ("pre_self_pay", "pre_self_pay", to_amount),
    ("other_fund", "other_fund", _optional(to_amount)),
)
_LEDGER_FIELDS: tuple[tuple[str, str, Convert], ...] = (
    ("year", "year", to_count),
    ("basic_fund", "basic_fund", to_total),
    ("catastrophic_fund", "catastrophic_fund", to_total),
    ("self_burden", "self_burden", to_total),
    ("secondary_subsidy", "secondary_subsidy", to_total),
    ("banded", "banded", to_total),
)
_BUNDLE_FIELDS: tuple[tuple[str, str, Convert], ...] = (
    ("person", "person", _instance_of(Person)),
    ("contributions", "contributions", _tuple_of(ContributionRecord)),
    ("ytd", "ytd", _optional(_instance_of(Ledger))),
    ("claims", "claims", _tuple_of(Claim)),
)
