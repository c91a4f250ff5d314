"""``yzmedins report``: the tables add up to the records read, to the fen; the caps and the
subsidy figures; the workbook and the page; bad and empty input; a ledger store."""

from __future__ import annotations

import json
import random
import zipfile
from collections import Counter
from datetime import date
from decimal import Decimal
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import orjson
import pytest

from yzmedins.cli import main
from yzmedins.engine import adjudicate_bundle
from yzmedins.io.codec import parse_bundle, result_to_json
from yzmedins.io.records import record_from_json
from yzmedins.labels import both
from yzmedins.policy import default_policies
from yzmedins.report.aggregate import (
    AMOUNTS,
    HISTOGRAM_BINS,
    Caps,
    Fold,
    MemoryPersonYears,
    above_caps,
    fen,
    finish,
    year_statistics,
)
from yzmedins.report.persons import StagedPersonYears
from yzmedins.report.tables import CHARTS, Money, Table, report_tables

from .contract import bundle, read_jsonl, write_jsonl

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "bundles.jsonl"
ZERO = Decimal("0.00")


def _run(*args: str) -> int:
    return main(list(args))


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "results.jsonl"
    assert _run("adjudicate", "--quiet", "--jobs", "1", str(EXAMPLES), "-o", str(out)) == 0
    return out


def _caps(year: int) -> Caps:
    policy = default_policies().nearest(date(year, 7, 1))
    return Caps(fen(policy.cap_basic), fen(policy.cap_catastrophic), fen(policy.subsidy_cap))


def _report_of(lines: list[dict[str, Any]], person_years: Any = None) -> Any:
    fold = Fold(person_years if person_years is not None else MemoryPersonYears())
    for line in lines:
        fold.add(record_from_json(line))
    return finish(fold, ["test"], 0, _caps)


def _sums(lines: list[dict[str, Any]]) -> dict[str, Decimal]:
    return {name: sum((Decimal(line[name]) for line in lines), ZERO) for name in AMOUNTS}


def _money_columns(table: Table) -> dict[str, int]:
    """The amount columns of a table of groups, by amount name."""
    first = table.label_columns + 3
    return {name: first + index for index, name in enumerate(AMOUNTS)}


def test_every_table_of_groups_adds_up_to_the_records_to_the_fen(results: Path) -> None:
    lines = read_jsonl(results)
    expected = _sums(lines)
    tables = report_tables(_report_of(lines))
    groups = [t for t in tables if t.name.startswith("by_") or t.name == "breakdown"]
    assert len(groups) == 7
    for table in groups:
        assert table.total is not None
        for name, column in _money_columns(table).items():
            rows = sum((row[column].yuan for row in table.rows), ZERO)  # type: ignore[union-attr]
            total = table.total[column]
            assert isinstance(total, Money)
            assert rows == total.yuan == expected[name], (table.name, name)
        claims = table.label_columns + 1
        assert sum(row[claims] for row in table.rows) == table.total[claims] == len(lines)  # type: ignore[misc]
    overview: dict[Any, Any] = {row[0]: row[1] for row in tables[0].rows}
    assert overview[both("report.records")] == len(lines)
    approved = sum(1 for line in lines if line["status"] == "approved")
    assert overview[both("report.approved_in_effect")] == approved


def test_rejections_add_up_by_reason(results: Path) -> None:
    lines = read_jsonl(results)
    rejected = [line for line in lines if line["status"] == "rejected"]
    table = next(t for t in report_tables(_report_of(lines)) if t.name == "rejections")
    by_reason = Counter(line["reasons"][0]["code"] for line in rejected)
    counted: Counter[str] = Counter()
    for row in table.rows:
        counted[str(row[1])] += row[3]  # type: ignore[operator]
    assert counted == by_reason
    assert table.total is not None
    total = table.total[5]
    assert isinstance(total, Money)
    assert total.yuan == sum((Decimal(line["total"]) for line in rejected), ZERO)


