"""Deterministic synthetic bundles for benchmarks: ``python benchmarks/generate.py N OUT [SEED]``.

About N claims in bundles of 1–6 claims, a realistic mix: mostly local stays, some referrals,
relocations, emergencies, maternity and special-outpatient claims, a few rejections and some
very large bills that cross the annual caps. :func:`write` writes them as JSON Lines,
:func:`write_tables` as the three CSV tables of docs/tables.md.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

LEVELS = ["tertiary", "secondary", "secondary", "primary", "community"]
CAUSES = ["illness"] * 40 + ["traffic_accident", "work_injury", "accident_no_third_party"]


def _money(rng: random.Random, high: int) -> str:
    fen = int(rng.paretovariate(1.3) * 150_000) % (high * 100)
    return f"{fen // 100}.{fen % 100:02d}"


def _claim(rng: random.Random, claim_id: str, year: int) -> dict[str, Any]:
    admitted = date(year, 1, 1) + timedelta(days=rng.randrange(360))
    if year == 2022:
        admitted = date(2022, 1, 1) + timedelta(days=rng.randrange(170))
    discharged = admitted + timedelta(days=rng.randrange(25))
    total = _money(rng, 900_000)
    claim: dict[str, Any] = {
        "id": claim_id,
        "admitted_on": admitted.isoformat(),
        "discharged_on": discharged.isoformat(),
        "total": total,
    }
    amount = int(total.replace(".", ""))
    claim["full_self_pay"] = f"{amount * rng.randrange(15) // 100 / 100:.2f}"
    kind = rng.random()
    if kind < 0.08:
        claim["type"] = "special_outpatient"
        claim["other_fund"] = f"{amount * 40 // 100 / 100:.2f}"
        return claim
    hospital: dict[str, Any] = {"level": rng.choice(LEVELS), "region": "local"}
    if kind < 0.25:
        hospital["region"] = rng.choice(["in_province", "out_of_province"])
        route = rng.choice(["referral", "referral", "relocated", "emergency", None])
        claim["route"] = route
        claim["settlement"] = rng.choice(["direct", "direct", "reimbursement"])
        if route == "emergency":
            claim["emergency_reported_on"] = (
                admitted + timedelta(days=rng.randrange(6))
            ).isoformat()
        hospital["provincial"] = rng.random() < 0.3
    claim["hospital"] = hospital
    if rng.random() < 0.03:
        claim["maternity"] = True
    claim["cause"] = rng.choice(CAUSES)
    return claim


def bundles(count: int, seed: int = 2017) -> Iterator[dict[str, Any]]:
    """Bundles holding ``count`` claims in all, one at a time (the file is written streaming)."""
    rng = random.Random(seed)
    claims = 0
    person = 0
    while claims < count:
        person += 1
        year = rng.randrange(2018, 2023)
        n = min(rng.randrange(1, 7), count - claims)
        birth = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 50))
        yield (
            {
                "person": {
                    "id": f"P{person:08d}",
                    "sex": rng.choice(["male", "female"]),
                    "birth_date": birth.isoformat(),
                    "category": rng.choice(["employee", "employee", "flexible"]),
                    "relocated_since": "2015-01-01" if rng.random() < 0.5 else None,
                },
                "contributions": [{"from": "2008-01", "to": "2022-12", "base": "5000.00"}],
                "claims": [_claim(rng, f"K{person:08d}-{i}", year) for i in range(n)],
            }
        )
        claims += n


def write(path: str, count: int, seed: int = 2017) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        for bundle in bundles(count, seed):
            handle.write(json.dumps(bundle, separators=(",", ":")) + "\n")


#: The columns :func:`write_tables` writes (a subset of docs/tables.md, in its order).
PERSON_COLUMNS = ("id", "sex", "birth_date", "category", "relocated_since")
CONTRIBUTION_COLUMNS = ("person_id", "from", "to", "base")
CLAIM_COLUMNS = (
    "person_id", "id", "type", "admitted_on", "discharged_on", "hospital_level",
    "hospital_region", "hospital_provincial", "route", "settlement", "maternity", "cause",
    "emergency_reported_on", "total", "full_self_pay", "other_fund",
)  # fmt: skip


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_tables(folder: str, count: int, seed: int = 2017) -> tuple[str, str, str]:
    """The bundles of :func:`bundles` as ``persons.csv``, ``contributions.csv`` and
    ``claims.csv`` in ``folder``; returns their paths."""
    paths = tuple(
        str(Path(folder) / f"{name}.csv") for name in ("persons", "contributions", "claims")
    )
    with (
        open(paths[0], "w", encoding="utf-8", newline="") as persons_file,
        open(paths[1], "w", encoding="utf-8", newline="") as contributions_file,
        open(paths[2], "w", encoding="utf-8", newline="") as claims_file,
    ):
        persons, contributions, claims = (
            csv.writer(persons_file), csv.writer(contributions_file), csv.writer(claims_file)
        )  # fmt: skip
        persons.writerow(PERSON_COLUMNS)
        contributions.writerow(CONTRIBUTION_COLUMNS)
        claims.writerow(CLAIM_COLUMNS)
        for bundle in bundles(count, seed):
            person = bundle["person"]
            persons.writerow([_cell(person.get(name)) for name in PERSON_COLUMNS])
            for record in bundle["contributions"]:
                row = {"person_id": person["id"], **record}
                contributions.writerow([_cell(row.get(name)) for name in CONTRIBUTION_COLUMNS])
            for claim in bundle["claims"]:
                row = {"person_id": person["id"], **claim}
                for key, value in row.pop("hospital", {}).items():
                    row[f"hospital_{key}"] = value
                claims.writerow([_cell(row.get(name)) for name in CLAIM_COLUMNS])
    return paths[0], paths[1], paths[2]


if __name__ == "__main__":
    write(sys.argv[2], int(sys.argv[1]), int(sys.argv[3]) if len(sys.argv) > 3 else 2017)
