"""The batch's fast way in: a bundle line decoded by msgspec into typed structs, then built with
the codec's own readers (issue 14; docs/dependencies.md has the measurements).

:func:`fast_bundle` returns the same :class:`~yzmedins.model.Bundle` as
``parse_bundle(decode_line(raw))`` for a line that both accept, and None for anything else —
broken JSON, a key the shape does not have, a value of the wrong type, a value the codec
refuses, a key repeated in one object, a ``\\u`` escape — so that such a line goes through
:func:`~yzmedins.io.jsonl.decode_line` and :func:`~yzmedins.io.codec.parse_bundle` and gets
exactly their error record. msgspec does the structure (keys, types, enumerations) in C; money,
dates, months, ids and counts still go through the codec's readers, and the bundle through
:func:`~yzmedins.validation.check_bundle`, so that the rules of specification §2 and §11 are
written once.

A repeated key: msgspec keeps the last value, where the codec refuses the line. Each field
defaults to ``UNSET`` (absent) apart from ``None`` (``null``), so that the structs encoded again
hold exactly the keys the line gave, once each: a line with as many colons as that encoding
repeats no key (a colon elsewhere is in a string, and both have the same strings; a string
written with ``\\u003a`` is left to the slow way).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, UnsetType

from yzmedins.errors import InputError
from yzmedins.io.codec import (
    parse_count,
    parse_date,
    parse_id,
    parse_money,
    parse_month,
    parse_year,
)
from yzmedins.limits import MAX_DEEMED_MONTHS
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
    Person,
    Region,
    Route,
    Settlement,
    Sex,
    Status,
)
from yzmedins.money import ZERO
from yzmedins.policy import PolicySet
from yzmedins.validation import check_bundle

#: A string field of the shape: never empty, so that a value given is true and an absent one
#: (``UNSET``) or ``null`` is false (an empty string is the codec's error, so the slow way's).
Text = Annotated[str, msgspec.Meta(min_length=1)]
Money = Text | int | float


class _Shape(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=False):
    """A JSON object of the bundle: unknown keys refused."""


class _Person(_Shape):
    id: str
    sex: Sex
    birth_date: Text
    category: Category
    female_class: FemaleClass | UnsetType | None = UNSET
    statuses: list[Status] | UnsetType | None = UNSET
    retired_on: Text | UnsetType | None = UNSET
    early_retirement: bool | UnsetType | None = UNSET
    deemed_months: int | UnsetType | None = UNSET
    relocated_since: Text | UnsetType | None = UNSET
    lump_sum_paid_on: Text | UnsetType | None = UNSET


class _Record(_Shape):
    from_: str = msgspec.field(name="from")
    to: str
    base: Money | UnsetType | None = UNSET
    paid_on: Text | UnsetType | None = UNSET


class _Ledger(_Shape):
    year: int
    basic_fund: Money
    catastrophic_fund: Money
    self_burden: Money
    secondary_subsidy: Money
    banded: Money | UnsetType | None = UNSET


class _Hospital(_Shape):
    level: Level | UnsetType | None = UNSET
    region: Region | UnsetType | None = UNSET
    contracted: bool | UnsetType | None = UNSET
    provincial: bool | UnsetType | None = UNSET


class _Claim(_Shape):
    id: str
    admitted_on: Text
    discharged_on: Text
    total: Money
    type: ClaimType | UnsetType | None = UNSET
    hospital: _Hospital | UnsetType | None = UNSET
    route: Route | UnsetType | None = UNSET
    settlement: Settlement | UnsetType | None = UNSET
    maternity: bool | UnsetType | None = UNSET
    cause: Cause | UnsetType | None = UNSET
    emergency_reported_on: Text | UnsetType | None = UNSET
    exception_approved: bool | UnsetType | None = UNSET
    full_self_pay: Money | UnsetType | None = UNSET
    pre_self_pay: Money | UnsetType | None = UNSET
    other_fund: Money | UnsetType | None = UNSET


class _Bundle(_Shape):
    person: _Person
    contributions: list[_Record] | UnsetType | None = UNSET
    ytd: _Ledger | UnsetType | None = UNSET
    claims: list[_Claim] | UnsetType | None = UNSET


_decoder = msgspec.json.Decoder(_Bundle)
_encode = msgspec.json.Encoder().encode


#: The hospitals read so far (a frozen value; levels × regions × two flags: 80 at most).
_HOSPITALS: dict[tuple[Level, Region, bool, bool], Hospital] = {}


def _given(value: Any) -> bool:
    return value is not None and value is not UNSET


def _amount(value: Money | UnsetType | None) -> Decimal:
    """An amount that defaults to zero (a given 0 is zero too)."""
    return parse_money(value, "") if value else ZERO


def _day(value: str | UnsetType | None) -> date | None:
    return parse_date(value, "") if value else None


def _person(data: _Person) -> Person:
    statuses = data.statuses
    deemed = data.deemed_months
    return Person(
        id=parse_id(data.id, ""),
        sex=data.sex,
        birth_date=parse_date(data.birth_date, ""),
        category=data.category,
        female_class=data.female_class or FemaleClass.WORKER,
        statuses=frozenset(statuses) if statuses else frozenset(),
        retired_on=_day(data.retired_on),
        early_retirement=data.early_retirement is True,
        deemed_months=parse_count(deemed, "", MAX_DEEMED_MONTHS) if _given(deemed) else 0,
        relocated_since=_day(data.relocated_since),
        lump_sum_paid_on=_day(data.lump_sum_paid_on),
    )


def _record(data: _Record) -> ContributionRecord:
    base = data.base
    return ContributionRecord(
        from_=parse_month(data.from_, ""),
        to=parse_month(data.to, ""),
        base=parse_money(base, "") if _given(base) else None,
        paid_on=_day(data.paid_on),
    )


def _ledger(data: _Ledger) -> Ledger:
    return Ledger(
        year=parse_year(data.year, ""),
        basic_fund=parse_money(data.basic_fund, ""),
        catastrophic_fund=parse_money(data.catastrophic_fund, ""),
        self_burden=parse_money(data.self_burden, ""),
        secondary_subsidy=parse_money(data.secondary_subsidy, ""),
        banded=_amount(data.banded),
    )


def _claim(data: _Claim) -> Claim:
    kind = data.type or ClaimType.INPATIENT
    given = data.hospital
    hospital = None
    if kind is ClaimType.INPATIENT:
        if not isinstance(given, _Hospital) or not given.level or not given.region:
            raise InputError("is required on an inpatient claim", "hospital")
        key = (given.level, given.region, given.contracted is not False, given.provincial is True)
        hospital = _HOSPITALS.get(key)
        if hospital is None:
            hospital = _HOSPITALS[key] = Hospital(*key)
    other, reported = data.other_fund, data.emergency_reported_on
    return Claim(
        id=parse_id(data.id, ""),
        type=kind,
        admitted_on=parse_date(data.admitted_on, ""),
        discharged_on=parse_date(data.discharged_on, ""),
        total=parse_money(data.total, ""),
        hospital=hospital,
        route=data.route or None,
        settlement=data.settlement or Settlement.DIRECT,
        maternity=data.maternity is True,
        cause=data.cause or Cause.ILLNESS,
        emergency_reported_on=parse_date(reported, "") if reported else None,
        exception_approved=data.exception_approved is True,
        full_self_pay=_amount(data.full_self_pay),
        pre_self_pay=_amount(data.pre_self_pay),
        other_fund=None if other is None or other is UNSET else parse_money(other, ""),
    )


def fast_bundle(raw: bytes, policies: PolicySet) -> Bundle | None:
    """The bundle of a JSON Lines line, fully validated, or None: the line is for
    :func:`~yzmedins.io.jsonl.decode_line` and :func:`~yzmedins.io.codec.parse_bundle`
    (see the module's documentation)."""
    if b"\\u" in raw:
        return None
    try:
        data = _decoder.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    if raw.count(b":") != _encode(data).count(b":"):
        return None  # a key repeated in one object
    try:
        ytd = data.ytd
        bundle = Bundle(
            person=_person(data.person),
            contributions=tuple(_record(r) for r in data.contributions or ()),
            ytd=_ledger(ytd) if isinstance(ytd, _Ledger) else None,
            claims=tuple(_claim(c) for c in data.claims or ()),
        )
        check_bundle(bundle, policies, amounts_checked=True)
    except InputError:
        return None
    return bundle