def test_above_caps_of_worked_example_four() -> None:
    """第十八条 最高实际支付限额以上部分由个人负担: a local tertiary stay of 600,000.00, the first of
    the year (specification §6 example 4). R = 599,200; the basic fund took 150,000 / 0.9 of it,
    the catastrophic fund 300,000 / 0.95; the rest is above the caps."""
    value = bundle(total="600000.00", full_self_pay="0.00")
    (result,) = adjudicate_bundle(parse_bundle(value, default_policies()))
    line = result_to_json(result)
    record = record_from_json(line)
    left = (
        Fraction(599200) - Fraction(150000) / Fraction("0.9") - Fraction(300000) / Fraction("0.95")
    )
    assert record.basic_fund == Decimal("150000.00")
    assert record.catastrophic_fund == Decimal("300000.00")
    expected = int(left * 100 + Fraction(1, 2))  # half up, to the fen
    assert above_caps(record) == expected
    # Its reversal takes exactly that back out.
    negated = {**line, "record": "reversal", "setl_id": f"{line['claim_id']}/2",
               "reverses": line["setl_id"]}  # fmt: skip
    for name in AMOUNTS:
        negated[name] = f"{-Decimal(line[name]):.2f}"
    assert above_caps(record_from_json(negated)) == -expected


def test_above_caps_is_zero_when_no_cap_holds_a_fund_back(results: Path) -> None:
    for line in read_jsonl(results):
        record = record_from_json(line)
        if record.ytd.catastrophic_fund < Decimal("300000.00"):
            assert above_caps(record) == 0, record.claim_id


def _nearest_rank(values: list[int], fraction: Fraction) -> int:
    ordered = sorted(values)
    index = 0
    while Fraction(index + 1, len(ordered)) < fraction:
        index += 1
    return ordered[index]


def test_year_statistics_quantiles_histogram_and_caps() -> None:
    rng = random.Random(7)
    caps = Caps(basic=15_000_000, catastrophic=30_000_000, subsidy=15_000_000)
    rows = []
    for _ in range(500):
        subsidy = rng.choice([0, 0, rng.randrange(1, caps.subsidy + 1)])
        basic = rng.choice([caps.basic, rng.randrange(caps.basic)])
        catastrophic = rng.choice([caps.catastrophic, rng.randrange(caps.catastrophic)])
        above = rng.choice([0, rng.randrange(10**8)])
        rows.append(((basic, catastrophic, 0, 0, 0), (0, 0, 0, subsidy, 0, above)))
    rows.sort(key=lambda row: row[1][3])
    paid = [row[1][3] for row in rows if row[1][3] > 0]
    stats = year_statistics(2019, caps, len(paid), rows)
    assert stats.persons == 500
    assert stats.subsidy_persons == len(paid)
    assert stats.subsidy_paid == sum(paid)
    assert stats.reached_basic == sum(1 for r in rows if r[0][0] >= caps.basic)
    assert stats.reached_catastrophic == sum(1 for r in rows if r[0][1] >= caps.catastrophic)
    assert stats.reached_both == sum(
        1 for r in rows if r[0][0] >= caps.basic and r[0][1] >= caps.catastrophic
    )
    assert stats.above_caps == sum(r[1][5] for r in rows)
    figures = dict(stats.quantiles)
    assert figures["minimum"] == min(paid) and figures["maximum"] == max(paid)
    for key, fraction in (("p25", Fraction(1, 4)), ("median", Fraction(1, 2)),
                          ("p75", Fraction(3, 4)), ("p90", Fraction(9, 10))):  # fmt: skip
        assert figures[key] == _nearest_rank(paid, fraction), key
    assert len(stats.histogram) == HISTOGRAM_BINS
    assert sum(count for _, _, count in stats.histogram) == len(paid)
    for low, high, count in stats.histogram:
        last = high == caps.subsidy
        assert count == sum(1 for v in paid if low < v <= high or (last and v > high))
    assert stats.histogram[-1][1] == caps.subsidy


def test_staged_person_years_equal_those_in_memory(tmp_path: Path, results: Path) -> None:
    """Spilling to disk (here after every two person-years) changes nothing."""
    lines = read_jsonl(results) * 1
    in_memory = _report_of(lines)
    with StagedPersonYears(str(tmp_path), batch=2) as staged:
        on_disk = _report_of(lines, staged)
    assert on_disk == in_memory
    assert not list(tmp_path.iterdir())  # the staging file is gone


