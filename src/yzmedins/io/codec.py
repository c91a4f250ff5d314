"""The JSON contract (specification §11): untrusted JSON values in, frozen model values out, and
back.

Every check happens here, once, and every error names the field by its path
(``claims[2].hospital.level: 'tertary' is not one of ...``).

The readers come first: :func:`parse_bundle` for a whole bundle, and a reader for each value
of its shape on its own (:func:`parse_person`, :func:`parse_contribution`, :func:`parse_ledger`,
:func:`parse_hospital`, :func:`parse_claim`), whose errors name the field relative to that value
(``total``, not ``claims[0].total``; a ledger is ``ytd``, as the API calls it). The writers
(``*_to_json``) follow.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from yzmedins.errors import InputError
from yzmedins.labels import reason_zh
from yzmedins.limits import MAX_DEEMED_MONTHS, MAX_ID_LENGTH, MAX_YEAR, SHOWN_CHARS
from yzmedins.model import (
    Bundle,
    Category,
    Cause,
    Claim,
    ClaimResult,
    ClaimType,
    ContributionRecord,
    FemaleClass,
    Hospital,
    Ledger,
    Level,
    Month,
    Person,
    Reason,
    Region,
    Route,
    Settlement,
    Sex,
    Status,
    StepCode,
    TraceStep,
)
from yzmedins.money import ZERO, format_money, format_rate
from yzmedins.policy import PolicySet
from yzmedins.validation import MAX_AMOUNT, check_bundle, check_claim

_E = TypeVar("_E", bound=StrEnum)
_T = TypeVar("_T")

_MONEY_TEXT = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?")
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})")
_TWO_PLACES = Decimal("0.01")


def _path(parent: str, key: str) -> str:
    return f"{parent}.{key}" if parent else key


def shown(value: Any) -> str:
    """A refused value as an error message repeats it: its ``repr``, shortened past
    :data:`~yzmedins.limits.SHOWN_CHARS` characters so that a huge value never makes a huge
    message."""
    text = repr(value)
    if len(text) <= SHOWN_CHARS:
        return text
    return f"{text[: SHOWN_CHARS - 1]}… ({len(text):,} characters)"


def _shown_key(key: str) -> str:
    return key if len(key) <= SHOWN_CHARS else f"{key[: SHOWN_CHARS - 1]}…"


def _object(value: Any, path: str, allowed: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"expected an object, got {_kind(value)}", path or None)
    if not value.keys() <= allowed:
        name = _shown_key(sorted(value.keys() - allowed)[0])
        raise InputError(f"unknown key (allowed: {', '.join(sorted(allowed))})", _path(path, name))
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _required(data: Mapping[str, Any], key: str, path: str) -> Any:
    value = data.get(key)
    if value is None:
        raise InputError("is required", _path(path, key))
    return value


def parse_money(value: Any, path: str) -> Decimal:
    """specification §2: a string of digits with at most two places, or a JSON number whose shortest
    decimal form has at most two places; not negative, at most 99,999,999.99."""
    if isinstance(value, str):
        if not _MONEY_TEXT.fullmatch(value):
            raise InputError(
                f"{shown(value)} is not an amount (digits with at most two decimal places)", path
            )
        dot = value.find(".")
        if dot < 0:
            value += ".00"
        elif len(value) - dot == 2:
            value += "0"
        amount = Decimal(value)
        if amount > MAX_AMOUNT:
            raise InputError(
                f"{shown(value)} exceeds the largest accepted amount {MAX_AMOUNT}", path
            )
        return amount
    elif isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"expected an amount, got {_kind(value)}", path)
    else:
        amount = Decimal(value) if isinstance(value, int) else Decimal(repr(value))
        if not amount.is_finite():
            raise InputError(f"{value!r} is not a finite amount", path)
        if amount < 0:
            raise InputError(f"{value!r} is negative", path)
        exponent = amount.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -2:
            raise InputError(f"{value!r} has more than two decimal places", path)
        if amount.is_zero():
            return ZERO  # -0.0 is zero: an amount is never written negative
    if amount > MAX_AMOUNT:
        raise InputError(f"{shown(value)} exceeds the largest accepted amount {MAX_AMOUNT}", path)
    return amount.quantize(_TWO_PLACES)


_DATES: dict[str, date] = {}


def parse_date(value: Any, path: str) -> date:
    """A date written ``YYYY-MM-DD`` (dates seen before come from a small cache)."""
    known = _DATES.get(value) if isinstance(value, str) else None
    if known is not None:
        return known
    if not isinstance(value, str):
        raise InputError(f"expected a date 'YYYY-MM-DD', got {_kind(value)}", path)
    if not _DATE_TEXT.fullmatch(value):
        raise InputError(f"{shown(value)} is not a date 'YYYY-MM-DD'", path)
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{value!r} is not a valid date", path) from None
    if len(_DATES) >= 100_000:
        _DATES.clear()
    _DATES[value] = parsed
    return parsed


def parse_month(value: Any, path: str) -> Month:
    if not isinstance(value, str):
        raise InputError(f"expected a month 'YYYY-MM', got {_kind(value)}", path)
    match = _MONTH_TEXT.fullmatch(value)
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise InputError(f"{shown(value)} is not a month 'YYYY-MM'", path)
    return Month.of(int(match.group(1)), int(match.group(2)))


_MEMBERS: dict[type[StrEnum], dict[str, StrEnum]] = {}


def parse_enum(value: Any, path: str, kind: type[_E]) -> _E:
    members = _MEMBERS.get(kind)
    if members is None:
        members = _MEMBERS[kind] = {member.value: member for member in kind}
    member = members.get(value) if isinstance(value, str) else None
    if member is not None:
        return member  # type: ignore[return-value]
    allowed = ", ".join(repr(option.value) for option in kind)
    given = shown(value) if isinstance(value, str) else _kind(value)
    raise InputError(f"{given} is not one of {allowed}", path)


def parse_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise InputError(f"expected true or false, got {_kind(value)}", path)
    return value


def parse_count(value: Any, path: str, maximum: int) -> int:
    """A whole number from 0 to ``maximum`` (every count has a bound, so that every value the
    engine reads can be written back: docs/limits.md)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"expected a whole number, got {_kind(value)}", path)
    if value < 0:
        raise InputError(f"{shown(value)} is negative", path)
    if value > maximum:
        raise InputError(f"{shown(value)} exceeds the largest accepted value {maximum}", path)
    return value


