"""Inputs the engine must refuse or read exactly, never misread (docs/limits.md): bounded
counts, ids and lines; repeated keys; negative zero; byte order marks and stray whitespace;
spreadsheet formulas in CSV results."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from yzmedins.cli import main
from yzmedins.errors import InputError
from yzmedins.io.csv_results import text_cell
from yzmedins.io.jsonl import decode_line
from yzmedins.limits import MAX_ID_LENGTH, MAX_LINE_BYTES

from .contract import bundle, read_jsonl, write_jsonl

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _run(
    tmp_path: Path, lines: list[Any], *options: str, command: str = "adjudicate"
) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    source = write_jsonl(tmp_path / "in.jsonl", lines)
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    quiet = ["-q"] if command == "adjudicate" else []
    status = main([command, str(source), "-o", str(out), "--errors", str(err), *quiet, *options])
    return status, read_jsonl(out), read_jsonl(err)


def _person(index: int, line: dict[str, Any]) -> dict[str, Any]:
    line = json.loads(json.dumps(line))
    line["person"]["id"] = f"P{index}"
    for claim in line.get("claims", []):
        claim["id"] = f"C{index}"
    return line


def _retirement(**person: Any) -> dict[str, Any]:
    line = bundle()
    line["person"].update(category="retiree", retired_on="2023-04-02", **person)
    line["claims"] = []
    line["average_wage"] = "60000.00"
    return line


# Item 6: every count is bounded; nothing the engine reads fails to be written back.


def test_retirement_huge_deemed_months_is_one_error_and_later_lines_go_through(
    tmp_path: Path,
) -> None:
    huge = _retirement(deemed_months=18446744073709551615)
    status, results, errors = _run(
        tmp_path,
        [huge, _person(2, _retirement()), "{broken"],
        command="retirement",
    )
    assert status == 1
    assert [r["person_id"] for r in results] == ["P2"]
    assert [(e["line"], e["field"]) for e in errors] == [(1, "person.deemed_months"), (3, None)]
    assert "exceeds the largest accepted value 1200" in errors[0]["message"]


def test_deemed_months_bound_holds_in_claims_and_contributions(tmp_path: Path) -> None:
    line = bundle()
    line["person"]["deemed_months"] = 1201
    status, results, errors = _run(tmp_path, [line])
    assert status == 1 and results == [] and errors[0]["field"] == "person.deemed_months"
    statement = {
        "person": {"id": "P1", "sex": "male", "birth_date": "1980-05-01", "category": "employee"},
        "year": 10**30,
        "prior_year_wage": "60000.00",
        "average_wage": "48000.00",
    }
    status, results, errors = _run(tmp_path, [statement], command="contributions")
    assert status == 1 and errors[0]["field"] == "year"


# Item 7: CSV results never carry a formula a spreadsheet would run.


@pytest.mark.parametrize(
    "claim_id",
    ['=HYPERLINK("http://x","y")', "@SUM(A1:A9)", "+1", "-1", "\tTAB", "\rCR", "＝1+1"],
)
def test_csv_results_neutralise_formulas_in_ids(tmp_path: Path, claim_id: str) -> None:
    line = bundle(id=claim_id, full_self_pay="500.00")
    line["person"]["id"] = claim_id
    source = write_jsonl(tmp_path / "in.jsonl", [line])
    out = tmp_path / "out.csv"
    assert main(["adjudicate", str(source), "-o", str(out), "--format", "csv", "-q"]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode(), newline="")))
    assert rows[0]["claim_id"] == "'" + claim_id
    assert rows[0]["person_id"] == "'" + claim_id
    assert rows[0]["basic_fund"] == "9630.00"  # amounts stay plain numbers


def test_csv_text_cell_leaves_plain_ids_alone() -> None:
    assert text_cell("C1") == "C1"
    assert text_cell("") == ""
    assert text_cell("a=b") == "a=b"
    assert text_cell("-") == "'-"


# Item 8: a key repeated in one object is refused, naming the key.


def test_repeated_key_is_refused_naming_it(tmp_path: Path) -> None:
    text = json.dumps(bundle()).replace(
        '"total": "12000.00"', '"total": "12000.00", "total": "99999.00"'
    )
    status, results, errors = _run(tmp_path, [text])
    assert status == 1 and results == []
    assert "'total' is repeated" in errors[0]["message"]


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 2}',
        '{"a": {"b": 1, "b" : 1}}',
        '[{"x": 1}, {"y": [{"z": 1, "z": 1}]}]',
    ],
)
def test_repeated_keys_at_any_depth_are_found(text: str) -> None:
    with pytest.raises(InputError, match="is repeated"):
        decode_line(text)


@pytest.mark.parametrize(
    "text",
    ['{"a": "x\\":y", "b": "\\":\\":"}', '{"a": {"b": "c"}, "b": {"a": "c"}}', '"\\":"'],
)
def test_strings_that_look_like_keys_are_not_repeats(text: str) -> None:
    assert decode_line(text) == json.loads(text)


def test_repeated_key_refused_by_the_other_commands(tmp_path: Path) -> None:
    statement = '{"person": {"id": "P1", "id": "P2", "sex": "male", "birth_date": "1980-05-01", "category": "employee"}, "year": 2019, "prior_year_wage": "1.00", "average_wage": "1.00"}'
    status, _, errors = _run(tmp_path, [statement], command="contributions")
    assert status == 1 and "'id' is repeated" in errors[0]["message"]


# Item 9: negative zero is zero.


def test_negative_zero_amount_is_zero(tmp_path: Path) -> None:
    text = json.dumps(bundle()).replace('"pre_self_pay": "0.00"', '"pre_self_pay": -0.0')
    status, results, errors = _run(tmp_path, [text])
    assert status == 0 and errors == []
    assert results[0]["pre_self_pay"] == "0.00"


def test_negative_zero_is_the_same_content_on_a_ledger_rerun(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    first = write_jsonl(tmp_path / "first.jsonl", [bundle()])
    text = json.dumps(bundle()).replace('"pre_self_pay": "0.00"', '"pre_self_pay": -0.0')
    second = write_jsonl(tmp_path / "second.jsonl", [text])
    out1, out2 = tmp_path / "o1.jsonl", tmp_path / "o2.jsonl"
    assert main(["adjudicate", str(first), "--ledger", str(db), "-o", str(out1), "-q"]) == 0
    assert main(["adjudicate", str(second), "--ledger", str(db), "-o", str(out2), "-q"]) == 0
    assert out1.read_bytes() == out2.read_bytes()


# Item 10: a byte order mark opens a file; other whitespace is not JSON's.


@pytest.mark.parametrize("command", ["adjudicate", "contributions"])
def test_byte_order_mark_opening_a_file_is_accepted(tmp_path: Path, command: str) -> None:
    line = (
        bundle()
        if command == "adjudicate"
        else {
            "person": {
                "id": "P1",
                "sex": "male",
                "birth_date": "1980-05-01",
                "category": "employee",
            },
            "year": 2019,
            "prior_year_wage": "60000.00",
            "average_wage": "48000.00",
        }
    )
    source = tmp_path / "bom.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + json.dumps(line).encode() + b"\n")
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    assert main([command, str(source), "-o", str(out), "--errors", str(err)]) == 0
    assert len(read_jsonl(out)) == 1 and read_jsonl(err) == []


@pytest.mark.parametrize("junk", ["\x0b", "\x0c", " \x0c\t"])
def test_lines_of_non_json_whitespace_are_errors(tmp_path: Path, junk: str) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(bundle()) + "\n" + junk + "\n \t\r\n\n")
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    assert main(["adjudicate", str(source), "-o", str(out), "--errors", str(err), "-q"]) == 1
    assert [e["line"] for e in read_jsonl(err)] == [2]
    assert len(read_jsonl(out)) == 1


# Item 11: limits on lines and ids keep memory flat.


def test_id_longer_than_the_limit_is_an_error(tmp_path: Path) -> None:
    long_id = "C" * (MAX_ID_LENGTH + 1)
    status, results, errors = _run(tmp_path, [bundle(id=long_id), _person(2, bundle())])
    assert status == 1 and [r["claim_id"] for r in results] == ["C2"]
    assert errors[0]["field"] == "claims[0].id"
    assert len(errors[0]["message"]) < 100
    status, results, errors = _run(tmp_path, [bundle(id="C" * MAX_ID_LENGTH)])
    assert status == 0


def test_error_messages_never_repeat_a_huge_value(tmp_path: Path) -> None:
    huge = "x" * 100_000
    line = bundle(hospital={"level": huge, "region": "local"})
    line["person"][huge] = 1
    status, _, errors = _run(tmp_path, [line, bundle(total=huge), bundle(admitted_on=huge)])
    assert status == 1
    assert all(len(json.dumps(e)) < 600 for e in errors)


def test_line_over_the_limit_is_one_error_and_the_next_line_is_settled(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    long_line = json.dumps(bundle(id="C" * (MAX_LINE_BYTES + 10)))
    source.write_text(long_line + "\n" + json.dumps(_person(2, bundle())) + "\n")
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    assert main(["adjudicate", str(source), "-o", str(out), "--errors", str(err), "-q"]) == 1
    assert [r["claim_id"] for r in read_jsonl(out)] == ["C2"]
    errors = read_jsonl(err)
    assert [e["line"] for e in errors] == [1] and "longer than" in errors[0]["message"]


def test_line_over_the_limit_in_the_other_commands(tmp_path: Path) -> None:
    line = _retirement()
    line["person"]["id"] = "P" * (MAX_LINE_BYTES + 1)
    status, results, errors = _run(
        tmp_path, [line, _person(2, _retirement())], command="retirement"
    )
    assert status == 1 and [r["person_id"] for r in results] == ["P2"]
    assert "longer than" in errors[0]["message"]


def test_a_100_mb_line_stays_under_300_mb_with_two_jobs(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    with source.open("w") as handle:
        handle.write('{"person": {"id": "' + "P" * (100 << 20) + '"}}\n')
        handle.write(json.dumps(_person(2, bundle())) + "\n")
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    measure = (
        "import resource, subprocess, sys\n"
        "status = subprocess.run(sys.argv[1:]).returncode\n"
        "print(status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    command = [sys.executable, "-m", "yzmedins", "adjudicate", str(source), "--jobs", "2"]
    command += ["-o", str(out), "--errors", str(err), "-q"]
    completed = subprocess.run(
        [sys.executable, "-c", measure, *command], capture_output=True, text=True, check=True
    )
    status, peak_kib = map(int, completed.stdout.split())
    assert status == 1
    assert [r["claim_id"] for r in read_jsonl(out)] == ["C2"]
    assert [e["line"] for e in read_jsonl(err)] == [1]
    assert peak_kib < 300 * 1024


def test_table_row_over_the_limit_is_one_error_and_the_rest_goes_through(
    tmp_path: Path,
) -> None:
    claims = (EXAMPLES / "claims.csv").read_text(encoding="utf-8").splitlines()
    header, first = claims[0], claims[1]
    long_row = first.replace(first.split(",")[0], "X" * (MAX_LINE_BYTES + 5), 1)
    path = tmp_path / "claims.csv"
    path.write_text("\n".join([header, long_row, *claims[1:]]) + "\n", encoding="utf-8")
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    status = main(
        [
            "adjudicate",
            "--persons",
            str(EXAMPLES / "persons.csv"),
            "--contributions",
            str(EXAMPLES / "contributions.csv"),
            "--claims",
            str(path),
            "-o",
            str(out),
            "--errors",
            str(err),
            "-q",
        ]
    )
    errors = read_jsonl(err)
    assert status == 1
    assert next((e["line"], e["message"]) for e in errors if e["file"] == str(path)) == (
        2,
        f"the row is longer than {MAX_LINE_BYTES:,} characters, the limit of one row",
    )
    assert len(read_jsonl(out)) == len(claims) - 1
