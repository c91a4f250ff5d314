"""docs/schema/*.schema.json and docs/specification.md against the code.

The schemas are necessary, not sufficient (docs/specification.md §17): every bundle the engine
accepts validates against the bundle schema, every result line it writes against the result
schema and every error record against the error schema; and whatever the bundle schema refuses,
the codec refuses too.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator, FormatChecker

from yzmedins import InputError, parse_bundle, result_to_json
from yzmedins.cli import main
from yzmedins.engine import adjudicate_bundle, settle
from yzmedins.lifecycle import SettledClaim, clear_year, reverse
from yzmedins.model import (
    Bundle,
    Category,
    Cause,
    Claim,
    ClaimType,
    ContributionRecord,
    Hospital,
    Ledger,
    Level,
    Person,
    Region,
    Route,
    Settlement,
    Status,
)
from yzmedins.policy import default_policies
from yzmedins.rules.reasons import REASON_ARTICLES
from yzmedins.strategies import bundles as bundle_strategy

from .contract import bundle as contract_bundle
from .reference.generate import bundles as reference_bundles
from .test_settlement_life import BIG, HISTORY, SMALL, WHO

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "docs" / "schema"
SPECIFICATION = ROOT / "docs" / "specification.md"
EXAMPLES = ROOT / "examples"
POLICIES = default_policies()

Json = dict[str, Any]


@cache
def _schema(name: str) -> dict[str, Any]:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    assert isinstance(schema, dict)
    return schema


@cache
def _validator(name: str) -> Draft202012Validator:
    schema = _schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _problems(name: str, instance: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in _validator(name).iter_errors(instance)
    ]


def _assert_valid(name: str, instance: Any) -> None:
    problems = _problems(name, instance)
    assert not problems, (problems, instance)


def _adjudicated(value: Any) -> list[Json] | None:
    """The result lines of a bundle value, or None when the engine refuses it."""
    try:
        return [
            result_to_json(result)
            for result in adjudicate_bundle(parse_bundle(value, POLICIES), policies=POLICIES)
        ]
    except InputError:
        return None


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            yield number, line


@pytest.mark.parametrize("name", ["bundle", "result", "error"])
def test_schemas_are_valid_draft_2020_12(name: str) -> None:
    _validator(name)  # checks the schema against the draft's metaschema
    assert _schema(name)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_example_bundles_and_their_results_validate() -> None:
    count = 0
    for _, line in _lines(EXAMPLES / "bundles.jsonl"):
        value = json.loads(line)
        _assert_valid("bundle", value)
        results = _adjudicated(value)
        assert results is not None
        for result in results:
            _assert_valid("result", result)
            count += 1
    assert count > 20


def test_the_valid_lines_of_the_error_example_validate() -> None:
    accepted = []
    for number, line in _lines(EXAMPLES / "with-errors.jsonl"):
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        if _adjudicated(value) is not None:  # accepted on its own (a duplicate is accepted alone)
            _assert_valid("bundle", value)
            accepted.append(number)
        else:
            assert isinstance(value, dict)  # refused: the codec's own checks say why
    assert accepted == [1, 5]


def test_the_contract_example_bundle_validates() -> None:
    _assert_valid("bundle", contract_bundle())
    minimal = {
        "person": {"id": "P1", "sex": "male", "birth_date": "1970-01-01", "category": "employee"}
    }
    _assert_valid("bundle", minimal)
    assert _adjudicated(minimal) == []


def test_generated_bundles_and_their_results_validate() -> None:
    # The reference generator writes amounts as strings, integers and floats, and reaches every
    # route, reason and cap. Every bundle validates, and the engine accepts every one (a year's
    # ledger may sum past the largest amount of one input: it is not refused for that).
    results, refused = 0, []
    for seed in (11, 2017):
        for value in reference_bundles(seed, 1000):
            _assert_valid("bundle", value)
            outcome = _adjudicated(value)
            if outcome is None:
                refused.append(value["person"]["id"])
                continue
            for result in outcome:
                _assert_valid("result", result)
                results += 1
    assert refused == []
    assert results > 4000


def _money(amount: Decimal) -> str:
    return format(amount, "f")


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _person_json(person: Person) -> Json:
    return {
        "id": person.id,
        "sex": person.sex.value,
        "birth_date": person.birth_date.isoformat(),
        "category": person.category.value,
        "female_class": person.female_class.value,
        "statuses": sorted(status.value for status in person.statuses),
        "retired_on": _day(person.retired_on),
        "early_retirement": person.early_retirement,
        "deemed_months": person.deemed_months,
        "relocated_since": _day(person.relocated_since),
        "lump_sum_paid_on": _day(person.lump_sum_paid_on),
    }


def _record_json(record: ContributionRecord) -> Json:
    value: Json = {"from": str(record.from_), "to": str(record.to)}
    if record.base is not None:
        value["base"] = _money(record.base)
    if record.paid_on is not None:
        value["paid_on"] = record.paid_on.isoformat()
    return value


def _ledger_json(ledger: Ledger) -> Json:
    return {
        "year": ledger.year,
        "basic_fund": _money(ledger.basic_fund),
        "catastrophic_fund": _money(ledger.catastrophic_fund),
        "self_burden": _money(ledger.self_burden),
        "secondary_subsidy": _money(ledger.secondary_subsidy),
        "banded": _money(ledger.banded),
    }


def _hospital_json(hospital: Hospital | None) -> Json | None:
    if hospital is None:
        return None
    return {
        "level": hospital.level.value,
        "region": hospital.region.value,
        "contracted": hospital.contracted,
        "provincial": hospital.provincial,
    }


def _claim_json(claim: Claim) -> Json:
    return {
        "id": claim.id,
        "type": claim.type.value,
        "admitted_on": claim.admitted_on.isoformat(),
        "discharged_on": claim.discharged_on.isoformat(),
        "hospital": _hospital_json(claim.hospital),
        "route": None if claim.route is None else claim.route.value,
        "settlement": claim.settlement.value,
        "maternity": claim.maternity,
        "cause": claim.cause.value,
        "emergency_reported_on": _day(claim.emergency_reported_on),
        "exception_approved": claim.exception_approved,
        "total": _money(claim.total),
        "full_self_pay": _money(claim.full_self_pay),
        "pre_self_pay": _money(claim.pre_self_pay),
        "other_fund": None if claim.other_fund is None else _money(claim.other_fund),
    }


def _bundle_json(bundle: Bundle) -> Json:
    return {
        "person": _person_json(bundle.person),
        "contributions": [_record_json(record) for record in bundle.contributions],
        "ytd": None if bundle.ytd is None else _ledger_json(bundle.ytd),
        "claims": [_claim_json(claim) for claim in bundle.claims],
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bundle_strategy())
def test_bundles_of_the_public_strategies_and_their_results_validate(bundle: Bundle) -> None:
    value = _bundle_json(bundle)
    _assert_valid("bundle", value)
    assert parse_bundle(value, POLICIES) == bundle  # the JSON says exactly what the model holds
    for result in adjudicate_bundle(bundle, policies=POLICIES):
        _assert_valid("result", result_to_json(result))


def _run_adjudicate(tmp_path: Path, source: Path) -> tuple[int, list[Json], list[Json]]:
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    status = main(
        ["adjudicate", "--quiet", "--jobs", "1", str(source), "-o", str(out), "--errors", str(err)]
    )
    results = [json.loads(line) for _, line in _lines(out)]
    errors = [json.loads(line) for _, line in _lines(err)]
    return status, results, errors


def test_error_records_of_the_error_example_validate(tmp_path: Path) -> None:
    status, results, errors = _run_adjudicate(tmp_path, EXAMPLES / "with-errors.jsonl")
    assert status == 1
    assert [error["line"] for error in errors] == [2, 3, 4, 5]
    assert errors[0]["field"] is None
    for error in errors:
        _assert_valid("error", error)
    for result in results:
        _assert_valid("result", result)


def test_error_records_of_other_bad_lines_validate(tmp_path: Path) -> None:
    lines = [
        "[1, 2]",
        '"a string"',
        json.dumps(contract_bundle(colour="red")),
        json.dumps({"person": {"id": "P2"}}),
        "",
        json.dumps(contract_bundle(type="special_outpatient")),
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, results, errors = _run_adjudicate(tmp_path, source)
    assert status == 1 and results == []
    assert [error["line"] for error in errors] == [1, 2, 3, 4, 6]
    for error in errors:
        _assert_valid("error", error)


def _changed(path: tuple[str | int, ...], value: Any, *, delete: bool = False) -> Json:
    """The contract example bundle with the key at ``path`` set to ``value`` (or deleted)."""
    result = contract_bundle()
    target: Any = result
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return result


NEGATIVE_BUNDLES: list[tuple[str, Json]] = [
    ("unknown top-level key", _changed(("extra",), 1)),
    ("unknown person key", _changed(("person", "nickname"), "Al")),
    ("unknown claim key", _changed(("claims", 0, "colour"), "red")),
    ("unknown hospital key", _changed(("claims", 0, "hospital", "beds"), 300)),
    ("unknown contribution key", _changed(("contributions", 0, "rate"), "0.10")),
    ("unknown ytd key", _changed(("ytd",), {"year": 2019, "basic_fund": "0", "catastrophic_fund": "0", "self_burden": "0", "secondary_subsidy": "0", "paid": "0"})),
    ("three places", _changed(("claims", 0, "total"), "12.345")),
    ("exponent in a string", _changed(("claims", 0, "total"), "1e3")),
    ("negative string", _changed(("claims", 0, "total"), "-1.00")),
    ("space in a string", _changed(("claims", 0, "full_self_pay"), " 12")),
    ("negative number", _changed(("claims", 0, "pre_self_pay"), -1)),
    ("boolean amount", _changed(("claims", 0, "total"), True)),
    ("number too large", _changed(("claims", 0, "total"), 100000000)),
    ("bad base", _changed(("contributions", 0, "base"), "4,500")),
    ("missing person", _changed(("person",), None, delete=True)),
    ("missing person id", _changed(("person", "id"), None, delete=True)),
    ("null birth date", _changed(("person", "birth_date"), None)),
    ("empty person id", _changed(("person", "id"), "")),
    ("missing total", _changed(("claims", 0, "total"), None, delete=True)),
    ("missing claim id", _changed(("claims", 0, "id"), None, delete=True)),
    ("missing admission", _changed(("claims", 0, "admitted_on"), None, delete=True)),
    ("missing from", _changed(("contributions", 0, "from"), None, delete=True)),
    ("inpatient without hospital", _changed(("claims", 0, "hospital"), None)),
    ("inpatient hospital without level", _changed(("claims", 0, "hospital", "level"), None, delete=True)),
    ("inpatient with other_fund", _changed(("claims", 0, "other_fund"), "1.00")),
    ("special outpatient without other_fund", _changed(("claims", 0, "type"), "special_outpatient")),
    ("retiree without retired_on", _changed(("person", "category"), "retiree")),
    ("unknown enum value", _changed(("claims", 0, "hospital", "level"), "tertary")),
    ("unknown status", _changed(("person", "statuses"), ["lixiu", "king"])),
    ("month 13", _changed(("contributions", 0, "from"), "2015-13")),
    ("short date", _changed(("claims", 0, "admitted_on"), "2019-3-2")),
    ("impossible date", _changed(("claims", 0, "admitted_on"), "2019-02-30")),
    ("string boolean", _changed(("claims", 0, "maternity"), "yes")),
    ("numeric id", _changed(("claims", 0, "id"), 7)),
    ("negative deemed months", _changed(("person", "deemed_months"), -1)),
    ("too many deemed months", _changed(("person", "deemed_months"), 1201)),
    ("id too long", _changed(("claims", 0, "id"), "C" * 129)),
    ("claims not an array", _changed(("claims",), {})),
    ("ytd without year", _changed(("ytd",), {"basic_fund": "0", "catastrophic_fund": "0", "self_burden": "0", "secondary_subsidy": "0"})),
]  # fmt: skip


@pytest.mark.parametrize(("case", "value"), NEGATIVE_BUNDLES, ids=[c for c, _ in NEGATIVE_BUNDLES])
def test_the_bundle_schema_refuses_what_the_codec_refuses(case: str, value: Json) -> None:
    assert _problems("bundle", value), case
    with pytest.raises(InputError):
        parse_bundle(value, POLICIES)


def test_the_schema_is_not_sufficient() -> None:
    # What only the codec checks (docs/specification.md §17): limits between fields, the largest
    # string amount, two places of a JSON number.
    for value in (
        contract_bundle(discharged_on="2019-03-01"),
        contract_bundle(total="100000000.00"),
        contract_bundle(total=12.345),
        contract_bundle(full_self_pay="12000.01"),
    ):
        assert not _problems("bundle", value)
        with pytest.raises(InputError):
            parse_bundle(value, POLICIES)


def _approved_result() -> Json:
    results = _adjudicated(contract_bundle())
    assert results is not None
    return results[0]


def test_the_result_schema_refuses_a_wrong_shape() -> None:
    good = _approved_result()
    _assert_valid("result", good)
    cases: list[Json] = []
    for key, value in (
        ("basic_fund", "9630.0"),
        ("basic_fund", 9630.0),
        ("basic_rate", "0.9"),
        ("status", "pending"),
        ("reasons", [{"code": "NOT_INSURED", "article": 7, "item": None, "message": "x"}]),
        ("flags", ["vip"]),
    ):
        bad = copy.deepcopy(good)
        bad[key] = value
        cases.append(bad)
    missing = copy.deepcopy(good)
    del missing["trace"]
    extra = copy.deepcopy(good)
    extra["reversed"] = "C1/1"
    negative_settlement = copy.deepcopy(good)
    negative_settlement["basic_fund"] = "-9630.00"
    reversal_without_target = copy.deepcopy(good)
    reversal_without_target["record"] = "reversal"
    rejected_but_paid = copy.deepcopy(good)
    rejected_but_paid["status"] = "rejected"
    rejected_but_paid["reasons"] = [
        {"code": "NOT_INSURED", "article": 7, "item": None, "message": "x"}
    ]
    cases += [missing, extra, negative_settlement, reversal_without_target, rejected_but_paid]
    for case in cases:
        assert _problems("result", case), case


def test_the_error_schema_refuses_a_wrong_shape() -> None:
    good = {"file": "in.jsonl", "line": 3, "field": "claims[0].total", "message": "bad"}
    _assert_valid("error", good)
    for bad in (
        {key: value for key, value in good.items() if key != "field"},
        {**good, "line": 0},
        {**good, "line": "3"},
        {**good, "extra": True},
    ):
        assert _problems("error", bad), bad


HEADING = re.compile(r"^## §(\d+) ", re.MULTILINE)
ANCHOR = re.compile(r'^<a id="s(\d+)"></a>\n## §(\d+) ', re.MULTILINE)


def _specification() -> str:
    return SPECIFICATION.read_text(encoding="utf-8")


def test_every_section_cited_in_the_specification_exists() -> None:
    text = _specification()
    headings = [int(number) for number in HEADING.findall(text)]
    assert headings == list(range(1, len(headings) + 1))
    cited = {int(number) for number in re.findall(r"§(\d+)", text)}
    assert cited <= set(headings), sorted(cited - set(headings))
    anchors = {int(number) for number in re.findall(r"\(#s(\d+)\)", text)}
    assert anchors <= set(headings), sorted(anchors - set(headings))


def test_every_heading_has_its_stable_anchor() -> None:
    pairs = ANCHOR.findall(_specification())
    headings = HEADING.findall(_specification())
    assert len(pairs) == len(headings)
    assert all(anchor == heading for anchor, heading in pairs)


def test_the_specification_links_files_that_exist() -> None:
    for target in re.findall(r"\]\(([^)#]+)\)", _specification()):
        assert (SPECIFICATION.parent / target).exists(), target


def _schema_enum(definition: Mapping[str, Any]) -> set[Any]:
    return set(definition["enum"]) - {None}


def test_the_schemas_enums_are_the_models() -> None:
    definitions = _schema("bundle")["$defs"]
    claim = definitions["claim"]["properties"]
    person = definitions["person"]["properties"]
    assert _schema_enum(claim["cause"]) == {c.value for c in Cause}
    assert _schema_enum(claim["type"]) == {c.value for c in ClaimType}
    assert _schema_enum(claim["route"]) == {c.value for c in Route}
    assert _schema_enum(claim["settlement"]) == {c.value for c in Settlement}
    assert _schema_enum(definitions["hospital"]["properties"]["level"]) == {c.value for c in Level}
    assert _schema_enum(definitions["hospital"]["properties"]["region"]) == {
        c.value for c in Region
    }
    assert _schema_enum(person["category"]) == {c.value for c in Category}
    assert _schema_enum(person["statuses"]["items"]) == {c.value for c in Status}
    reasons = _schema("result")["$defs"]["reason"]["properties"]["code"]
    assert _schema_enum(reasons) == set(REASON_ARTICLES)


def test_reversal_and_correction_records_validate() -> None:
    """The records of the settlement life (specification §18) have the result line's shape."""
    first, ledger = settle(HISTORY, BIG, None, POLICIES)
    second, ledger = settle(HISTORY, SMALL, ledger, POLICIES)
    reversal = reverse([first, second], ledger, claim_id="A")
    records = [first, second, reversal.record]
    settled = [SettledClaim(WHO, HISTORY.contributions, claim) for claim in (BIG, SMALL)]
    clearing = clear_year(2019, records, settled, None, POLICIES)
    assert clearing.corrections
    for record in [*records, *clearing.corrections]:
        _assert_valid("result", result_to_json(record))
