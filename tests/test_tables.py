"""Table input (docs/tables.md) and CSV results: round trips, row errors, the row accounting."""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yzmedins.engine import adjudicate_bundle
from yzmedins.errors import InputError
from yzmedins.io.codec import parse_bundle, result_to_json
from yzmedins.io.csv_results import CSV_COLUMNS, csv_header, csv_row, text_cell
from yzmedins.io.jsonl import ErrorRecord
from yzmedins.io.tables import (
    CLAIM_COLUMNS,
    CONTRIBUTION_COLUMNS,
    PERSON_COLUMNS,
    TableError,
    TableReader,
    read_tables,
)
from yzmedins.io.units import Unit
from yzmedins.model import Bundle
from yzmedins.policy import default_policies
from yzmedins.strategies import bundles

from .contract import OUTPUT_KEYS

POLICIES = default_policies()
EXAMPLES = Path(__file__).parent.parent / "examples" / "bundles.jsonl"
Rows = list[dict[str, str]]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def bundle_rows(bundle: dict[str, Any]) -> tuple[dict[str, str], Rows, Rows]:
    """A §10 bundle value as its persons row, contributions rows and claims rows."""
    person = {key: _cell(value) for key, value in bundle["person"].items()}
    for key, value in (bundle.get("ytd") or {}).items():
        person[f"ytd_{key}"] = _cell(value)
    person_id = bundle["person"]["id"]
    contributions = [
        {"person_id": person_id, **{key: _cell(value) for key, value in record.items()}}
        for record in bundle.get("contributions") or []
    ]
    claims = []
    for claim in bundle.get("claims") or []:
        row = {"person_id": person_id}
        for key, value in claim.items():
            if key == "hospital":
                row.update({f"hospital_{k}": _cell(v) for k, v in (value or {}).items()})
            else:
                row[key] = _cell(value)
        claims.append(row)
    return person, contributions, claims


def model_to_value(bundle: Bundle) -> dict[str, Any]:
    """A model bundle as a §10 value (dates, months and amounts as text)."""

    def text(value: Any) -> Any:
        return None if value is None else str(value)

    person = bundle.person
    value: dict[str, Any] = {
        "person": {
            "id": person.id, "sex": person.sex.value, "birth_date": str(person.birth_date),
            "category": person.category.value, "female_class": person.female_class.value,
            "statuses": sorted(status.value for status in person.statuses),
            "retired_on": text(person.retired_on), "early_retirement": person.early_retirement,
            "deemed_months": person.deemed_months, "relocated_since": text(person.relocated_since),
            "lump_sum_paid_on": text(person.lump_sum_paid_on),
        },
        "contributions": [
            {"from": str(r.from_), "to": str(r.to), "base": text(r.base), "paid_on": text(r.paid_on)}
            for r in bundle.contributions
        ],
        "claims": [],
    }  # fmt: skip
    if bundle.ytd is not None:
        ytd = bundle.ytd
        value["ytd"] = {
            "year": ytd.year, "basic_fund": str(ytd.basic_fund),
            "catastrophic_fund": str(ytd.catastrophic_fund), "self_burden": str(ytd.self_burden),
            "secondary_subsidy": str(ytd.secondary_subsidy), "banded": str(ytd.banded),
        }  # fmt: skip
    for claim in bundle.claims:
        item: dict[str, Any] = {
            "id": claim.id, "type": claim.type.value, "admitted_on": str(claim.admitted_on),
            "discharged_on": str(claim.discharged_on), "route": text(claim.route),
            "settlement": claim.settlement.value, "maternity": claim.maternity,
            "cause": claim.cause.value, "emergency_reported_on": text(claim.emergency_reported_on),
            "exception_approved": claim.exception_approved, "total": str(claim.total),
            "full_self_pay": str(claim.full_self_pay), "pre_self_pay": str(claim.pre_self_pay),
            "other_fund": text(claim.other_fund),
        }  # fmt: skip
        if claim.hospital is not None:
            hospital = claim.hospital
            item["hospital"] = {
                "level": hospital.level.value, "region": hospital.region.value,
                "contracted": hospital.contracted, "provincial": hospital.provincial,
            }  # fmt: skip
        value["claims"].append(item)
    return value


