"""Time and memory of ``yzmedins report``:
``python benchmarks/bench_report.py [CLAIMS...]`` (default 100,000 and 1,000,000).

For each size, generates a deterministic input (``generate.py``), adjudicates it with
``--jobs 2`` into a results file (real records: every route, rejection and cap), then times
``report RESULTS -o report.xlsx --html report.html`` in a fresh process and reports its peak
resident memory. Memory should hardly move between the sizes: the report streams the records,
keeps its groups (a few thousand) in memory and stages the person-years on disk. A script, not
a test: the figures depend on the machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_lifecycle import run
from generate import write


def measure(claims: int, folder: Path) -> None:
    source, results = folder / f"in-{claims}.jsonl", folder / f"results-{claims}.jsonl"
    write(str(source), claims)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "yzmedins", "adjudicate", "--quiet", "--jobs", "2",
         str(source), "-o", str(results), "--errors", os.devnull],
        check=False,
    )  # fmt: skip
    settled = time.perf_counter() - start
    records = sum(1 for _ in results.open("rb"))
    size = results.stat().st_size / 1e6
    book, page = folder / "report.xlsx", folder / "report.html"
    elapsed, peak = run("report", str(results), "-o", str(book), "--html", str(page))
    print(
        f"{records:>9,} records ({size:,.0f} MB, adjudicated in {settled:.0f} s): report "
        f"{elapsed:.1f} s, {records / elapsed:,.0f} records/s, peak {peak:.0f} MB; "
        f"workbook {book.stat().st_size / 1e3:,.0f} kB, page {page.stat().st_size / 1e3:,.0f} kB"
    )
    source.unlink()
    results.unlink()


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [100_000, 1_000_000]
    with tempfile.TemporaryDirectory() as name:
        for claims in sizes:
            measure(claims, Path(name))


if __name__ == "__main__":
    main()
