"""Batch throughput against the I/O floors, side by side: ``python benchmarks/bench_throughput.py
[CLAIMS] [ROUNDS] [--baseline SRC]`` (issue 14).

Generates a deterministic input of CLAIMS claims (default 100,000; ``benchmarks/generate.py``,
seed 2017) and times, in ROUNDS rounds (default 3), each round running every measurement once
in turn, so that a machine whose speed drifts slows them all alike; each figure is the median of
its rounds:

- the floor: one process that ``orjson.loads`` every input line and ``orjson.dumps`` every
  output record of the run (the records of a ``--trace full`` run, read into dicts beforehand)
  to a file — the decoding and encoding any engine must do;
- the input-only floor: ``orjson.loads`` and ``orjson.dumps`` of every input line to a file;
- ``yzmedins adjudicate`` with ``--jobs 1`` and ``--jobs 2``, ``--trace full``, ``codes`` and
  ``none``, and ``--jobs 2`` with ``--ledger`` (a new store each run), each a fresh process,
  with its peak resident memory (the largest process);

then the targets of issue 14: ``--jobs 2 --trace full`` ≤ 3× the floor, ``--jobs 2 --trace
none`` ≤ 4× the input-only floor, ``--ledger`` ≤ 1.3× the same run without; and the real-time
call ``adjudicate_claim``: median and p99 over 5,000 calls; and one worker's edges per claim,
the codec against msgspec (the figures of docs/dependencies.md).

With ``--baseline SRC`` (the ``src`` folder of another version of the code, e.g. extracted with
``git archive OLD src | tar -x -C /tmp/old``), every run of adjudicate is also made with that
code, in the same rounds, and reported beside it with the ratio new/baseline of its wall time
and of the main process's own CPU time (user + system, the workers excluded): the cost of the
pipeline itself.

A script, not a test: figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import functools
import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from bench_adjudicate import latency
from generate import write
from yzmedins.engine import PersonHistory, settle_in_order
from yzmedins.io.codec import parse_bundle
from yzmedins.io.jsonl import decode_line, encode_result, encode_settled
from yzmedins.io.typed import fast_bundle
from yzmedins.policy import default_policies

#: Each run of adjudicate measured: its label and its options.
CONFIGURATIONS: list[tuple[str, list[str]]] = [
    ("--jobs 1 --trace full", ["--jobs", "1", "--trace", "full"]),
    ("--jobs 2 --trace full", ["--jobs", "2", "--trace", "full"]),
    ("--jobs 2 --trace codes", ["--jobs", "2", "--trace", "codes"]),
    ("--jobs 2 --trace none", ["--jobs", "2", "--trace", "none"]),
    ("--jobs 2 --trace full --ledger", ["--jobs", "2", "--trace", "full", "--ledger"]),
    ("--jobs 2 --trace none --ledger", ["--jobs", "2", "--trace", "none", "--ledger"]),
]

_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "elapsed = time.perf_counter() - start\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
    "print(elapsed, peak, code)\n"
)
#: One run of adjudicate in this process, printing the main process's own CPU seconds (user +
#: system of this process alone: its workers are children) on standard error at the end.
_MAIN_CPU = (
    "import atexit, resource, sys\n"
    "def report():\n"
    "    own = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    sys.stderr.write(f'main-cpu {own.ru_utime + own.ru_stime}\\n')\n"
    "atexit.register(report)\n"
    "from yzmedins.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def floor(lines: list[bytes], records: list[object], target: Path) -> float:
    """Seconds to load every input line and dump every output record to a file."""
    start = time.perf_counter()
    with open(target, "wb") as sink:
        for line in lines:
            orjson.loads(line)
        write_out = sink.write
        for record in records:
            write_out(orjson.dumps(record) + b"\n")
    return time.perf_counter() - start


def input_floor(lines: list[bytes], target: Path) -> float:
    """Seconds to load and dump every input line to a file."""
    start = time.perf_counter()
    with open(target, "wb") as sink:
        write_out = sink.write
        for line in lines:
            write_out(orjson.dumps(orjson.loads(line)) + b"\n")
    return time.perf_counter() - start


def adjudicate(
    source: Path, folder: Path, options: list[str], code: str | None = None
) -> tuple[float, float, float]:
    """Seconds, peak RSS (MB, the largest process) and the main process's own CPU seconds of
    one run in a fresh process (``code``: the ``src`` folder of the code to run, else this
    one)."""
    out = folder / "results.jsonl"
    if "--ledger" in options:
        store = folder / "ledger.db"
        for path in folder.glob("ledger.db*"):
            path.unlink()
        options = [*options, str(store)]
    args = [sys.executable, "-c", _MAIN_CPU, "adjudicate", "-q", str(source), "-o", str(out)]
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = code
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *args, *options],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    elapsed, peak, status = done.stdout.split()
    if status != "0":
        raise SystemExit(f"yzmedins failed ({status}): {done.stderr}")
    main_cpu = float(done.stderr.split("main-cpu ")[-1])
    return float(elapsed), float(peak), main_cpu


def edges(lines: list[bytes], rounds: int) -> None:
    """One worker's two edges per claim, each way in turn: reading a line (the codec's way,
    ``decode_line`` + ``parse_bundle``, against the typed way) and writing a result line
    (``encode_result``, orjson on a dict, against ``encode_settled``, msgspec)."""
    policies = default_policies()
    bundles = [parse_bundle(decode_line(line), policies) for line in lines]
    results = [
        result
        for bundle in bundles
        for result in settle_in_order(
            PersonHistory(bundle.person, bundle.contributions), bundle.claims, bundle.ytd, policies
        )
    ]
    claims = len(results)
    timings: dict[str, list[float]] = {}
    ways: list[tuple[str, Callable[[], object]]] = [
        ("read, codec", lambda: [parse_bundle(decode_line(line), policies) for line in lines]),
        ("read, typed (msgspec)", lambda: [fast_bundle(line, policies) for line in lines]),
        ("write, orjson on a dict", lambda: [encode_result(result) for result in results]),
        ("write, msgspec", lambda: [encode_settled(result) for result in results]),
    ]
    for _ in range(rounds):
        for label, way in ways:
            start = time.perf_counter()
            way()
            timings.setdefault(label, []).append(time.perf_counter() - start)
    for label, _ in ways:
        per_claim = statistics.median(timings[label]) / claims * 1e6
        print(f"one worker, {label:<24} {per_claim:5.1f} µs per claim")


def main(claims: int, rounds: int, baseline: str | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="yzmedins-throughput-") as name:
        folder = Path(name)
        source = folder / "bundles.jsonl"
        write(str(source), claims)
        lines = source.read_bytes().splitlines()
        size = source.stat().st_size / 1e6
        adjudicate(source, folder, ["--jobs", "2"])
        output = (folder / "results.jsonl").read_bytes()
        records = [orjson.loads(line) for line in output.splitlines()]
        print(
            f"input: {claims:,} claims in {len(lines):,} bundles, {size:.0f} MB; output with full "
            f"traces {len(output) / 1e6:.0f} MB ({len(output) / source.stat().st_size:.1f}× the "
            f"input); {os.cpu_count()} cores, {rounds} rounds side by side, medians"
        )
        measured: dict[str, list[float]] = {}
        peaks: dict[str, list[float]] = {}
        main_cpu: dict[str, list[float]] = {}
        steps: list[tuple[str, Callable[[], tuple[float, float, float]]]] = [
            ("floor", lambda: (floor(lines, records, folder / "floor.jsonl"), 0.0, 0.0)),
            ("input floor", lambda: (input_floor(lines, folder / "input.jsonl"), 0.0, 0.0)),
        ]
        for label, options in CONFIGURATIONS:
            steps.append((label, functools.partial(adjudicate, source, folder, options)))
            if baseline is not None:
                run = functools.partial(adjudicate, source, folder, options, baseline)
                steps.append((f"{label} (baseline)", run))
        for _ in range(rounds):
            for label, step in steps:
                seconds, peak, cpu = step()
                measured.setdefault(label, []).append(seconds)
                peaks.setdefault(label, []).append(peak)
                main_cpu.setdefault(label, []).append(cpu)
        median = {label: statistics.median(values) for label, values in measured.items()}
        cpu_median = {label: statistics.median(values) for label, values in main_cpu.items()}
        full_floor, in_floor = median["floor"], median["input floor"]
        print(f"floor (loads input + dumps output records):  {full_floor:7.2f} s")
        print(f"input-only floor (loads + dumps input lines): {in_floor:7.2f} s")
        for label, _ in CONFIGURATIONS:
            for shown in [label] + ([f"{label} (baseline)"] if baseline is not None else []):
                seconds = median[shown]
                print(
                    f"adjudicate {shown:<43} {seconds:7.2f} s  {claims / seconds:9,.0f} claims/s  "
                    f"{seconds / full_floor:5.1f}× floor  {seconds / in_floor:5.1f}× input floor  "
                    f"main process {cpu_median[shown]:5.2f} s CPU  "
                    f"peak {max(peaks[shown]):5.0f} MB"
                )
            if baseline is not None:
                before = f"{label} (baseline)"
                print(
                    f"  against the baseline: wall {median[label] / median[before]:5.2f}×, "
                    f"main process CPU {cpu_median[label] / cpu_median[before]:5.2f}×"
                )
        full, none = median["--jobs 2 --trace full"], median["--jobs 2 --trace none"]
        targets = [
            ("--jobs 2 --trace full / floor", full / full_floor, 3.0),
            ("--jobs 2 --trace none / input-only floor", none / in_floor, 4.0),
            ("--ledger / without (--trace full)", median[CONFIGURATIONS[4][0]] / full, 1.3),
            ("--ledger / without (--trace none)", median[CONFIGURATIONS[5][0]] / none, 1.3),
        ]
        for label, ratio, target in targets:
            verdict = "met" if ratio <= target else f"missed by {ratio / target:.2f}×"
            print(f"target {label:<42} {ratio:5.2f} (≤ {target}: {verdict})")
        with open(source, "rb") as handle:
            first = [line.rstrip(b"\n") for line in itertools.islice(handle, 20_000)]
        edges(first, rounds)
        latency(first[:5000])


if __name__ == "__main__":
    arguments = sys.argv[1:]
    baseline_code = None
    if "--baseline" in arguments:
        at = arguments.index("--baseline")
        baseline_code = os.path.abspath(arguments[at + 1])
        del arguments[at : at + 2]
    main(
        int(arguments[0]) if len(arguments) > 0 else 100_000,
        int(arguments[1]) if len(arguments) > 1 else 3,
        baseline_code,
    )
