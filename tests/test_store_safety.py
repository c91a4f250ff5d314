"""The ledger store's safety (issue 8, items 1-3): one run at a time whatever the path's spelling,
no blind overwrite of a ledger row, any file name, and every store failure a one-line exit 2."""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import os
import resource
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from yzmedins.batch import store as store_module
from yzmedins.batch.store import BundleWrite, LedgerStore
from yzmedins.cli import main

from .contract import bundle, read_jsonl, write_jsonl

ROOT = Path(__file__).resolve().parent.parent


def _bundles(prefix: str, count: int, claims: int = 1) -> list[dict[str, Any]]:
    """``count`` bundles of distinct persons, each of ``claims`` distinct claims."""
    values = []
    for index in range(count):
        value = bundle(id=f"{prefix}C{index}")
        value["person"]["id"] = f"{prefix}P{index}"
        for month in range(2, claims + 1):
            value["claims"].append(
                dict(
                    value["claims"][0],
                    id=f"{prefix}C{index}-{month}",
                    admitted_on=f"2019-{month:02d}-02",
                    discharged_on=f"2019-{month:02d}-10",
                )
            )
        values.append(value)
    return values


def _big_stay(claim_id: str, person_id: str = "P1") -> dict[str, Any]:
    """A 600,000.00 stay: alone it reaches every annual cap but the secondary subsidy's."""
    value = bundle(id=claim_id, total="600000.00", full_self_pay="0.00")
    value["person"]["id"] = person_id
    return value


def _adjudicate(*args: str) -> int:
    return main(["adjudicate", "--quiet", *args])


def _cli(
    *args: str,
    timeout: float = 60,
    preexec: Callable[[], None] | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "yzmedins", "adjudicate", "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=preexec,
        env=env,
        check=False,
    )


def _one_message(stderr: str, *needles: str) -> str:
    """The one line ``yzmedins: ...`` that is all of ``stderr``, containing every needle."""
    lines = stderr.strip().splitlines()
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1 and lines[0].startswith("yzmedins: "), stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _query(db: Path, sql: str, *params: Any) -> list[Any]:
    connection = sqlite3.connect(db)
    try:
        return connection.execute(sql, params).fetchall()
    finally:
        connection.close()


def _paid(results: Iterable[dict[str, Any]], field: str) -> Decimal:
    return sum((Decimal(result[field]) for result in results), Decimal(0))


# -- 1. one run at a time, whatever the spelling; no blind overwrite ---------------------------


def _spelling(tmp_path: Path, db: Path, how: str) -> str:
    if how == "symlink":
        (tmp_path / "link.db").symlink_to(db.name)
        return str(tmp_path / "link.db")
    if how == "dotdot":
        (tmp_path / "x").mkdir()
        return str(tmp_path / "x" / ".." / db.name)
    if how == "symlinked folder":
        (tmp_path / "folder").symlink_to(tmp_path, target_is_directory=True)
        return str(tmp_path / "folder" / db.name)
    assert how == "hard link made during the run"
    os.link(db, tmp_path / "hard.db")
    return str(tmp_path / "hard.db")


