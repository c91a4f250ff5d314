"""The run summary: what was read, settled, rejected and paid — reconciling to the fen.

Every input line or table row is counted once: its claims in the results, or itself in the
errors. Money totals are kept in fen (integers) and equal the sums over the results file.

With a ledger store the results file also holds the claims settled before (reproduced from the
store, not paid again): the summary gives this run's new settlements apart (``new_claims``,
``new_totals``), and, after the run, the store's totals for each year to date
(``year_to_date``: what its ledgers hold, this run included). The table on standard error is in
English or Chinese (``--lang``), its words from :mod:`yzmedins.labels`.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

import attrs
import orjson

from yzmedins.labels import Lang, label
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
    reproduced: int = 0  # claims of the results settled before (reproduced from the store)
    errors: int = 0
    rejected: Counter[str] = attrs.field(factory=Counter)
    rejected_totals: dict[str, int] = attrs.field(factory=lambda: defaultdict(int))
    totals: list[int] = attrs.field(factory=lambda: [0] * len(AMOUNTS))
    by_route: dict[str, list[int]] = attrs.field(factory=dict)
    approved_by_route: Counter[str] = attrs.field(factory=Counter)
    #: Tables only: each file's data rows as read, used in a bundle, failed, or unused.
    table_rows: dict[str, dict[str, int]] = attrs.field(factory=dict)
    #: The :data:`AMOUNTS` of the reproduced claims (so this run's new ones are the rest).
    reproduced_totals: list[int] = attrs.field(factory=lambda: [0] * len(AMOUNTS))
    #: With a ledger store, after the run: per year, what the store holds (:data:`YTD_KEYS`).
    year_to_date: dict[int, dict[str, int]] = attrs.field(factory=dict)

    def add(self, tally: Tally, sign: int = 1, *, reproduced: bool = False) -> None:
        """Count one result (``sign`` -1 takes it out again); ``reproduced``: a claim settled
        before, whose line the store reproduced."""
        approved, reason, route_name, amounts = tally
        self.claims += sign
        totals = self.totals
        for index, value in enumerate(amounts):
            totals[index] += sign * value
        if reproduced:
            self.reproduced += sign
            for index, value in enumerate(amounts):
                self.reproduced_totals[index] += sign * value
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
        self.reproduced += part.reproduced
        self.totals = [a + b for a, b in zip(self.totals, part.totals, strict=True)]
        self.reproduced_totals = [
            a + b for a, b in zip(self.reproduced_totals, part.reproduced_totals, strict=True)
        ]
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
            "new_claims": self.claims - self.reproduced,
            "reproduced_from_ledger": self.reproduced,
            **({"table_rows": self.table_rows} if self.table_rows else {}),
            "totals": {name: yuan(value) for name, value in zip(AMOUNTS, self.totals, strict=True)},
            "new_totals": {
                name: yuan(value - old)
                for name, value, old in zip(
                    AMOUNTS, self.totals, self.reproduced_totals, strict=True
                )
            },
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
            **(
                {
                    "year_to_date": {
                        str(year): {
                            key: (value if key in YTD_COUNTS else yuan(value))
                            for key, value in figures.items()
                        }
                        for year, figures in sorted(self.year_to_date.items())
                    }
                }
                if self.year_to_date
                else {}
            ),
        }

    def table(self, lang: Lang = "en") -> str:
        """The summary as a readable table (for standard error), in ``lang``; columns are
        aligned by display width (a Chinese character takes two)."""
        data = self.to_json()

        def say(key: str) -> str:
            return label(key, lang)

        lines = ["", say("summary.title")]
        for name, count in data["inputs"].items():
            lines.append(f"  {say('summary.read')} {count:>12,}  {name}")
        lines.append(
            "  "
            + "   ".join(
                f"{say(f'summary.{key}')} {data[key]:>9,}"
                for key in ("bundles", "claims", "approved", "rejected", "input_errors")
            )
        )
        if self.reproduced or self.year_to_date:
            lines.append(
                f"  {say('summary.new')} {data['new_claims']:>9,}   "
                f"{say('summary.reproduced')} {self.reproduced:>9,}"
            )
        rows: list[tuple[str, int, list[str]]] = [
            (say("summary.all_claims"), data["claims"], list(data["totals"].values()))
        ]
        if self.reproduced or self.year_to_date:
            rows.append(
                (say("summary.this_run"), data["new_claims"], list(data["new_totals"].values()))
            )
        for route, figures in data["approved_by_route"].items():
            if figures["claims"]:
                name = f"{say('summary.approved')} {say(f'route_kind.{route}')}"
                rows.append((name, figures["claims"], [figures[n] for n in AMOUNTS]))
        for code, figures in data["rejected_by_reason"].items():
            rows.append(
                (f"{say('summary.rejected')} {code}", figures["claims"], [figures["total"]])
            )
        width = max(display_width(name) for name, _, _ in rows) + 2
        widths = [max(19, display_width(say(name)) + 2) for name in AMOUNTS]
        header = _pad("", width) + _pad(say("claims"), 10, right=True)
        header += "".join(
            _pad(say(name), size, right=True) for name, size in zip(AMOUNTS, widths, strict=True)
        )
        lines += ["", "  " + header]
        for name, claims, amounts in rows:
            cells = "".join(
                _pad(amount, size, right=True)
                for amount, size in zip(amounts, widths, strict=False)
            )
            lines.append("  " + _pad(name, width) + f"{claims:>10,}" + cells)
        if self.year_to_date:
            lines += ["", "  " + say("summary.year_to_date")]
            names = [say(f"summary.ytd.{key}" if key in YTD_COUNTS else key) for key in YTD_KEYS]
            sizes = [max(19, display_width(name) + 2) for name in names]
            first = display_width(say("year")) + 2
            heading = _pad(say("year"), first) + "".join(
                _pad(name, size, right=True) for name, size in zip(names, sizes, strict=True)
            )
            lines.append("    " + heading)
            for year, figures in sorted(self.year_to_date.items()):
                cells = "".join(
                    _pad(f"{figures[key]:,}" if key in YTD_COUNTS else yuan(figures[key]), size,
                         right=True)
                    for key, size in zip(YTD_KEYS, sizes, strict=True)
                )  # fmt: skip
                lines.append("    " + _pad(str(year), first) + cells)
        return "\n".join(line.rstrip() for line in lines) + "\n"


#: The store's figures of a year to date: person-years and records, then the ledgers' sums.
YTD_KEYS = (
    "persons",
    "records",
    "basic_fund",
    "catastrophic_fund",
    "secondary_subsidy",
    "self_burden",
)
YTD_COUNTS = frozenset({"persons", "records"})


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    space = " " * max(width - display_width(text), 1 if right else 0)
    return space + text if right else text + space