def test_caps_come_from_the_policy(results: Path) -> None:
    policy = default_policies().policies[0]
    table = next(t for t in report_tables(_report_of(read_jsonl(results))) if t.name == "caps")
    for row in table.rows:
        assert row[2] == Money(fen(policy.cap_basic))
        assert row[3] == Money(fen(policy.cap_catastrophic))


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.attributes: list[tuple[str, str | None]] = []
        self.rows: list[list[str]] = []
        self.in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.attributes += attrs
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self.in_cell = True
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self.in_cell = False

    def handle_data(self, data: str) -> None:
        if self.in_cell:
            self.rows[-1][-1] += data


def test_the_page_is_self_contained_with_every_table_and_chart(
    tmp_path: Path, results: Path
) -> None:
    page = tmp_path / "report.html"
    assert _run("report", str(results), "--html", str(page)) == 0
    text = page.read_text("utf-8")
    parser = _Page()
    parser.feed(text)
    assert "http:" not in text and "https:" not in text and "url(" not in text
    for name, value in parser.attributes:
        assert name not in ("src", "href") or (value or "").startswith("#"), (name, value)
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(parser.tags)
    report = _report_of(read_jsonl(results))
    assert parser.tags["table"] == len(report_tables(report))
    assert parser.tags["svg"] == len(CHARTS)
    assert parser.tags["h2"] == len(report_tables(report))
    assert "金额（元）" in text  # the axes say their unit
    # The page's total row of the months table holds the records' sums.
    expected = _sums(read_jsonl(results))
    totals = [row for row in parser.rows if row and row[0] == both("report.total_row")]
    month_total = totals[0]
    columns = [both(name) + "（元）" for name in AMOUNTS]
    header = next(row for row in parser.rows if both("report.month") in row)
    for name, heading in zip(AMOUNTS, columns, strict=True):
        cell = month_total[header.index(heading)]
        assert Decimal(cell.replace(",", "")) == expected[name], name


def test_the_workbook_holds_numbers_totals_and_charts(tmp_path: Path, results: Path) -> None:
    book_path = tmp_path / "report.xlsx"
    assert _run("report", str(results), "-o", str(book_path)) == 0
    expected = _sums(read_jsonl(results))
    book = openpyxl.load_workbook(book_path)
    tables = report_tables(_report_of(read_jsonl(results)))
    assert len(book.sheetnames) == 1 + len(tables) + 1  # front, tables, charts
    sheet = book["按出院月份"]
    assert sheet.freeze_panes == "C4"
    header = [cell.value for cell in sheet[3]]
    total_row = next(row for row in sheet.iter_rows() if row[0].value == both("report.total_row"))
    for name in AMOUNTS:
        cell = total_row[header.index(both(name) + "（元）")]
        assert cell.data_type == "n" and cell.number_format == "#,##0.00"
        assert Decimal(repr(cell.value)).quantize(Decimal("0.01")) == expected[name], name
    with zipfile.ZipFile(book_path) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        sheet_xml = archive.read("xl/worksheets/sheet3.xml").decode()
    assert len(charts) == len(CHARTS)
    assert "<f>" not in sheet_xml  # totals are values, not formulas


def test_a_line_that_is_not_a_record_is_an_error_and_the_report_is_made(
    tmp_path: Path, results: Path
) -> None:
    lines = results.read_bytes().splitlines(keepends=True)
    broken = orjson.loads(lines[1])
    broken["basic_fund"] = 12.5
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(
        lines[0] + orjson.dumps(broken) + b"\n" + b"{not json\n" + b"".join(lines[2:])
    )
    errors, page = tmp_path / "errors.jsonl", tmp_path / "report.html"
    status = _run("report", str(mixed), "--html", str(page), "--errors", str(errors))
    assert status == 1
    records = [json.loads(line) for line in errors.read_text("utf-8").splitlines()]
    assert [(r["file"], r["line"], r["field"]) for r in records] == [
        (str(mixed), 2, "basic_fund"),
        (str(mixed), 3, None),
    ]
    assert "is not an amount" in records[0]["message"]
    assert page.exists() and both("report.lines_not_records") in page.read_text("utf-8")