@pytest.mark.parametrize(
    "how", ["symlink", "dotdot", "symlinked folder", "hard link made during the run"]
)
def test_store_lock_holds_through_every_spelling_of_the_path(
    tmp_path: Path, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.db"
    source = write_jsonl(tmp_path / "in.jsonl", [_big_stay("C1")])
    store = LedgerStore(str(db))
    try:
        other = _spelling(tmp_path, db, how)
        capsys.readouterr()
        assert _adjudicate(str(source), "-o", str(tmp_path / "out"), "--ledger", other) == 2
        _one_message(capsys.readouterr().err, other, "in use by another yzmedins run")
    finally:
        store.close()
    assert _query(db, "SELECT COUNT(*) FROM records") == [(0,)]


def test_two_runs_at_once_through_a_symlink_never_pay_past_the_caps(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    (tmp_path / "link.db").symlink_to("c.db")
    runs = []
    for name, path in (("a", db), ("b", tmp_path / "link.db")):
        # The same person's 600,000.00 stay first, then other persons (one batch in all), so that
        # each run reads the person's ledger early and commits late.
        source = write_jsonl(
            tmp_path / f"{name}.jsonl", [_big_stay(f"{name}-C1"), *_bundles(name, 1900, claims=4)]
        )
        out = tmp_path / f"{name}.out"
        command = [sys.executable, "-m", "yzmedins", "adjudicate", "--quiet", str(source)]
        command += ["-o", str(out), "--ledger", str(path), "--jobs", "1"]
        runs.append((out, path, subprocess.Popen(command, stderr=subprocess.PIPE, text=True)))
        deadline = time.monotonic() + 20
        while not db.exists() and time.monotonic() < deadline:  # the first run has begun
            time.sleep(0.005)
    paid: list[dict[str, Any]] = []
    try:
        for out, path, process in runs:
            _, stderr = process.communicate(timeout=120)
            if process.returncode == 0:
                paid += [r for r in read_jsonl(out) if r["person_id"] == "P1"]
            else:
                assert process.returncode == 2
                _one_message(stderr, str(path), "in use by another yzmedins run")
    finally:
        for _, _, process in runs:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert paid, "one of the runs settles the stay"
    assert _paid(paid, "basic_fund") == Decimal("150000.00")
    assert _paid(paid, "catastrophic_fund") == Decimal("300000.00")
    assert _paid(paid, "secondary_subsidy") <= Decimal("150000.00")
    ((basic, catastrophic, secondary),) = _query(
        db,
        "SELECT basic_fund, catastrophic_fund, secondary_subsidy FROM ledgers "
        "WHERE person_id = 'P1' AND year = 2019",
    )
    assert Decimal(basic) == _paid(paid, "basic_fund")
    assert Decimal(catastrophic) == _paid(paid, "catastrophic_fund")
    assert Decimal(secondary) == _paid(paid, "secondary_subsidy")


def test_a_store_with_a_second_hard_link_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SQLite finds the journal of an interrupted run by the store's name: through another name
    a half-written batch would be read as it is, so a store must have one name."""
    db = tmp_path / "c.db"
    LedgerStore(str(db)).close()
    os.link(db, tmp_path / "hard.db")
    before = _digest(db)
    source = write_jsonl(tmp_path / "in.jsonl", [bundle()])
    for path in (db, tmp_path / "hard.db"):
        capsys.readouterr()
        assert _adjudicate(str(source), "-o", str(tmp_path / "out"), "--ledger", str(path)) == 2
        _one_message(capsys.readouterr().err, str(path), "hard links")
    assert _digest(db) == before


def _interleaved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scenario: str
) -> tuple[int, Path, Path]:
    """Run A on the store with the run lock out of the way; just before A's first commit, run B
    to completion on the same store. The exit status of A, the store, and B's results."""
    db = tmp_path / "c.db"
    a_bundle = _big_stay("A1")
    b_bundle = _big_stay("B1")
    if scenario == "continued year":
        early = bundle(id="C0", admitted_on="2019-01-02", discharged_on="2019-01-05")
        seed = write_jsonl(tmp_path / "seed.jsonl", [early])
        assert _adjudicate(str(seed), "-o", str(tmp_path / "seed.out"), "--ledger", str(db)) == 0
    if scenario == "same claim id":
        b_bundle = _big_stay("A1", person_id="P2")
    a_source = write_jsonl(tmp_path / "a.jsonl", [a_bundle])
    b_source = write_jsonl(tmp_path / "b.jsonl", [b_bundle])
    b_out = tmp_path / "b.out"
    monkeypatch.setattr(fcntl, "flock", lambda descriptor, operation: None)
    commit = LedgerStore.commit
    interleaved: list[int] = []

    def commit_after_b(store: LedgerStore, writes: Iterable[BundleWrite]) -> None:
        if not interleaved:
            interleaved.append(-1)  # B's own commits are plain ones
            b_args = [str(b_source), "-o", str(b_out), "--ledger", str(db), "--jobs", "1"]
            interleaved[0] = _adjudicate(*b_args)
        commit(store, writes)

    monkeypatch.setattr(LedgerStore, "commit", commit_after_b)
    status = _adjudicate(
        str(a_source), "-o", str(tmp_path / "a.out"), "--ledger", str(db), "--jobs", "1"
    )
    assert interleaved == [0]
    return status, db, b_out


@pytest.mark.parametrize("scenario", ["new year", "continued year"])
def test_a_ledger_changed_by_another_writer_during_a_run_is_never_overwritten(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    scenario: str,
) -> None:
    status, db, b_out = _interleaved(tmp_path, monkeypatch, scenario)
    assert status == 2
    _one_message(capsys.readouterr().err, str(db), "2019 ledger of person 'P1'", "another writer")
    # The store holds B's work, untouched: B's stay paid once, A's not recorded.
    (b_result,) = read_jsonl(b_out)
    ((basic, catastrophic),) = _query(
        db, "SELECT basic_fund, catastrophic_fund FROM ledgers WHERE person_id = 'P1'"
    )
    assert (basic, catastrophic) == (b_result["ytd"]["basic_fund"], "300000.00")
    claims = [row[0] for row in _query(db, "SELECT claim_id FROM records ORDER BY seq")]
    assert claims == (["C0", "B1"] if scenario == "continued year" else ["B1"])


def test_a_claim_id_recorded_by_another_writer_during_a_run_is_exit_2_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, db, _ = _interleaved(tmp_path, monkeypatch, "same claim id")
    assert status == 2
    _one_message(capsys.readouterr().err, str(db), "claim 'A1'", "another writer")
    assert _query(db, "SELECT person_id FROM records") == [("P2",)]
    assert _query(db, "SELECT person_id FROM ledgers") == [("P2",)]


# -- 2. any file name --------------------------------------------------------------------------


NAMES = ["a#b.db", "c%41.db", "q?mode=rw&cache=shared.db", "ü b;=.db"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_store_paths_with_uri_characters_work_and_leave_no_stray_file(
    tmp_path: Path, name: str, jobs: str
) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    db = folder / name
    source = write_jsonl(tmp_path / "in.jsonl", _bundles("p", 3))
    outputs = []
    for run in ("first", "again"):
        out = tmp_path / f"{run}.jsonl"
        args = [str(source), "-o", str(out), "--ledger", str(db), "--jobs", jobs]
        if jobs == "1":
            assert _adjudicate(*args) == 0
        else:  # in a subprocess: a pool whose workers cannot start used to retry forever
            done = _cli(*args, timeout=60)
            assert done.returncode == 0, done.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] and outputs[0].count(b"\n") == 3
    assert sorted(path.name for path in folder.iterdir()) == [name, f"{name}-journal"]
    assert _query(db, "SELECT COUNT(*) FROM records") == [(3,)]


_BREAK_WORKERS = """
import sqlite3, sys
from yzmedins.batch import store
from yzmedins.cli import main
connect = store._connect
def _connect(path, *, read_only):
    if read_only:
        raise {error}
    return connect(path, read_only=read_only)
store._connect = _connect
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize(
    ("error", "needle"),
    [
        ('sqlite3.OperationalError("unable to open database file")', "unable to open"),
        ('RuntimeError("no more processes")', "worker process could not start"),
    ],
)
def test_a_worker_that_cannot_start_ends_the_run_with_one_message(
    tmp_path: Path, error: str, needle: str
) -> None:
    db = tmp_path / "c.db"
    source = write_jsonl(tmp_path / "in.jsonl", _bundles("p", 3))
    script = _BREAK_WORKERS.format(error=error)
    args = ["adjudicate", "--quiet", str(source), "-o", str(tmp_path / "out")]
    args += ["--ledger", str(db), "--jobs", "2"]
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    message = _one_message(done.stderr, needle)
    assert error.startswith("RuntimeError") or str(db) in message
    assert time.monotonic() - started < 30
    assert _query(db, "SELECT COUNT(*) FROM records") == [(0,)]


# -- 3. damaged, read-only, full -----------------------------------------------------------------


def _store_with(tmp_path: Path, count: int) -> tuple[Path, Path]:
    db = tmp_path / "c.db"
    source = write_jsonl(tmp_path / "in.jsonl", _bundles("p", count))
    assert _adjudicate(str(source), "-o", str(tmp_path / "first.out"), "--ledger", str(db)) == 0
    return db, source


def _overwrite_page(db: Path, page: int, seed: int) -> None:
    """Random bytes over a whole page (numbered from 1), as a failing disk or a stray ``dd``."""
    size = _query(db, "PRAGMA page_size")[0][0]
    noise = hashlib.shake_256(str(seed).encode()).digest(size)
    with db.open("r+b") as handle:
        handle.seek((page - 1) * size)
        handle.write(noise)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_damaged_store_is_refused_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: int
) -> None:
    db, source = _store_with(tmp_path, 400)
    pages = _query(db, "PRAGMA page_count")[0][0]
    _overwrite_page(db, pages // 3 + seed * 7, seed)
    before = _digest(db)
    capsys.readouterr()
    status = _adjudicate(str(source), "-o", str(tmp_path / "out"), "--ledger", str(db))
    assert status == 2
    _one_message(capsys.readouterr().err, str(db), "is damaged")
    assert _digest(db) == before
    assert not (tmp_path / "out").exists()  # refused on opening, before any work


@pytest.mark.parametrize("table", ["ledgers", "records"])
def test_a_large_store_gets_a_bounded_check_of_what_a_run_rewrites(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    table: str,
) -> None:
    db, source = _store_with(tmp_path, 400)
    # The root of the ledgers table, or of the index of claim ids.
    name = "ledgers" if table == "ledgers" else "sqlite_autoindex_records_1"
    ((root,),) = _query(db, "SELECT rootpage FROM sqlite_master WHERE name = ?", name)
    _overwrite_page(db, root, 3)
    before = _digest(db)
    monkeypatch.setattr(store_module, "FULL_CHECK_BYTES", 0)
    capsys.readouterr()
    assert _adjudicate(str(source), "-o", str(tmp_path / "out"), "--ledger", str(db)) == 2
    _one_message(capsys.readouterr().err, str(db), "is damaged")
    assert _digest(db) == before


@pytest.mark.parametrize(
    ("sql", "jobs"),
    [
        ("UPDATE records SET tally = CAST(x'ff00fe41' AS TEXT) WHERE claim_id = 'pC1'", "1"),
        ("UPDATE records SET tally = CAST(x'ff00fe41' AS TEXT) WHERE claim_id = 'pC1'", "2"),
        ("UPDATE records SET tally = 'not a tally' WHERE claim_id = 'pC1'", "2"),
        ("UPDATE ledgers SET basic_fund = 'twelve' WHERE person_id = 'pP1'", "1"),
        ("UPDATE ledgers SET basic_fund = x'00ff' WHERE person_id = 'pP1'", "2"),
        ("UPDATE ledgers SET basic_fund = 'NaN' WHERE person_id = 'pP1'", "1"),
        ("UPDATE records SET result = 'text, not bytes' WHERE claim_id = 'pC1'", "1"),
    ],
)
def test_a_damaged_value_read_by_a_worker_is_exit_2_naming_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], sql: str, jobs: str
) -> None:
    """Damage inside a value passes SQLite's structural check; the worker that reads it ends the
    run with one message."""
    db, source = _store_with(tmp_path, 5)
    connection = sqlite3.connect(db)
    connection.execute(sql)
    connection.commit()
    connection.close()
    args = [str(source), "-o", str(tmp_path / "out"), "--ledger", str(db), "--jobs", jobs]
    if jobs == "1":
        capsys.readouterr()
        assert _adjudicate(*args) == 2
        stderr = capsys.readouterr().err
    else:
        done = _cli(*args)
        assert done.returncode == 2
        stderr = done.stderr
    _one_message(stderr, str(db), "damaged")


def _unprivileged() -> None:
    """In the child: make file permissions apply even to root (drop every capability from the
    bounding set, so that the program it runs has none)."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop = 24
    for capability in range(64):
        libc.prctl(pr_capbset_drop, capability, 0, 0, 0)


def _permissions_apply(path: Path) -> bool:
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys; os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)",
            str(path),
        ],
        preexec_fn=_unprivileged,
        capture_output=True,
        check=False,
    )
    return probe.returncode != 0


