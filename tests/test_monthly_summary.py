"""Monthly runs on a ledger store: the summary tells this run's new settlements from the claims
settled before, and gives the store's years to date; the table on stderr in English or Chinese."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from yzmedins.batch.summary import AMOUNTS, display_width
from yzmedins.cli import main
from yzmedins.labels import Lang, label

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "bundles.jsonl"
ZERO = Decimal("0.00")


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _sum(lines: list[dict[str, Any]], name: str) -> Decimal:
    return sum((Decimal(line[name]) for line in lines), ZERO)


def _month(tmp_path: Path, name: str, bundles: list[bytes], db: Path) -> tuple[Path, Any]:
    source = tmp_path / f"{name}.jsonl"
    source.write_bytes(b"".join(bundles))
    out, summary = tmp_path / f"results-{name}.jsonl", tmp_path / f"summary-{name}.json"
    args = ["adjudicate", "-q", "--jobs", "1", str(source), "-o", str(out), "--ledger", str(db)]
    assert main([*args, "--summary", str(summary)]) == 0
    return out, json.loads(summary.read_text("utf-8"))


def test_a_second_month_counts_new_and_already_settled_claims_apart(tmp_path: Path) -> None:
    bundles = EXAMPLES.read_bytes().splitlines(keepends=True)
    db = tmp_path / "agency.db"
    january, first = _month(tmp_path, "2019-01", bundles[:7], db)
    # February's file holds January's bundles again (an export of the whole year so far).
    february, second = _month(tmp_path, "2019-02", bundles, db)
    old = {line["setl_id"] for line in _lines(january)}
    lines = _lines(february)
    new = [line for line in lines if line["setl_id"] not in old]
    assert first["new_claims"] == first["claims"] and first["reproduced_from_ledger"] == 0
    assert second["reproduced_from_ledger"] == len(old) > 0
    assert second["new_claims"] == len(new) == second["claims"] - len(old) > 0
    for name in AMOUNTS:
        assert Decimal(second["totals"][name]) == _sum(lines, name)
        assert Decimal(second["new_totals"][name]) == _sum(new, name)
    # The store's years to date: every record settled so far, by year, on top of the ledgers
    # a bundle opened its year with (its ytd: paid elsewhere earlier that year).
    everything = _lines(january) + new
    seeds = [value["ytd"] for value in map(json.loads, bundles) if value.get("ytd")]
    assert seeds
    for year, figures in second["year_to_date"].items():
        of_year = [line for line in everything if line["year"] == int(year)]
        opened = [seed for seed in seeds if seed["year"] == int(year)]
        assert figures["records"] == len(of_year)
        assert figures["persons"] == len({line["person_id"] for line in of_year})
        for name in ("basic_fund", "catastrophic_fund", "secondary_subsidy", "self_burden"):
            expected = _sum(of_year, name) + _sum(opened, name)
            assert Decimal(figures[name]) == expected, (year, name)
    assert {int(year) for year in second["year_to_date"]} == {line["year"] for line in everything}


def test_no_year_to_date_without_a_store(tmp_path: Path) -> None:
    summary = tmp_path / "s.json"
    args = ["adjudicate", "-q", str(EXAMPLES), "-o", str(tmp_path / "o.jsonl")]
    assert main([*args, "--summary", str(summary)]) == 0
    data = json.loads(summary.read_text("utf-8"))
    assert "year_to_date" not in data and data["new_claims"] == data["claims"]
    assert data["new_totals"] == data["totals"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_table_speaks_the_language_asked_and_stays_aligned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], lang: Lang
) -> None:
    db = tmp_path / "agency.db"
    args = ["adjudicate", "--jobs", "1", str(EXAMPLES), "-o", str(tmp_path / "o.jsonl")]
    assert main([*args, "--ledger", str(db), "--lang", lang]) == 0
    table = capsys.readouterr().err
    for key in ("summary.title", "summary.new", "summary.this_run", "summary.year_to_date"):
        assert label(key, lang) in table, key
    rows = table.splitlines()
    header = next(row for row in rows if label("total", lang) in row)
    everything = next(
        row for row in rows if row.lstrip().startswith(label("summary.all_claims", lang))
    )
    assert display_width(header) == display_width(everything)
    other: Lang = "zh" if lang == "en" else "en"
    assert label("summary.this_run", other) not in table


def test_english_is_the_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["adjudicate", str(EXAMPLES), "-o", str(tmp_path / "o.jsonl")]) == 0
    assert label("summary.title", "en") in capsys.readouterr().err
