"""``adjudicate --trace full|codes|none`` (specification §25): the same records with the trace
in full, as step codes, or left out; a ledger store keeps full lines whatever the level, so that
slips and the audit of a store read full traces."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from jsonschema import Draft202012Validator, FormatChecker

from yzmedins import adjudicate_bundle
from yzmedins.cli import main
from yzmedins.io.codec import step_code
from yzmedins.lifecycle import reverse
from yzmedins.model import Bundle, StepCode
from yzmedins.strategies import bundles

from .reference.generate import bundles as generated_bundles

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SPECIFICATION = ROOT / "docs" / "specification.md"

Record = dict[str, Any]


def _lines(path: Path) -> list[Record]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _input(tmp_path: Path) -> Path:
    """The worked examples (every route and reason) and generated bundles."""
    source = tmp_path / "in.jsonl"
    generated = [json.dumps(b, ensure_ascii=False) for b in generated_bundles(20170412, 150)]
    examples = (EXAMPLES / "bundles.jsonl").read_text(encoding="utf-8").splitlines()
    source.write_text("\n".join([*examples, *generated]) + "\n", encoding="utf-8")
    return source


def _adjudicate(source: Path, out: Path, *options: str) -> Path:
    assert main(["adjudicate", "-q", "--jobs", "1", str(source), "-o", str(out), *options]) == 0
    return out


@settings(max_examples=150, deadline=None)
@given(bundles())
def test_every_step_has_a_code_which_its_text_tells(bundle: Bundle) -> None:
    """Each step the engine writes carries its code, and a step read back from a full line (its
    text only) gets the same one."""
    for result in adjudicate_bundle(bundle):
        steps = list(result.trace)
        if result.approved:
            steps += reverse([result], result.ytd, claim_id=result.claim_id).record.trace
        for step in steps:
            assert step.code is not None, step
            assert step_code(step.text) is step.code, step


def test_codes_and_none_change_only_the_trace(tmp_path: Path) -> None:
    source = _input(tmp_path)
    full = _lines(_adjudicate(source, tmp_path / "full.jsonl"))
    codes = _lines(_adjudicate(source, tmp_path / "codes.jsonl", "--trace", "codes"))
    empty = _lines(_adjudicate(source, tmp_path / "none.jsonl", "--trace", "none"))
    assert len(full) == len(codes) == len(empty) > 400
    seen: set[str] = set()
    for whole, coded, bare in zip(full, codes, empty, strict=True):
        assert {**coded, "trace": whole["trace"]} == whole
        assert {**bare, "trace": whole["trace"]} == whole
        assert bare["trace"] == []
        assert coded["trace"] == [
            {"article": s["article"], "code": step_code(s["text"]), "amount": s["amount"]}
            for s in whole["trace"]
        ]
        seen.update(step["code"] for step in coded["trace"])
    assert None not in seen
    assert {"in_force", "covered", "deductible", "rejected", "special_outpatient"} <= seen


def test_csv_carries_the_trace_at_the_level_asked(tmp_path: Path) -> None:
    source = _input(tmp_path)
    out = _adjudicate(source, tmp_path / "none.csv", "--format", "csv", "--trace", "none")
    rows = out.read_text(encoding="utf-8").splitlines()
    column = rows[0].split(",").index("trace")
    assert rows[1].split(",")[column] == "[]"
    assert all(row.endswith(",[]") for row in rows[1:])  # the trace is the last column


@pytest.mark.parametrize("level", ["codes", "none"])
def test_the_store_keeps_full_lines_and_reproduces_at_the_level_asked(
    tmp_path: Path, level: str
) -> None:
    """A first run with ``--trace LEVEL`` stores full lines: a second run reproduces them in
    full (or at another level) exactly as a run without the store writes them; the store's
    audit (which reads full traces) finds nothing."""
    source = _input(tmp_path)
    db = str(tmp_path / "agency.db")
    full = _adjudicate(source, tmp_path / "full.jsonl").read_bytes()
    at_level = _adjudicate(source, tmp_path / "level.jsonl", "--trace", level).read_bytes()
    first = _adjudicate(source, tmp_path / "first.jsonl", "--ledger", db, "--trace", level)
    assert first.read_bytes() == at_level
    again = _adjudicate(source, tmp_path / "again.jsonl", "--ledger", db)
    assert again.read_bytes() == full
    again_level = _adjudicate(source, tmp_path / "again2.jsonl", "--ledger", db, "--trace", level)
    assert again_level.read_bytes() == at_level
    findings = tmp_path / "findings.jsonl"
    assert main(["audit", "-q", "--jobs", "1", "--ledger", db, "-o", str(findings)]) == 0


def test_the_audit_of_a_results_file_needs_full_traces(tmp_path: Path) -> None:
    """A results file written with ``--trace codes`` or ``none`` is not a record as the engine
    writes it: its audit reports the trace of every record (decided in docs/interpretation.md),
    and the same results in full agree."""
    source = _input(tmp_path)
    findings = tmp_path / "findings.jsonl"
    full = _adjudicate(source, tmp_path / "full.jsonl")
    audit = ["audit", "-q", "--jobs", "1", str(source), "-o", str(findings), "--results"]
    assert main([*audit, str(full)]) == 0
    for level in ("codes", "none"):
        results = _adjudicate(source, tmp_path / f"{level}.jsonl", "--trace", level)
        assert main([*audit, str(results)]) == 1
        fields = {finding["field"] for finding in _lines(findings)}
        assert fields & {"trace", "trace[0].text"}, fields


def test_the_specification_lists_every_step_code() -> None:
    text = SPECIFICATION.read_text(encoding="utf-8")
    section = text[text.index("## §25") :]
    listed = set(re.findall(r"^\| `([a-z_]+)` \|", section, re.MULTILINE))
    assert listed == {code.value for code in StepCode}


def test_lines_at_every_level_follow_the_result_schema(tmp_path: Path) -> None:
    schema = json.loads((ROOT / "docs" / "schema" / "result.schema.json").read_text("utf-8"))
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    source = _input(tmp_path)
    for level in ("full", "codes", "none"):
        out = _adjudicate(source, tmp_path / f"{level}.jsonl", "--trace", level)
        for record in _lines(out):
            assert not list(validator.iter_errors(record)), (level, record["setl_id"])
    mixed = _lines(tmp_path / "full.jsonl")[0]
    mixed["trace"] = [mixed["trace"][0], _lines(tmp_path / "codes.jsonl")[0]["trace"][1]]
    assert list(validator.iter_errors(mixed))  # one line holds steps of one kind
