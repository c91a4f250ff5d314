"""The settlement life in the ledger store, end to end through the command line: adjudicate,
reverse, re-settle, clear; the v1 → v2 migration; the policy options; a killed reverse."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from yzmedins.batch.store import LedgerStore, ledger_from_row, migrated_line, seed_ledger
from yzmedins.cli import main
from yzmedins.io.records import record_from_json
from yzmedins.lifecycle import ledger_of

from .contract import bundle, read_jsonl, write_jsonl

ROOT = Path(__file__).resolve().parent.parent
GENERATE = ROOT / "benchmarks" / "generate.py"
EXAMPLES = ROOT / "examples" / "bundles.jsonl"


def _run(*args: str) -> int:
    return main([*args[:1], "--quiet", *args[1:]])


def _query(db: Path, sql: str, *params: Any) -> list[Any]:
    connection = sqlite3.connect(db)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def _claim(claim_id: str, total: str, admitted: str, discharged: str) -> dict[str, Any]:
    value = bundle(
        id=claim_id,
        total=total,
        admitted_on=admitted,
        discharged_on=discharged,
        full_self_pay="0.00",
    )
    claim: dict[str, Any] = value["claims"][0]
    return claim


A = _claim("A", "600000.00", "2019-03-01", "2019-03-20")
B = _claim("B", "20000.00", "2019-05-01", "2019-05-10")


def _bundle(*claims: dict[str, Any]) -> dict[str, Any]:
    value = bundle()
    value["claims"] = list(claims)
    return value


def _ledgers_add_up(db: Path) -> None:
    """Every ledger row is its opening plus the sum of its person-year's records."""
    for person_id, year, *amounts, seed in _query(db, "SELECT * FROM ledgers"):
        lines = _query(
            db,
            "SELECT result FROM records WHERE person_id = ? AND year = ? ORDER BY seq",
            person_id,
            year,
        )
        records = [record_from_json(orjson.loads(line)) for (line,) in lines]
        expected = ledger_of(seed_ledger(seed), year, records)
        assert ledger_from_row(year, amounts) == expected


def _kinds(db: Path) -> list[tuple[str, str]]:
    return _query(db, "SELECT setl_id, kind FROM records ORDER BY seq")


def test_settle_reverse_resettle_and_clear_the_worked_example(tmp_path: Path) -> None:
    db = tmp_path / "agency.db"
    source = write_jsonl(tmp_path / "in.jsonl", [_bundle(A, B)])
    first = tmp_path / "first.jsonl"
    assert _run("adjudicate", str(source), "-o", str(first), "--ledger", str(db)) == 0
    assert [line["setl_id"] for line in read_jsonl(first)] == ["A/1", "B/1"]
    _ledgers_add_up(db)

    requests = write_jsonl(tmp_path / "rq.jsonl", [{"claim_id": "A"}])
    reversed_out = tmp_path / "reversed.jsonl"
    assert _run("reverse", "--ledger", str(db), str(requests), "-o", str(reversed_out)) == 0
    (reversal,) = read_jsonl(reversed_out)
    assert (reversal["record"], reversal["setl_id"], reversal["reverses"]) == (
        "reversal",
        "A/2",
        "A/1",
    )
    assert reversal["basic_fund"] == "-150000.00"
    _ledgers_add_up(db)

    # Retried (by claim id or by settlement id): the same record again, nothing appended.
    again = tmp_path / "again.jsonl"
    retry = write_jsonl(tmp_path / "retry.jsonl", [{"claim_id": "A"}, {"setl_id": "A/1"}])
    assert _run("reverse", "--ledger", str(db), str(retry), "-o", str(again)) == 0
    assert again.read_bytes() == reversed_out.read_bytes() * 2
    assert _kinds(db) == [("A/1", "settlement"), ("B/1", "settlement"), ("A/2", "reversal")]

    # The original input again: its lines reproduced, nothing appended.
    rerun = tmp_path / "rerun.jsonl"
    assert _run("adjudicate", str(source), "-o", str(rerun), "--ledger", str(db)) == 0
    assert rerun.read_bytes() == first.read_bytes()
    assert len(_kinds(db)) == 3

    # The clearing: B found the caps used by A; with A reversed it is paid afresh.
    cleared = tmp_path / "cleared.jsonl"
    assert _run("clear", "--ledger", str(db), "--year", "2019", "-o", str(cleared)) == 0
    (correction,) = read_jsonl(cleared)
    assert (correction["record"], correction["setl_id"], correction["corrects"]) == (
        "correction",
        "B/2",
        "B/1",
    )
    assert correction["basic_fund"] == "17280.00"
    assert correction["secondary_subsidy"] == "-10000.00"
    assert correction["personal_cash"] == "-7280.00"
    _ledgers_add_up(db)
    twice = tmp_path / "twice.jsonl"
    assert _run("clear", "--ledger", str(db), "--year", "2019", "-o", str(twice)) == 0
    assert twice.read_bytes() == b""
    assert len(_kinds(db)) == 4

    # A corrected claim A, settled again after its reversal: the claim's next record.
    changed = dict(A, total="500000.00")
    corrected = write_jsonl(tmp_path / "corrected.jsonl", [_bundle(changed, B)])
    out = tmp_path / "corrected-out.jsonl"
    assert _run("adjudicate", str(corrected), "-o", str(out), "--ledger", str(db)) == 0
    lines = read_jsonl(out)
    assert [line["setl_id"] for line in lines] == ["B/1", "A/3"]
    assert lines[1]["record"] == "settlement" and lines[1]["total"] == "500000.00"
    _ledgers_add_up(db)
    # A settlement in effect with other content is refused: reverse it first.
    other = write_jsonl(tmp_path / "other.jsonl", [_bundle(dict(A, total="400000.00"))])
    errors = tmp_path / "errors.jsonl"
    assert (
        _run("adjudicate", str(other), "-o", str(out), "--errors", str(errors), "--ledger", str(db))
        == 1
    )
    (error,) = read_jsonl(errors)
    assert "yzmedins reverse" in error["message"] and error["field"] == "claims[0].id"
    assert len(_kinds(db)) == 5


