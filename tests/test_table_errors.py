"""Error records of a table run name the file, the row and the CSV column the problem is in
(docs/tables.md, *Errors*), whether the row is refused while it is staged or its person's bundle
is refused later (by the rules or the ledger store): never a bundle path such as
``claims[0].id``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from yzmedins.cli import main
from yzmedins.errors import InputError
from yzmedins.io.units import Unit, column_of

from .test_tables import Tables, good_bundle

Record = tuple[str, int, str | None, str]


def _run(tables: Tables, *options: str) -> tuple[int, list[Record], list[str]]:
    """Adjudicate the tables: status, error records (file name, row, field, message) and the
    claim ids of the results."""
    persons, contributions, claims = tables.write()
    out, err = tables.folder / "out.jsonl", tables.folder / "err.jsonl"
    tables_options = ["--persons", persons, "--contributions", contributions, "--claims", claims]
    outputs = ["-o", str(out), "--errors", str(err)]
    status = main(["adjudicate", "-q", "--jobs", "1", *tables_options, *outputs, *options])
    records = [json.loads(line) for line in err.read_text("utf-8").splitlines()]
    results = [json.loads(line)["claim_id"] for line in out.read_text("utf-8").splitlines()]
    return (
        status,
        [(Path(r["file"]).name, r["line"], r["field"], r["message"]) for r in records],
        results,
    )


def _path(tables: Tables, name: str) -> Path:
    return tables.folder / name


def test_a_bad_claim_cell(tmp_path: Path) -> None:
    tables = Tables(tmp_path)
    tables.add(good_bundle("P1", "C1", "C2"))
    tables.claims[1]["total"] = "12.345"
    status, records, results = _run(tables)
    assert status == 1
    assert records == [
        (
            "claims.csv",
            3,
            "total",
            "total: '12.345' is not an amount (digits with at most two decimal places)",
        )
    ]
    assert results == ["C1"]  # the bad row fails alone


def test_a_bad_person_cell(tmp_path: Path) -> None:
    tables = Tables(tmp_path)
    tables.add(good_bundle("P1", "C1", "C2"))
    tables.persons[0]["sex"] = "f"
    status, records, results = _run(tables)
    reason = "sex: 'f' is not one of 'male', 'female'"
    because = f"person_id: person 'P1': {_path(tables, 'persons.csv')} row 2 is invalid ({reason})"
    assert (status, results) == (1, [])
    assert records == [
        ("persons.csv", 2, "sex", reason),
        ("claims.csv", 2, "person_id", because),
        ("claims.csv", 3, "person_id", because),
    ]


def test_a_bad_contribution_cell(tmp_path: Path) -> None:
    tables = Tables(tmp_path)
    tables.add(good_bundle("P1", "C1"))
    tables.contributions.append({"person_id": "P1", "from": "2023-01", "base": "5200.001"})
    tables.contributions[-1]["to"] = "2023-12"
    status, records, results = _run(tables)
    reason = "base: '5200.001' is not an amount (digits with at most two decimal places)"
    where = f"{_path(tables, 'contributions.csv')} row 3"
    assert (status, results) == (1, [])
    assert records == [
        ("contributions.csv", 3, "base", reason),
        ("claims.csv", 2, "person_id", f"person_id: person 'P1': {where} is invalid ({reason})"),
    ]


def test_a_retiree_without_retired_on(tmp_path: Path) -> None:
    tables = Tables(tmp_path)
    tables.add(good_bundle("P1", "C1"))
    tables.persons[0]["category"] = "retiree"
    status, records, _ = _run(tables)
    reason = "retired_on: is required for a retiree"
    where = f"{_path(tables, 'persons.csv')} row 2"
    assert status == 1
    assert records == [
        ("persons.csv", 2, "retired_on", reason),
        ("claims.csv", 2, "person_id", f"person_id: person 'P1': {where} is invalid ({reason})"),
    ]


def test_a_claim_id_used_twice(tmp_path: Path) -> None:
    tables = Tables(tmp_path)
    tables.add(good_bundle("P1", "C1"))
    tables.add(good_bundle("P2", "C1", "C2"))
    status, records, results = _run(tables)
    assert (status, results) == (1, ["C1", "C2"])
    assert records == [("claims.csv", 3, "id", "id: claim id 'C1' already appears in row 2")]


def test_a_claim_id_the_ledger_store_settled_for_another_person(tmp_path: Path) -> None:
    db = str(tmp_path / "agency.db")
    first = Tables(tmp_path / "first")
    first.folder.mkdir()
    first.add(good_bundle("P1", "C1"))
    assert _run(first, "--ledger", db)[0] == 0
    second = Tables(tmp_path / "second")
    second.folder.mkdir()
    second.add(good_bundle("P2", "C2", "C1"))
    status, records, results = _run(second, "--ledger", db)
    reason = "id: claim id 'C1' was settled for person 'P1'"
    where = f"{_path(second, 'claims.csv')} row 3"
    assert (status, results) == (1, [])
    assert records == [  # the row at fault on its column; the person's other claim names it
        ("claims.csv", 2, "person_id", f"person_id: person 'P2': {where} is invalid ({reason})"),
        ("claims.csv", 3, "id", reason),
    ]


def test_a_claim_the_rules_refuse_names_its_column(tmp_path: Path) -> None:
    """An emergency admission the working-day calendar does not cover passes staging (each cell
    is fine) and is refused while the bundle is settled: on ``admitted_on`` of its row."""
    tables = Tables(tmp_path)
    value = good_bundle("P1", "C1", "C2")
    value["contributions"] = [{"from": "2000-01", "to": "2020-12"}]
    value["claims"][1].update(
        admitted_on="2003-06-01",
        discharged_on="2018-01-02",
        hospital={"level": "tertiary", "region": "in_province"},
        route="emergency",
        emergency_reported_on="2003-06-02",
    )
    tables.add(value)
    status, records, _ = _run(tables)
    assert status == 1
    (other, at_fault) = records
    assert at_fault[:3] == ("claims.csv", 3, "admitted_on")
    assert at_fault[3].startswith("admitted_on: 2003-06-01 is outside the working-day calendar")
    where = f"{_path(tables, 'claims.csv')} row 3"
    assert other == (
        "claims.csv",
        2,
        "person_id",
        f"person_id: person 'P1': {where} is invalid ({at_fault[3]})",
    )


def test_a_ytd_the_ledger_store_does_not_hold_names_the_persons_row(tmp_path: Path) -> None:
    db = str(tmp_path / "agency.db")
    ytd = {"year": 2019, "basic_fund": "1.00", "catastrophic_fund": "0.00",
           "self_burden": "0.00", "secondary_subsidy": "0.00"}  # fmt: skip
    for run, basic_fund in (("first", "1.00"), ("second", "2.00")):
        tables = Tables(tmp_path / run)
        tables.folder.mkdir()
        value = good_bundle("P1", f"C-{run}")
        value["ytd"] = {**ytd, "basic_fund": basic_fund}
        tables.add(value)
        status, records, _ = _run(tables, "--ledger", db)
    assert status == 1
    ((name, row, field, message),) = records
    assert (name, row, field) == ("claims.csv", 2, "person_id")
    where = f"{_path(tables, 'persons.csv')} row 2"
    assert message.startswith(
        f"person_id: person 'P1': {where} is invalid (ytd_year: differs from the ledger the store "
        "holds for 2019"
    )


# Unit.error_records: every field of a table bundle to its row and column ------------------------


@pytest.mark.parametrize(
    ("field", "row", "column"),
    [
        ("claims[1].total", ("k.csv", 7), "total"),
        ("claims[1].hospital.level", ("k.csv", 7), "hospital_level"),
        ("claims[1].hospital", ("k.csv", 7), "hospital_level"),
        ("claims[0]", ("k.csv", 5), "id"),
        ("person.retired_on", ("p.csv", 4), "retired_on"),
        ("person.statuses[1]", ("p.csv", 4), "statuses"),
        ("person", ("p.csv", 4), "id"),
        ("ytd.basic_fund", ("p.csv", 4), "ytd_basic_fund"),
        ("ytd", ("p.csv", 4), "ytd_year"),
        ("contributions[1].base", ("c.csv", 9), "base"),
        ("contributions[0]", ("c.csv", 3), "to"),
    ],
)
def test_each_field_of_a_table_bundle_names_its_row_and_column(
    field: str, row: tuple[str, int], column: str
) -> None:
    unit = Unit(
        "p.csv",
        4,
        {"person": {"id": "P1"}},
        claim_rows=(("k.csv", 5), ("k.csv", 7)),
        contribution_rows=(("c.csv", 3), ("c.csv", 9)),
    )
    records = unit.error_records(InputError("is wrong", field))
    assert [(r.source, r.line) for r in records] == [("k.csv", 5), ("k.csv", 7)]
    fault = f"{column}: is wrong"
    for record in records:
        if (record.source, record.line) == row:
            assert (record.field, record.message) == (column, fault)
        else:
            expected = f"person_id: person 'P1': {row[0]} row {row[1]} is invalid ({fault})"
            assert (record.field, record.message) == ("person_id", expected)


@pytest.mark.parametrize("field", [None, "claims", "claims[5].total", "contributions[2]"])
def test_an_error_no_row_is_at_fault_for_names_the_person(field: str | None) -> None:
    unit = Unit("p.csv", 4, {"person": {"id": "P1"}}, claim_rows=(("k.csv", 5),))
    (record,) = unit.error_records(InputError("cannot be written", field))
    error = str(InputError("cannot be written", field))
    assert (record.source, record.line, record.field) == ("k.csv", 5, "person_id")
    assert record.message == f"person_id: person 'P1' (p.csv row 4): {error}"


def test_a_json_line_keeps_its_bundle_path() -> None:
    unit = Unit("in.jsonl", 3, b"{}")
    (record,) = unit.error_records(InputError("is wrong", "claims[0].total"))
    assert (record.source, record.line, record.field) == ("in.jsonl", 3, "claims[0].total")
    assert record.message == "claims[0].total: is wrong"


@pytest.mark.parametrize(
    ("field", "column"),
    [("", "whole"), ("total", "total"), ("hospital.level", "hospital_level"),
     ("hospital", "hospital_level"), ("statuses[2]", "statuses"), ("ytd.year", "ytd_year"),
     ("ytd", "ytd_year")],
)  # fmt: skip
def test_column_of(field: str, column: str) -> None:
    assert column_of(field, "whole") == column
