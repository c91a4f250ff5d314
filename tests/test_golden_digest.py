"""Byte-for-byte output across changes of the batch pipeline (issue 14).

A 20,000-claim input from ``benchmarks/generate.py`` (20,000 claims, seed 2017), with a few bad
lines put in at fixed places (broken JSON, a repeated key, an invalid value, a repeated person,
a ``\\u`` escape, a whitespace-only line), is adjudicated with ``--jobs 1`` and ``--jobs 2``,
with and without ``--ledger``, as JSON Lines and as CSV. The SHA-256 of every results file,
errors file and summary was taken with the code as it was before issue 14 and is written below:
a change that alters one byte of any of them fails here.

To regenerate the input by hand::

    python benchmarks/generate.py 20000 golden.jsonl 2017

then insert :data:`BAD_LINES` (each before the line number it is keyed by, counting the
generated lines from 1), as :func:`golden_input` does.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from yzmedins.cli import main

GENERATE = Path(__file__).resolve().parent.parent / "benchmarks" / "generate.py"
CLAIMS, SEED = 20_000, 2017

#: Lines put into the generated input, each before the generated line of that number: they
#: cross chunk boundaries (1,024 lines a chunk) and go through every kind of error record.
BAD_LINES: dict[int, bytes] = {
    3: b'{"person": {"id": "X1"}, "claims": [}\n',  # broken JSON
    1024: b'{"person": {"id": "X2", "id": "X3"}}\n',  # a repeated key
    1025: (
        b'{"person": {"id": "X4", "sex": "male", "birth_date": "1970-01-01", '
        b'"category": "employee"}, "claims": [{"id": "XK4", "admitted_on": "2020-01-01", '
        b'"discharged_on": "2020-01-02", "total": "10.00", '
        b'"hospital": {"level": "tertary", "region": "local"}}]}\n'
    ),  # an invalid value
    2048: b" \t \n",  # blank: skipped
    4000: (
        b'{"person": {"id": "P00000002", "sex": "male", "birth_date": "1970-01-01", '
        b'"category": "employee"}, "claims": []}\n'
    ),  # a person of an earlier line
    5000: (
        b'{"person": {"id": "X\\u003a5", "sex": "female", "birth_date": "1980-02-29", '
        b'"category": "flexible"}, "contributions": [{"from": "2010-01", "to": "2022-12", '
        b'"base": 4000}], "claims": [{"id": "XK5", "admitted_on": "2021-03-01", '
        b'"discharged_on": "2021-03-09", "total": 12345.6, "full_self_pay": "100", '
        b'"hospital": {"level": "secondary", "region": "local"}}]}\n'
    ),  # a valid line with an escape and number amounts
    5001: b'{"person": {"id": "X6", "sex": "male"}, "claims": [{"id": "K00000003-0"}]}\n',
    5600: b"[1, 2, 3]\n",  # not an object
    5601: (
        b'{"person": {"id": "X7", "sex": "male", "birth_date": "1960-05-05", '
        b'"category": "employee"}, "claims": [{"id": "K00000003-0", "type": '
        b'"special_outpatient", "admitted_on": "2020-01-01", "discharged_on": "2020-01-01", '
        b'"total": "10.00", "other_fund": "4.00"}]}\n'
    ),  # a claim id of an earlier line
}

#: The digests (SHA-256) of the files the runs write.
JSONL = "2e82937b5b0a2ece1bcbd28650b8efc4cd35a502c7844fcba5e1194f55212c32"
CSV = "e1922d402051d54d27447b2d73aa5b3dade88cc66053703f1c2a3302f87d20f6"
ERRORS = "481ed342c39fae945dd762006e4efab801ae9f2e0a1f007a779419b2f0e5efc8"
ERRORS_LEDGER = "4fa5ae09adbfafb6f232f11e27a0cc2a4703a8afc78262a39f5280e0de8df8aa"
SUMMARY = "5ab158cff495c09d1b508486fe6b6b9f1057b9f0722b511c6dcf7602f5b38409"
SUMMARY_LEDGER = "7d719ac49db3525480ffeb88bc9d44905a993822901656eb878ccff731e02809"
SUMMARY_AGAIN = "4b2fa4dd2e1cf1a293da0958267f86205ea942bf61c8261ac291c0299fe6cbf4"

#: sha256 of (results, errors, summary) of each run (with a ledger: of a first run and of a
#: second one with the same store), taken before issue 14.
GOLDEN: dict[str, list[tuple[str, str, str]]] = {
    "jsonl-jobs1": [(JSONL, ERRORS, SUMMARY)],
    "jsonl-jobs2": [(JSONL, ERRORS, SUMMARY)],
    "jsonl-jobs1-ledger": [
        (JSONL, ERRORS_LEDGER, SUMMARY_LEDGER),
        (JSONL, ERRORS_LEDGER, SUMMARY_AGAIN),
    ],
    "jsonl-jobs2-ledger": [
        (JSONL, ERRORS_LEDGER, SUMMARY_LEDGER),
        (JSONL, ERRORS_LEDGER, SUMMARY_AGAIN),
    ],
    "csv-jobs1": [(CSV, ERRORS, SUMMARY)],
    "csv-jobs2": [(CSV, ERRORS, SUMMARY)],
    "csv-jobs1-ledger": [(CSV, ERRORS_LEDGER, SUMMARY_LEDGER), (CSV, ERRORS_LEDGER, SUMMARY_AGAIN)],
    "csv-jobs2-ledger": [(CSV, ERRORS_LEDGER, SUMMARY_LEDGER), (CSV, ERRORS_LEDGER, SUMMARY_AGAIN)],
}


def golden_input(path: Path) -> Path:
    """The golden input: the generated lines with :data:`BAD_LINES` put in."""
    generated = path.with_suffix(".generated")
    subprocess.run(
        [sys.executable, str(GENERATE), str(CLAIMS), str(generated), str(SEED)], check=True
    )
    with open(generated, "rb") as source, open(path, "wb") as target:
        for number, line in enumerate(source, 1):
            target.write(BAD_LINES.get(number, b""))
            target.write(line)
    generated.unlink()
    return path


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return golden_input(tmp_path_factory.mktemp("golden") / "golden.jsonl")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(name: str, *args: str) -> tuple[str, str, str]:
    """Digests of one run in the current folder, which holds the input as ``golden.jsonl``
    (error records and the summary name the input as given)."""
    out, errors, summary = (Path(f"{name}.{kind}") for kind in ("out", "err", "json"))
    files = ["-o", str(out), "--errors", str(errors), "--summary", str(summary)]
    code = main(["adjudicate", "--quiet", "golden.jsonl", *files, *args])
    assert code == 1  # the bad lines
    return _digest(out), _digest(errors), _digest(summary)


RUNS = [
    (f"{fmt}-jobs{jobs}{'-ledger' if ledger else ''}", fmt, jobs, ledger)
    for fmt in ("jsonl", "csv")
    for ledger in (False, True)
    for jobs in (1, 2)
]


@pytest.mark.parametrize(("name", "fmt", "jobs", "ledger"), RUNS, ids=[run[0] for run in RUNS])
def test_output_is_byte_identical_to_the_golden_digest(
    source: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    fmt: str,
    jobs: int,
    ledger: bool,
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("golden.jsonl").symlink_to(source)
    args = ["--format", fmt, "--jobs", str(jobs)]
    digests = [_run(name, *args)] if not ledger else []
    if ledger:  # the first run settles; the second reproduces every line from the store
        args += ["--ledger", "ledger.db"]
        digests += [_run(name, *args), _run(f"{name}-again", *args)]
    assert digests == GOLDEN[name]
