"""Staging and reading of CSV tables: ``python benchmarks/bench_tables.py [CLAIMS] [REPEATS]``.

Generates the tables of CLAIMS claims (default 50,000; benchmarks/generate.py, seed 2017) and
reports, as the best and the median of REPEATS runs (default 5):

- in process, staging the three files into the database (:func:`yzmedins.io.tables.read_tables`)
  and then reading the units back in person order;
- end to end, ``yzmedins adjudicate --persons --contributions --claims --jobs 1`` in a fresh
  process.

A script, not a test: figures depend on the machine. Run it on an otherwise idle machine.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from generate import write_tables
from yzmedins.io.tables import read_tables
from yzmedins.policy import default_policies


def _timed(run: Callable[[], object], repeats: int) -> tuple[float, float]:
    """The best and the median of ``repeats`` timings of ``run``, in seconds."""
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return min(timings), statistics.median(timings)


def main(claims: int, repeats: int) -> None:
    policies = default_policies()
    with tempfile.TemporaryDirectory(prefix="yzmedins-bench-tables-") as name:
        folder = Path(name)
        paths = write_tables(name, claims)
        print(f"input: {claims:,} claims (benchmarks/generate.py, seed 2017)")

        def stage() -> None:
            read_tables(*paths, name, policies=policies).close()

        def stage_and_read() -> None:
            with read_tables(*paths, name, policies=policies) as reader:
                for _ in reader:
                    pass

        def command() -> None:
            args = ["adjudicate", "--quiet", "--jobs", "1", "-o", str(folder / "out.jsonl")]
            args += ["--persons", paths[0], "--contributions", paths[1], "--claims", paths[2]]
            subprocess.run([sys.executable, "-m", "yzmedins", *args], check=True)

        for label, run in (
            ("staging", stage),
            ("staging + reading", stage_and_read),
            ("yzmedins adjudicate --jobs 1", command),
        ):
            best, median = _timed(run, repeats)
            print(
                f"{label:<30} best {best:6.2f} s  median {median:6.2f} s  "
                f"{claims / best:9,.0f} claims/s"
            )


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 50_000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 5,
    )