def write_csv(
    path: Path, header: Sequence[str], rows: Iterable[dict[str, str]], bom: bool = False
) -> str:
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([row.get(name, "") for name in header] for row in rows)
    return str(path)


class Tables:
    """Three tables in a folder, written from rows; ``read`` stages them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.persons: Rows = []
        self.contributions: Rows = []
        self.claims: Rows = []

    def add(self, bundle: dict[str, Any]) -> None:
        person, contributions, claims = bundle_rows(bundle)
        self.persons.append(person)
        self.contributions.extend(contributions)
        self.claims.extend(claims)

    def write(self, shuffle: int | None = None, bom: bool = False) -> tuple[str, str, str]:
        tables = [
            ("persons.csv", PERSON_COLUMNS, list(self.persons)),
            ("contributions.csv", CONTRIBUTION_COLUMNS, list(self.contributions)),
            ("claims.csv", CLAIM_COLUMNS, list(self.claims)),
        ]
        paths = []
        for name, header, rows in tables:
            if shuffle is not None:
                random.Random(shuffle).shuffle(rows)
            paths.append(write_csv(self.folder / name, header, rows, bom))
        return paths[0], paths[1], paths[2]

    def read(self, shuffle: int | None = None, bom: bool = False) -> list[Unit | ErrorRecord]:
        with read_tables(*self.write(shuffle, bom), str(self.folder), policies=POLICIES) as reader:
            items = list(reader)
            assert_accounted(reader, items)
        return items


def assert_accounted(reader: TableReader, items: Sequence[Unit | ErrorRecord]) -> None:
    """Every claims row exactly once in the units or the errors; every row of every file used,
    failed or unused; no staging database left behind after close."""
    persons, contributions, claims = reader.files
    units = [item for item in items if isinstance(item, Unit)]
    errors = [item for item in items if isinstance(item, ErrorRecord)]
    claim_rows = [row for unit in units for row in unit.claim_rows or ()]
    claim_rows += [(e.source, e.line) for e in errors if e.source == claims]
    assert len(claim_rows) == len(set(claim_rows)) == reader.rows_read[claims]
    assert len({(e.source, e.line) for e in errors}) == len(errors)
    for path, counts in reader.counts.items():
        assert counts.read == counts.used + counts.failed + counts.unused
        assert counts.failed == sum(1 for e in errors if e.source == path)
    assert reader.counts[persons].used == len(units)
    assert reader.counts[contributions].used == sum(len(u.value["contributions"]) for u in units)
    assert reader.counts[claims].used == sum(len(u.value["claims"]) for u in units)
    for unit in units:
        assert unit.source == persons
        assert unit.claim_rows is not None
        assert len(unit.claim_rows) == len(unit.value["claims"]) > 0


def adjudicate(items: Iterable[Unit | ErrorRecord]) -> dict[str, list[dict[str, Any]]]:
    """The results of every unit, by person id."""
    results = {}
    for item in items:
        if isinstance(item, Unit):
            bundle = parse_bundle(item.value, POLICIES)
            results[bundle.person.id] = [
                result_to_json(r) for r in adjudicate_bundle(bundle, policies=POLICIES)
            ]
    return results


def example_bundles() -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in EXAMPLES.read_bytes().splitlines() if line.strip()]


def errors_of(items: Iterable[Unit | ErrorRecord]) -> set[tuple[str, int, str | None]]:
    return {(Path(e.source).name, e.line, e.field) for e in items if isinstance(e, ErrorRecord)}


# Round trips -----------------------------------------------------------------------------------


@pytest.mark.parametrize("shuffle", [None, 1, 2, 3])
def test_examples_give_the_json_lines_results(tmp_path: Path, shuffle: int | None) -> None:
    expected = {}
    tables = Tables(tmp_path)
    for value in example_bundles():
        bundle = parse_bundle(value, POLICIES)
        expected[bundle.person.id] = [
            result_to_json(r) for r in adjudicate_bundle(bundle, policies=POLICIES)
        ]
        tables.add(value)
    items = tables.read(shuffle)
    assert all(isinstance(item, Unit) for item in items)
    assert adjudicate(items) == expected
    person_ids = [item.value["person"]["id"] for item in items if isinstance(item, Unit)]
    assert person_ids == sorted(expected)


def test_shuffled_rows_give_the_same_units(tmp_path: Path) -> None:
    tables = Tables(tmp_path)
    for value in example_bundles():
        tables.add(value)

    def canonical(items: list[Unit | ErrorRecord]) -> list[Any]:
        """Each unit's bundle with its contributions and claims in a fixed order."""
        return [
            (
                item.value["person"],
                item.value.get("ytd"),
                sorted(orjson.dumps(record) for record in item.value["contributions"]),
                sorted(orjson.dumps(claim) for claim in item.value["claims"]),
            )
            for item in items
            if isinstance(item, Unit)
        ]

    def claim_row_ids(items: list[Unit | ErrorRecord]) -> dict[int, str]:
        return {
            row: claim["id"]
            for item in items
            if isinstance(item, Unit)
            for (_, row), claim in zip(item.claim_rows or (), item.value["claims"], strict=True)
        }

    in_order = tables.read()
    for item in in_order:  # claims of a unit in row order
        assert isinstance(item, Unit)
        rows = [row for _, row in item.claim_rows or ()]
        assert rows == sorted(rows)
    assert claim_row_ids(in_order) == {n: row["id"] for n, row in enumerate(tables.claims, start=2)}
    for seed in (7, 8):
        shuffled = tables.read(shuffle=seed)
        assert canonical(shuffled) == canonical(in_order)
        claims = list(tables.claims)
        random.Random(seed).shuffle(claims)
        assert claim_row_ids(shuffled) == {n: row["id"] for n, row in enumerate(claims, start=2)}
        assert shuffled == tables.read(shuffle=seed)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(bundle=bundles())
