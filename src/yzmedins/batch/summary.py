"""The run summary: what was read, settled, rejected and paid — reconciling to the fen.

Every input line or table row is counted once: its claims in the results, or itself in the
errors. Money totals are kept in fen (integers) and equal the sums over the results file.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

import attrs
import orjson

from yzmedins.model import ClaimResult, RouteKind

#: The money columns of the summary, in order.
AMOUNTS = (
    "total",
    "basic_fund",
    "catastrophic_fund",
    "other_fund",
    "secondary_subsidy",
    "personal_cash",
)


def fen(amount: Decimal) -> int:
    """An exact two-place amount as whole fen."""
    return int(amount.scaleb(2))


def yuan(value: int) -> str:
    sign = "-" if value < 0 else ""
    whole, part = divmod(abs(value), 100)
    return f"{sign}{whole}.{part:02d}"


#: What the summary needs of one result, small and cheap to pass between processes (a plain
#: tuple pickles several times faster than an object): approved, primary reason code (None
#: when approved), route, and the :data:`AMOUNTS` in fen.
Tally = tuple[bool, str | None, str, tuple[int, ...]]


def route_of(result: ClaimResult) -> str:
    """How a record's stay was routed, for the summary by route: the engine's own routing, or
    for a record read back from a line, its applied rule."""
    if result.route_kind is not None:
        return result.route_kind.value
    return result.applied_rule.value


def tally_of(result: ClaimResult) -> Tally:
    return (
        result.approved,
        result.reasons[0].code if result.reasons else None,
        route_of(result),
        (
            fen(result.total),
            fen(result.basic_fund),
            fen(result.catastrophic_fund),
            fen(result.other_fund),
            fen(result.secondary_subsidy),
            fen(result.personal_cash),
        ),
    )


def tally_text(tally: Tally) -> str:
    """The tally as stored beside a settled claim in the ledger store."""
    return orjson.dumps(tally).decode()


def tally_from_text(text: str) -> Tally:
    approved, reason, route, amounts = orjson.loads(text)
    return (approved, reason, route, tuple(amounts))


@attrs.define
class Summary:
    """Counts and totals of one run."""

    inputs: dict[str, int] = attrs.field(factory=dict)  # lines or rows read, per file
    bundles: int = 0
    claims: int = 0
    approved: int = 0
    reproduced: int = 0
    errors: int = 0
    rejected: Counter[str] = attrs.field(factory=Counter)
    rejected_totals: dict[str, int] = attrs.field(factory=lambda: defaultdict(int))
    totals: list[int] = attrs.field(factory=lambda: [0] * len(AMOUNTS))
    by_route: dict[str, list[int]] = attrs.field(factory=dict)
    approved_by_route: Counter[str] = attrs.field(factory=Counter)
    #: Tables only: each file's data rows as read, used in a bundle, failed, or unused.
    table_rows: dict[str, dict[str, int]] = attrs.field(factory=dict)

    def add(self, tally: Tally, sign: int = 1) -> None:
        """Count one result (``sign`` -1 takes it out again)."""
        approved, reason, route_name, amounts = tally
        self.claims += sign
        totals = self.totals
        for index, value in enumerate(amounts):
            totals[index] += sign * value
        if approved:
            self.approved += sign
            self.approved_by_route[route_name] += sign
            route = self.by_route.setdefault(route_name, [0] * len(AMOUNTS))
            for index, value in enumerate(amounts):
                route[index] += sign * value
        else:
            assert reason is not None
            self.rejected[reason] += sign
            self.rejected_totals[reason] += sign * amounts[0]
            if not self.rejected[reason]:
                del self.rejected[reason]
                del self.rejected_totals[reason]

    def merge(self, part: Summary) -> None:
        """Add the claim counts and totals of ``part`` (a worker's chunk) to this summary."""
        self.claims += part.claims
        self.approved += part.approved
        self.totals = [a + b for a, b in zip(self.totals, part.totals, strict=True)]
        self.approved_by_route.update(part.approved_by_route)
        for name, amounts in part.by_route.items():
            route = self.by_route.setdefault(name, [0] * len(AMOUNTS))
            for index, value in enumerate(amounts):
                route[index] += value
        self.rejected.update(part.rejected)
        for reason, total in part.rejected_totals.items():
            self.rejected_totals[reason] += total

    def to_json(self) -> dict[str, Any]:
        routes = [kind.value for kind in RouteKind]
        return {
            "inputs": dict(self.inputs),
            "bundles": self.bundles,
            "claims": self.claims,
            "approved": self.approved,
            "rejected": sum(self.rejected.values()),
            "rejected_by_reason": {
                code: {"claims": count, "total": yuan(self.rejected_totals[code])}
                for code, count in sorted(self.rejected.items())
            },
            "input_errors": self.errors,
            "reproduced_from_ledger": self.reproduced,
            **({"table_rows": self.table_rows} if self.table_rows else {}),
            "totals": {name: yuan(value) for name, value in zip(AMOUNTS, self.totals, strict=True)},
            "approved_by_route": {
                route: {
                    "claims": self.approved_by_route[route],
                    **{
                        name: yuan(value)
                        for name, value in zip(
                            AMOUNTS, self.by_route.get(route, [0] * len(AMOUNTS)), strict=True
                        )
                    },
                }
                for route in routes
            },
        }

    def table(self) -> str:
        """The summary as a readable table (for standard error)."""
        data = self.to_json()
        lines = ["", "yzmedins adjudicate — summary"]
        for name, count in data["inputs"].items():
            lines.append(f"  read {count:>12,}  {name}")
        lines += [
            f"  bundles {data['bundles']:>9,}   claims {data['claims']:>10,}   "
            f"approved {data['approved']:>10,}   rejected {data['rejected']:>10,}   "
            f"input errors {data['input_errors']:>8,}",
        ]
        if self.reproduced:
            lines.append(f"  reproduced from the ledger (settled before): {self.reproduced:,}")
        header = f"  {'':<34}{'claims':>10}" + "".join(f"{name:>19}" for name in AMOUNTS)
        lines += ["", header]
        lines.append(
            f"  {'all claims':<34}{data['claims']:>10,}"
            + "".join(f"{data['totals'][name]:>19}" for name in AMOUNTS)
        )
        for route, row in data["approved_by_route"].items():
            if row["claims"]:
                lines.append(
                    f"  {'approved ' + route:<34}{row['claims']:>10,}"
                    + "".join(f"{row[name]:>19}" for name in AMOUNTS)
                )
        for code, row in data["rejected_by_reason"].items():
            lines.append(f"  {'rejected ' + code:<34}{row['claims']:>10,}{row['total']:>19}")
        return "\n".join(lines) + "\n"
