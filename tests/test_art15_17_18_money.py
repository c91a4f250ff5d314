"""The amounts of 第十五条, 第十七条, 第十八条 and 第二十六条 as money (specification §2).

Each test here kills mutants of src/yzmedins/money.py that the settlement tests let survive
(docs/mutation.md names them): the largest amount accepted, ``-0.00`` on a ledger total, the
message for a value of another type, the exact rounding of a negative or zero fraction, and the
written forms of an amount and of a rate. The expected values are worked out by hand.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from yzmedins import InputError
from yzmedins.money import (
    format_money,
    format_rate,
    is_amount,
    round_fen,
    round_fen_exact,
    to_amount,
    to_total,
)


def test_art17_the_largest_accepted_amount_is_an_amount_and_one_fen_more_is_not() -> None:
    """第十七条 settles a stay's total, at most 99,999,999.99 (specification §2, an engine limit):
    that amount is accepted from a ``Decimal`` and from text, one fen more is refused, and an
    ordinary two-place ``Decimal`` is an amount as it is."""
    largest = Decimal("99999999.99")
    assert is_amount(Decimal("12.34"))
    assert is_amount(largest)
    assert not is_amount(Decimal("100000000.00"))
    assert not is_amount(Decimal("-0.00"))
    assert not is_amount("12.34")
    assert to_amount("99999999.99", "total") == largest
    with pytest.raises(InputError, match=r"exceeds the largest accepted amount 99999999\.99"):
        to_amount("100000000.00", "total")


def test_art15_a_ledger_total_of_minus_zero_is_read_as_zero() -> None:
    """第十五条 the year's ledger (``ytd``): a total of ``-0.00`` is zero, and an amount is never
    negative on input or output (specification §2), so it is read as ``0.00``, not ``-0.00``."""
    total = to_total(Decimal("-0.00"), "ytd.self_burden")
    assert total == 0
    assert not total.is_signed()
    assert str(total) == "0.00"
    # A sum of amounts may exceed the largest single amount (第二十六条 累计个人自负总额).
    assert to_total(Decimal("100000000.00"), "ytd.self_burden") == Decimal("100000000.00")


def test_art17_a_value_of_another_type_is_refused_with_what_is_accepted() -> None:
    """第十七条 amounts come as a Decimal, an int or a string (specification §2): a list is
    refused with a message that says so."""
    with pytest.raises(InputError) as raised:
        to_amount([], "total")
    assert raised.value.message == "expected an amount (a Decimal, an int or a string), got list"


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [
        # 四舍五入 half up is symmetric about zero, as decimal's ROUND_HALF_UP: −0.005 → −0.01.
        (Fraction(-1, 200), "-0.01"),
        (Fraction(-1, 300), "0.00"),  # −0.00333… → −0.00, which equals 0.00
        (Fraction(-2, 3), "-0.67"),  # −0.666… → −0.67
        (Fraction(0), "0.00"),
        (Fraction(1, 200), "0.01"),
    ],
)
def test_art17_exact_rounding_of_a_room_over_a_rate_agrees_with_half_up(
    fraction: Fraction, expected: str
) -> None:
    """第十七条 ``room / rate`` is kept exact and rounded once, half up (specification §6): the
    exact rounding agrees with ``ROUND_HALF_UP`` on either side of zero and at zero."""
    assert round_fen_exact(fraction) == Decimal(expected)
    exact = Decimal(fraction.numerator) / Decimal(fraction.denominator)
    assert round_fen_exact(fraction) == round_fen(exact)


@pytest.mark.parametrize(
    ("amount", "text"),
    [("1234.50", "1234.50"), ("0.00", "0.00"), ("1.5", "1.50"), ("100", "100.00")],
)
def test_art18_an_amount_is_written_with_two_places(amount: str, text: str) -> None:
    """第十八条 payments are written with exactly two places (specification §2), also an
    amount that was not given two places."""
    assert format_money(Decimal(amount)) == text


@pytest.mark.parametrize(
    ("rate", "text"),
    [
        ("0.9", "0.90"),
        ("0.95", "0.95"),
        ("0.765", "0.765"),  # 85% less 10% of it (第二十三条(三), the relative reading)
        ("0.00", "0.00"),
        ("0.0000005", "0.0000005"),  # more than six places: in full, never 5E-7
    ],
)
def test_art18_a_rate_is_written_in_full_with_at_least_two_places(rate: str, text: str) -> None:
    """第十八条 and 第二十三条 rates are written with at least two decimal places and as many as
    needed (specification §2), never in exponent notation; twice the same."""
    assert format_rate(Decimal(rate)) == text
    assert format_rate(Decimal(rate)) == text