def parse_year(value: Any, path: str) -> int:
    """A year, 1 to 9999."""
    year = parse_count(value, path, MAX_YEAR)
    if year < 1:
        raise InputError(f"{year} is not a year", path)
    return year


def _deemed_months(value: Any, path: str) -> int:
    return parse_count(value, path, MAX_DEEMED_MONTHS)


def parse_text(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"expected a string, got {_kind(value)}", path)
    if not value:
        raise InputError("must not be empty", path)
    return value


def parse_id(value: Any, path: str) -> str:
    """A person or claim id: a non-empty string of at most
    :data:`~yzmedins.limits.MAX_ID_LENGTH` characters."""
    text = parse_text(value, path)
    if len(text) > MAX_ID_LENGTH:
        raise InputError(
            f"is {len(text):,} characters long; an id has at most {MAX_ID_LENGTH}", path
        )
    return text


def _optional(
    data: Mapping[str, Any], key: str, path: str, parse: Callable[[Any, str], _T], default: _T
) -> _T:
    value = data.get(key)
    return default if value is None else parse(value, _path(path, key))


_PERSON_KEYS = frozenset(
    {
        "id", "sex", "birth_date", "category", "female_class", "statuses", "retired_on",
        "early_retirement", "deemed_months", "relocated_since", "lump_sum_paid_on",
    }
)  # fmt: skip
_RECORD_KEYS = frozenset({"from", "to", "base", "paid_on"})
_LEDGER_KEYS = frozenset(
    {"year", "basic_fund", "catastrophic_fund", "self_burden", "secondary_subsidy", "banded"}
)
_HOSPITAL_KEYS = frozenset({"level", "region", "contracted", "provincial"})
_CLAIM_KEYS = frozenset(
    {
        "id", "type", "admitted_on", "discharged_on", "hospital", "route", "settlement",
        "maternity", "cause", "emergency_reported_on", "exception_approved", "total",
        "full_self_pay", "pre_self_pay", "other_fund",
    }
)  # fmt: skip
BUNDLE_KEYS = frozenset({"person", "contributions", "ytd", "claims"})


