"""The spool pipeline (issue 14; specification §15): with ``--jobs`` > 1 on input files and no
ledger store, workers read their own parts of the files and write each part's result lines to
a spool file, which the main process copies into the results in input order.

Each run here is compared with ``--jobs 1`` (the main process reading every line, no spool),
byte for byte, on inputs cut into many small parts; the spools are gone after every way out.
"""

from __future__ import annotations

import errno
import io
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from yzmedins.batch import pipeline
from yzmedins.batch.pipeline import Settings, Sinks, line_ranges, run_spooled
from yzmedins.batch.summary import Summary
from yzmedins.cli import main
from yzmedins.io.files import FileFailure, Output
from yzmedins.io.jsonl import BOM, read_lines
from yzmedins.limits import MAX_LINE_BYTES
from yzmedins.policy import default_policies

from .contract import bundle, write_jsonl


def _person(index: int, claims: int = 1) -> dict[str, Any]:
    value = bundle()
    value["person"]["id"] = f"P{index}"
    value["claims"] = [dict(value["claims"][0], id=f"C{index}-{k}") for k in range(claims)]
    return value


@pytest.fixture
def temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The run's temporary folder (where the spools live), empty before the run."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of about 2 KB: a few lines each, so that a small input crosses many parts."""
    monkeypatch.setattr(pipeline, "SPOOL_BYTES", 2048)


def _run(source: Path, name: str, *args: str) -> tuple[int, bytes, bytes, bytes]:
    folder = source.parent
    out, err, summary = (folder / f"{name}.{kind}" for kind in ("out", "err", "json"))
    files = ["-o", str(out), "--errors", str(err), "--summary", str(summary)]
    code = main(["adjudicate", "-q", str(source), *files, *args])
    return code, out.read_bytes(), err.read_bytes(), summary.read_bytes()


