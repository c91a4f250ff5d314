"""Checks on values that types alone cannot express (specification §2, §5, §7, §10).

The codec runs them on every parsed bundle; the public API runs them on values a caller built
by hand, so that no entry point adjudicates bad data silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from yzmedins.errors import InputError
from yzmedins.model import (
    Bundle,
    Category,
    Claim,
    ClaimType,
    ContributionRecord,
    Ledger,
    Person,
    adjudication_order,
)
from yzmedins.money import MAX_AMOUNT, is_amount, not_an_amount
from yzmedins.policy import Policy, PolicySet

__all__ = [
    "MAX_AMOUNT",
    "check_bundle",
    "check_claim",
    "check_contribution",
    "check_ledger",
    "check_money",
    "check_person",
]


def check_money(value: Decimal, field: str) -> None:
    """specification §2: a ``Decimal`` with two places, not negative, finite, at most 99,999,999.99.

    A check, not a conversion (the model's constructors convert, with
    :func:`yzmedins.money.to_amount`): a float, an int or a string is refused here.
    """
    if is_amount(value):  # every amount of a constructed value: the one test it needs
        return
    if not isinstance(value, Decimal):
        raise InputError(not_an_amount(value, "a Decimal"), field)
    if not value.is_finite():
        raise InputError(f"{value} is not a finite amount", field)
    if value < 0:
        raise InputError(f"{value} is negative", field)
    if value > MAX_AMOUNT:
        raise InputError(f"{value} exceeds the largest accepted amount {MAX_AMOUNT}", field)
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent != -2:
        raise InputError(f"{value} must have exactly two decimal places", field)


def check_person(person: Person) -> None:
    if not person.id:
        raise InputError("must not be empty", "person.id")
    if person.category is Category.RETIREE and person.retired_on is None:
        raise InputError("is required for a retiree", "person.retired_on")
    if person.deemed_months < 0:
        raise InputError("must not be negative", "person.deemed_months")
    if person.retired_on is not None and person.retired_on < person.birth_date:
        raise InputError("is before the birth date", "person.retired_on")


def check_contribution(
    record: ContributionRecord, field: str, *, amounts_checked: bool = False
) -> None:
    if record.to.index < record.from_.index:
        raise InputError(f"'to' {record.to} is before 'from' {record.from_}", field)
    if record.base is not None and not amounts_checked:
        check_money(record.base, f"{field}.base")


def check_claim(claim: Claim, field: str = "claim", *, amounts_checked: bool = False) -> None:
    """A claim's dates and amounts (specification §6, §7, §10).

    ``amounts_checked`` skips the per-amount checks of specification §2 for amounts the codec has
    already parsed (and so checked).
    """
    if not claim.id:
        raise InputError("must not be empty", f"{field}.id")
    if claim.discharged_on < claim.admitted_on:
        raise InputError(
            f"discharge {claim.discharged_on.isoformat()} is before admission "
            f"{claim.admitted_on.isoformat()}",
            f"{field}.discharged_on",
        )
    if not amounts_checked:
        for name in ("total", "full_self_pay", "pre_self_pay"):
            check_money(getattr(claim, name), f"{field}.{name}")
    if claim.full_self_pay > claim.total:
        raise InputError(
            f"{claim.full_self_pay} exceeds the total {claim.total}", f"{field}.full_self_pay"
        )
    if claim.pre_self_pay > claim.total - claim.full_self_pay:
        raise InputError(
            f"{claim.pre_self_pay} exceeds what is left of the total after full_self_pay "
            f"({claim.total - claim.full_self_pay})",
            f"{field}.pre_self_pay",
        )
    if claim.type is ClaimType.SPECIAL_OUTPATIENT:
        if claim.other_fund is None:
            raise InputError("is required on a special outpatient claim", f"{field}.other_fund")
        if not amounts_checked:
            check_money(claim.other_fund, f"{field}.other_fund")
        if claim.other_fund > claim.eligible:
            raise InputError(
                f"{claim.other_fund} exceeds total − full_self_pay − pre_self_pay "
                f"({claim.eligible})",
                f"{field}.other_fund",
            )
    else:
        if claim.hospital is None:
            raise InputError("is required on an inpatient claim", f"{field}.hospital")
        if claim.other_fund is not None:
            raise InputError(
                "must be null on an inpatient claim (only special outpatient claims carry it)",
                f"{field}.other_fund",
            )


def check_ledger(
    ledger: Ledger,
    policies: PolicySet,
    field: str = "ytd",
    claims: Sequence[Claim] = (),
) -> None:
    """A given year-to-date ledger: a year, amounts, and each fund within its annual cap.

    The caps are those of the policy the year's claims are settled under: the policy in force
    on the discharge of the year's first claim (in the settlement order) among ``claims``, or
    without one the policy nearest the middle of the year. Whether its subsidy matches its
    self-burden is not checked: a year whose subsidy was not paid in full gets what is owed
    with its next claim (第二十六条, specification §7).
    """
    if not 1 <= ledger.year <= 9999:
        raise InputError(f"{ledger.year} is not a year", f"{field}.year")
    for name in ("basic_fund", "catastrophic_fund", "self_burden", "secondary_subsidy", "banded"):
        check_money(getattr(ledger, name), f"{field}.{name}")
    policy = _policy_of_year(ledger.year, policies, claims)
    limits = (
        ("basic_fund", policy.cap_basic),
        ("catastrophic_fund", policy.cap_catastrophic),
        ("secondary_subsidy", policy.subsidy_cap),
    )
    for name, cap in limits:
        if getattr(ledger, name) > cap:
            raise InputError(
                f"{getattr(ledger, name)} exceeds the annual cap {cap}", f"{field}.{name}"
            )


def _policy_of_year(year: int, policies: PolicySet, claims: Sequence[Claim]) -> Policy:
    of_year = [claim for claim in claims if claim.year == year]
    if of_year:
        first = min(of_year, key=adjudication_order).discharged_on
        return policies.in_force(first) or policies.nearest(first)
    return policies.nearest(date(year, 7, 1))


def check_bundle(bundle: Bundle, policies: PolicySet, *, amounts_checked: bool = False) -> None:
    """Every check above over a bundle, plus unique claim ids (specification §11)."""
    check_person(bundle.person)
    for index, record in enumerate(bundle.contributions):
        check_contribution(record, f"contributions[{index}]", amounts_checked=amounts_checked)
    if bundle.ytd is not None:
        check_ledger(bundle.ytd, policies, claims=bundle.claims)
    seen: set[str] = set()
    for index, claim in enumerate(bundle.claims):
        check_claim(claim, f"claims[{index}]", amounts_checked=amounts_checked)
        if claim.id in seen:
            raise InputError(
                f"claim id {claim.id!r} is used twice in the bundle", f"claims[{index}].id"
            )
        seen.add(claim.id)