def _enum_parser(kind: type[_E]) -> Callable[[Any, str], _E]:
    def parse(value: Any, path: str) -> _E:
        return parse_enum(value, path, kind)

    return parse


_female_class = _enum_parser(FemaleClass)


def _optional_date(data: Mapping[str, Any], key: str, path: str) -> date | None:
    value = data.get(key)
    return None if value is None else parse_date(value, _path(path, key))


def parse_person(value: Any, path: str = "") -> Person:
    """A person (specification §11); an :class:`InputError` names the field under ``path``
    (relative to the person when ``path`` is empty: ``birth_date``, ``statuses[1]``)."""
    data = _object(value, path, _PERSON_KEYS)
    at = f"{path}." if path else ""
    statuses_value = data.get("statuses")
    statuses: frozenset[Status] = frozenset()
    if statuses_value is not None:
        if not isinstance(statuses_value, list):
            raise InputError(f"expected an array, got {_kind(statuses_value)}", f"{at}statuses")
        statuses = frozenset(
            parse_enum(item, f"{at}statuses[{index}]", Status)
            for index, item in enumerate(statuses_value)
        )
    return Person(
        id=parse_id(_required(data, "id", path), f"{at}id"),
        sex=parse_enum(_required(data, "sex", path), f"{at}sex", Sex),
        birth_date=parse_date(_required(data, "birth_date", path), f"{at}birth_date"),
        category=parse_enum(_required(data, "category", path), f"{at}category", Category),
        female_class=_optional(data, "female_class", path, _female_class, FemaleClass.WORKER),
        statuses=statuses,
        retired_on=_optional_date(data, "retired_on", path),
        early_retirement=_optional(data, "early_retirement", path, parse_bool, False),
        deemed_months=_optional(data, "deemed_months", path, _deemed_months, 0),
        relocated_since=_optional_date(data, "relocated_since", path),
        lump_sum_paid_on=_optional_date(data, "lump_sum_paid_on", path),
    )


def parse_contribution(value: Any, path: str = "") -> ContributionRecord:
    """A contribution record (specification §11: ``from``, ``to``, ``base``, ``paid_on``); an
    :class:`InputError` names the field under ``path`` (relative to the record when empty)."""
    data = _object(value, path, _RECORD_KEYS)
    at = f"{path}." if path else ""
    base = data.get("base")
    return ContributionRecord(
        from_=parse_month(_required(data, "from", path), f"{at}from"),
        to=parse_month(_required(data, "to", path), f"{at}to"),
        base=None if base is None else parse_money(base, f"{at}base"),
        paid_on=_optional_date(data, "paid_on", path),
    )


def parse_ledger(value: Any, path: str = "ytd") -> Ledger:
    """A year-to-date ledger (specification §11 ``ytd``); an :class:`InputError` names the field
    under ``path``, ``ytd`` unless given (the name the API and the bundle give the ledger), so that
    ``ytd.basic_fund`` is reported alike whichever way the ledger came in."""
    data = _object(value, path, _LEDGER_KEYS)
    year = parse_year(_required(data, "year", path), f"{path}.year")
    return Ledger(
        year=year,
        basic_fund=parse_money(_required(data, "basic_fund", path), f"{path}.basic_fund"),
        catastrophic_fund=parse_money(
            _required(data, "catastrophic_fund", path), f"{path}.catastrophic_fund"
        ),
        self_burden=parse_money(_required(data, "self_burden", path), f"{path}.self_burden"),
        secondary_subsidy=parse_money(
            _required(data, "secondary_subsidy", path), f"{path}.secondary_subsidy"
        ),
        banded=_optional(data, "banded", path, parse_money, ZERO),
    )


def _hospital_object(value: Any, path: str) -> tuple[Mapping[str, Any], bool, bool]:
    """A hospital's object and its ``contracted`` and ``provincial`` flags."""
    data = _object(value, path, _HOSPITAL_KEYS)
    contracted = _optional(data, "contracted", path, parse_bool, True)
    provincial = _optional(data, "provincial", path, parse_bool, False)
    return data, contracted, provincial


def parse_hospital(value: Any, path: str = "") -> Hospital:
    """A hospital (specification §11), ``level`` and ``region`` required; an :class:`InputError`
    names the field under ``path`` (relative to the hospital when empty)."""
    data, contracted, provincial = _hospital_object(value, path)
    at = f"{path}." if path else ""
    return Hospital(
        level=parse_enum(_required(data, "level", path), f"{at}level", Level),
        region=parse_enum(_required(data, "region", path), f"{at}region", Region),
        contracted=contracted,
        provincial=provincial,
    )


