"""The agency's batch: the ledger store (idempotent, kill-safe, one run at a time), --jobs."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from yzmedins.batch.store import LedgerStore, StoreError
from yzmedins.cli import main

from .contract import bundle

GENERATE = Path(__file__).resolve().parent.parent / "benchmarks" / "generate.py"


def _generated(path: Path, claims: int, seed: int = 7) -> Path:
    subprocess.run([sys.executable, str(GENERATE), str(claims), str(path), str(seed)], check=True)
    return path


def _adjudicate(*args: str) -> int:
    return main(["adjudicate", "--quiet", *args])


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def _db_rows(path: Path) -> tuple[list[Any], list[Any]]:
    connection = sqlite3.connect(path)
    ledgers = connection.execute("SELECT * FROM ledgers ORDER BY person_id, year").fetchall()
    claims = connection.execute("SELECT * FROM records ORDER BY setl_id").fetchall()
    connection.close()
    return ledgers, claims


@pytest.mark.parametrize("jobs", ["1", "2", "3"])
def test_output_is_byte_identical_for_every_jobs(tmp_path: Path, jobs: str) -> None:
    source = _generated(tmp_path / "in.jsonl", 3000)
    reference, out = tmp_path / "ref.jsonl", tmp_path / f"out{jobs}.jsonl"
    assert _adjudicate(str(source), "-o", str(reference), "--jobs", "1") in (0, 1)
    assert _adjudicate(str(source), "-o", str(out), "--jobs", jobs) in (0, 1)
    assert out.read_bytes() == reference.read_bytes()


def test_ledger_rerun_reproduces_and_settles_nothing_twice(tmp_path: Path) -> None:
    source = _generated(tmp_path / "in.jsonl", 2000)
    db = tmp_path / "agency.db"
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    plain = tmp_path / "plain.jsonl"
    assert _adjudicate(str(source), "-o", str(plain)) == 0
    assert _adjudicate(str(source), "-o", str(first), "--ledger", str(db)) == 0
    rows = _db_rows(db)
    summary = tmp_path / "summary.json"
    assert (
        _adjudicate(str(source), "-o", str(second), "--ledger", str(db), "--summary", str(summary))
        == 0
    )
    assert first.read_bytes() == second.read_bytes() == plain.read_bytes()
    assert _db_rows(db) == rows
    data = json.loads(summary.read_text("utf-8"))
    assert data["reproduced_from_ledger"] == data["claims"] == len(rows[1])


def _split_by_month(source: Path, early: Path, late: Path) -> None:
    """The same claims in two monthly runs: discharged before July, and the rest."""
    with early.open("w") as first, late.open("w") as second:
        for line in source.read_text("utf-8").splitlines():
            value = json.loads(line)
            claims = sorted(
                value["claims"], key=lambda c: (c["discharged_on"], c["admitted_on"], c["id"])
            )
            head = [c for c in claims if c["discharged_on"][5:7] < "07"]
            tail = [c for c in claims if c["discharged_on"][5:7] >= "07"]
            if head:
                first.write(json.dumps({**value, "claims": head}) + "\n")
            if tail:
                second.write(json.dumps({**value, "claims": tail}) + "\n")


def test_monthly_runs_continue_each_persons_year(tmp_path: Path) -> None:
    source = _generated(tmp_path / "in.jsonl", 2000)
    early, late = tmp_path / "h1.jsonl", tmp_path / "h2.jsonl"
    _split_by_month(source, early, late)
    db = tmp_path / "agency.db"
    once = tmp_path / "once.jsonl"
    out1, out2 = tmp_path / "out1.jsonl", tmp_path / "out2.jsonl"
    assert _adjudicate(str(source), "-o", str(once)) == 0
    assert _adjudicate(str(early), "-o", str(out1), "--ledger", str(db)) == 0
    assert _adjudicate(str(late), "-o", str(out2), "--ledger", str(db)) == 0
    by_claim = {r["claim_id"]: r for r in _lines(once)}
    monthly = _lines(out1) + _lines(out2)
    assert len(monthly) == len(by_claim)
    for result in monthly:
        assert result == by_claim[result["claim_id"]]


def test_changed_claim_and_changed_ytd_are_error_records(tmp_path: Path) -> None:
    db = tmp_path / "agency.db"
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(bundle()) + "\n")
    assert _adjudicate(str(source), "-o", str(tmp_path / "o1"), "--ledger", str(db)) == 0
    changed = tmp_path / "changed.jsonl"
    changed.write_text(json.dumps(bundle(total="12000.01")) + "\n")
    err = tmp_path / "err.jsonl"
    assert (
        _adjudicate(
            str(changed), "-o", str(tmp_path / "o2"), "--errors", str(err), "--ledger", str(db)
        )
        == 1
    )
    (record,) = _lines(err)
    assert record["field"] == "claims[0].id" and "different content" in record["message"]
    same_content = tmp_path / "same.jsonl"
    same_content.write_text(json.dumps(bundle(total=12000, full_self_pay=500)) + "\n")
    assert _adjudicate(str(same_content), "-o", str(tmp_path / "o3"), "--ledger", str(db)) == 0
    assert (tmp_path / "o3").read_bytes() == (tmp_path / "o1").read_bytes()
    with_ytd = bundle(id="C2", admitted_on="2019-05-01", discharged_on="2019-05-02")
    with_ytd["ytd"] = {"year": 2019, "basic_fund": "1.00", "catastrophic_fund": "0.00",
                       "self_burden": "0.00", "secondary_subsidy": "0.00"}  # fmt: skip
    ytd_file = tmp_path / "ytd.jsonl"
    ytd_file.write_text(json.dumps(with_ytd) + "\n")
    assert (
        _adjudicate(
            str(ytd_file), "-o", str(tmp_path / "o4"), "--errors", str(err), "--ledger", str(db)
        )
        == 1
    )
    assert _lines(err)[0]["field"] == "ytd"


def test_ytd_seeds_a_person_year_the_store_does_not_hold(tmp_path: Path) -> None:
    db = tmp_path / "agency.db"
    seeded = bundle()
    seeded["ytd"] = {"year": 2019, "basic_fund": "149000.00", "catastrophic_fund": "0.00",
                     "self_burden": "0.00", "secondary_subsidy": "0.00"}  # fmt: skip
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(seeded) + "\n")
    out = tmp_path / "out.jsonl"
    assert _adjudicate(str(source), "-o", str(out), "--ledger", str(db)) == 0
    assert _lines(out)[0]["basic_fund"] == "1000.00"
    # The same input again is accepted (same seed) and reproduced.
    again = tmp_path / "again.jsonl"
    assert _adjudicate(str(source), "-o", str(again), "--ledger", str(db)) == 0
    assert again.read_bytes() == out.read_bytes()


def test_a_second_run_on_the_same_ledger_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "agency.db"
    store = LedgerStore(str(db))
    try:
        with pytest.raises(StoreError, match="in use by another yzmedins run"):
            LedgerStore(str(db))
        source = tmp_path / "in.jsonl"
        source.write_text(json.dumps(bundle()) + "\n")
        assert _adjudicate(str(source), "--ledger", str(db)) == 2
    finally:
        store.close()
    LedgerStore(str(db)).close()


def test_newer_or_foreign_databases_are_refused(tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    connection = sqlite3.connect(newer)
    connection.execute("PRAGMA user_version = 99")
    connection.close()
    with pytest.raises(StoreError, match="newer than this engine"):
        LedgerStore(str(newer))
    foreign = tmp_path / "foreign.db"
    connection = sqlite3.connect(foreign)
    connection.execute("CREATE TABLE t (x)")
    connection.close()
    with pytest.raises(StoreError, match="not a yzmedins ledger"):
        LedgerStore(str(foreign))
    text = tmp_path / "text.db"
    text.write_text("hello, not sqlite" * 100)
    with pytest.raises(StoreError):
        LedgerStore(str(text))


def _settled(db: Path) -> int:
    if not db.exists():
        return 0
    connection = sqlite3.connect(db)
    try:
        return int(connection.execute("SELECT COUNT(*) FROM records").fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        connection.close()


def test_killed_runs_resume_to_exactly_the_uninterrupted_result(tmp_path: Path) -> None:
    source = _generated(tmp_path / "in.jsonl", 40000, seed=11)
    reference_db, reference = tmp_path / "ref.db", tmp_path / "ref.jsonl"
    assert _adjudicate(str(source), "-o", str(reference), "--ledger", str(reference_db)) == 0
    total = _settled(reference_db)
    db, out = tmp_path / "agency.db", tmp_path / "out.jsonl"
    command = [
        sys.executable,
        "-m",
        "yzmedins",
        "adjudicate",
        "--quiet",
        str(source),
        "-o",
        str(out),
        "--ledger",
        str(db),
    ]
    killed_midway = 0
    # A killed run cannot remove its temporary folder (the ids seen, the spools): keep them here.
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    environment = {**os.environ, "TMPDIR": str(temporary)}
    for target in (0.1, 0.3, 0.5, 0.7, 0.9):
        # Kill with SIGKILL once the store holds about `target` of the claims (or at 20 s).
        process = subprocess.Popen(command, stderr=subprocess.DEVNULL, env=environment)
        deadline = time.monotonic() + 20
        while (
            process.poll() is None and _settled(db) < target * total and time.monotonic() < deadline
        ):
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed_midway += 0 < _settled(db) < total
        LedgerStore(str(db)).close()  # the lock is free again and the schema is intact
    assert killed_midway >= 3
    assert subprocess.run(command, check=False).returncode == 0
    assert out.read_bytes() == reference.read_bytes()
    assert _db_rows(db) == _db_rows(reference_db)


def test_ledger_results_do_not_depend_on_jobs(tmp_path: Path) -> None:
    source = _generated(tmp_path / "in.jsonl", 3000, seed=5)
    outputs = []
    for jobs in ("1", "2"):
        db, out = tmp_path / f"l{jobs}.db", tmp_path / f"o{jobs}.jsonl"
        assert _adjudicate(str(source), "-o", str(out), "--ledger", str(db), "--jobs", jobs) == 0
        outputs.append((out.read_bytes(), _db_rows(db)))
    assert outputs[0] == outputs[1]


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from yzmedins.commands import adjudicate

    quiet = argparse.Namespace(quiet=True)
    loud = argparse.Namespace(quiet=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert adjudicate._progress(loud, 100, "B") is None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert adjudicate._progress(quiet, 100, "B") is None
    bar = adjudicate._progress(loud, 100, "B")
    assert bar is not None
    bar.close()
