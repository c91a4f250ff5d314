"""Load and crash test of ``yzmedins serve`` on loopback (not part of CI).

``python benchmarks/service_load.py [CLAIMS] [CLIENTS]`` (default 10,000 claims, 8 clients):
starts the service on a fresh store, has CLIENTS concurrent clients settle (2304) every claim of
``generate.bundles`` — persons' claims spread over clients, so one person's claims arrive
concurrently — and ``kill -9``s the server when half the claims are answered. It restarts the
server and retries every message that got no answer (same ``msgid``), then checks the store:

- zero lost: every claim answered "0" before the kill is in the store, and its retry returns
  the same answer byte for byte;
- zero settled twice: each claim id has exactly one settlement;
- caps never exceeded; every person-year's ledger = the sum of its records.

Reports throughput (answers per second, the restart excluded) and latency percentiles.
Loopback only; bounded by CLAIMS.
"""

from __future__ import annotations

import http.client
import json
import queue
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.service_fixtures import Server, start_server

from generate import bundles
from yzmedins.policy import default_policies


def messages(count: int) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for bundle in bundles(count, seed=2026):
        for claim in bundle["claims"]:
            msgid = f"L{len(out):06d}"
            body = {
                "infno": "2304",
                "msgid": msgid,
                "input": {
                    "person": bundle["person"],
                    "contributions": bundle["contributions"],
                    "claim": claim,
                },
            }
            out.append((msgid, json.dumps(body).encode()))
            if len(out) >= count:
                return out
    return out


class Load:
    def __init__(self, server: Server, clients: int) -> None:
        self.server = server
        self.clients = clients
        self.answers: dict[str, bytes] = {}
        self.latencies: list[float] = []
        self.unanswered: list[tuple[str, bytes]] = []
        self.lock = threading.Lock()

    def run(self, work: list[tuple[str, bytes]], kill_after: int | None = None) -> float:
        pending: queue.SimpleQueue[tuple[str, bytes] | None] = queue.SimpleQueue()
        for item in work:
            pending.put(item)
        for _ in range(self.clients):
            pending.put(None)
        killed = threading.Event()

        def client() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=60)
            while (item := pending.get()) is not None:
                msgid, body = item
                if killed.is_set():
                    with self.lock:
                        self.unanswered.append(item)
                    continue
                started = time.perf_counter()
                try:
                    connection.request("POST", "/", body, {"content-type": "application/json"})
                    answer = connection.getresponse().read()
                except (OSError, http.client.HTTPException):
                    connection.close()
                    connection = http.client.HTTPConnection(
                        "127.0.0.1", self.server.port, timeout=60
                    )
                    with self.lock:
                        self.unanswered.append(item)
                    continue
                elapsed = time.perf_counter() - started
                with self.lock:
                    self.answers[msgid] = answer
                    self.latencies.append(elapsed)
                    if kill_after is not None and len(self.answers) == kill_after:
                        killed.set()
                        self.server.kill()
            connection.close()

        started = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(self.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    work = messages(count)
    folder = Path(tempfile.mkdtemp(prefix="yz-load-"))
    store = folder / "load.db"
    server = start_server(store)
    load = Load(server, clients)
    first = load.run(work, kill_after=len(work) // 2)
    before_kill = dict(load.answers)
    retry = sorted(load.unanswered)
    load.unanswered = []
    server = start_server(store)
    load.server = server
    second = load.run(retry)
    # Every answer given before the kill is returned again, byte for byte.
    repeats = Load(server, clients)
    sample = [item for item in work if item[0] in before_kill][:500]
    repeats.run(sample)
    server.stop()
    same = all(repeats.answers[m] == before_kill[m] for m, _ in sample)
    answered = {**before_kill, **load.answers}
    codes = Counter(json.loads(a)["infcode"] for a in answered.values())
    connection = sqlite3.connect(store)
    settled = Counter(
        row[0]
        for row in connection.execute("SELECT claim_id FROM records WHERE kind = 'settlement'")
    )
    ok_claims = [
        json.loads(a)["output"]["record"]["claim_id"]
        for a in before_kill.values()
        if json.loads(a)["infcode"] == "0"
    ]
    lost = [c for c in ok_claims if settled[c] != 1]
    twice = [c for c, n in settled.items() if n > 1]
    policy = default_policies().policies[0]
    sums: dict[tuple[str, int], list[Decimal]] = {}
    for person, year, result in connection.execute("SELECT person_id, year, result FROM records"):
        record = json.loads(result)
        total = sums.setdefault((person, year), [Decimal(0)] * 3)
        for index, name in enumerate(("basic_fund", "catastrophic_fund", "secondary_subsidy")):
            total[index] += Decimal(record[name])
    mismatched = over = 0
    for person, year, basic, catastrophic, subsidy in connection.execute(
        "SELECT person_id, year, basic_fund, catastrophic_fund, secondary_subsidy FROM ledgers"
    ):
        row = [Decimal(basic), Decimal(catastrophic), Decimal(subsidy)]
        if (person, year) in sums and row != sums[(person, year)]:
            mismatched += 1
        if (
            row[0] > policy.cap_basic
            or row[1] > policy.cap_catastrophic
            or row[2] > policy.subsidy_cap
        ):
            over += 1
    connection.close()
    rate = len(answered) / (first + second)
    print(f"claims sent {len(work):,}, clients {clients}")
    print(f"answered before the kill -9: {len(before_kill):,}; retried after restart: "
          f"{len(retry):,}; answers in all: {len(answered):,} {dict(codes)}")  # fmt: skip
    print(f"throughput {rate:,.0f} answers/s (restart excluded); latency p50 "
          f"{percentile(load.latencies, 0.5) * 1000:.1f} ms, p99 "
          f"{percentile(load.latencies, 0.99) * 1000:.1f} ms")  # fmt: skip
    print(f"lost {len(lost)}, settled twice {len(twice)}, ledgers ≠ Σ records {mismatched}, "
          f"caps exceeded {over}, retries answered the same bytes: {same}")  # fmt: skip
    if lost or twice or mismatched or over or not same or len(answered) != len(work):
        sys.exit(1)


if __name__ == "__main__":
    main()