@pytest.mark.skipif(sys.platform != "linux", reason="drops capabilities with prctl (Linux)")
@pytest.mark.parametrize("what", ["read-only file", "read-only folder", "new in read-only folder"])
def test_a_read_only_store_is_refused_on_opening(tmp_path: Path, what: str) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    db = folder / "c.db"
    source = write_jsonl(tmp_path / "in.jsonl", _bundles("p", 3))
    if what != "new in read-only folder":
        assert _adjudicate(str(source), "-o", str(tmp_path / "first"), "--ledger", str(db)) == 0
        (folder / "c.db-journal").unlink()  # as a store copied there
    before = _digest(db) if db.exists() else None
    if what == "read-only file":
        db.chmod(0o444)
    else:
        folder.chmod(0o555)
    try:
        if not _permissions_apply(db if what == "read-only file" else folder / "probe"):
            pytest.skip("file permissions do not apply here")
        more = write_jsonl(tmp_path / "more.jsonl", _bundles("q", 3))
        out = tmp_path / "out.jsonl"
        done = _cli(str(more), "-o", str(out), "--ledger", str(db), preexec=_unprivileged)
    finally:
        folder.chmod(0o755)
        if db.exists():
            db.chmod(0o644)
    assert done.returncode == 2
    _one_message(done.stderr, str(db), "cannot write")
    assert not out.exists()  # found on opening, before any work
    assert (_digest(db) if db.exists() else None) == before
    assert sorted(path.name for path in folder.iterdir()) == ([] if before is None else ["c.db"])