def test_bad_requests_and_unknown_ids_are_error_records(tmp_path: Path) -> None:
    db = tmp_path / "agency.db"
    source = write_jsonl(tmp_path / "in.jsonl", [_bundle(A, B)])
    assert _run("adjudicate", str(source), "-o", str(tmp_path / "o"), "--ledger", str(db)) == 0
    requests = write_jsonl(
        tmp_path / "rq.jsonl",
        [
            "[1, 2]",
            {"claim_id": "A", "setl_id": "A/1"},
            {},
            {"claim_id": "B", "why": "typo"},
            {"claim_id": "NOPE"},
            {"setl_id": "B/7"},
            {"setl_id": "B"},
            "{broken",
            {"claim_id": "B"},
        ],
    )
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    status = _run(
        "reverse", "--ledger", str(db), str(requests), "-o", str(out), "--errors", str(errors)
    )
    assert status == 1
    found = [(e["line"], e["field"]) for e in read_jsonl(errors)]
    assert found == [
        (1, None),
        (2, "claim_id"),
        (3, "claim_id"),
        (4, "why"),
        (5, "claim_id"),
        (6, "setl_id"),
        (7, "setl_id"),
        (8, None),
    ]
    assert [line["setl_id"] for line in read_jsonl(out)] == ["B/2"]
    _ledgers_add_up(db)


def test_options_of_another_run_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "agency.db"
    source = write_jsonl(tmp_path / "in.jsonl", [_bundle(A)])
    assert _run("adjudicate", str(source), "-o", str(tmp_path / "o"), "--ledger", str(db)) == 0
    capsys.readouterr()
    other = ["--cap-reading", "cumulative_bands"]
    assert (
        _run("adjudicate", str(source), "-o", str(tmp_path / "o2"), "--ledger", str(db), *other)
        == 2
    )
    assert str(db) in capsys.readouterr().err
    assert _run("clear", "--ledger", str(db), "--year", "2019", *other) == 2
    assert str(db) in capsys.readouterr().err
    assert _run("clear", "--ledger", str(db), "--year", "2030") == 2
    assert "2030" in capsys.readouterr().err
    assert len(_kinds(db)) == 1


# -- the migration from version 1 ---------------------------------------------------------------

