"""Throughput, memory and latency of yzmedins: ``python benchmarks/bench_adjudicate.py [CLAIMS]``.

Generates a deterministic input of CLAIMS claims (default 1,000,000) and reports:

- end to end, ``yzmedins adjudicate`` with ``--jobs 1`` and ``--jobs 2``, with and without
  ``--ledger``: claims per second and the peak resident memory of the largest process;
- the I/O floor: the time to only parse and re-serialize the same file with the same JSON
  library (orjson), and each run's time as a multiple of it;
- in process, one worker's cost split into parsing and validation, the rules, and serialising;
- the real-time single-claim call ``adjudicate_claim``: median and p99 latency.

A script, not a test: figures depend on the machine. Run it on an otherwise idle machine.
"""

from __future__ import annotations

import gc
import itertools
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from generate import write
from yzmedins import adjudicate_claim, parse_bundle
from yzmedins.engine import PersonHistory, settle_in_order
from yzmedins.io.jsonl import encode_result
from yzmedins.policy import default_policies


def io_floor(source: Path) -> float:
    start = time.perf_counter()
    with open(source, "rb") as handle, open(os.devnull, "wb") as sink:
        for line in handle:
            sink.write(orjson.dumps(orjson.loads(line)) + b"\n")
    return time.perf_counter() - start


def command(source: Path, folder: Path, jobs: int, ledger: bool) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one ``yzmedins adjudicate`` run in a fresh process."""
    out = folder / "results.jsonl"
    args = [sys.executable, "-m", "yzmedins", "adjudicate", "--quiet", str(source), "-o", str(out)]
    args += ["--jobs", str(jobs)]
    if ledger:
        db = folder / f"ledger-{jobs}.db"
        args += ["--ledger", str(db)]
    script = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "code = subprocess.run(sys.argv[1:]).returncode\n"
        "elapsed = time.perf_counter() - start\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(elapsed, peak, code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
    )
    elapsed, peak, code = done.stdout.split()
    if code not in ("0", "1"):
        raise SystemExit(f"yzmedins failed ({code}): {done.stderr}")
    return float(elapsed), float(peak)


def in_process(lines: list[bytes], claims: int) -> None:
    policies = default_policies()
    gc.collect()
    parse = rules = encode = 0.0
    for line in lines:
        start = time.perf_counter()
        bundle = parse_bundle(orjson.loads(line), policies)
        middle = time.perf_counter()
        results = settle_in_order(
            PersonHistory(bundle.person, bundle.contributions), bundle.claims, bundle.ytd, policies
        )
        after = time.perf_counter()
        for result in results:
            encode_result(result)
        parse += middle - start
        rules += after - middle
        encode += time.perf_counter() - after
    total = parse + rules + encode
    print(
        f"one worker, in process: parse+validate {parse / claims * 1e6:.1f} µs, rules "
        f"{rules / claims * 1e6:.1f} µs, serialize {encode / claims * 1e6:.1f} µs per claim; "
        f"{claims / total:,.0f} claims/s"
    )


def latency(lines: list[bytes]) -> None:
    policies = default_policies()
    bundles = [parse_bundle(orjson.loads(line), policies) for line in lines[:5000]]
    timings: list[float] = []
    for bundle in bundles:
        if not bundle.claims:
            continue
        begin = time.perf_counter()
        adjudicate_claim(bundle.person, bundle.contributions, bundle.claims[0], bundle.ytd)
        timings.append(time.perf_counter() - begin)
    timings.sort()
    p99 = timings[int(len(timings) * 0.99) - 1]
    print(
        f"single-claim adjudicate_claim: median {statistics.median(timings) * 1e6:.0f} µs, "
        f"p99 {p99 * 1e6:.0f} µs over {len(timings):,} calls"
    )


def main(claims: int) -> None:
    with tempfile.TemporaryDirectory(prefix="yzmedins-bench-") as name:
        folder = Path(name)
        source = folder / "bundles.jsonl"
        write(str(source), claims)
        size = source.stat().st_size / 1e6
        print(f"input: {claims:,} claims, {size:.0f} MB (benchmarks/generate.py, seed 2017)")
        floor = io_floor(source)
        print(f"I/O floor (orjson parse + re-serialize): {floor:.2f} s")
        for ledger in (False, True):
            for jobs in (1, 2):
                elapsed, peak = command(source, folder, jobs, ledger)
                label = f"--jobs {jobs}" + (" --ledger" if ledger else "")
                print(
                    f"yzmedins adjudicate {label:<18} {elapsed:7.2f} s  {claims / elapsed:9,.0f} "
                    f"claims/s  {elapsed / floor:5.1f}× floor  peak {peak:6.0f} MB"
                )
        with open(source, "rb") as handle:
            lines = [line.rstrip(b"\n") for line in itertools.islice(handle, 50_000)]
        in_process(lines, sum(len(orjson.loads(line)["claims"]) for line in lines))
        latency(lines)
    print(
        f"benchmark process peak: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
