"""The ``yzmedins adjudicate`` command: streams, error records, exit status (specification §11)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from yzmedins.cli import main
from yzmedins.rules.reasons import REASON_ARTICLES

from .contract import OUTPUT_KEYS, bundle, read_jsonl, write_jsonl

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _run(
    tmp_path: Path, lines: list[Any]
) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    source = write_jsonl(tmp_path / "in.jsonl", lines)
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    status = main(["adjudicate", str(source), "-o", str(out), "--errors", str(err)])
    return status, read_jsonl(out), read_jsonl(err)


def test_valid_input_exits_0_with_one_line_per_claim(tmp_path: Path) -> None:
    status, results, errors = _run(tmp_path, [bundle()])
    assert status == 0 and errors == []
    assert [list(r) for r in results] == [OUTPUT_KEYS]
    assert results[0]["basic_fund"] == "9630.00"


def test_bad_lines_are_reported_and_the_rest_still_processed(tmp_path: Path) -> None:
    second = bundle(id="C2")
    second["person"]["id"] = "P2"
    lines: list[Any] = [
        "{broken",
        [1, 2],
        bundle(total="1.234"),
        second,
        "",
        bundle(id="C3", hospital={"level": "tertary", "region": "local"}),
    ]
    status, results, errors = _run(tmp_path, lines)
    assert status == 1
    assert [r["claim_id"] for r in results] == ["C2"]
    assert [(e["line"], e["field"]) for e in errors] == [
        (1, None),
        (2, None),
        (3, "claims[0].total"),
        (6, "claims[0].hospital.level"),
    ]
    assert "broken JSON" in errors[0]["message"]
    assert "expected an object" in errors[1]["message"]
    assert all(e["file"].endswith("in.jsonl") for e in errors)


def test_a_person_or_claim_seen_in_an_earlier_bundle_is_an_error_on_the_later_line(
    tmp_path: Path,
) -> None:
    other_person = bundle()
    other_person["person"]["id"] = "P2"
    status, results, errors = _run(tmp_path, [bundle(), bundle(id="C9"), other_person])
    assert status == 1
    assert [r["claim_id"] for r in results] == ["C1"]
    assert [(e["line"], e["field"]) for e in errors] == [(2, "person.id"), (3, "claims[0].id")]


def test_output_follows_bundle_order_then_adjudication_order(tmp_path: Path) -> None:
    first = bundle(id="B", admitted_on="2019-05-01", discharged_on="2019-05-03")
    first["claims"].append(dict(first["claims"][0], id="A"))
    first["claims"].append(
        dict(first["claims"][0], id="Z", admitted_on="2019-01-01", discharged_on="2019-01-05")
    )
    second = bundle(id="C")
    second["person"]["id"] = "P2"
    status, results, _ = _run(tmp_path, [first, second])
    assert status == 0
    assert [r["claim_id"] for r in results] == ["Z", "A", "B", "C"]


def test_emergency_outside_the_calendar_is_an_input_error(tmp_path: Path) -> None:
    line = bundle(
        admitted_on="2003-06-01",
        discharged_on="2018-01-02",
        hospital={"level": "tertiary", "region": "in_province"},
        route="emergency",
        emergency_reported_on="2003-06-02",
    )
    line["contributions"] = [{"from": "2000-01", "to": "2020-12"}]
    status, results, errors = _run(tmp_path, [line])
    assert status == 1 and results == []
    assert errors[0]["field"] == "claims[0].admitted_on"
    assert "working-day calendar" in errors[0]["message"]


def test_missing_input_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["adjudicate", str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_bad_policy_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text("id = 'x'\n", encoding="utf-8")
    source = write_jsonl(tmp_path / "in.jsonl", [bundle()])
    assert main(["adjudicate", str(source), "--policy", str(policy)]) == 2
    assert "cannot load policy" in capsys.readouterr().err


def test_unknown_option_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["adjudicate", "--frobnicate", "x"])
    assert caught.value.code == 2


def test_reading_options_change_the_result(tmp_path: Path) -> None:
    source = write_jsonl(
        tmp_path / "in.jsonl",
        [
            bundle(
                hospital={"level": "tertiary", "region": "in_province"},
                route="referral",
                settlement="reimbursement",
            )
        ],
    )
    out = tmp_path / "out.jsonl"
    assert (
        main(["adjudicate", str(source), "-o", str(out), "--reimbursement-reduction", "relative"])
        == 0
    )
    assert read_jsonl(out)[0]["catastrophic_rate"] == "0.765"


def test_stdin_and_python_m_entry_point(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "yzmedins", "adjudicate", "-"],
        input=json.dumps(bundle()) + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["personal_cash"] == "2370.00"


def test_bundled_example_covers_every_route_and_every_reason(tmp_path: Path) -> None:
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    assert (
        main(["adjudicate", str(EXAMPLES / "bundles.jsonl"), "-o", str(out), "--errors", str(err)])
        == 0
    )
    results = read_jsonl(out)
    reasons = {reason["code"] for r in results for reason in r["reasons"]}
    assert reasons == set(REASON_ARTICLES)
    rates = {
        (r["basic_rate"], r["catastrophic_rate"]) for r in results if r["status"] == "approved"
    }
    assert {
        ("0.90", "0.95"),
        ("0.80", "0.85"),
        ("0.70", "0.75"),
        ("0.60", "0.65"),
        ("0.00", "0.00"),
    } <= rates
    assert any(
        r["catastrophic_fund"] != "0.00" and r["ytd"]["basic_fund"] == "150000.00" for r in results
    )
    assert any(r["ytd"]["secondary_subsidy"] == "150000.00" for r in results)
    sources = [
        json.loads(line) for line in (EXAMPLES / "bundles.jsonl").read_text("utf-8").splitlines()
    ]
    routes = {c.get("route") for b in sources for c in b["claims"]}
    assert {"referral", "relocated", "emergency", None} <= routes
    assert any(c.get("type") == "special_outpatient" for b in sources for c in b["claims"])
    assert any(c.get("maternity") for b in sources for c in b["claims"])


def test_example_with_errors_exits_1_and_keeps_the_valid_lines(tmp_path: Path) -> None:
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    status = main(
        ["adjudicate", str(EXAMPLES / "with-errors.jsonl"), "-o", str(out), "--errors", str(err)]
    )
    assert status == 1
    assert len(read_jsonl(err)) == 4
    assert len(read_jsonl(out)) == 4


def test_errors_default_to_stderr(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", ["{"])
    stderr = io.BytesIO()
    monkeypatch.setattr(sys, "stderr", io.TextIOWrapper(stderr))
    assert main(["adjudicate", str(source), "-o", str(tmp_path / "out.jsonl"), "--quiet"]) == 1
    sys.stderr.flush()
    assert json.loads(stderr.getvalue())["line"] == 1


def test_the_realtime_example_runs() -> None:
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / "realtime.py")], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert "approved: fund pays 9815.00, patient pays 2185.00" in completed.stdout


def test_ids_of_an_earlier_invalid_line_still_count_as_used(tmp_path: Path) -> None:
    # specification §11: "a claim id used twice in one input is an input error on the later line" —
    # also when the earlier line was refused for another reason.
    first = bundle(total="1.234")
    second = bundle()
    second["person"]["id"] = "P2"
    status, results, errors = _run(tmp_path, [first, second])
    assert status == 1 and results == []
    assert [(e["line"], e["field"]) for e in errors] == [
        (1, "claims[0].total"),
        (2, "claims[0].id"),
    ]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ids_reused_many_chunks_later_are_still_errors(tmp_path: Path, jobs: str) -> None:
    # specification §11 across the whole input: workers see chunks of lines, the duplicate check sees
    # every line. 900 bundles span several chunks; the reuses come far after the first use.
    lines: list[Any] = []
    for number in range(900):
        value = bundle(id=f"C{number}")
        value["person"]["id"] = f"P{number}"
        lines.append(value)
    lines[5] = bundle(id="C5", total="1.234")  # refused, but its ids P1/C5 count as used
    lines[5]["person"]["id"] = "P5"
    lines[600]["person"]["id"] = "P3"  # a person of line 4
    lines[700]["claims"][0]["id"] = "C2"  # a claim of line 3
    lines[800]["claims"][0]["id"] = "C5"  # the claim of the refused line 6
    lines[850] = lines[849]  # the line just before, again
    source = write_jsonl(tmp_path / "in.jsonl", lines)
    out, err, summary = tmp_path / "out.jsonl", tmp_path / "err.jsonl", tmp_path / "s.json"
    arguments = ["adjudicate", "--quiet", "--jobs", jobs, str(source), "-o", str(out)]
    status = main([*arguments, "--errors", str(err), "--summary", str(summary)])
    assert status == 1
    errors = read_jsonl(err)
    assert [(e["line"], e["field"]) for e in errors] == [
        (6, "claims[0].total"),
        (601, "person.id"),
        (701, "claims[0].id"),
        (801, "claims[0].id"),
        (851, "person.id"),
    ]
    results = read_jsonl(out)
    assert len(results) == 895
    data = json.loads(summary.read_text("utf-8"))
    assert data["claims"] == 895 and data["input_errors"] == 5 and data["bundles"] == 895
    assert data["totals"]["total"] == f"{895 * 12000}.00"


def test_a_closed_output_pipe_ends_the_run_quietly(tmp_path: Path) -> None:
    # `yzmedins adjudicate ... | head -1`: the reader goes away; no traceback, no message.
    lines = []
    for number in range(3000):
        value = bundle(id=f"C{number}")
        value["person"]["id"] = f"P{number}"
        lines.append(value)
    source = write_jsonl(tmp_path / "in.jsonl", lines)
    process = subprocess.Popen(
        [sys.executable, "-m", "yzmedins", "adjudicate", "--quiet", "--jobs", "2", str(source)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(10)
    process.stdout.close()
    errors = process.stderr.read()
    assert process.wait(timeout=60) == 2
    assert errors == b""