V1_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledgers (
    person_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    basic_fund TEXT NOT NULL,
    catastrophic_fund TEXT NOT NULL,
    self_burden TEXT NOT NULL,
    secondary_subsidy TEXT NOT NULL,
    banded TEXT NOT NULL,
    seed TEXT,
    PRIMARY KEY (person_id, year)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS claims (
    settled INTEGER PRIMARY KEY,
    claim_id TEXT NOT NULL UNIQUE,
    person_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    digest BLOB NOT NULL,
    result BLOB NOT NULL,
    tally TEXT NOT NULL
);
"""
V1_KEYS = (
    "claim_id", "person_id", "status", "reasons", "year", "total", "full_self_pay",
    "pre_self_pay", "eligible", "deductible", "basic_rate", "catastrophic_rate", "basic_fund",
    "catastrophic_fund", "other_fund", "secondary_subsidy", "fund_total", "personal_cash",
    "self_burden", "in_scope_self_burden", "flags", "ytd", "trace",
)  # fmt: skip
FACTS = (
    "category", "type", "admitted_on", "discharged_on", "hospital_level", "hospital_region",
    "route", "settlement", "maternity",
)  # fmt: skip


def _v1_store(tmp_path: Path) -> tuple[Path, list[bytes]]:
    """A version 1 store of the examples, as version 1 wrote it (from today's settlements,
    the keys version 1 did not have taken out), and today's result lines."""
    today = tmp_path / "today.db"
    assert _run("adjudicate", str(EXAMPLES), "-o", str(tmp_path / "t"), "--ledger", str(today)) in (
        0,
        1,
    )
    rows = _query(
        today,
        "SELECT seq, claim_id, person_id, year, digest, result, tally FROM records ORDER BY seq",
    )
    ledgers = _query(today, "SELECT * FROM ledgers")
    db = tmp_path / "v1.db"
    connection = sqlite3.connect(db)
    connection.executescript(V1_SCHEMA)
    connection.execute(
        "INSERT INTO meta VALUES ('schema_version', '1'), ('created_by', 'yzmedins')"
    )
    connection.executemany("INSERT INTO ledgers VALUES (?, ?, ?, ?, ?, ?, ?, ?)", ledgers)
    for seq, claim_id, person_id, year, digest, result, tally in rows:
        line = json.loads(result)
        v1 = orjson.dumps({key: line[key] for key in V1_KEYS}) + b"\n"
        connection.execute(
            "INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?)",
            (seq, claim_id, person_id, year, digest, v1, tally),
        )
    connection.execute("PRAGMA user_version = 1")
    connection.commit()
    connection.close()
    return db, [row[5] for row in rows]


def test_a_version_1_store_is_migrated_in_place(tmp_path: Path) -> None:
    db, today = _v1_store(tmp_path)
    ledgers = _query(db, "SELECT * FROM ledgers ORDER BY person_id, year")
    LedgerStore(str(db)).close()
    assert _query(db, "PRAGMA user_version") == [(2,)]
    assert not _query(db, "SELECT name FROM sqlite_master WHERE name = 'claims'")
    assert _query(db, "SELECT * FROM ledgers ORDER BY person_id, year") == ledgers
    migrated = _query(db, "SELECT setl_id, kind, content, result FROM records ORDER BY seq")
    assert len(migrated) == len(today)
    for (setl_id, kind, content, result), line in zip(migrated, today, strict=True):
        expected = json.loads(line)
        expected.update(dict.fromkeys(FACTS))
        assert json.loads(result) == expected  # applied_rule and banded worked out again
        assert list(json.loads(result)) == list(expected)
        assert (setl_id, kind, content) == (expected["setl_id"], "settlement", None)
        assert bytes(result) == orjson.dumps(expected) + b"\n"
    _ledgers_add_up(db)

    # The same input again: every line reproduced, nothing settled twice.
    out = tmp_path / "rerun.jsonl"
    assert _run("adjudicate", str(EXAMPLES), "-o", str(out), "--ledger", str(db)) in (0, 1)
    assert out.read_bytes() == b"".join(result for *_, result in migrated)
    assert len(_kinds(db)) == len(today)
    assert _query(db, "SELECT * FROM ledgers ORDER BY person_id, year") == ledgers

    # A migrated record is reversed like any other.
    claim_id, person_id, year = _query(
        db,
        "SELECT claim_id, person_id, year FROM records WHERE tally LIKE '[true,%' ORDER BY seq",
    )[0]
    requests = write_jsonl(tmp_path / "rq.jsonl", [{"claim_id": claim_id}])
    assert _run("reverse", "--ledger", str(db), str(requests), "-o", str(tmp_path / "r")) == 0
    assert _kinds(db)[-1] == (f"{claim_id}/2", "reversal")
    _ledgers_add_up(db)

    # Clearing a year holding a migrated settlement in effect: an error record, left as it is.
    before = _query(db, "SELECT * FROM ledgers ORDER BY person_id, year")
    count = len(_kinds(db))
    errors = tmp_path / "errors.jsonl"
    status = _run(
        "clear", "--ledger", str(db), "--year", str(year), "-o", str(tmp_path / "c"),
        "--errors", str(errors),
    )  # fmt: skip
    assert status == 1
    records = read_jsonl(errors)
    assert records and all(
        (e["file"], e["line"], e["field"]) == (str(db), 0, "person_id") for e in records
    )
    assert _query(db, "SELECT * FROM ledgers ORDER BY person_id, year") == before
    assert len(_kinds(db)) == count
    assert person_id  # named in the store


def test_migrated_lines_work_out_applied_rule_and_banded_on_a_generated_store(
    tmp_path: Path,
) -> None:
    """Every route (local, referrals, relocated, emergency, special outpatient), approved and
    rejected: the migrated line is today's with its facts null. The one reading the line cannot
    settle: a maternity emergency stay (no deductible step) at the basic rate 0.70, which is in
    province reimbursed or out of province direct; it is read as out of province."""
    source = tmp_path / "in.jsonl"
    subprocess.run([sys.executable, str(GENERATE), "4000", str(source), "9"], check=True)
    db = tmp_path / "today.db"
    assert _run("adjudicate", str(source), "-o", str(tmp_path / "o"), "--ledger", str(db)) == 0
    routes = set()
    for result, tally in _query(db, "SELECT result, tally FROM records"):
        line = json.loads(result)
        routes.add(json.loads(tally)[2])
        v1 = orjson.dumps({key: line[key] for key in V1_KEYS}) + b"\n"
        expected = dict(line, **dict.fromkeys(FACTS))
        got = json.loads(migrated_line(v1, tally))
        if got != expected:
            assert {k for k in got if got[k] != expected[k]} == {"applied_rule"}
            assert line["basic_rate"] == "0.70" and json.loads(tally)[2] == "emergency"
            assert not any("province" in step["text"] for step in line["trace"])
    assert routes >= {"local", "relocated", "emergency", "special_outpatient"}


# -- a killed reverse ---------------------------------------------------------------------------


def _reversals(db: Path) -> int:
    try:
        return int(_query(db, "SELECT COUNT(*) FROM records WHERE kind = 'reversal'")[0][0])
    except sqlite3.OperationalError:
        return 0


def test_a_killed_reverse_reruns_to_exactly_the_uninterrupted_result(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    subprocess.run([sys.executable, str(GENERATE), "6000", str(source), "3"], check=True)
    reference_db, db = tmp_path / "ref.db", tmp_path / "agency.db"
    assert (
        _run("adjudicate", str(source), "-o", str(tmp_path / "s"), "--ledger", str(reference_db))
        == 0
    )
    db.write_bytes(reference_db.read_bytes())
    claim_ids = [row[0] for row in _query(db, "SELECT claim_id FROM records ORDER BY seq")]
    # Each claim by id, then every other one again by its settlement id (a retry).
    requests = write_jsonl(
        tmp_path / "rq.jsonl",
        [{"claim_id": c} for c in claim_ids] + [{"setl_id": f"{c}/1"} for c in claim_ids[::2]],
    )
    reference = tmp_path / "ref.jsonl"
    assert _run("reverse", "--ledger", str(reference_db), str(requests), "-o", str(reference)) == 0
    total = _reversals(reference_db)
    assert total == len(claim_ids)
    out = tmp_path / "out.jsonl"
    command = [
        sys.executable, "-m", "yzmedins", "reverse", "--quiet", "--ledger", str(db),
        str(requests), "-o", str(out),
    ]  # fmt: skip
    killed_midway = 0
    for target in (0.2, 0.5, 0.8):
        process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while (
            process.poll() is None
            and _reversals(db) < target * total
            and time.monotonic() < deadline
        ):
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed_midway += 0 < _reversals(db) < total
        LedgerStore(str(db)).close()
    assert killed_midway >= 1
    assert subprocess.run(command, check=False).returncode == 0
    assert out.read_bytes() == reference.read_bytes()
    query = "SELECT * FROM records ORDER BY setl_id"
    assert _query(db, query) == _query(reference_db, query)
    query = "SELECT * FROM ledgers ORDER BY person_id, year"
    assert _query(db, query) == _query(reference_db, query)
    _ledgers_add_up(db)


def test_named_persons_csv_records_and_the_reverse_summary(tmp_path: Path) -> None:
    db = tmp_path / "agency.db"
    other = _bundle(dict(A, id="OA"), dict(B, id="OB"))
    other["person"]["id"] = "P2"
    source = write_jsonl(tmp_path / "in.jsonl", [_bundle(A, B), other])
    assert _run("adjudicate", str(source), "-o", str(tmp_path / "o"), "--ledger", str(db)) == 0
    requests = write_jsonl(tmp_path / "rq.jsonl", [{"claim_id": "A"}, {"claim_id": "OA"}])
    out, summary = tmp_path / "out.csv", tmp_path / "summary.json"
    args = ["--format", "csv", "-o", str(out), "--summary", str(summary)]
    assert _run("reverse", "--ledger", str(db), str(requests), *args) == 0
    rows = out.read_text("utf-8").splitlines()
    assert len(rows) == 3 and "A/2" in rows[1] and "OA/2" in rows[2]
    assert json.loads(summary.read_text("utf-8"))["reversed"] == 2
    # Only the named person's year is cleared; an unknown person is an error record.
    cleared, errors = tmp_path / "cleared.jsonl", tmp_path / "errors.jsonl"
    status = _run(
        "clear", "--ledger", str(db), "--year", "2019", "--person", "P2", "--person", "NOPE",
        "-o", str(cleared), "--errors", str(errors),
    )  # fmt: skip
    assert status == 1
    assert [line["setl_id"] for line in read_jsonl(cleared)] == ["OB/2"]
    assert [(e["line"], e["field"]) for e in read_jsonl(errors)] == [(0, "person_id")]
    cleared = tmp_path / "all.jsonl"
    assert _run("clear", "--ledger", str(db), "--year", "2019", "-o", str(cleared)) == 0
    assert [line["setl_id"] for line in read_jsonl(cleared)] == ["B/2"]
    _ledgers_add_up(db)


def test_a_migration_that_fails_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, _ = _v1_store(tmp_path)
    connection = sqlite3.connect(db)
    connection.execute("UPDATE claims SET result = x'7b7d0a' WHERE settled = 3")  # "{}"
    connection.commit()
    connection.close()
    before = db.read_bytes()
    capsys.readouterr()
    assert _run("adjudicate", str(EXAMPLES), "-o", str(tmp_path / "o"), "--ledger", str(db)) == 2
    assert "cannot be migrated" in capsys.readouterr().err
    assert _query(db, "PRAGMA user_version") == [(1,)]
    assert db.read_bytes() == before


def _corrections(db: Path) -> int:
    rows = _query(db, "SELECT COUNT(*) FROM records WHERE kind = 'correction'")
    return int(rows[0][0])


def test_a_killed_clear_reruns_to_exactly_the_uninterrupted_result(tmp_path: Path) -> None:
    """年终清算 is kill-safe: a clearing killed at any point and run again appends exactly what
    an uninterrupted clearing appends, and writes the same output."""
    source = tmp_path / "in.jsonl"
    subprocess.run([sys.executable, str(GENERATE), "6000", str(source), "5"], check=True)
    reference_db, db = tmp_path / "ref.db", tmp_path / "agency.db"
    assert (
        _run("adjudicate", str(source), "-o", str(tmp_path / "s"), "--ledger", str(reference_db))
        == 0
    )
    claim_ids = [
        row[0] for row in _query(reference_db, "SELECT claim_id FROM records ORDER BY seq")
    ]
    requests = write_jsonl(tmp_path / "rq.jsonl", [{"claim_id": c} for c in claim_ids[::3]])
    assert (
        _run("reverse", "--ledger", str(reference_db), str(requests), "-o", str(tmp_path / "r"))
        == 0
    )
    db.write_bytes(reference_db.read_bytes())
    (year,) = _query(
        reference_db, "SELECT year FROM records GROUP BY year ORDER BY COUNT(*) DESC LIMIT 1"
    )[0]
    reference = tmp_path / "ref.jsonl"
    assert (
        _run("clear", "--ledger", str(reference_db), "--year", str(year), "-o", str(reference)) == 0
    )
    assert _corrections(reference_db) >= 1
    out = tmp_path / "out.jsonl"
    command = [
        sys.executable, "-m", "yzmedins", "clear", "--quiet", "--ledger", str(db),
        "--year", str(year), "-o", str(out),
    ]  # fmt: skip
    # Corrections are few and the clearing quick: kill at several moments instead of counts.
    for delay in (0.3, 0.6, 0.9):
        process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        LedgerStore(str(db)).close()
        _ledgers_add_up(db)
    assert subprocess.run(command, check=False).returncode == 0
    query = "SELECT * FROM records ORDER BY setl_id"
    assert _query(db, query) == _query(reference_db, query)
    query = "SELECT * FROM ledgers ORDER BY person_id, year"
    assert _query(db, query) == _query(reference_db, query)
    _ledgers_add_up(db)
    # The rerun writes what the clearing still had to do; with nothing left, nothing.
    assert _run("clear", "--ledger", str(db), "--year", str(year), "-o", str(out)) == 0
    assert out.read_bytes() == b""