def test_any_bundle_survives_tables(
    tmp_path_factory: pytest.TempPathFactory, bundle: Bundle
) -> None:
    folder = tmp_path_factory.mktemp("tables")
    tables = Tables(folder)
    tables.add(model_to_value(bundle))
    (unit,) = tables.read()
    assert isinstance(unit, Unit)
    assert parse_bundle(unit.value, POLICIES) == bundle
    assert unit.line == 2
    assert unit.claim_rows == tuple(
        (str(folder / "claims.csv"), row) for row in range(2, 2 + len(bundle.claims))
    )


def test_only_required_columns_and_defaults(tmp_path: Path) -> None:
    persons = write_csv(
        tmp_path / "p.csv",
        ["birth_date", "id", "category", "sex"],
        [{"id": "P1", "sex": "female", "birth_date": "1968-04-02", "category": "employee"}],
    )
    contributions = write_csv(
        tmp_path / "c.csv",
        ["to", "from", "person_id"],
        [{"person_id": "P1", "from": "2015-01", "to": "2020-12"}],
    )
    claims = write_csv(
        tmp_path / "k.csv",
        ["person_id", "id", "admitted_on", "discharged_on", "total", "hospital_level", "hospital_region"],
        [{"person_id": "P1", "id": "C1", "admitted_on": "2019-03-02", "discharged_on": "2019-03-10",
          "total": "12000", "hospital_level": "tertiary", "hospital_region": "local"}],
    )  # fmt: skip
    with read_tables(persons, contributions, claims, str(tmp_path)) as reader:
        (unit,) = list(reader)
    assert isinstance(unit, Unit)
    assert unit.value == {
        "person": {"id": "P1", "sex": "female", "birth_date": "1968-04-02", "category": "employee"},
        "contributions": [{"from": "2015-01", "to": "2020-12"}],
        "claims": [
            {
                "id": "C1", "admitted_on": "2019-03-02", "discharged_on": "2019-03-10",
                "total": "12000", "hospital": {"level": "tertiary", "region": "local"},
            }
        ],
    }  # fmt: skip


def test_bom_and_blank_rows(tmp_path: Path) -> None:
    tables = Tables(tmp_path)
    for value in example_bundles():
        tables.add(value)
    plain = tables.read()
    assert tables.read(bom=True) == plain
    claims = tmp_path / "claims.csv"
    lines = claims.read_bytes().split(b"\r\n")
    blank = b"," * (len(CLAIM_COLUMNS) - 1)
    claims.write_bytes(b"\r\n".join([*lines[:2], b"", blank, *lines[2:]]))
    paths = (str(tmp_path / "persons.csv"), str(tmp_path / "contributions.csv"), str(claims))
    with read_tables(*paths, str(tmp_path)) as reader:
        items = list(reader)
        assert_accounted(reader, items)
        assert reader.rows_read[str(claims)] == len(tables.claims)
    rows = [row for item in items if isinstance(item, Unit) for _, row in item.claim_rows or ()]
    assert sorted(rows) == [2, *range(5, 4 + len(tables.claims))]


