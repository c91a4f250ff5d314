"""Files are sacred: no output written over an input, no partial output that looks complete, and
every I/O failure is exit status 2 with one message naming the file (docs/limits.md)."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from yzmedins.cli import main

from .contract import bundle, read_jsonl, write_jsonl

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _cli(*args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "yzmedins", *args],
        capture_output=True,
        text=True,
        check=False,
        **kwargs,
    )


def _statement() -> dict[str, Any]:
    return {
        "person": {"id": "P1", "sex": "male", "birth_date": "1980-05-01", "category": "employee"},
        "year": 2019,
        "prior_year_wage": "60000.00",
        "average_wage": "48000.00",
    }


def _retirement() -> dict[str, Any]:
    line = bundle()
    line["person"].update(category="retiree", retired_on="2023-04-02")
    line["claims"] = []
    line["average_wage"] = "60000.00"
    return line


# (command, a valid input line) for every JSON Lines command.
COMMANDS = [
    ("adjudicate", bundle()),
    ("contributions", _statement()),
    ("retirement", _retirement()),
]


@pytest.mark.parametrize(("command", "line"), COMMANDS)
def test_output_naming_the_input_is_refused_and_the_input_kept(
    tmp_path: Path, command: str, line: Any
) -> None:
    source = write_jsonl(tmp_path / "same.jsonl", [line])
    before = source.read_bytes()
    assert main([command, str(source), "-o", str(source)]) == 2
    assert source.read_bytes() == before


@pytest.mark.parametrize(("command", "line"), COMMANDS)
def test_output_reaching_the_input_by_another_path_is_refused(
    tmp_path: Path, command: str, line: Any
) -> None:
    source = write_jsonl(tmp_path / "same.jsonl", [line])
    before = source.read_bytes()
    (tmp_path / "link.jsonl").symlink_to(source)
    os.link(source, tmp_path / "hard.jsonl")
    for other in ("link.jsonl", "hard.jsonl", "sub/../same.jsonl"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        assert main([command, str(source), "--errors", str(tmp_path / other)]) == 2
    assert source.read_bytes() == before


def test_errors_and_output_in_one_file_is_refused(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [bundle()])
    both = tmp_path / "both.jsonl"
    completed = _cli("adjudicate", str(source), "-o", str(both), "--errors", str(both))
    assert completed.returncode == 2
    assert "both.jsonl" in completed.stderr and "Traceback" not in completed.stderr
    assert not both.exists()


def test_summary_over_the_output_or_the_store_is_refused(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [bundle()])
    out = tmp_path / "out.jsonl"
    assert main(["adjudicate", str(source), "-o", str(out), "--summary", str(out)]) == 2
    db = tmp_path / "c.db"
    assert main(["adjudicate", str(source), "--ledger", str(db), "-o", str(db)]) == 2
    assert not out.exists() and not db.exists()


def test_table_inputs_and_policy_files_are_inputs_too(tmp_path: Path) -> None:
    tables: list[str] = []
    for table in ("persons", "contributions", "claims"):
        copy = tmp_path / f"{table}.csv"
        copy.write_bytes((EXAMPLES / f"{table}.csv").read_bytes())
        tables += [f"--{table}", str(copy)]
    before = (tmp_path / "claims.csv").read_bytes()
    assert main(["adjudicate", *tables, "-o", str(tmp_path / "claims.csv")]) == 2
    assert (tmp_path / "claims.csv").read_bytes() == before
    policy = Path(__file__).resolve().parent.parent / "src/yzmedins/policy/yongzhou-2017.toml"
    source = write_jsonl(tmp_path / "in.jsonl", [bundle()])
    copy = tmp_path / "policy.toml"
    copy.write_bytes(policy.read_bytes())
    status = main(["adjudicate", str(source), "--policy", str(copy), "--errors", str(copy)])
    assert status == 2 and copy.read_bytes() == policy.read_bytes()


def test_standard_output_redirected_to_the_input_is_refused(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [bundle()])
    before = source.read_bytes()
    with source.open("ab") as appended:
        completed = subprocess.run(
            [sys.executable, "-m", "yzmedins", "adjudicate", str(source), "-q"],
            stdout=appended,
            stderr=subprocess.PIPE,
            check=False,
        )
    assert completed.returncode == 2 and b"standard output" in completed.stderr
    assert source.read_bytes() == before


def test_standard_output_and_error_may_share_a_file(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [bundle(), "{broken"])
    log = tmp_path / "log"
    with log.open("wb") as handle:
        completed = subprocess.run(
            [sys.executable, "-m", "yzmedins", "adjudicate", str(source), "-q"],
            stdout=handle,
            stderr=handle,
            check=False,
        )
    assert completed.returncode == 1
    assert b'"claim_id":"C1"' in log.read_bytes() and b"broken JSON" in log.read_bytes()


def test_a_failed_run_leaves_the_previous_output_untouched_and_no_partial_file(
    tmp_path: Path,
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [bundle()])
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"yesterday's results\n")
    # A policy file that cannot be read is found before anything is written.
    status = main(["adjudicate", str(source), "-o", str(out), "--policy", str(tmp_path / "none")])
    assert status == 2
    assert out.read_bytes() == b"yesterday's results\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_a_killed_run_leaves_only_a_partial_file_beside_the_output(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = [bundle(id=f"C{i}") for i in range(3000)]
    for index, line in enumerate(lines):
        line["person"]["id"] = f"P{index}"
    write_jsonl(source, lines)
    out = tmp_path / "out.jsonl"
    temporary = tmp_path / "tmp"  # what a killed run cannot remove (the ids seen, the spools)
    temporary.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "yzmedins", "adjudicate", str(source), "-o", str(out), "-q"],
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": str(temporary)},
    )
    deadline = 200
    while deadline and not any(p.name.endswith(".partial") for p in tmp_path.iterdir()):
        deadline -= 1
        subprocess.run(["sleep", "0.05"], check=True)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.jsonl.")]


def test_a_finished_output_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [bundle()])
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"old\n")
    out.chmod(0o640)
    assert main(["adjudicate", str(source), "-o", str(out), "-q"]) == 0
    assert (out.stat().st_mode & 0o777) == 0o640
    assert read_jsonl(out)[0]["claim_id"] == "C1"
    fresh = tmp_path / "fresh.jsonl"
    assert main(["adjudicate", str(source), "-o", str(fresh), "-q"]) == 0
    assert (fresh.stat().st_mode & 0o777) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@pytest.mark.parametrize(("command", "line"), COMMANDS)
@pytest.mark.parametrize("option", ["-o", "--errors"])
def test_a_full_device_is_exit_2_naming_it(
    tmp_path: Path, command: str, line: Any, option: str
) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [line, "{broken"])
    completed = _cli(command, str(source), option, "/dev/full")
    assert completed.returncode == 2
    last = completed.stderr.strip().splitlines()[-1]
    assert last == "yzmedins: cannot write /dev/full: No space left on device"
    assert "Traceback" not in completed.stderr


def test_summary_to_a_full_device_is_exit_2(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [bundle()])
    completed = _cli("adjudicate", str(source), "-q", "-o", os.devnull, "--summary", "/dev/full")
    assert completed.returncode == 2 and "cannot write /dev/full" in completed.stderr


def _limited(limit: int) -> Any:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize(("command", "line"), COMMANDS)
def test_a_file_size_limit_is_exit_2_and_no_truncated_output(
    tmp_path: Path, command: str, line: Any
) -> None:
    lines = []
    for index in range(400):
        copy = json.loads(json.dumps(line))
        copy["person"]["id"] = f"P{index}"
        for claim in copy.get("claims", []):
            claim["id"] = f"C{index}"
        lines.append(copy)
    many = write_jsonl(tmp_path / "many.jsonl", lines)
    out = tmp_path / "out.jsonl"
    completed = _cli(
        command,
        str(many),
        "-o",
        str(out),
        "--errors",
        os.devnull,
        *(["-q", "--jobs", "1"] if command == "adjudicate" else []),
        preexec_fn=_limited(20_000),
    )
    assert completed.returncode == 2, completed.stderr
    assert "cannot write" in completed.stderr and "out.jsonl" in completed.stderr
    assert "Traceback" not in completed.stderr
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_an_unreadable_input_is_exit_2_naming_it(tmp_path: Path) -> None:
    completed = _cli("adjudicate", str(tmp_path), "-q")
    assert completed.returncode == 2 and str(tmp_path) in completed.stderr
    assert "Traceback" not in completed.stderr