def test_an_empty_input_gives_a_report_that_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    page, book = tmp_path / "r.html", tmp_path / "r.xlsx"
    assert _run("report", str(empty), "--html", str(page), "-o", str(book)) == 0
    assert both("report.empty") in page.read_text("utf-8")
    front = openpyxl.load_workbook(book).worksheets[0]
    assert both("report.empty") in [row[0].value for row in front.iter_rows()]


def test_year_keeps_one_settlement_year(tmp_path: Path, results: Path) -> None:
    lines = read_jsonl(results)
    fold = Fold(MemoryPersonYears(), 2020)
    for line in lines:
        fold.add(record_from_json(line))
    report = finish(fold, ["x"], 0, _caps)
    assert {key[0] for key, _ in report.groups} == {2020}
    assert report.records == sum(1 for line in lines if line["year"] == 2020)
    assert [stats.year for stats in report.years] == [2020]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "no input"),
        (["RESULTS"], "no output"),
        (["RESULTS", "--ledger", "DB", "--html", "x.html"], "not both"),
        (["RESULTS", "--html", "RESULTS"], "refusing to write over it"),
        (["--ledger", "MISSING", "--html", "x.html"], "no such ledger store"),
    ],
)
def test_usage_errors_exit_2_with_one_message(
    tmp_path: Path,
    results: Path,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    message: str,
) -> None:
    names = {"RESULTS": str(results), "DB": str(tmp_path / "db"), "MISSING": str(tmp_path / "no")}
    before = results.read_bytes()
    assert _run("report", *[names.get(a, a) for a in arguments]) == 2
    error = capsys.readouterr().err
    assert message in error and len(error.strip().splitlines()) == 1 and "Traceback" not in error
    assert results.read_bytes() == before


def test_a_ledger_store_reports_the_records_in_effect(tmp_path: Path) -> None:
    """Settled, reversed, settled again, cleared: the totals are the sums of every record the
    store holds, and claims in effect count each claim once."""
    db = tmp_path / "agency.db"
    first = bundle(id="A", total="600000.00", full_self_pay="0.00",
                   admitted_on="2019-03-01", discharged_on="2019-03-20")  # fmt: skip
    second = dict(first["claims"][0], id="B", total="20000.00",
                  admitted_on="2019-05-01", discharged_on="2019-05-10")  # fmt: skip
    first["claims"].append(second)
    source = write_jsonl(tmp_path / "in.jsonl", [first])
    outputs = [tmp_path / f"{name}.jsonl" for name in ("settled", "reversed", "cleared")]
    assert (
        _run("adjudicate", "--quiet", str(source), "-o", str(outputs[0]), "--ledger", str(db)) == 0
    )
    requests = write_jsonl(tmp_path / "rq.jsonl", [{"claim_id": "A"}])
    assert (
        _run("reverse", "--quiet", "--ledger", str(db), str(requests), "-o", str(outputs[1])) == 0
    )
    assert (
        _run("clear", "--quiet", "--ledger", str(db), "--year", "2019", "-o", str(outputs[2])) == 0
    )
    records = [line for path in outputs for line in read_jsonl(path)]
    assert Counter(line["record"] for line in records) == {
        "settlement": 2, "reversal": 1, "correction": 1,
    }  # fmt: skip
    book = tmp_path / "store.xlsx"
    assert _run("report", "--ledger", str(db), "-o", str(book)) == 0
    tables = report_tables(_report_of(records))
    overview: dict[Any, Any] = {row[0]: row[1] for row in tables[0].rows}
    assert overview[both("report.claims_in_effect")] == 1  # B; A was reversed
    assert overview[both("record.reversal")] == 1
    assert overview[both("record.correction")] == 1
    sheet = openpyxl.load_workbook(book)["总览"]
    values = {row[0].value: row[1].value for row in sheet.iter_rows(min_row=4) if row[0].value}
    expected = _sums(records)
    for name in AMOUNTS:
        assert (
            Decimal(repr(values[both(name) + "（元）"])).quantize(Decimal("0.01")) == expected[name]
        )
    # In effect: B alone, as cleared — the sum of B's records.
    b_records = [line for line in records if line["claim_id"] == "B"]
    assert expected["basic_fund"] == sum((Decimal(r["basic_fund"]) for r in b_records), ZERO)
    caps = next(t for t in tables if t.name == "caps")
    assert caps.rows[0][4] == 0  # with A reversed, no one reached the basic cap
