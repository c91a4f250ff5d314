"""``yzmedins audit``: the engine's own results agree with both recomputations and every
invariant; seeded corruption is found, naming exactly the claims, fields and checks it touched;
bad results lines are findings with their file, line and field, never a traceback."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from yzmedins.cli import main

from .reference.generate import bundles

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
OPTIONS = {
    "cap": ["--cap-reading", "cumulative_bands"],
    "reduction": ["--reimbursement-reduction", "relative"],
    "maternity": ["--maternity", "fund_pays_below_deductible"],
}

Record = dict[str, Any]
Seen = set[tuple[str, str | None, str | None]]


def _lines(path: Path) -> list[Record]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _write(path: Path, records: list[Record]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), "utf-8")
    return path


def _input(tmp_path: Path, seed: int = 20170412, count: int = 200) -> Path:
    """Generated bundles with the worked examples' file in front (every route, reason and a
    cap-crossing year)."""
    source = tmp_path / "in.jsonl"
    generated = [json.dumps(b, ensure_ascii=False) for b in bundles(seed, count)]
    examples = (EXAMPLES / "bundles.jsonl").read_text(encoding="utf-8").splitlines()
    source.write_text("\n".join([*examples, *generated]) + "\n", encoding="utf-8")
    return source


def _adjudicate(tmp_path: Path, source: Path, *options: str) -> Path:
    out = tmp_path / "results.jsonl"
    assert main(["adjudicate", "-q", "--jobs", "1", str(source), "-o", str(out), *options]) == 0
    return out


def _audit(tmp_path: Path, *args: str) -> tuple[int, list[Record]]:
    findings = tmp_path / "findings.jsonl"
    status = main(["audit", "-q", "--jobs", "1", *args, "-o", str(findings)])
    return status, _lines(findings)


def _named(findings: list[Record]) -> Seen:
    return {(f["check"], f["claim_id"], f["field"]) for f in findings}


def test_the_engines_own_results_agree(tmp_path: Path) -> None:
    """Every record of ``adjudicate`` agrees with the engine, the reference implementation and
    every invariant (第十七条 caps, 第二十六条 subsidy, money conserved): exit 0, no finding."""
    source = _input(tmp_path)
    results = _adjudicate(tmp_path, source)
    assert len(_lines(results)) > 400
    status, findings = _audit(tmp_path, str(source), "--results", str(results))
    assert (status, findings) == (0, [])


@pytest.mark.parametrize("option", sorted(OPTIONS))
def test_each_policy_option_is_audited_with_the_same_reading(tmp_path: Path, option: str) -> None:
    """第十七条/第十八条 (cap reading), 第二十三条(三) (reduction), 第二十条 (maternity): results
    made with a reading agree when audited with it, and are findings of both recomputations
    when audited with the default reading (the data reach a claim the reading changes)."""
    source = _input(tmp_path, seed=3, count=300)
    results = _adjudicate(tmp_path, source, *OPTIONS[option])
    status, findings = _audit(tmp_path, str(source), "--results", str(results), *OPTIONS[option])
    assert (status, findings) == (0, [])
    status, findings = _audit(tmp_path, str(source), "--results", str(results))
    assert status == 1
    assert {f["check"] for f in findings} >= {"engine", "reference"}
    by_engine = {(f["claim_id"], f["field"]) for f in findings if f["check"] == "engine"}
    by_reference = {(f["claim_id"], f["field"]) for f in findings if f["check"] == "reference"}
    assert by_engine - {(c, "trace") for c, _ in by_engine} == by_reference


def _approved(results: list[Record]) -> list[int]:
    return [
        i
        for i, r in enumerate(results)
        if r["status"] == "approved" and r["basic_fund"] != "0.00" and r["type"] == "inpatient"
    ]


def _last_of_year(results: list[Record], index: int) -> bool:
    r = results[index]
    return not any(
        o["person_id"] == r["person_id"] and o["year"] == r["year"] for o in results[index + 1 :]
    )


def _followed_in_year(results: list[Record], index: int) -> bool:
    return not _last_of_year(results, index)


def _plus(amount: str, delta: str) -> str:
    return str(Decimal(amount) + Decimal(delta))


def test_seeded_corruption_is_named_exactly(tmp_path: Path) -> None:
    """An amount off by 0.01 in three claims, a claim dropped, a line duplicated and a subsidy
    overpaid (第二十六条): exit 1, and the findings name exactly those claims, fields and
    checks — no claim after them is dragged in."""
    source = _input(tmp_path)
    results = _lines(_adjudicate(tmp_path, source))
    candidates = _approved(results)
    no_ytd = {
        json.loads(line)["person"]["id"]
        for line in source.read_text(encoding="utf-8").splitlines()
        if json.loads(line).get("ytd") is None
    }
    off = [i for i in candidates if _followed_in_year(results, i)][:3]
    dropped = next(i for i in candidates if _followed_in_year(results, i) and i not in off)
    duplicated = next(i for i in candidates if i not in (*off, dropped))
    overpaid = next(
        i
        for i in candidates
        if _last_of_year(results, i)
        and results[i]["person_id"] in no_ytd
        and i not in (*off, dropped, duplicated)
    )
    expected: Seen = set()
    for i in off:
        results[i]["basic_fund"] = _plus(results[i]["basic_fund"], "0.01")
        claim = results[i]["claim_id"]
        expected |= {
            ("engine", claim, "basic_fund"),
            ("reference", claim, "basic_fund"),
            ("invariant:conservation", claim, "fund_total"),
            ("invariant:conservation", claim, "self_burden"),
            ("invariant:conservation", claim, "in_scope_self_burden"),
            ("invariant:trace", claim, "basic_fund"),
            ("invariant:ledger", claim, "ytd.basic_fund"),
        }
    r = results[overpaid]
    for key in ("secondary_subsidy", "fund_total"):
        r[key] = _plus(r[key], "123.45")
    r["personal_cash"] = _plus(r["personal_cash"], "-123.45")
    r["ytd"]["secondary_subsidy"] = _plus(r["ytd"]["secondary_subsidy"], "123.45")
    claim = r["claim_id"]
    expected |= {
        (check, claim, field)
        for check in ("engine", "reference")
        for field in ("secondary_subsidy", "fund_total", "personal_cash", "ytd.secondary_subsidy")
    }
    expected |= {
        ("invariant:subsidy", claim, "ytd.secondary_subsidy"),
        ("invariant:trace", claim, "secondary_subsidy"),
        ("invariant:trace", claim, "personal_cash"),
    }
    expected.add(("missing", results[dropped]["claim_id"], None))
    expected.add(("unexpected", results[duplicated]["claim_id"], "setl_id"))
    corrupted = [*results[: duplicated + 1], results[duplicated], *results[duplicated + 1 :]]
    corrupted.remove(results[dropped])
    path = _write(tmp_path / "corrupted.jsonl", corrupted)

    status, findings = _audit(tmp_path, str(source), "--results", str(path))
    assert status == 1
    assert _named(findings) == expected
    # the same through two workers: the same findings, in the same order
    status2 = main(
        [
            "audit",
            "-q",
            "--jobs",
            "2",
            str(source),
            "--results",
            str(path),
            "-o",
            str(tmp_path / "f2.jsonl"),
        ]
    )
    assert status2 == 1
    assert (tmp_path / "f2.jsonl").read_bytes() == (tmp_path / "findings.jsonl").read_bytes()


def test_tables_are_audited_like_json_lines(tmp_path: Path) -> None:
    """The agency's tables: the engine's results agree; a changed amount is found."""
    tables = [
        "--persons",
        str(EXAMPLES / "persons.csv"),
        "--contributions",
        str(EXAMPLES / "contributions.csv"),
        "--claims",
        str(EXAMPLES / "claims.csv"),
    ]
    out = tmp_path / "results.jsonl"
    assert main(["adjudicate", "-q", "--jobs", "1", *tables, "-o", str(out)]) == 0
    status, findings = _audit(tmp_path, *tables, "--results", str(out))
    assert (status, findings) == (0, [])
    results = _lines(out)
    i = _approved(results)[0]
    results[i]["catastrophic_fund"] = _plus(results[i]["catastrophic_fund"], "0.01")
    _write(out, results)
    status, findings = _audit(tmp_path, *tables, "--results", str(out))
    assert status == 1
    claim = results[i]["claim_id"]
    assert ("engine", claim, "catastrophic_fund") in _named(findings)
    assert ("reference", claim, "catastrophic_fund") in _named(findings)
    assert {f["claim_id"] for f in findings} == {claim}


def test_bad_results_lines_are_findings_with_file_line_and_field(tmp_path: Path) -> None:
    """A line that is not JSON, a record without a key, a record of a claim absent from the
    input: findings (``unexpected``) naming the file, the line and the field."""
    source = EXAMPLES / "bundles.jsonl"
    results = _adjudicate(tmp_path, source)
    lines = results.read_text(encoding="utf-8").splitlines()
    lacking = json.loads(lines[1])
    del lacking["eligible"]
    stranger = json.loads(lines[2])
    stranger["claim_id"] = "NOT-AN-INPUT-CLAIM"
    stranger["setl_id"] = "NOT-AN-INPUT-CLAIM/1"
    bad = [lines[0], "{not json", json.dumps(lacking), json.dumps(stranger), "[1, 2]", *lines[3:]]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")
    status, findings = _audit(tmp_path, str(source), "--results", str(path))
    assert status == 1
    where = {(f["line"], f["check"], f["claim_id"], f["field"]) for f in findings if f["file"]}
    assert (2, "unexpected", None, None) in where
    assert (3, "unexpected", lacking["claim_id"], "eligible") in where
    assert (4, "unexpected", "NOT-AN-INPUT-CLAIM", "claim_id") in where
    assert (5, "unexpected", None, "claim_id") in where
    # the claims of the two lines lost are missing, the other lines agree
    assert {(f["check"], f["claim_id"]) for f in findings if f["check"] == "missing"} == {
        ("missing", json.loads(lines[1])["claim_id"]),
        ("missing", json.loads(lines[2])["claim_id"]),
    }
    assert all(f["file"] == str(path) for f in findings if f["check"] == "unexpected")


def test_usage_and_io_errors_exit_2_with_one_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = str(EXAMPLES / "bundles.jsonl")
    assert main(["audit", source]) == 2  # no results
    assert main(["audit", source, "--results", str(tmp_path / "absent.jsonl")]) == 2
    assert main(["audit", "--ledger", str(tmp_path / "absent.db")]) == 2
    assert main(["audit", source, "--results", source, "-o", source]) == 2  # output over input
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "absent.jsonl" in err and "absent.db" in err


def test_input_errors_are_error_records_and_exit_1(tmp_path: Path) -> None:
    """A bad input line is an error record naming its line (as ``adjudicate`` gives it); its
    claims are not audited, and a results file without them has nothing unexpected."""
    source = EXAMPLES / "with-errors.jsonl"
    out, errors = tmp_path / "r.jsonl", tmp_path / "e.jsonl"
    assert (
        main(
            [
                "adjudicate",
                "-q",
                "--jobs",
                "1",
                str(source),
                "-o",
                str(out),
                "--errors",
                str(errors),
            ]
        )
        == 1
    )
    audit_errors = tmp_path / "audit-errors.jsonl"
    status = main(
        [
            "audit",
            "-q",
            "--jobs",
            "1",
            str(source),
            "--results",
            str(out),
            "--errors",
            str(audit_errors),
            "-o",
            str(tmp_path / "f.jsonl"),
        ]
    )
    assert status == 1
    assert _lines(tmp_path / "f.jsonl") == []
    assert [(e["line"], e["field"]) for e in _lines(audit_errors)] == [
        (e["line"], e["field"]) for e in _lines(errors)
    ]


# --------------------------------------------------------------------- the settlement life
PERSON = {"id": "P18", "sex": "male", "birth_date": "1970-01-01", "category": "employee"}
COVERED = [{"from": "2010-01", "to": "2022-12", "base": "5000.00"}]


def _stay(claim_id: str, admitted: str, discharged: str, total: str) -> Record:
    return {
        "id": claim_id,
        "admitted_on": admitted,
        "discharged_on": discharged,
        "total": total,
        "hospital": {"level": "tertiary", "region": "local"},
    }


def _life(tmp_path: Path) -> tuple[Path, Path, list[Path]]:
    """The worked example of the specification §18: A (600,000.00) and B (20,000.00) settled,
    A reversed, the year cleared (B's correction); plus a second person untouched."""
    source = tmp_path / "life.jsonl"
    other = {**PERSON, "id": "P2"}
    lines = [
        {"person": PERSON, "contributions": COVERED, "claims": [
            _stay("A", "2019-03-01", "2019-03-20", "600000.00"),
            _stay("B", "2019-05-01", "2019-05-10", "20000.00"),
        ]},
        {"person": other, "contributions": COVERED, "claims": [
            _stay("C", "2019-06-01", "2019-06-10", "30000.00"),
        ]},
    ]  # fmt: skip
    _write(source, lines)
    db = tmp_path / "agency.db"
    settled, reversed_, corrected = (tmp_path / n for n in ("s.jsonl", "r.jsonl", "c.jsonl"))
    assert (
        main(
            [
                "adjudicate",
                "-q",
                "--jobs",
                "1",
                "--ledger",
                str(db),
                str(source),
                "-o",
                str(settled),
            ]
        )
        == 0
    )
    requests = _write(tmp_path / "requests.jsonl", [{"claim_id": "A"}])
    assert main(["reverse", "--ledger", str(db), str(requests), "-o", str(reversed_)]) == 0
    assert main(["clear", "--ledger", str(db), "--year", "2019", "-o", str(corrected)]) == 0
    assert [r["setl_id"] for r in _lines(corrected)] == ["B/2"]
    return source, db, [settled, reversed_, corrected]


def test_art26_settlement_life_agrees_through_files_and_the_store(tmp_path: Path) -> None:
    """第二十六条 and the §18 life: settlements, a reversal and a clearing's correction agree
    with both replays, read from the results files and from the store."""
    source, db, files = _life(tmp_path)
    assert _audit(tmp_path, str(source), "--results", *map(str, files)) == (0, [])
    assert _audit(tmp_path, "--ledger", str(db)) == (0, [])


def test_a_reversal_that_does_not_negate_is_found(tmp_path: Path) -> None:
    """A reversal must negate exactly the records in effect (§18)."""
    source, _, files = _life(tmp_path)
    reversal = _lines(files[1])
    reversal[0]["basic_fund"] = _plus(reversal[0]["basic_fund"], "0.01")
    _write(files[1], reversal)
    status, findings = _audit(tmp_path, str(source), "--results", *map(str, files))
    assert status == 1
    assert _named(findings) == {
        ("engine", "A", "basic_fund"),
        ("reference", "A", "basic_fund"),
        ("invariant:reversal", "A", "basic_fund"),
        ("invariant:conservation", "A", "fund_total"),
        ("invariant:conservation", "A", "self_burden"),
        ("invariant:conservation", "A", "in_scope_self_burden"),
        ("invariant:ledger", "A", "ytd.basic_fund"),
    }
    assert {f["setl_id"] for f in findings} == {"A/2"}


def test_a_ledger_row_changed_in_the_store_is_found(tmp_path: Path) -> None:
    """第十七条: the store's ledger of a person-year is its opening plus its records; a row
    changed behind the engine's back disagrees with both replays and the sum of the records."""
    _, db, _ = _life(tmp_path)
    with sqlite3.connect(db) as connection:
        connection.execute(
            "UPDATE ledgers SET basic_fund = '17280.01' WHERE person_id = 'P18' AND year = 2019"
        )
    connection.close()
    status, findings = _audit(tmp_path, "--ledger", str(db))
    assert status == 1
    assert {(f["check"], f["person_id"], f["year"], f["field"]) for f in findings} == {
        (check, "P18", 2019, "ytd.basic_fund")
        for check in ("engine", "reference", "invariant:ledger")
    }
    assert {f["expected"] for f in findings} == {"17280.00"}


def test_a_missing_correction_is_found(tmp_path: Path) -> None:
    """A clearing whose correction is not in the files: the correction is missing."""
    source, _, files = _life(tmp_path)
    status, findings = _audit(tmp_path, str(source), "--results", *map(str, files[:2]))
    # without the clearing the year is not exact (a reversal came), and nothing is missing
    assert (status, findings) == (0, [])
    correction = _lines(files[2])[0]
    extra = {**correction, "setl_id": "C/2", "claim_id": "C", "person_id": "P2", "corrects": "C/1"}
    _write(files[2], [extra])
    status, findings = _audit(tmp_path, str(source), "--results", *map(str, files))
    assert status == 1
    named = _named(findings)
    assert ("engine", "C", "record") in named and ("reference", "C", "record") in named


def test_the_reference_implementation_runs_alone_with_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "yzmedins.reference", "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "--cap-reading" in done.stdout
    done = subprocess.run(
        [sys.executable, "-m", "yzmedins.reference", str(EXAMPLES / "bundles.jsonl")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 40
