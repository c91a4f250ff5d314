"""Throughput and memory of the settlement life on a ledger store:
``python benchmarks/bench_lifecycle.py [CLAIMS]`` (default 200,000).

Settles a generated input of CLAIMS claims into a fresh store (``adjudicate --ledger``),
reverses every other settlement (``reverse``, one request per reversed claim), then clears each
year of the store (``clear --year``: every person-year adjudicated afresh, a correction for each
claim whose amounts the reversals changed), and reports each step's time, requests or
person-years per second, the peak resident memory and the store's size on disk. A script, not a test: the figures depend on the machine.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from generate import write

MEASURE = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "elapsed = time.perf_counter() - start\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
    "print(elapsed, peak, code)\n"
)


def run(*args: str) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one ``yzmedins`` command in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, sys.executable, "-m", "yzmedins", *args],
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed, peak, code = done.stdout.split()
    if code not in ("0", "1"):
        raise SystemExit(f"yzmedins {args[0]} failed ({code}): {done.stderr}")
    return float(elapsed), float(peak)


def main() -> None:
    claims = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        source, db = folder / "in.jsonl", folder / "store.db"
        write(str(source), claims)
        years: set[int] = set()
        reversed_ = 0
        with source.open("rb") as lines, (folder / "requests.jsonl").open("wb") as requests:
            for line in lines:
                for claim in orjson.loads(line)["claims"]:
                    years.add(int(claim["discharged_on"][:4]))
                    reversed_ += 1
                    if reversed_ % 2:
                        requests.write(orjson.dumps({"claim_id": claim["id"]}) + b"\n")
        seconds, peak = run("adjudicate", "-q", str(source), "--ledger", str(db), "-o", os.devnull)
        rate = claims / seconds
        print(f"adjudicate --ledger: {seconds:.1f} s, {rate:,.0f} claims/s, {peak:.0f} MB")
        seconds, peak = run(
            "reverse", "-q", "--ledger", str(db), str(folder / "requests.jsonl"), "-o", os.devnull
        )
        rate = (reversed_ + 1) // 2 / seconds
        print(f"reverse:             {seconds:.1f} s, {rate:,.0f} requests/s, {peak:.0f} MB")
        started = time.perf_counter()
        worst = 0.0
        for year in sorted(years):
            _, peak = run("clear", "-q", "--ledger", str(db), "--year", str(year), "-o", os.devnull)
            worst = max(worst, peak)
        elapsed = time.perf_counter() - started
        with sqlite3.connect(db) as connection:
            cleared = connection.execute("SELECT COUNT(*) FROM ledgers").fetchone()[0]
        print(
            f"clear (every year):  {elapsed:.1f} s, {cleared / elapsed:,.0f} person-years/s, "
            f"{worst:.0f} MB"
        )
        print(f"store on disk:       {db.stat().st_size / 2**20:,.0f} MiB")


if __name__ == "__main__":
    main()
