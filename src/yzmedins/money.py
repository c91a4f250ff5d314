"""Money: yuan as ``Decimal`` with exactly two places (fen). specification §2.

Fund payments are rounded to the fen, ``ROUND_HALF_UP``, at the step that computes them;
personal amounts are derived by subtraction so that every claim conserves money exactly.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import TypeGuard

from yzmedins.errors import InputError

FEN = Decimal("0.01")
ZERO = Decimal("0.00")

#: The largest amount accepted (an engine limit, not a number of the law).
MAX_AMOUNT = Decimal("99999999.99")

#: What the constructors of the model accept for an amount (specification §2).
Amount = Decimal | int | str

_AMOUNT_TEXT = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?")


def is_amount(value: object) -> TypeGuard[Decimal]:
    """Whether ``value`` is already an amount of specification §2: a ``Decimal`` with exactly two
    places, not negative (nor ``-0.00``), at most :data:`MAX_AMOUNT`. The fast path of
    :func:`to_amount`; the model's constructors inline it."""
    return (
        type(value) is Decimal
        and value.same_quantum(FEN)
        and not value.is_signed()
        and value <= MAX_AMOUNT
    )


def not_an_amount(value: object, accepted: str = "a Decimal, an int or a string") -> str:
    """Why ``value``'s type is not an amount (a float or a bool is refused, never rounded)."""
    if isinstance(value, bool):
        return f"expected an amount, got a bool ({value!r})"
    if isinstance(value, float):
        return (
            f"{value!r} is a float, which cannot hold an amount exactly: give a Decimal "
            f"or a string such as '12.34'"
        )
    return f"expected an amount ({accepted}), got {type(value).__name__}"


def to_total(value: object, field: str) -> Decimal:
    """A sum of amounts (a ledger's year-to-date figure): as :func:`to_amount`, without its
    largest value (a year's self-burden may sum claims of up to :data:`MAX_AMOUNT` each)."""
    return to_amount(value, field, maximum=None)


def to_amount(value: object, field: str, maximum: Decimal | None = MAX_AMOUNT) -> Decimal:
    """specification §2: an amount as a two-place ``Decimal``, from a ``Decimal`` or ``int`` with at
    most two places or a string of digits with at most two places (``"12.5"``).

    ``Decimal("10000")`` becomes ``Decimal("10000.00")``. A float, a bool, NaN, a negative
    amount, more than two places or more than :data:`MAX_AMOUNT` raise :class:`InputError`
    naming ``field``.
    """
    if is_amount(value):
        return value
    if type(value) is Decimal and maximum is None and value.same_quantum(FEN) and value > 0:
        return value
    if isinstance(value, bool | float) or not isinstance(value, Decimal | int | str):
        raise InputError(not_an_amount(value), field)
    if isinstance(value, str):
        if not _AMOUNT_TEXT.fullmatch(value):
            raise InputError(
                f"{value!r} is not an amount (digits with at most two decimal places)", field
            )
        amount = Decimal(value)
    else:
        amount = Decimal(value)
        if not amount.is_finite():
            raise InputError(f"{value} is not a finite amount", field)
        if amount < 0:
            raise InputError(f"{value} is negative", field)
        exponent = amount.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -2:
            raise InputError(f"{value} has more than two decimal places", field)
    if maximum is not None and amount > maximum:
        raise InputError(f"{value} exceeds the largest accepted amount {maximum}", field)
    return amount.copy_abs().quantize(FEN)


def round_fen(amount: Decimal) -> Decimal:
    """Round an exact amount to the fen, half up (四舍五入到分)."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def round_fen_exact(amount: Fraction) -> Decimal:
    """Round an exact rational amount to the fen, half up, without an intermediate decimal.

    Used where the measures imply an exact quotient (specification §6: ``room_b / rb`` is not
    rounded), so that no precision is lost before the one rounding step.
    """
    if amount < 0:
        return -round_fen_exact(-amount)
    fen, remainder = divmod(amount.numerator * 100, amount.denominator)
    if 2 * remainder >= amount.denominator:
        fen += 1
    return Decimal(fen).scaleb(-2)


def to_fraction(amount: Decimal) -> Fraction:
    """An exact ``Fraction`` of a finite ``Decimal``."""
    return Fraction(amount)


def format_money(amount: Decimal) -> str:
    """Money as the contract writes it: a string with two places (``"1234.50"``).

    Every amount the engine produces already has exactly two places, so ``str`` (five times
    faster than formatting) writes it; anything else is formatted to two places.
    """
    text = str(amount)
    return text if text[-3:-2] == "." else f"{amount:.2f}"


_RATE_TEXT: dict[Decimal, str] = {}


def format_rate(rate: Decimal) -> str:
    """A rate with at least two decimal places and as many as needed (``"0.90"``, ``"0.765"``).

    Rates come from the parameter file, so there are few; each is formatted once.
    """
    text = _RATE_TEXT.get(rate)
    if text is None:
        whole, _, decimals = format(rate.normalize(), "f").partition(".")
        text = f"{whole}.{decimals.ljust(2, '0')}"
        if len(_RATE_TEXT) < 1024:
            _RATE_TEXT[rate] = text
    return text
