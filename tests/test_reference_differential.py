"""Differential test: ``yzmedins adjudicate`` against an independent reference implementation.

yzmedins.reference (src/yzmedins/reference/) implements the project's contract (docs/specification.md) from the text alone (it never saw the package's
code) and tests/reference/generate.py generates valid random bundles. Both are fed the same
JSON Lines and must agree on every output key except ``trace`` (reasons on code, article and
item, not the wording of the message) and on which lines are input errors.
"""

from __future__ import annotations

import copy
import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from yzmedins.cli import main
from yzmedins.reference import adjudicate_lines

from .reference.generate import bundles

SEEDS = (3, 1789, 20170412)
COUNT = 300

Result = dict[str, Any]


def _production(tmp_path: Path, lines: list[str]) -> tuple[int, list[Result], list[Result]]:
    source, out, err = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    source.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    status = main(
        ["adjudicate", "--quiet", "--jobs", "1", str(source), "-o", str(out), "--errors", str(err)]
    )
    results = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines() if x.strip()]
    errors = [json.loads(x) for x in err.read_text(encoding="utf-8").splitlines() if x.strip()]
    return status, results, errors


def _comparable(result: Result) -> Result:
    """Every output key but ``trace``; reasons as (code, article, item)."""
    kept = {key: value for key, value in result.items() if key != "trace"}
    kept["reasons"] = [(r["code"], r["article"], r["item"]) for r in result["reasons"]]
    return kept


def _source_line(lines: list[str], claim_id: str) -> str:
    for number, line in enumerate(lines, 1):
        if json.dumps(claim_id, ensure_ascii=False) in line:
            return f"line {number}: {line}"
    return "(input line not found)"


def _assert_agree(tmp_path: Path, lines: list[str]) -> tuple[list[Result], list[Result]]:
    expected, expected_errors = adjudicate_lines(line + "\n" for line in lines)
    status, actual, actual_errors = _production(tmp_path, lines)

    assert {e["line"] for e in actual_errors} == {e["line"] for e in expected_errors}, (
        "error lines differ:\n"
        f"  production: {[(e['line'], e['message']) for e in actual_errors]}\n"
        f"  reference:  {[(e['line'], e['message']) for e in expected_errors]}"
    )
    assert status == (1 if expected_errors else 0)
    assert [r["claim_id"] for r in actual] == [r["claim_id"] for r in expected]
    for mine, theirs in zip(actual, expected, strict=True):
        if _comparable(mine) != _comparable(theirs):
            pytest.fail(
                f"claim {theirs['claim_id']} differs\n"
                f"  input {_source_line(lines, theirs['claim_id'])}\n"
                f"  production: {json.dumps(_comparable(mine), ensure_ascii=False)}\n"
                f"  reference:  {json.dumps(_comparable(theirs), ensure_ascii=False)}"
            )
    return expected, expected_errors


@pytest.mark.parametrize("seed", SEEDS)
def test_rules_agree_with_the_independent_reference_implementation(
    tmp_path: Path, seed: int
) -> None:
    lines = [json.dumps(b, ensure_ascii=False) for b in bundles(seed, COUNT)]
    expected, errors = _assert_agree(tmp_path, lines)
    assert errors == []
    # the generated claims reach both outcomes, so the comparison is not vacuous
    assert {r["status"] for r in expected} == {"approved", "rejected"}


# ------------------------------------------------------------------------- mutated input
BAD_MONEY: list[Any] = ["12.345", -1, "1e3", 12.345, True, "100000000.00"]
BAD_DATES = ["2019-02-30", "2021-04-31", "2022-13-01", "2018-00-10", "2020-2-3"]
BAD_ENUMS: list[tuple[str, str, Any]] = [
    ("claim", "type", "outpatient"),
    ("hospital", "level", "tertary"),
    ("hospital", "region", "overseas"),
    ("claim", "route", "transfer"),
    ("claim", "settlement", "cash"),
    ("claim", "cause", "flu"),
    ("person", "sex", "other"),
    ("person", "category", "student"),
    ("person", "female_class", "farmer"),
    ("person", "statuses", ["vip"]),
]