def _file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:  # Python ignores SIGXFSZ: a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_is_exit_2_naming_the_store_and_loses_nothing(tmp_path: Path) -> None:
    db, _ = _store_with(tmp_path, 200)
    recorded = _query(db, "SELECT * FROM records ORDER BY seq")
    more = write_jsonl(tmp_path / "more.jsonl", _bundles("q", 100))
    command = [str(more), "-o", os.devnull, "--ledger", str(db), "--jobs", "1"]
    done = _cli(*command, preexec=_file_size_limit(db.stat().st_size + 16384))
    assert done.returncode == 2
    _one_message(done.stderr, str(db), "cannot write")
    assert _query(db, "PRAGMA integrity_check") == [("ok",)]
    assert _query(db, "SELECT * FROM records ORDER BY seq") == recorded
    # With room again, the same run completes.
    out = tmp_path / "out.jsonl"
    assert _adjudicate(str(more), "-o", str(out), "--ledger", str(db)) == 0
    assert len(read_jsonl(out)) == 100
    assert _query(db, "SELECT COUNT(*) FROM records") == [(300,)]


def test_a_full_temporary_folder_is_exit_2_naming_it(tmp_path: Path) -> None:
    """Sibling: the run's own SQLite files (ids seen so far) live in the temporary folder."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    source = write_jsonl(tmp_path / "in.jsonl", _bundles("p", 2500))
    env = {**os.environ, "TMPDIR": str(temporary)}
    done = _cli(
        str(source), "-o", os.devnull, "--jobs", "1", preexec=_file_size_limit(32768), env=env
    )
    assert done.returncode == 2
    _one_message(done.stderr, str(temporary))


def test_the_store_knows_its_file_under_every_name(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    store = LedgerStore(str(db))
    try:
        (tmp_path / "link.db").symlink_to("c.db")
        assert store.same_file(str(tmp_path / "link.db"))
        assert store.same_file(str(tmp_path / "." / "c.db"))
        assert not store.same_file(str(tmp_path / "other.db"))
    finally:
        store.close()
