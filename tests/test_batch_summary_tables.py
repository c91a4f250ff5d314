"""The batch run's summary reconciles with its files; tables and CSV output end to end."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from yzmedins.batch.summary import AMOUNTS
from yzmedins.cli import main
from yzmedins.io.csv_results import CSV_COLUMNS

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TABLES = [
    "--persons", str(EXAMPLES / "persons.csv"),
    "--contributions", str(EXAMPLES / "contributions.csv"),
    "--claims", str(EXAMPLES / "claims.csv"),
]  # fmt: skip


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_summary_reconciles_with_results_and_errors(tmp_path: Path) -> None:
    out, err, summary = tmp_path / "out.jsonl", tmp_path / "err.jsonl", tmp_path / "s.json"
    sources = [str(EXAMPLES / "bundles.jsonl"), str(EXAMPLES / "with-errors.jsonl")]
    status = main(
        [
            "adjudicate",
            "--quiet",
            *sources,
            "-o",
            str(out),
            "--errors",
            str(err),
            "--summary",
            str(summary),
        ]
    )
    assert status == 1
    results, errors, data = _lines(out), _lines(err), json.loads(summary.read_text("utf-8"))
    # Every line read is a bundle or an error, once.
    assert sum(data["inputs"].values()) == data["bundles"] + data["input_errors"]
    assert data["input_errors"] == len(errors) == 5  # four bad lines + a repeated person
    assert data["claims"] == len(results)
    assert data["approved"] + data["rejected"] == data["claims"]
    for name in AMOUNTS:
        assert Decimal(data["totals"][name]) == sum(
            (Decimal(r[name]) for r in results), Decimal("0.00")
        )
    approved = [r for r in results if r["status"] == "approved"]
    assert sum(row["claims"] for row in data["approved_by_route"].values()) == len(approved)
    assert sum(Decimal(row["basic_fund"]) for row in data["approved_by_route"].values()) == sum(
        Decimal(r["basic_fund"]) for r in approved
    )
    rejected = [r for r in results if r["status"] == "rejected"]
    by_reason = data["rejected_by_reason"]
    assert sum(row["claims"] for row in by_reason.values()) == len(rejected)
    assert sum(Decimal(row["total"]) for row in by_reason.values()) == sum(
        Decimal(r["total"]) for r in rejected
    )


def test_tables_give_the_same_results_as_the_bundles(tmp_path: Path) -> None:
    from_tables, from_lines = tmp_path / "t.jsonl", tmp_path / "j.jsonl"
    assert main(["adjudicate", "--quiet", *TABLES, "-o", str(from_tables)]) == 0
    assert (
        main(["adjudicate", "--quiet", str(EXAMPLES / "bundles.jsonl"), "-o", str(from_lines)]) == 0
    )
    by_id = {r["claim_id"]: r for r in _lines(from_lines)}
    table_results = _lines(from_tables)
    assert len(table_results) == len(by_id)
    assert all(r == by_id[r["claim_id"]] for r in table_results)


def test_bad_table_rows_are_error_records_with_file_and_row(tmp_path: Path) -> None:
    claims = (EXAMPLES / "claims.csv").read_text("utf-8").splitlines()
    header, first = claims[0], claims[1]
    broken = first.replace("12000.00", "12000.001", 1)
    bad = tmp_path / "claims.csv"
    bad.write_text("\n".join([header, broken, *claims[2:]]) + "\n", encoding="utf-8")
    args = [*TABLES[:4], "--claims", str(bad)]
    out, err, summary = tmp_path / "out.jsonl", tmp_path / "err.jsonl", tmp_path / "s.json"
    status = main(
        [
            "adjudicate",
            "--quiet",
            *args,
            "-o",
            str(out),
            "--errors",
            str(err),
            "--summary",
            str(summary),
        ]
    )
    assert status == 1
    (record,) = _lines(err)
    assert record["file"] == str(bad) and record["line"] == 2 and record["field"] == "total"
    assert len(_lines(out)) == len(claims) - 2
    # Every row accounted for: claims rows in the results or the errors, the rest used or not.
    rows = json.loads(summary.read_text("utf-8"))["table_rows"]
    for counts in rows.values():
        assert counts["read"] == counts["used"] + counts["failed"] + counts["unused"]
    assert rows[str(bad)]["read"] == len(_lines(out)) + len(_lines(err))


def test_results_as_csv(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    assert (
        main(
            [
                "adjudicate",
                "--quiet",
                str(EXAMPLES / "bundles.jsonl"),
                "-o",
                str(out),
                "--format",
                "csv",
            ]
        )
        == 0
    )
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8"))))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert rows[0]["claim_id"] == "K0001" and rows[0]["basic_fund"] == "9630.00"
    assert json.loads(rows[0]["trace"])[0]["article"] == 39


def test_table_and_line_inputs_together_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["adjudicate", "--quiet", str(EXAMPLES / "bundles.jsonl"), *TABLES]) == 2
    assert main(["adjudicate", "--quiet", "--persons", "p.csv"]) == 2
    assert main(["adjudicate", "--quiet"]) == 2
