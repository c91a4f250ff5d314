"""JSON bundles of specification §11 for the contract and command tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from yzmedins.io.records import RECORD_KEYS


def bundle(**claim_changes: Any) -> dict[str, Any]:
    """The §10 example bundle, with changes to its one claim."""
    value: dict[str, Any] = {
        "person": {
            "id": "P1", "sex": "female", "birth_date": "1968-04-02", "category": "employee",
            "female_class": "worker", "statuses": [], "retired_on": None,
            "early_retirement": False, "deemed_months": 0, "relocated_since": None,
            "lump_sum_paid_on": None,
        },
        "contributions": [{"from": "2015-01", "to": "2020-12", "base": "4500.00"}],
        "ytd": None,
        "claims": [
            {
                "id": "C1", "type": "inpatient", "admitted_on": "2019-03-02",
                "discharged_on": "2019-03-10",
                "hospital": {"level": "tertiary", "region": "local", "contracted": True,
                             "provincial": False},
                "route": None, "settlement": "direct", "maternity": False, "cause": "illness",
                "emergency_reported_on": None, "exception_approved": False,
                "total": "12000.00", "full_self_pay": "500.00", "pre_self_pay": "0.00",
                "other_fund": None,
            }
        ],
    }  # fmt: skip
    value["claims"][0].update(claim_changes)
    return copy.deepcopy(value)


OUTPUT_KEYS = list(RECORD_KEYS)


def write_jsonl(path: Path, lines: list[Any]) -> Path:
    """Write JSON Lines: each item as JSON, or as it is when it is already a string."""
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines),
        encoding="utf-8",
    )
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