def _mutate(
    r: random.Random, bundle: dict[str, Any], person_ids: list[str], claim_ids: list[str]
) -> tuple[str, str]:
    """One input error planted in a copy of `bundle`: (kind, line).

    `person_ids` and `claim_ids` are the ids readable on earlier lines.
    """
    b = copy.deepcopy(bundle)
    person = b["person"]
    claim = r.choice(b["claims"])
    kind = r.choice(
        [
            "broken_json",
            "money",
            "date",
            "enum",
            "unknown_key",
            "reused_person",
            "reused_claim",
            "full_self_pay_above_total",
            "discharged_before_admitted",
        ]
    )
    if (kind == "reused_person" and not person_ids) or (kind == "reused_claim" and not claim_ids):
        kind = "unknown_key"
    if kind == "broken_json":
        line = json.dumps(b, ensure_ascii=False)
        return kind, r.choice([line[: r.randint(1, len(line) - 1)], line + "}", "{" + line])
    if kind == "money":
        places: list[tuple[dict[str, Any], str]] = [
            (claim, r.choice(["total", "full_self_pay", "pre_self_pay"]))
        ]
        if b.get("contributions"):
            places.append((r.choice(b["contributions"]), "base"))
        if b.get("ytd"):
            places.append((b["ytd"], r.choice(["basic_fund", "self_burden", "banded"])))
        target, key = r.choice(places)
        target[key] = r.choice(BAD_MONEY)
    elif kind == "date":
        field = r.choice(["admitted_on", "discharged_on", "emergency_reported_on", "birth_date"])
        (person if field == "birth_date" else claim)[field] = r.choice(BAD_DATES)
    elif kind == "enum":
        where, key, value = r.choice(BAD_ENUMS)
        if where == "hospital" and "hospital" not in claim:
            where, key, value = "claim", "cause", "flu"
        {"claim": claim, "person": person, "hospital": claim.get("hospital")}[where][key] = value
    elif kind == "unknown_key":
        target = r.choice([b, person, claim, claim.get("hospital") or claim])
        target[r.choice(["note", "Total", "discharged"])] = r.choice([None, 1, "x"])
    elif kind == "reused_person":
        person["id"] = r.choice(person_ids)
    elif kind == "reused_claim":
        claim["id"] = r.choice(claim_ids)
    elif kind == "full_self_pay_above_total":
        claim["total"] = r.choice(["100.00", 100, "0.00"])
        claim["full_self_pay"] = r.choice(["100.01", "250.00", 100.5])
    elif kind == "discharged_before_admitted":
        discharged = date.fromisoformat(claim["discharged_on"])
        claim["admitted_on"] = (discharged + timedelta(days=r.randint(1, 30))).isoformat()
    return kind, json.dumps(b, ensure_ascii=False)


@pytest.mark.parametrize("seed", SEEDS)
def test_input_errors_agree_with_the_independent_reference_implementation(
    tmp_path: Path, seed: int
) -> None:
    r = random.Random(seed)
    lines: list[str] = []
    planted: set[int] = set()
    person_ids: list[str] = []
    claim_ids: list[str] = []
    for number, b in enumerate(bundles(seed, COUNT), 1):
        if r.random() < 0.3:
            _, line = _mutate(r, b, person_ids, claim_ids)
            planted.add(number)
        else:
            line = json.dumps(b, ensure_ascii=False)
        lines.append(line)
        try:
            written = json.loads(line)
        except ValueError:
            continue
        person_ids.append(written["person"]["id"])
        claim_ids.extend(c["id"] for c in written["claims"])
    _, errors = _assert_agree(tmp_path, lines)
    assert {e["line"] for e in errors} == planted
