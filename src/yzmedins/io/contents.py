"""Values written back in the input shape (specification §11): a claim as it was settled, with
the person and contribution history it was settled with, so that the ledger store can
adjudicate a person-year afresh at its clearing, and a reader can check what was settled.

Every value is written with its defaults applied, so that reading it back (with the codec's
parsers) gives an equal value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import orjson

from yzmedins.model import Claim, ContributionRecord, Hospital, Person
from yzmedins.money import format_money

__all__ = [
    "claim_to_json",
    "contribution_to_json",
    "person_to_json",
    "settled_to_json",
    "settled_writer",
]


def person_to_json(person: Person) -> dict[str, Any]:
    return {
        "id": person.id,
        "sex": person.sex.value,
        "birth_date": person.birth_date.isoformat(),
        "category": person.category.value,
        "female_class": person.female_class.value,
        "statuses": sorted(status.value for status in person.statuses),
        "retired_on": None if person.retired_on is None else person.retired_on.isoformat(),
        "early_retirement": person.early_retirement,
        "deemed_months": person.deemed_months,
        "relocated_since": (
            None if person.relocated_since is None else person.relocated_since.isoformat()
        ),
        "lump_sum_paid_on": (
            None if person.lump_sum_paid_on is None else person.lump_sum_paid_on.isoformat()
        ),
    }


def contribution_to_json(record: ContributionRecord) -> dict[str, Any]:
    return {
        "from": str(record.from_),
        "to": str(record.to),
        "base": None if record.base is None else format_money(record.base),
        "paid_on": None if record.paid_on is None else record.paid_on.isoformat(),
    }


def _hospital(hospital: Hospital) -> dict[str, Any]:
    return {
        "level": hospital.level.value,
        "region": hospital.region.value,
        "contracted": hospital.contracted,
        "provincial": hospital.provincial,
    }


def claim_to_json(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.id,
        "type": claim.type.value,
        "admitted_on": claim.admitted_on.isoformat(),
        "discharged_on": claim.discharged_on.isoformat(),
        "hospital": None if claim.hospital is None else _hospital(claim.hospital),
        "route": None if claim.route is None else claim.route.value,
        "settlement": claim.settlement.value,
        "maternity": claim.maternity,
        "cause": claim.cause.value,
        "emergency_reported_on": (
            None if claim.emergency_reported_on is None else claim.emergency_reported_on.isoformat()
        ),
        "exception_approved": claim.exception_approved,
        "total": format_money(claim.total),
        "full_self_pay": format_money(claim.full_self_pay),
        "pre_self_pay": format_money(claim.pre_self_pay),
        "other_fund": None if claim.other_fund is None else format_money(claim.other_fund),
    }


def settled_to_json(
    person: Person, contributions: Sequence[ContributionRecord], claim: Claim | None
) -> dict[str, Any]:
    """A one-claim bundle (specification §11): what a settlement was made of (no claims when
    ``claim`` is None)."""
    return {
        "person": person_to_json(person),
        "contributions": [contribution_to_json(record) for record in contributions],
        "ytd": None,
        "claims": [] if claim is None else [claim_to_json(claim)],
    }


def settled_writer(
    person: Person, contributions: Sequence[ContributionRecord]
) -> Callable[[Claim], bytes]:
    """The JSON of :func:`settled_to_json` for each claim of one person, the person and their
    contributions written once for all of them."""
    shared = settled_to_json(person, contributions, None)

    def write(claim: Claim) -> bytes:
        return orjson.dumps({**shared, "claims": [claim_to_json(claim)]})

    return write
