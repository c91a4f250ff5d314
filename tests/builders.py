"""Small builders for the tests: a valid person, stay and contribution history by default."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from yzmedins import (
    Bundle,
    Category,
    Claim,
    ClaimResult,
    ContributionRecord,
    Hospital,
    Ledger,
    Level,
    Month,
    Person,
    Region,
    Sex,
    adjudicate_bundle,
    adjudicate_claim,
)
from yzmedins.policy import PolicySet

#: Under ``YZMEDINS_HYPOTHESIS_PROFILE=mutation`` (tests/conftest.py, docs/mutation.md) the
#: properties run at most this many examples each.
MUTATION_EXAMPLES = 20


def examples(count: int) -> int:
    """A property's ``max_examples``: ``count``, capped at :data:`MUTATION_EXAMPLES` under the
    mutation profile (an explicit ``max_examples`` overrides a profile's, so it is capped here)."""
    if os.environ.get("YZMEDINS_HYPOTHESIS_PROFILE") == "mutation":
        return min(count, MUTATION_EXAMPLES)
    return count


def d(text: str) -> date:
    return date.fromisoformat(text)


def m(text: str) -> Decimal:
    return Decimal(text)


def person(**changes: Any) -> Person:
    base = Person(
        id="P1",
        sex=Sex.FEMALE,
        birth_date=d("1968-04-02"),
        category=Category.EMPLOYEE,
    )
    return attrs.evolve(base, **changes)


def retired_man(**changes: Any) -> Person:
    """A man born 1955-05-10 who retired on 2015-06-01 (his 60th year) with 240 deemed months."""
    base: dict[str, Any] = {
        "sex": Sex.MALE,
        "birth_date": d("1955-05-10"),
        "category": Category.RETIREE,
        "retired_on": d("2015-06-01"),
        "deemed_months": 240,
    }
    base.update(changes)
    return person(**base)


def months(
    start: str, end: str, base: str | None = "4500.00", paid_on: str | None = None
) -> ContributionRecord:
    sy, sm = map(int, start.split("-"))
    ey, em = map(int, end.split("-"))
    return ContributionRecord(
        Month.of(sy, sm),
        Month.of(ey, em),
        None if base is None else Decimal(base),
        None if paid_on is None else d(paid_on),
    )


CONTRIBUTIONS = (months("2015-01", "2022-12"),)


def hospital(
    level: Level = Level.TERTIARY, region: Region = Region.LOCAL, **changes: Any
) -> Hospital:
    return attrs.evolve(Hospital(level, region), **changes)


def stay(total: str = "12000.00", **changes: Any) -> Claim:
    base = Claim(
        id="C1",
        admitted_on=d("2019-03-02"),
        discharged_on=d("2019-03-10"),
        total=Decimal(total),
        hospital=hospital(),
    )
    if "admitted_on" in changes and "discharged_on" not in changes:
        changes["discharged_on"] = changes["admitted_on"]
    return attrs.evolve(base, **changes)


def settle(
    claim: Claim,
    who: Person | None = None,
    contributions: tuple[ContributionRecord, ...] = CONTRIBUTIONS,
    ledger: Ledger | None = None,
    policies: PolicySet | None = None,
) -> tuple[ClaimResult, Ledger]:
    return adjudicate_claim(who or person(), contributions, claim, ledger, policies=policies)


def settle_all(
    claims: list[Claim],
    who: Person | None = None,
    contributions: tuple[ContributionRecord, ...] = CONTRIBUTIONS,
    ytd: Ledger | None = None,
    policies: PolicySet | None = None,
) -> list[ClaimResult]:
    bundle = Bundle(who or person(), contributions, ytd, tuple(claims))
    return adjudicate_bundle(bundle, policies=policies)


def codes(result: ClaimResult) -> list[str]:
    return [reason.code for reason in result.reasons]


def conserved(result: ClaimResult) -> bool:
    return result.total == (
        result.basic_fund
        + result.catastrophic_fund
        + result.other_fund
        + result.secondary_subsidy
        + result.personal_cash
    )
