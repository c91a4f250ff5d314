"""Money: yuan as ``Decimal`` with exactly two places (fen). RULES §1.

Fund payments are rounded to the fen, ``ROUND_HALF_UP``, at the step that computes them;
personal amounts are derived by subtraction so that every claim conserves money exactly.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def round_fen(amount: Decimal) -> Decimal:
    """Round an exact amount to the fen, half up (四舍五入到分)."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def round_fen_exact(amount: Fraction) -> Decimal:
    """Round an exact rational amount to the fen, half up, without an intermediate decimal.

    Used where the measures imply an exact quotient (RULES §6: ``room_b / rb`` is not rounded),
    so that no precision is lost before the one rounding step.
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