def _check_unused_hospital(value: Any, path: str) -> None:
    """The hospital of a special outpatient claim: checked as far as it is given (specification
    §11), neither required nor kept."""
    data, _, _ = _hospital_object(value, path)
    level_value, region_value = data.get("level"), data.get("region")
    if level_value is not None:
        parse_enum(level_value, _path(path, "level"), Level)
    if region_value is not None:
        parse_enum(region_value, _path(path, "region"), Region)


def _placed(error: InputError, path: str) -> InputError:
    """``error`` with its field under ``path`` (as it is when ``path`` is empty)."""
    return error.at(path) if path else error


def parse_claim(value: Any, path: str = "") -> Claim:
    """A claim (specification §11) with the checks of :func:`~yzmedins.validation.check_claim` that
    need nothing but the claim (discharge not before admission, amounts within the total, the
    hospital or ``other_fund`` its type needs); an :class:`InputError` names the field under
    ``path`` (relative to the claim when empty: ``total``, ``hospital.level``)."""
    try:
        claim = _claim(value)
    except InputError as error:
        raise _placed(error, path) from None
    try:
        check_claim(claim, "claim", amounts_checked=True)
    except InputError as error:
        field = (error.field or "").removeprefix("claim.") or None
        raise _placed(InputError(error.message, field), path) from None
    return claim


def _parsed_claim(value: Any, path: str) -> Claim:
    """A claim of a bundle, parsed but not yet checked (:func:`parse_bundle` checks the whole
    bundle once parsed, in the order of specification §11); errors name the field under ``path``."""
    try:
        return _claim(value)
    except InputError as error:
        raise error.at(path) from None


def _claim(value: Any) -> Claim:
    # Claims are the bulk of every input: field paths are constants here (relative to the
    # claim; the callers place them) and the usual values take the shortest way through.
    data = _object(value, "", _CLAIM_KEYS)
    get = data.get
    kind_value = get("type")
    kind = ClaimType.INPATIENT if kind_value is None else parse_enum(kind_value, "type", ClaimType)
    inpatient = kind is ClaimType.INPATIENT
    hospital_value = get("hospital")
    hospital = None
    if hospital_value is None:
        if inpatient:
            raise InputError("is required on an inpatient claim", "hospital")
    elif inpatient:
        hospital = parse_hospital(hospital_value, "hospital")
    else:
        _check_unused_hospital(hospital_value, "hospital")
    route_value, settlement_value, cause_value = get("route"), get("settlement"), get("cause")
    maternity_value, exception_value = get("maternity"), get("exception_approved")
    full_value, pre_value = get("full_self_pay"), get("pre_self_pay")
    other_value = get("other_fund")
    reported_value = get("emergency_reported_on")
    return Claim(
        id=parse_id(_required(data, "id", ""), "id"),
        type=kind,
        admitted_on=parse_date(_required(data, "admitted_on", ""), "admitted_on"),
        discharged_on=parse_date(_required(data, "discharged_on", ""), "discharged_on"),
        total=parse_money(_required(data, "total", ""), "total"),
        hospital=hospital,
        route=None if route_value is None else parse_enum(route_value, "route", Route),
        settlement=Settlement.DIRECT
        if settlement_value is None
        else parse_enum(settlement_value, "settlement", Settlement),
        maternity=False if maternity_value is None else parse_bool(maternity_value, "maternity"),
        cause=Cause.ILLNESS if cause_value is None else parse_enum(cause_value, "cause", Cause),
        emergency_reported_on=None
        if reported_value is None
        else parse_date(reported_value, "emergency_reported_on"),
        exception_approved=False
        if exception_value is None
        else parse_bool(exception_value, "exception_approved"),
        full_self_pay=ZERO if full_value is None else parse_money(full_value, "full_self_pay"),
        pre_self_pay=ZERO if pre_value is None else parse_money(pre_value, "pre_self_pay"),
        other_fund=None if other_value is None else parse_money(other_value, "other_fund"),
    )


def _array(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"expected an array, got {_kind(value)}", key)
    return value


