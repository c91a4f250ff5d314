"""Records read back: a result line (specification §12) as the :class:`ClaimResult` it was
written from, for the settlement life (reversal, clearing), the ledger store and auditors.

A record is strict output, not lenient input: every key must be there with the type the engine
writes (money as strings with exactly two places, negative on reversals and corrections), and
any departure is an :class:`InputError` naming the key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from yzmedins.errors import InputError
from yzmedins.io.codec import shown
from yzmedins.model import (
    AppliedRule,
    Category,
    ClaimResult,
    ClaimStatus,
    ClaimType,
    Ledger,
    Level,
    Reason,
    RecordKind,
    Region,
    Route,
    Settlement,
    TraceStep,
)

__all__ = ["RECORD_KEYS", "record_from_json"]

_E = TypeVar("_E", bound=StrEnum)

#: The keys of a result line, in the order the engine writes them.
RECORD_KEYS = (
    "claim_id", "person_id", "record", "setl_id", "reverses", "corrects", "status", "reasons",
    "year", "category", "type", "admitted_on", "discharged_on", "hospital_level",
    "hospital_region", "route", "settlement", "maternity", "applied_rule", "total",
    "full_self_pay", "pre_self_pay", "eligible", "deductible", "basic_rate",
    "catastrophic_rate", "basic_fund", "catastrophic_fund", "other_fund", "secondary_subsidy",
    "fund_total", "personal_cash", "self_burden", "in_scope_self_burden", "banded", "flags",
    "ytd", "trace",
)  # fmt: skip
_LEDGER_KEYS = ("basic_fund", "catastrophic_fund", "self_burden", "secondary_subsidy", "banded")
_SIGNED_MONEY = re.compile(r"-?[0-9]+\.[0-9]{2}")
_RATE = re.compile(r"[0-9]+\.[0-9]{2,}")


def _money(value: Any, field: str) -> Decimal:
    if not isinstance(value, str) or not _SIGNED_MONEY.fullmatch(value):
        raise InputError(f"{shown(value)} is not an amount with two places", field)
    return Decimal(value)


def _rate(value: Any, field: str) -> Decimal:
    if not isinstance(value, str) or not _RATE.fullmatch(value):
        raise InputError(f"{shown(value)} is not a rate", field)
    return Decimal(value)


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value:
        raise InputError(f"expected a non-empty string, got {shown(value)}", field)
    return value


def _optional_text(value: Any, field: str) -> str | None:
    return None if value is None else _text(value, field)


def _enum(value: Any, field: str, kind: type[_E]) -> _E:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(repr(member.value) for member in kind)
        raise InputError(f"{shown(value)} is not one of {allowed}", field) from None


def _optional_enum(value: Any, field: str, kind: type[_E]) -> _E | None:
    return None if value is None else _enum(value, field, kind)


def _optional_date(value: Any, field: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(_text(value, field))
    except ValueError:
        raise InputError(f"{shown(value)} is not a date", field) from None


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"expected a whole number, got {shown(value)}", field)
    return value


def _optional_bool(value: Any, field: str) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise InputError(f"expected true, false or null, got {shown(value)}", field)
    return value


def _list(value: Any, field: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(f"expected an array, got {shown(value)}", field)
    return value


def _object(value: Any, field: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"expected an object, got {shown(value)}", field or None)
    return value


def _reason(value: Any, field: str) -> Reason:
    data = _object(value, field)
    item = data.get("item")
    return Reason(
        code=_text(data.get("code"), f"{field}.code"),
        article=_int(data.get("article"), f"{field}.article"),
        item=None if item is None else _int(item, f"{field}.item"),
        message=_text(data.get("message"), f"{field}.message"),
    )


def _step(value: Any, field: str) -> TraceStep:
    data = _object(value, field)
    article, amount = data.get("article"), data.get("amount")
    text = data.get("text")
    if not isinstance(text, str):
        raise InputError(f"expected a string, got {shown(text)}", f"{field}.text")
    return TraceStep(
        article=None if article is None else _int(article, f"{field}.article"),
        text=text,
        amount=None if amount is None else _money(amount, f"{field}.amount"),
    )


def _ledger(value: Any, year: int) -> Ledger:
    data = _object(value, "ytd")
    amounts = {key: _money(data.get(key), f"ytd.{key}") for key in _LEDGER_KEYS}
    negative = [key for key, amount in amounts.items() if amount < 0]
    if negative:
        raise InputError("a ledger amount is never negative", f"ytd.{negative[0]}")
    return Ledger(year, **amounts)


def record_from_json(value: Any) -> ClaimResult:
    """The record a result line was written from; raises :class:`InputError` naming the key
    that is missing, unknown or not as the engine writes it."""
    data = _object(value, "")
    missing = [key for key in RECORD_KEYS if key not in data]
    if missing:
        raise InputError("is missing", missing[0])
    unknown = sorted(set(data) - set(RECORD_KEYS))
    if unknown:
        raise InputError("is not a key of a record", unknown[0])
    year = _int(data["year"], "year")
    flags = _list(data["flags"], "flags")
    if not all(isinstance(flag, str) for flag in flags):
        raise InputError("expected strings", "flags")
    return ClaimResult(
        record=_enum(data["record"], "record", RecordKind),
        setl_id=_text(data["setl_id"], "setl_id"),
        reverses=_optional_text(data["reverses"], "reverses"),
        corrects=_optional_text(data["corrects"], "corrects"),
        claim_id=_text(data["claim_id"], "claim_id"),
        person_id=_text(data["person_id"], "person_id"),
        status=_enum(data["status"], "status", ClaimStatus),
        reasons=tuple(
            _reason(item, f"reasons[{index}]")
            for index, item in enumerate(_list(data["reasons"], "reasons"))
        ),
        year=year,
        category=_optional_enum(data["category"], "category", Category),
        type=_optional_enum(data["type"], "type", ClaimType),
        admitted_on=_optional_date(data["admitted_on"], "admitted_on"),
        discharged_on=_optional_date(data["discharged_on"], "discharged_on"),
        hospital_level=_optional_enum(data["hospital_level"], "hospital_level", Level),
        hospital_region=_optional_enum(data["hospital_region"], "hospital_region", Region),
        route=_optional_enum(data["route"], "route", Route),
        settlement=_optional_enum(data["settlement"], "settlement", Settlement),
        maternity=_optional_bool(data["maternity"], "maternity"),
        applied_rule=_enum(data["applied_rule"], "applied_rule", AppliedRule),
        total=_money(data["total"], "total"),
        full_self_pay=_money(data["full_self_pay"], "full_self_pay"),
        pre_self_pay=_money(data["pre_self_pay"], "pre_self_pay"),
        eligible=_money(data["eligible"], "eligible"),
        deductible=_money(data["deductible"], "deductible"),
        basic_rate=_rate(data["basic_rate"], "basic_rate"),
        catastrophic_rate=_rate(data["catastrophic_rate"], "catastrophic_rate"),
        basic_fund=_money(data["basic_fund"], "basic_fund"),
        catastrophic_fund=_money(data["catastrophic_fund"], "catastrophic_fund"),
        other_fund=_money(data["other_fund"], "other_fund"),
        secondary_subsidy=_money(data["secondary_subsidy"], "secondary_subsidy"),
        fund_total=_money(data["fund_total"], "fund_total"),
        personal_cash=_money(data["personal_cash"], "personal_cash"),
        self_burden=_money(data["self_burden"], "self_burden"),
        in_scope_self_burden=_money(data["in_scope_self_burden"], "in_scope_self_burden"),
        banded=_money(data["banded"], "banded"),
        flags=tuple(flags),
        ytd=_ledger(data["ytd"], year),
        trace=tuple(
            _step(item, f"trace[{index}]")
            for index, item in enumerate(_list(data["trace"], "trace"))
        ),
    )
