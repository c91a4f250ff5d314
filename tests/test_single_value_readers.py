"""The single-value readers (``yzmedins.parse_claim`` and the like): one JSON value of a shape
each, errors naming the field relative to that value, the same checks as in a bundle."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

import yzmedins
from yzmedins import (
    Hospital,
    InputError,
    Level,
    Region,
    parse_bundle,
    parse_claim,
    parse_contribution,
    parse_hospital,
    parse_ledger,
    parse_person,
)
from yzmedins.io import codec
from yzmedins.policy import default_policies

POLICIES = default_policies()
EXAMPLES = Path(__file__).parent.parent / "examples" / "bundles.jsonl"

PERSON = {"id": "P1", "sex": "male", "birth_date": "1970-03-15", "category": "employee"}
CLAIM = {
    "id": "C1",
    "admitted_on": "2019-03-02",
    "discharged_on": "2019-03-10",
    "total": "1200.00",
    "hospital": {"level": "tertiary", "region": "local"},
}
SPECIAL = {
    "id": "C2",
    "type": "special_outpatient",
    "admitted_on": "2019-03-02",
    "discharged_on": "2019-03-02",
    "total": "800.00",
    "other_fund": "100.00",
}
LEDGER = {
    "year": 2019,
    "basic_fund": "0",
    "catastrophic_fund": "0",
    "self_burden": "0",
    "secondary_subsidy": "0",
}


def _error(parse: Any, value: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        parse(value)
    return caught.value


def _changed(value: dict[str, Any], path: str, new: Any) -> dict[str, Any]:
    """``value`` with the key at ``path`` (``hospital.level``) set to ``new`` (None: removed)."""
    changed = copy.deepcopy(value)
    *parents, key = path.split(".")
    target = changed
    for parent in parents:
        target = target[parent]
    if new is None:
        del target[key]
    else:
        target[key] = new
    return changed


def test_the_readers_are_the_codecs_and_exported() -> None:
    for name in ("parse_claim", "parse_person", "parse_contribution", "parse_hospital"):
        assert getattr(yzmedins, name) is getattr(codec, name)
        assert name in yzmedins.__all__
    assert yzmedins.parse_ledger is codec.parse_ledger


def test_each_value_of_the_examples_reads_as_in_its_bundle() -> None:
    for line in EXAMPLES.read_bytes().splitlines():
        value = orjson.loads(line)
        bundle = parse_bundle(value, POLICIES)
        assert parse_person(value["person"]) == bundle.person
        assert tuple(parse_contribution(r) for r in value.get("contributions") or ()) == (
            bundle.contributions
        )
        if value.get("ytd") is not None:
            assert parse_ledger(value["ytd"]) == bundle.ytd
        assert tuple(parse_claim(claim) for claim in value["claims"]) == bundle.claims
        for claim_value, claim in zip(value["claims"], bundle.claims, strict=True):
            if claim.hospital is not None:
                assert parse_hospital(claim_value["hospital"]) == claim.hospital


# A claim ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "new", "field", "message"),
    [
        ("total", "x", "total", "'x' is not an amount (digits with at most two decimal places)"),
        ("total", None, "total", "is required"),
        ("id", "", "id", "must not be empty"),
        ("hospital.level", "tertary", "hospital.level", "'tertary' is not one of"),
        ("hospital.region", None, "hospital.region", "is required"),
        ("hospital", None, "hospital", "is required on an inpatient claim"),
        ("colour", "red", "colour", "unknown key"),
        ("maternity", "yes", "maternity", "expected true or false, got a string"),
        # The checks of validation.check_claim, relative to the claim too.
        ("discharged_on", "2019-03-01", "discharged_on", "discharge 2019-03-01 is before"),
        ("full_self_pay", "1200.01", "full_self_pay", "1200.01 exceeds the total 1200.00"),
        ("pre_self_pay", "1200.01", "pre_self_pay", "1200.01 exceeds what is left"),
        ("other_fund", "10.00", "other_fund", "must be null on an inpatient claim"),
    ],
)
def test_a_claim_error_names_the_field_of_the_claim(
    path: str, new: Any, field: str, message: str
) -> None:
    value = _changed(CLAIM, path, new)
    error = _error(parse_claim, value)
    assert error.field == field
    assert error.message.startswith(message)
    assert str(error) == f"{field}: {error.message}"
    # The same claim in a bundle: the same error, under claims[0].
    in_bundle = _error(lambda v: parse_bundle(v, POLICIES), {"person": PERSON, "claims": [value]})
    assert (in_bundle.field, in_bundle.message) == (f"claims[0].{field}", error.message)


def test_a_special_outpatient_claim() -> None:
    claim = parse_claim(SPECIAL)
    assert claim.hospital is None
    assert _error(parse_claim, _changed(SPECIAL, "other_fund", None)).field == "other_fund"
    assert _error(parse_claim, _changed(SPECIAL, "other_fund", "800.01")).field == "other_fund"
    # A hospital is not required, but checked as far as it is given, and not kept.
    assert parse_claim({**SPECIAL, "hospital": {"level": "primary"}}).hospital is None
    error = _error(parse_claim, {**SPECIAL, "hospital": {"region": "mars"}})
    assert error.field == "hospital.region"


def test_a_claim_that_is_no_object() -> None:
    error = _error(parse_claim, "C1")
    assert (error.field, str(error)) == (None, "expected an object, got a string")


def test_a_path_places_the_field() -> None:
    with pytest.raises(InputError) as caught:
        parse_claim(_changed(CLAIM, "total", "x"), "claims[3]")
    assert caught.value.field == "claims[3].total"
    with pytest.raises(InputError) as caught:
        parse_claim(_changed(CLAIM, "discharged_on", "2019-03-01"), "claims[3]")
    assert caught.value.field == "claims[3].discharged_on"


# A person, a contribution record, a hospital, a ledger --------------------------------------


@pytest.mark.parametrize(
    ("path", "new", "field"),
    [
        ("id", None, "id"),
        ("sex", "f", "sex"),
        ("birth_date", "1970-02-30", "birth_date"),
        ("statuses", ["lixiu", "mars"], "statuses[1]"),
        ("statuses", "lixiu", "statuses"),
        ("deemed_months", -1, "deemed_months"),
        ("nickname", "Bo", "nickname"),
    ],
)
def test_a_person_error_names_the_field_of_the_person(path: str, new: Any, field: str) -> None:
    value = _changed(PERSON, path, new)
    error = _error(parse_person, value)
    assert error.field == field
    in_bundle = _error(lambda v: parse_bundle(v, POLICIES), {"person": value})
    assert (in_bundle.field, in_bundle.message) == (f"person.{field}", error.message)


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"to": "2020-12"}, "from"),
        ({"from": "2020-01", "to": "2020-13"}, "to"),
        ({"from": "2020-01", "to": "2020-12", "base": "12.345"}, "base"),
        ({"from": "2020-01", "to": "2020-12", "paid_on": "2020"}, "paid_on"),
        ([], None),
    ],
)
def test_a_contribution_error_names_the_field_of_the_record(value: Any, field: str | None) -> None:
    assert _error(parse_contribution, value).field == field


def test_a_hospital() -> None:
    assert parse_hospital({"level": "primary", "region": "in_province"}) == Hospital(
        level=Level.PRIMARY, region=Region.IN_PROVINCE, contracted=True, provincial=False
    )
    assert _error(parse_hospital, {"level": "primary"}).field == "region"
    assert _error(
        parse_hospital, {"level": "primary", "region": "local", "contracted": 1}
    ).field == ("contracted")


def test_a_ledger_keeps_the_name_the_api_gives_it() -> None:
    assert parse_ledger(LEDGER).year == 2019
    assert _error(parse_ledger, _changed(LEDGER, "basic_fund", "x")).field == "ytd.basic_fund"
    assert _error(parse_ledger, _changed(LEDGER, "year", None)).field == "ytd.year"
    assert _error(parse_ledger, 2019).field == "ytd"


# The bundle ------------------------------------------------------------------------------------


def test_a_bundle_checks_its_parts_in_the_order_of_the_contract() -> None:
    """Parsing comes first, then the checks, person first: a retiree without ``retired_on`` is
    reported before a claim whose discharge is before its admission (which parse_claim alone
    reports)."""
    claim = _changed(CLAIM, "discharged_on", "2019-03-01")
    bundle = {"person": {**PERSON, "category": "retiree"}, "claims": [claim]}
    assert _error(lambda v: parse_bundle(v, POLICIES), bundle).field == "person.retired_on"
    assert _error(parse_claim, claim).field == "discharged_on"