def parse_bundle(
    value: Any, policies: PolicySet, extra_keys: frozenset[str] = frozenset()
) -> Bundle:
    """A bundle of specification §11, fully validated; raises :class:`InputError` naming the
    field."""
    data = _object(value, "", BUNDLE_KEYS | extra_keys)
    person = parse_person(_required(data, "person", ""), "person")
    ytd_value = data.get("ytd")
    bundle = Bundle(
        person=person,
        contributions=tuple(
            parse_contribution(item, f"contributions[{index}]")
            for index, item in enumerate(_array(data, "contributions"))
        ),
        ytd=None if ytd_value is None else parse_ledger(ytd_value),
        claims=tuple(
            _parsed_claim(item, f"claims[{index}]")
            for index, item in enumerate(_array(data, "claims"))
        ),
    )
    check_bundle(bundle, policies, amounts_checked=True)
    return bundle


def readable_ids(value: Any) -> tuple[str | None, tuple[str, ...]]:
    """The person and claim ids that can be read from a bundle value that failed (specification
    §11: an id used on an earlier line makes a later line an error, whether or not the earlier one
    was valid)."""
    if not isinstance(value, dict):
        return None, ()
    person = value.get("person")
    person_id = person.get("id") if isinstance(person, dict) else None
    claims = value.get("claims")
    claim_ids: tuple[str, ...] = ()
    if isinstance(claims, list):
        claim_ids = tuple(
            claim["id"]
            for claim in claims
            if isinstance(claim, dict) and isinstance(claim.get("id"), str)
        )
    return (person_id if isinstance(person_id, str) and person_id else None), claim_ids


def ledger_to_json(ledger: Ledger) -> dict[str, str]:
    return {
        "basic_fund": format_money(ledger.basic_fund),
        "catastrophic_fund": format_money(ledger.catastrophic_fund),
        "self_burden": format_money(ledger.self_burden),
        "secondary_subsidy": format_money(ledger.secondary_subsidy),
        "banded": format_money(ledger.banded),
    }


def reason_to_json(reason: Reason) -> dict[str, Any]:
    return {
        "code": reason.code,
        "article": reason.article,
        "item": reason.item,
        "message": reason.message,
        "message_zh": reason_zh(reason.code, reason.article, reason.item),
    }


class TraceLevel(StrEnum):
    """How much of the trace a result line carries (specification §25): every step with its
    text (``full``, the default), every step with its code instead of the text (``codes``),
    or none (``none``: ``"trace": []``)."""

    FULL = "full"
    CODES = "codes"
    NONE = "none"


#: How a step's text starts (or, for the policy in force and the coverage, what it holds),
#: per code: how a step read back from a full line gets its code (specification §25).
_STEP_PREFIXES: tuple[tuple[str, StepCode], ...] = (
    ("eligible (政策范围内费用)", StepCode.ELIGIBLE),
    ("deductible per admission, ", StepCode.DEDUCTIBLE),
    ("amount above the deductible (R)", StepCode.ABOVE_DEDUCTIBLE),
    ("basic fund at ", StepCode.BASIC_FUND),
    ("catastrophic mutual aid fund at ", StepCode.CATASTROPHIC_FUND),
    ("self-burden (个人自负", StepCode.SELF_BURDEN),
    ("secondary subsidy: S(", StepCode.SECONDARY_SUBSIDY),
    ("personal cash = total − fund total", StepCode.PERSONAL_CASH),
    ("special outpatient: paid under", StepCode.SPECIAL_OUTPATIENT),
    ("maternity stay: no deductible", StepCode.MATERNITY_NO_DEDUCTIBLE),
    ("maternity stay: basic fund pays", StepCode.MATERNITY_BELOW_DEDUCTIBLE),
    ("一至六级革命伤残军人", StepCode.VETERAN),
    ("in-scope self-burden (政策内自负)", StepCode.CIVIL_SERVANT_BASE),
    ("rejected ", StepCode.REJECTED),
    ("personal cash: the whole total", StepCode.REJECTED_PERSONAL_CASH),
    ("reversal (结算撤销)", StepCode.REVERSAL),
)
_IN_FORCE_TEXT = re.compile(r" in force [0-9-]+\.\.[0-9-]+; settlement year [0-9]+$")
_COVERED_TEXT = re.compile(r"[0-9]{4}-[0-9]{2} is a benefit month of |retired[ ,]")