# Row errors ------------------------------------------------------------------------------------


def good_bundle(person_id: str, *claim_ids: str) -> dict[str, Any]:
    return {
        "person": {"id": person_id, "sex": "male", "birth_date": "1970-03-15", "category": "employee"},
        "contributions": [{"from": "2012-01", "to": "2022-12", "base": "5200.00"}],
        "claims": [
            {"id": claim_id, "admitted_on": "2019-03-02", "discharged_on": "2019-03-10",
             "total": "1200.00", "hospital": {"level": "tertiary", "region": "local"}}
            for claim_id in claim_ids
        ],
    }  # fmt: skip


def test_bad_claim_rows_fail_alone(tmp_path: Path) -> None:
    tables = Tables(tmp_path)
    tables.add(good_bundle("P1", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "C8"))
    tables.claims[1]["total"] = "12.345"
    tables.claims[2]["hospital_level"] = "tertary"
    tables.claims[3]["discharged_on"] = "2019-03-01"
    tables.claims[4]["maternity"] = "1"
    tables.claims[5]["hospital_level"] = ""
    tables.claims[6]["type"] = "special_outpatient"
    tables.claims[7]["person_id"] = ""
    items = tables.read()
    assert errors_of(items) == {
        ("claims.csv", 3, "total"),
        ("claims.csv", 4, "hospital_level"),
        ("claims.csv", 5, "discharged_on"),
        ("claims.csv", 6, "maternity"),
        ("claims.csv", 7, "hospital_level"),
        ("claims.csv", 8, "other_fund"),
        ("claims.csv", 9, "person_id"),
    }
    messages = {e.line: e.message for e in items if isinstance(e, ErrorRecord)}
    assert (
        messages[3] == "total: '12.345' is not an amount (digits with at most two decimal places)"
    )
    assert messages[6] == "maternity: '1' is not true or false"
    assert messages[9] == "person_id: is required"
    units = [item for item in items if isinstance(item, Unit)]
    assert [u.claim_rows for u in units] == [((str(tmp_path / "claims.csv"), 2),)]


@pytest.mark.parametrize(
    ("column", "cell", "field"),
    [("sex", "f", "sex"), ("birth_date", "1970-02-30", "birth_date"), ("statuses", "lixiu;", "statuses"),
     ("deemed_months", "-3", "deemed_months"), ("deemed_months", "3.0", "deemed_months"),
     ("early_retirement", "TRUE", "early_retirement"), ("category", "retiree", "retired_on"),
     ("ytd_year", "2019", "ytd_basic_fund"), ("female_class", " worker", "female_class")],
)  # fmt: skip
def test_a_bad_person_row_fails_its_claim_rows(
    tmp_path: Path, column: str, cell: str, field: str
) -> None:
    tables = Tables(tmp_path)
    tables.add(good_bundle("P1", "C1", "C2"))
    tables.add(good_bundle("P2", "C3"))
    tables.persons[0][column] = cell
    items = tables.read()
    assert errors_of(items) == {
        ("persons.csv", 2, field),
        ("claims.csv", 2, "person_id"),
        ("claims.csv", 3, "person_id"),
    }
    messages = {
        (Path(e.source).name, e.line): e.message for e in items if isinstance(e, ErrorRecord)
    }
    # Each claims row names the persons row, and the column and reason of its error.
    assert messages["persons.csv", 2].startswith(f"{field}: ")
    because = f"person 'P1': {tmp_path / 'persons.csv'} row 2 is invalid"
    assert messages["claims.csv", 2] == f"person_id: {because} ({messages['persons.csv', 2]})"
    assert [u.value["person"]["id"] for u in items if isinstance(u, Unit)] == ["P2"]


