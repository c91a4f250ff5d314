"""Throughput and latency of yzmedins: ``python benchmarks/bench_adjudicate.py [CLAIMS]``.

Reports claims per second for in-process adjudication (pre-parsed bundles; and parse +
adjudicate + serialize), for the ``yzmedins adjudicate`` command end to end on a generated file,
the I/O floor (parse and re-serialize the same file with the same JSON library), and the latency
of the real-time single-claim call (median and p99).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from generate import write
from yzmedins import adjudicate_claim, parse_bundle
from yzmedins.engine import PersonFile, settle_in_order
from yzmedins.io.jsonl import encode_result
from yzmedins.policy import default_policies


def main(claims: int) -> None:
    policies = default_policies()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "bundles.jsonl"
        write(str(source), claims)
        lines = source.read_bytes().splitlines()
        print(
            f"input: {claims:,} claims in {len(lines):,} bundles, {source.stat().st_size / 1e6:.1f} MB"
        )

        start = time.perf_counter()
        for line in lines:
            for item in orjson.loads(line)["claims"]:
                orjson.dumps(item)
        floor = time.perf_counter() - start
        print(
            f"I/O floor (orjson parse + re-serialize claims): {floor:.2f} s, {claims / floor:,.0f} claims/s"
        )

        start = time.perf_counter()
        parsed = [parse_bundle(orjson.loads(line), policies) for line in lines]
        parse_time = time.perf_counter() - start
        start = time.perf_counter()
        results = [
            settle_in_order(PersonFile(b.person, b.contributions), b.claims, b.ytd, policies)
            for b in parsed
        ]
        rules_time = time.perf_counter() - start
        start = time.perf_counter()
        for batch in results:
            for result in batch:
                encode_result(result)
        encode_time = time.perf_counter() - start
        total = parse_time + rules_time + encode_time
        print(
            f"in process: parse+validate {parse_time:.2f} s, rules {rules_time:.2f} s "
            f"({claims / rules_time:,.0f} claims/s), serialize {encode_time:.2f} s; "
            f"all {total:.2f} s = {claims / total:,.0f} claims/s"
        )

        out = Path(folder) / "results.jsonl"
        command = [sys.executable, "-m", "yzmedins", "adjudicate", str(source), "-o", str(out)]
        start = time.perf_counter()
        subprocess.run(command, check=False, stderr=subprocess.DEVNULL)
        elapsed = time.perf_counter() - start
        print(
            f"yzmedins adjudicate: {elapsed:.2f} s = {claims / elapsed:,.0f} claims/s end to end "
            f"({elapsed / floor:.1f}× the I/O floor)"
        )

        sample = [b for b in parsed if b.claims][:2000]
        timings: list[float] = []
        for bundle in sample:
            begin = time.perf_counter()
            adjudicate_claim(bundle.person, bundle.contributions, bundle.claims[0], bundle.ytd)
            timings.append(time.perf_counter() - begin)
        timings.sort()
        p99 = timings[int(len(timings) * 0.99) - 1]
        print(
            f"single-claim adjudicate_claim: median {statistics.median(timings) * 1e6:.0f} µs, "
            f"p99 {p99 * 1e6:.0f} µs over {len(timings)} calls"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