def step_code(text: str) -> StepCode | None:
    """The code of a step written with ``text`` (a step read back from a full result line), or
    None for a text the engine does not write."""
    for prefix, code in _STEP_PREFIXES:
        if text.startswith(prefix):
            return code
    if _IN_FORCE_TEXT.search(text):
        return StepCode.IN_FORCE
    if _COVERED_TEXT.match(text):
        return StepCode.COVERED
    return None


def step_to_json(step: TraceStep) -> dict[str, Any]:
    return {
        "article": step.article,
        "text": step.text,
        "amount": None if step.amount is None else format_money(step.amount),
    }


def step_to_codes(step: TraceStep) -> dict[str, Any]:
    """A step as ``--trace codes`` writes it: the article, the code, the amount."""
    code = step.code or step_code(step.text)
    return {
        "article": step.article,
        "code": None if code is None else code.value,
        "amount": None if step.amount is None else format_money(step.amount),
    }


def trace_to_json(trace: tuple[TraceStep, ...], level: TraceLevel) -> list[dict[str, Any]]:
    """A record's ``trace`` at ``level``."""
    if level is TraceLevel.FULL:
        return [step_to_json(step) for step in trace]
    if level is TraceLevel.CODES:
        return [step_to_codes(step) for step in trace]
    return []


def trace_at(steps: Any, level: TraceLevel) -> Any:
    """The ``trace`` of a line as written in full (a list of ``{"article", "text", "amount"}``)
    at ``level``: a record reproduced from a ledger store, which keeps full lines."""
    if level is TraceLevel.FULL or not isinstance(steps, list):
        return steps
    if level is TraceLevel.NONE:
        return []
    written = []
    for step in steps:
        text = step.get("text") if isinstance(step, dict) else None
        code = step_code(text) if isinstance(text, str) else None
        written.append(
            {
                "article": step.get("article") if isinstance(step, dict) else None,
                "code": None if code is None else code.value,
                "amount": step.get("amount") if isinstance(step, dict) else None,
            }
        )
    return written


def _optional_value(value: StrEnum | None) -> str | None:
    return None if value is None else value.value


def _optional_day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def result_to_json(result: ClaimResult, trace: TraceLevel = TraceLevel.FULL) -> dict[str, Any]:
    """A record in the exact output shape (specification §12): every key, money as two-place
    strings, facts as given with their defaults, null where a migrated record has none; the
    trace at the level asked (specification §25)."""
    money = format_money
    return {
        "claim_id": result.claim_id,
        "person_id": result.person_id,
        "record": result.record.value,
        "setl_id": result.setl_id,
        "reverses": result.reverses,
        "corrects": result.corrects,
        "status": result.status.value,
        "reasons": [reason_to_json(r) for r in result.reasons],
        "year": result.year,
        "category": _optional_value(result.category),
        "type": _optional_value(result.type),
        "admitted_on": _optional_day(result.admitted_on),
        "discharged_on": _optional_day(result.discharged_on),
        "hospital_level": _optional_value(result.hospital_level),
        "hospital_region": _optional_value(result.hospital_region),
        "route": _optional_value(result.route),
        "settlement": _optional_value(result.settlement),
        "maternity": result.maternity,
        "applied_rule": result.applied_rule.value,
        "total": money(result.total),
        "full_self_pay": money(result.full_self_pay),
        "pre_self_pay": money(result.pre_self_pay),
        "eligible": money(result.eligible),
        "deductible": money(result.deductible),
        "basic_rate": format_rate(result.basic_rate),
        "catastrophic_rate": format_rate(result.catastrophic_rate),
        "basic_fund": money(result.basic_fund),
        "catastrophic_fund": money(result.catastrophic_fund),
        "other_fund": money(result.other_fund),
        "secondary_subsidy": money(result.secondary_subsidy),
        "fund_total": money(result.fund_total),
        "personal_cash": money(result.personal_cash),
        "self_burden": money(result.self_burden),
        "in_scope_self_burden": money(result.in_scope_self_burden),
        "banded": money(result.banded),
        "flags": list(result.flags),
        "ytd": ledger_to_json(result.ytd),
        "trace": [step_to_json(step) for step in result.trace]
        if trace is TraceLevel.FULL
        else trace_to_json(result.trace, trace),
    }