def test_a_bad_contribution_row_fails_its_person(tmp_path: Path) -> None:
    tables = Tables(tmp_path)
    tables.add(good_bundle("P1", "C1", "C2"))
    tables.contributions.append({"person_id": "P1", "from": "2023-01", "to": "2022-12"})
    tables.contributions.append({"person_id": "P1", "from": "2023-01", "to": "2023-13"})
    tables.add(good_bundle("P2", "C3"))
    tables.contributions[-1]["base"] = "5200.001"
    with read_tables(*tables.write(), str(tmp_path)) as reader:
        items = list(reader)
        assert_accounted(reader, items)
        # The fine contribution row of P1 is not an error, simply not used.
        assert reader.counts[str(tmp_path / "contributions.csv")].unused == 1
    assert errors_of(items) == {
        ("contributions.csv", 3, "to"),
        ("contributions.csv", 4, "to"),
        ("contributions.csv", 5, "base"),
        ("claims.csv", 2, "person_id"),
        ("claims.csv", 3, "person_id"),
        ("claims.csv", 4, "person_id"),
    }
    first = next(e for e in items if isinstance(e, ErrorRecord) and e.source.endswith("claims.csv"))
    assert first.message.endswith(
        "contributions.csv row 3 is invalid (to: 'to' 2022-12 is before 'from' 2023-01)"
    )


def test_orphans_repeats_and_persons_without_claims(tmp_path: Path) -> None:
    tables = Tables(tmp_path)
    tables.add(good_bundle("P1", "C1"))
    tables.add(good_bundle("P2", "C2", "C3"))
    tables.add(good_bundle("P3"))  # no claims: nothing to adjudicate, no error
    tables.add(good_bundle("P4", "C1", "C4"))  # C1 is used by P1's earlier row
    tables.add(good_bundle("P2", "C5"))  # P2 again: every P2 claim row fails
    tables.contributions.append({"person_id": "P9", "from": "2019-01", "to": "2019-12"})
    tables.claims.append({**tables.claims[0], "person_id": "P9", "id": "C9"})
    with read_tables(*tables.write(), str(tmp_path)) as reader:
        items = list(reader)
        assert_accounted(reader, items)
        persons_counts = reader.counts[str(tmp_path / "persons.csv")]
    assert errors_of(items) == {
        ("persons.csv", 6, "id"),
        ("claims.csv", 3, "person_id"),
        ("claims.csv", 4, "person_id"),
        ("claims.csv", 5, "id"),
        ("claims.csv", 7, "person_id"),
        ("contributions.csv", 7, "person_id"),
        ("claims.csv", 8, "person_id"),
    }
    messages = {
        (Path(e.source).name, e.line): e.message for e in items if isinstance(e, ErrorRecord)
    }
    assert messages["claims.csv", 5] == "id: claim id 'C1' already appears in row 2"
    assert messages["persons.csv", 6] == "id: person 'P2' already has row 3 in this file"
    assert messages["claims.csv", 8] == f"person_id: no person 'P9' in {tmp_path / 'persons.csv'}"
    assert "has more than one row" in messages["claims.csv", 3]
    assert [u.value["person"]["id"] for u in items if isinstance(u, Unit)] == ["P1", "P4"]
    assert (persons_counts.used, persons_counts.failed, persons_counts.unused) == (2, 1, 2)


def test_row_shape_errors(tmp_path: Path) -> None:
    tables = Tables(tmp_path)
    tables.add(good_bundle("P1", "C1", "C2", "C3", "C4", "C2"))
    persons, contributions, claims = tables.write()
    lines = Path(claims).read_bytes().split(b"\r\n")
    lines[2] += b",extra"  # row 3: one cell too many
    lines[3] = lines[3].replace(b"C3", b"C\xff3")  # row 4: not UTF-8
    lines[4] = lines[4].replace(b"C4", b'"C"4')  # row 5: not CSV
    Path(claims).write_bytes(b"\r\n".join(lines))
    with read_tables(persons, contributions, claims, str(tmp_path)) as reader:
        items = list(reader)
        assert_accounted(reader, items)
    assert errors_of(items) == {
        ("claims.csv", 3, None),
        ("claims.csv", 4, "id"),
        ("claims.csv", 5, None),
    }
    # A row of the wrong shape uses no claim id: row 6 is C2 and goes through.
    assert [u.claim_rows for u in items if isinstance(u, Unit)] == [((claims, 2), (claims, 6))]
    messages = sorted(e.message for e in items if isinstance(e, ErrorRecord))
    assert messages == [
        "id: is not UTF-8 text",
        "not CSV: ',' expected after '\"'",
        f"the row has {len(CLAIM_COLUMNS) + 1} cells, the header {len(CLAIM_COLUMNS)}",
    ]
    for item in items:  # every error record can be written as JSON
        if isinstance(item, ErrorRecord):
            orjson.dumps(item.to_json())


