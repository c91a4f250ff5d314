"""The ``yzmedins contributions`` and ``yzmedins retirement`` commands (specification §10)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from yzmedins.cli import main

from .contract import bundle, read_jsonl, write_jsonl

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

STATEMENT_KEYS = [
    "person_id", "year", "monthly_base", "employer_monthly", "employee_monthly",
    "flexible_annual", "mutual_aid_fee", "account_monthly", "account_annual",
]  # fmt: skip
DECISION_KEYS = [
    "person_id", "statutory_date", "deemed_months", "actual_months", "total_months",
    "minimum_months", "longest_run_months", "qualified", "early_months", "shortfall_months",
    "lump_sum", "months_to_continue",
]  # fmt: skip


def _run(
    tmp_path: Path, command: str, lines: list[Any], *options: str
) -> tuple[int, list[dict[str, Any]], list[dict[str, Any]]]:
    source = write_jsonl(tmp_path / "in.jsonl", lines)
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    status = main([command, str(source), "-o", str(out), "--errors", str(err), *options])
    return status, read_jsonl(out), read_jsonl(err)


def _statement_line(**changes: Any) -> dict[str, Any]:
    line: dict[str, Any] = {
        "person": {"id": "P1", "sex": "male", "birth_date": "1980-05-01", "category": "employee"},
        "year": 2019,
        "prior_year_wage": "60000.00",
        "average_wage": "52000.00",
        "employer_average_base": None,
        "retirement_year_base": None,
    }
    line.update(changes)
    return line


def _retirement_line(**person: Any) -> dict[str, Any]:
    line = bundle()
    line["person"].update(
        {"sex": "male", "birth_date": "1955-05-10", "category": "retiree"}, **person
    )
    line["contributions"] = [{"from": "2003-01", "to": "2015-05", "base": "4200.00"}]
    del line["claims"]
    line["average_wage"] = "52000.00"
    return line


# --- yzmedins contributions ---------------------------------------------------------------------


def test_contributions_valid_input_exits_0_with_exact_keys(tmp_path: Path) -> None:
    # 60,000.00 ÷ 12 = 5,000.00; 8% 400.00; 2% 100.00; 2.7% 135.00, × 12 = 1,620.00.
    status, statements, errors = _run(tmp_path, "contributions", [_statement_line()])
    assert (status, errors) == (0, [])
    assert [list(s) for s in statements] == [STATEMENT_KEYS]
    assert statements[0] == {
        "person_id": "P1",
        "year": 2019,
        "monthly_base": "5000.00",
        "employer_monthly": "400.00",
        "employee_monthly": "100.00",
        "flexible_annual": "0.00",
        "mutual_aid_fee": "140.00",
        "account_monthly": "135.00",
        "account_annual": "1620.00",
    }


def test_contributions_bad_lines_are_reported_with_line_and_field(tmp_path: Path) -> None:
    retiree = _statement_line(
        person={
            "id": "R1",
            "sex": "female",
            "birth_date": "1962-01-01",
            "category": "retiree",
            "retired_on": "2012-01-01",
        }
    )
    second = _statement_line(person={**_statement_line()["person"], "id": "P2"})
    lines: list[Any] = [
        "{broken",
        _statement_line(prior_year_wage="1.234"),
        retiree,
        second,
        _statement_line(year=2017),
        _statement_line(salary="1.00"),
        _statement_line(person={"id": "P3", "sex": "male", "category": "employee"}),
        "",
        second,
        _statement_line(year="2019"),
        retiree | {"employer_average_base": "4800.00"},
    ]
    status, statements, errors = _run(tmp_path, "contributions", lines)
    assert status == 1
    assert [s["person_id"] for s in statements] == ["P2"]
    assert [(e["line"], e["field"]) for e in errors] == [
        (1, None),
        (2, "prior_year_wage"),
        (3, "employer_average_base"),
        (5, "year"),
        (6, "salary"),
        (7, "person.birth_date"),
        (9, "person.id"),
        (10, "year"),
        (11, "person.id"),
    ]
    assert "required for a retiree" in errors[2]["message"]
    assert "already has a 2019 statement" in errors[6]["message"]
    # Line 11 repairs line 3, but line 3 already used R1's 2019 (as adjudicate, interpretation 21).
    assert "already has a 2019 statement" in errors[8]["message"]
    assert all(e["file"].endswith("in.jsonl") for e in errors)


def test_contributions_base_ceiling_option(tmp_path: Path) -> None:
    # min(240,000.00, 3 × 52,000.00) ÷ 12 = 13,000.00; 8% = 1,040.00.
    line = _statement_line(prior_year_wage="240000.00")
    status, capped, _ = _run(tmp_path, "contributions", [line], "--base-ceiling", "3")
    assert status == 0
    assert (capped[0]["monthly_base"], capped[0]["employer_monthly"]) == ("13000.00", "1040.00")
    status, plain, _ = _run(tmp_path, "contributions", [line], "--base-ceiling", "none")
    assert plain[0]["monthly_base"] == "20000.00"


def test_contributions_bad_base_ceiling_is_a_usage_error(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [_statement_line()])
    with pytest.raises(SystemExit) as caught:
        main(["contributions", str(source), "--base-ceiling", "0.5"])
    assert caught.value.code == 2


def test_contributions_missing_input_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["contributions", str(tmp_path / "missing.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_contributions_bad_policy_file_exits_2(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [_statement_line()])
    policy = tmp_path / "bad.toml"
    policy.write_text("id = 1\n", encoding="utf-8")
    assert main(["contributions", str(source), "--policy", str(policy)]) == 2


def test_contributions_example_file_is_valid(tmp_path: Path) -> None:
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    source = str(EXAMPLES / "contributions.jsonl")
    assert main(["contributions", source, "-o", str(out), "--errors", str(err)]) == 0
    statements = read_jsonl(out)
    assert len(statements) == 9 and read_jsonl(err) == []
    flexible_retiring = next(s for s in statements if s["person_id"] == "YZ0105")
    # Retired 2019-08-20: January–July = 7 × 10% × 5,100.00 = 7 × 510.00 = 3,570.00.
    assert flexible_retiring["flexible_annual"] == "3570.00"


# --- yzmedins retirement ------------------------------------------------------------------------


def test_retirement_valid_input_exits_0_with_exact_keys(tmp_path: Path) -> None:
    # 240 deemed + 149 actual (2003-01..2015-05) = 389 ≥ 360, run 149 ≥ 120: qualified.
    line = _retirement_line(retired_on="2015-06-01", deemed_months=240)
    status, decisions, errors = _run(tmp_path, "retirement", [line])
    assert (status, errors) == (0, [])
    assert [list(d) for d in decisions] == [DECISION_KEYS]
    assert decisions[0] == {
        "person_id": "P1",
        "statutory_date": "2015-05-10",
        "deemed_months": 240,
        "actual_months": 149,
        "total_months": 389,
        "minimum_months": 360,
        "longest_run_months": 149,
        "qualified": True,
        "early_months": 0,
        "shortfall_months": 0,
        "lump_sum": "0.00",
        "months_to_continue": 0,
    }


def test_retirement_shortfall_line(tmp_path: Path) -> None:
    # 100 deemed + 149 = 249 → 111 short; 111 × 52,000.00 ÷ 12 × 10% = 48,100.00.
    line = _retirement_line(retired_on="2015-06-01", deemed_months=100)
    status, decisions, _ = _run(tmp_path, "retirement", [line])
    assert status == 0
    assert (decisions[0]["shortfall_months"], decisions[0]["lump_sum"]) == (111, "48100.00")


def test_retirement_bad_lines_are_reported_with_line_and_field(tmp_path: Path) -> None:
    good = _retirement_line(retired_on="2015-06-01", deemed_months=240)
    with_claims = bundle()
    with_claims["person"].update(id="P2", retired_on="2018-04-02", category="retiree")
    with_claims["average_wage"] = "52000.00"
    not_retired = bundle() | {"average_wage": "52000.00"}
    not_retired["person"]["id"] = "P7"
    no_wage = _retirement_line(id="P3", retired_on="2015-06-01")
    del no_wage["average_wage"]
    lines: list[Any] = [
        good,
        not_retired,
        with_claims,
        no_wage,
        _retirement_line(id="P4", retired_on="2015-06-01") | {"average_wage": "0.00"},
        _retirement_line(id="P5", retired_on="2015-06-01") | {"average_wage": 52000.001},
        _retirement_line(retired_on="2015-06-01"),
        _retirement_line(id="P6", retired_on="2015-06-01") | {"wage": "1.00"},
        _retirement_line(id="P3", retired_on="2015-06-01"),
    ]
    status, decisions, errors = _run(tmp_path, "retirement", lines)
    assert status == 1
    assert [d["person_id"] for d in decisions] == ["P1", "P2"]
    assert [(e["line"], e["field"]) for e in errors] == [
        (2, "person.retired_on"),
        (4, "average_wage"),
        (5, "average_wage"),
        (6, "average_wage"),
        (7, "person.id"),
        (8, "wage"),
        (9, "person.id"),
    ]
    assert "required for the retirement test" in errors[0]["message"]


def test_retirement_example_file_is_valid(tmp_path: Path) -> None:
    out, err = tmp_path / "out.jsonl", tmp_path / "err.jsonl"
    source = str(EXAMPLES / "retirement.jsonl")
    assert main(["retirement", source, "-o", str(out), "--errors", str(err)]) == 0
    decisions = {d["person_id"]: d for d in read_jsonl(out)}
    assert read_jsonl(err) == []
    # YZ0204: early 4 + shortfall 86 = 90 months × 61,200.00 ÷ 12 × 10% = 45,900.00.
    assert (decisions["YZ0204"]["early_months"], decisions["YZ0204"]["lump_sum"]) == (
        4,
        "45900.00",
    )
    # YZ0205: runs of 66 and 59 months; 120 − 59 = 61 still to pay.
    assert decisions["YZ0205"]["months_to_continue"] == 61


def test_retirement_missing_input_file_exits_2(tmp_path: Path) -> None:
    assert main(["retirement", str(tmp_path / "missing.jsonl")]) == 2