def _used_spool(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that gets one item per run of the spool pipeline."""
    calls: list[int] = []

    def spooled(*args: Any, **kwargs: Any) -> Summary:
        calls.append(1)
        return run_spooled(*args, **kwargs)

    monkeypatch.setattr("yzmedins.commands.adjudicate.run_spooled", spooled)
    return calls


# -- parts of a file ------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 7, 64, 4096])
@pytest.mark.parametrize(
    "text",
    [
        b"",
        b"a\n",
        b"a\nbb\nccc\n",
        b"a\nbb\nccc",  # no line end at the end
        b"\n\n\nx\n\n",
        b"x" * 200 + b"\n" + b"y" * 10 + b"\n" + b"z" * 300,  # lines longer than a part
    ],
)
def test_parts_are_whole_lines_covering_the_file(text: bytes, size: int) -> None:
    parts = list(line_ranges(io.BytesIO(text), size))
    lines = text.splitlines(keepends=True)
    position, number = 0, 1
    for start, length, first in parts:
        assert (start, first) == (position, number)
        piece = text[start : start + length]
        assert length > 0 and (piece.endswith(b"\n") or start + length == len(text))
        position += length
        number += len(piece.splitlines())
    assert position == len(text) and number == len(lines) + 1


def test_reading_a_part_numbers_its_lines_and_drops_a_bom_only_from_line_1() -> None:
    text = BOM + b'{"a": 1}\n\n' + BOM + b'{"b": 2}\n' + b"x" * (MAX_LINE_BYTES + 5) + b"\n{}\n"
    whole = list(read_lines(io.BytesIO(text), "f"))
    assert [number for number, _ in whole] == [1, 3, 4, 5]
    assert whole[0][1] == b'{"a": 1}\n' and whole[1][1] == BOM + b'{"b": 2}\n'
    assert whole[2][1] is None  # over the limit
    for size in (1, 100, MAX_LINE_BYTES):
        parts = []
        for start, length, first in line_ranges(io.BytesIO(text), size):
            handle = io.BytesIO(text)
            handle.seek(start)
            parts += list(read_lines(handle, "f", first=first, size=length))
        assert parts == whole


# -- the same output as the main process reading every line ----------------------------------


def _mixed_input(path: Path) -> Path:
    """Valid bundles, with bad lines, blank lines, a line over the limit, and repeated ids in
    the same part and in later parts."""
    lines: list[Any] = [_person(index, claims=1 + index % 3) for index in range(60)]
    lines[5] = "{broken"
    lines[9] = "   "
    lines[12] = _person(3)  # person P3 again, a few lines on: likely the same part
    lines[40] = _person(2)  # and P2 again, parts later
    later = _person(1000)
    later["claims"][0]["id"] = "C7-0"  # a claim id of an earlier line
    lines[50] = later
    lines[30] = '{"person": {"id": "' + "L" * (MAX_LINE_BYTES + 10) + '"}}'
    lines[31] = _person(1)  # repeats P1 after the long line
    return write_jsonl(path, lines)


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_every_line_ends_as_with_one_job_across_many_parts(
    tmp_path: Path,
    temporary: Path,
    small_parts: None,
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
) -> None:
    source = _mixed_input(tmp_path / "in.jsonl")
    used = _used_spool(monkeypatch)
    one = _run(source, "one", "--jobs", "1", "--format", fmt)
    two = _run(source, "two", "--jobs", "2", "--format", fmt)
    assert used == [1]
    assert one == two
    code, _, err, summary = two
    assert code == 1
    errors = [json.loads(line) for line in err.splitlines()]
    assert [e["line"] for e in errors] == [6, 13, 31, 32, 41, 51]
    assert "longer than" in errors[2]["message"]
    assert all("already appeared" in errors[k]["message"] for k in (1, 3, 4, 5))
    assert json.loads(summary)["input_errors"] == 6  # the blank line is skipped, not an error
    assert list(temporary.iterdir()) == []  # the spools and the ids seen are gone


def _records(db: Path) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(db)
    try:
        return connection.execute("SELECT * FROM records ORDER BY 1, 2").fetchall()
    finally:
        connection.close()


def test_with_a_ledger_store_every_line_ends_and_is_recorded_as_with_one_job(
    tmp_path: Path, temporary: Path, small_parts: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _mixed_input(tmp_path / "in.jsonl")
    used = _used_spool(monkeypatch)
    runs = {}
    for jobs in ("1", "2"):
        db = str(tmp_path / f"ledger{jobs}.db")
        first = _run(source, f"first{jobs}", "--jobs", jobs, "--ledger", db)
        again = _run(source, f"again{jobs}", "--jobs", jobs, "--ledger", db)
        runs[jobs] = (first, again, _records(Path(db)))
    assert used == [1, 1]
    assert runs["1"] == runs["2"]
    first, again, records = runs["2"]
    assert first[1] == again[1]  # the second run reproduces every line from the store
    assert len(records) == len(first[1].splitlines())  # refused bundles recorded nothing
    assert list(temporary.iterdir()) == []


def test_a_refused_bundle_leaves_its_spool_lines_out(
    tmp_path: Path, temporary: Path, small_parts: None
) -> None:
    lines: list[Any] = [_person(index, claims=2) for index in range(30)]
    again = _person(100, claims=3)
    again["claims"][2]["id"] = "C4-1"  # the third claim reuses an earlier claim id
    lines.insert(20, again)
    source = write_jsonl(tmp_path / "in.jsonl", lines)
    code, out, err, summary = _run(source, "two", "--jobs", "2")
    assert code == 1
    claim_ids = [json.loads(line)["claim_id"] for line in out.splitlines()]
    assert claim_ids == [f"C{i}-{k}" for i in range(30) for k in range(2)]
    assert "P100" not in out.decode()
    (error,) = [json.loads(line) for line in err.splitlines()]
    assert (error["line"], error["field"]) == (21, "claims[2].id")
    counts = json.loads(summary)
    assert (counts["claims"], counts["input_errors"]) == (60, 1)


def test_the_spool_is_used_for_files_with_more_than_one_job(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [_person(1)])
    used = _used_spool(monkeypatch)
    out = str(tmp_path / "out")
    assert main(["adjudicate", "-q", str(source), "-o", out, "--jobs", "1"]) == 0
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(source.read_bytes())))
    assert main(["adjudicate", "-q", "-", "-o", out, "--jobs", "2"]) == 0
    assert used == []  # one job, or standard input: the main process reads every line
    db = str(tmp_path / "db")
    assert main(["adjudicate", "-q", str(source), "-o", out, "--jobs", "2", "--ledger", db]) == 0
    assert main(["adjudicate", "-q", str(source), str(source), "-o", out, "--jobs", "2"]) == 1
    assert used == [1, 1]


# -- every way out removes the spools --------------------------------------------------------


def _settings() -> Settings:
    return Settings(default_policies())


class _Interrupted(io.BytesIO):
    def write(self, data: Any, /) -> int:
        raise KeyboardInterrupt


def test_an_interrupt_removes_the_spools(
    tmp_path: Path, temporary: Path, small_parts: None
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [_person(index) for index in range(40)])
    sinks = Sinks(_Interrupted(), io.BytesIO())
    with pytest.raises(KeyboardInterrupt):
        run_spooled([("in", str(source))], _settings(), sinks, Summary(), jobs=2)
    assert list(temporary.iterdir()) == []


def test_a_worker_error_ends_the_run_with_one_message_and_no_spool(
    tmp_path: Path,
    temporary: Path,
    small_parts: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [_person(index) for index in range(40)])
    original = pipeline.Worker.spool

    def failing(self: pipeline.Worker, part: pipeline.Part) -> pipeline.Spooled:
        if part.start > 0:
            raise FileFailure(f"cannot read {part.source}: Input/output error")
        return original(self, part)

    monkeypatch.setattr(pipeline.Worker, "spool", failing)  # inherited by the forked workers
    out = tmp_path / "out.jsonl"
    assert main(["adjudicate", "-q", str(source), "-o", str(out), "--jobs", "2"]) == 2
    assert capsys.readouterr().err == f"yzmedins: cannot read {source}: Input/output error\n"
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []
    assert list(temporary.iterdir()) == []


def test_a_full_temporary_folder_in_a_worker_is_exit_2_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "tmp"
    folder.mkdir()
    source = write_jsonl(tmp_path / "in.jsonl", [_person(index) for index in range(400)])

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (32768, 32768))

    done = subprocess.run(
        [sys.executable, "-m", "yzmedins", "adjudicate", str(source), "-q", "--jobs", "2"],
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=limit,
        env={**os.environ, "TMPDIR": str(folder)},
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"yzmedins: temporary files in {folder}: File too large"]
    assert list(folder.iterdir()) == []


# -- copying a spool -------------------------------------------------------------------------


def _spool(tmp_path: Path, data: bytes) -> int:
    path = tmp_path / "spool"
    path.write_bytes(data)
    return os.open(path, os.O_RDONLY)


def test_copying_a_spool_into_a_file_and_into_a_stream(tmp_path: Path) -> None:
    data = bytes(range(256)) * 5000
    spool = _spool(tmp_path, data)
    try:
        target = tmp_path / "out"
        with Output.open(str(target)) as out:
            out.write(b"head,")
            out.copy_from(spool, 10, 1000)
            out.write(b",")
            out.copy_from(spool, 0, len(data))
        assert target.read_bytes() == b"head," + data[10:1010] + b"," + data
        stream = io.BytesIO()
        Output("memory", stream).copy_from(spool, 5, len(data) - 5)  # no descriptor
        assert stream.getvalue() == data[5:]
    finally:
        os.close(spool)


def test_an_output_that_refuses_sendfile_gets_a_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any) -> int:
        raise OSError(errno.EINVAL, "Invalid argument")

    monkeypatch.setattr(os, "sendfile", refuse)
    data = b"line\n" * 100_000
    spool = _spool(tmp_path, data)
    try:
        target = tmp_path / "out"
        with Output.open(str(target)) as out:
            out.copy_from(spool, 0, len(data))
            out.copy_from(spool, 5, 10)
        assert target.read_bytes() == data + data[5:15]
    finally:
        os.close(spool)


def test_a_failing_sendfile_is_a_failure_naming_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "sendfile", full)
    spool = _spool(tmp_path, b"x\n")
    try:
        target = tmp_path / "out"
        failure = pytest.raises(FileFailure, match=r"cannot write .*out: No space left on device")
        with failure, Output.open(str(target)) as out:
            out.copy_from(spool, 0, 2)
        assert not target.exists()
    finally:
        os.close(spool)