def test_ledger_caps_are_row_errors_with_policies(tmp_path: Path) -> None:
    value = good_bundle("P1", "C1")
    value["ytd"] = {"year": 2019, "basic_fund": "150000.01", "catastrophic_fund": "0",
                    "self_burden": "0", "secondary_subsidy": "0"}  # fmt: skip
    tables = Tables(tmp_path)
    tables.add(value)
    assert errors_of(tables.read()) == {
        ("persons.csv", 2, "ytd_basic_fund"),
        ("claims.csv", 2, "person_id"),
    }
    # Without policies the bundle is staged and fails when parsed, on every claim row.
    with read_tables(*tables.write(), str(tmp_path)) as reader:
        (unit,) = list(reader)
    assert isinstance(unit, Unit)
    with pytest.raises(InputError) as caught:
        parse_bundle(unit.value, POLICIES)
    (record,) = unit.error_records(caught.value)
    assert (Path(record.source).name, record.line) == ("claims.csv", 2)


# Usage errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "header", "expected"),
    [
        (0, [*PERSON_COLUMNS, "age"], "unknown column 'age'"),
        (1, ["person_id", "from"], "lacks the required column(s) to"),
        (
            2,
            ["person_id", "id", "id", "admitted_on", "discharged_on", "total"],
            "'id' appears twice",
        ),
        (2, [], "the file is empty"),
        (1, ["person_id", "from", "to", "Base"], "unknown column 'Base'"),
    ],
)
def test_header_errors(tmp_path: Path, table: int, header: list[str], expected: str) -> None:
    tables = Tables(tmp_path)
    tables.add(good_bundle("P1", "C1"))
    paths = tables.write()
    Path(paths[table]).write_text(",".join(header) + ("\n" if header else ""), encoding="utf-8")
    with pytest.raises(TableError, match=re.escape(expected)):
        read_tables(*paths, str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "claims.csv",
        "contributions.csv",
        "persons.csv",
    ]


def test_unreadable_file(tmp_path: Path) -> None:
    tables = Tables(tmp_path)
    tables.add(good_bundle("P1", "C1"))
    persons, contributions, _ = tables.write()
    with pytest.raises(TableError, match=r"cannot read .*missing\.csv"):
        read_tables(persons, contributions, str(tmp_path / "missing.csv"), str(tmp_path))


# CSV results -----------------------------------------------------------------------------------


def test_csv_columns_are_the_output_keys() -> None:
    flattened = [key for key in OUTPUT_KEYS if key != "ytd"]
    assert [c for c in CSV_COLUMNS if not c.startswith("ytd_")] == flattened
    assert next(csv.reader(io.StringIO(csv_header().decode()))) == list(CSV_COLUMNS)


@settings(max_examples=40, deadline=None)
@given(bundle=bundles(), claim_id=st.text(min_size=1, max_size=8))
def test_csv_rows_read_back(bundle: Bundle, claim_id: str) -> None:
    text = ""
    expected = []
    for result in adjudicate_bundle(bundle, policies=POLICIES):
        value = result_to_json(result)
        value["claim_id"] = claim_id  # any text, quotes and line breaks too
        row = csv_row(value)
        assert row.endswith(b"\r\n")
        text += row.decode("utf-8")
        expected.append(value)
    for value, cells in zip(expected, csv.reader(io.StringIO(text, newline="")), strict=True):
        read = dict(zip(CSV_COLUMNS, cells, strict=True))
        for key in ("reasons", "flags", "trace"):
            assert json.loads(read.pop(key)) == value[key]
        for key, amount in value.pop("ytd").items():
            assert read.pop(f"ytd_{key}") == amount
        # An id a spreadsheet would run as a formula reads back with a leading apostrophe.
        assert read.pop("claim_id") == text_cell(value["claim_id"])
        assert read.pop("maternity") == ("true" if value["maternity"] else "false")
        assert read == {key: "" if value[key] is None else str(value[key]) for key in read}
