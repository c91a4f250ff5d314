"""Result lines written the fast way (``encode_settled``, msgspec: issue 14) are byte for byte the
lines of ``encode_result`` at every trace level, for every record the engine makes: its
settlements (approved, rejected, every route) and its reversals."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings

from yzmedins import adjudicate_bundle
from yzmedins.io.codec import TraceLevel
from yzmedins.io.jsonl import encode_result, encode_settled
from yzmedins.lifecycle import reverse
from yzmedins.model import AMOUNT_FIELDS, Bundle, ClaimResult
from yzmedins.strategies import bundles


def _two_places(amount: Decimal | None) -> bool:
    return amount is None or amount.as_tuple().exponent == -2


def _records(bundle: Bundle) -> list[ClaimResult]:
    records = []
    for result in adjudicate_bundle(bundle):
        records.append(result)
        if result.approved:
            records.append(reverse([result], result.ytd, claim_id=result.claim_id).record)
    return records


@settings(max_examples=200, deadline=None)
@given(bundles())
def test_every_amount_the_engine_makes_has_two_places(bundle: Bundle) -> None:
    """specification §2 — and what lets msgspec write a Decimal as ``str`` does."""
    for record in _records(bundle):
        assert all(_two_places(getattr(record, name)) for name in AMOUNT_FIELDS)
        ytd = record.ytd
        ledger = (ytd.basic_fund, ytd.catastrophic_fund, ytd.self_burden, ytd.secondary_subsidy)
        assert all(_two_places(amount) for amount in (*ledger, ytd.banded))
        assert all(_two_places(step.amount) for step in record.trace)


@settings(max_examples=200, deadline=None)
@given(bundles())
def test_the_fast_lines_are_the_lines(bundle: Bundle) -> None:
    for record in _records(bundle):
        for level in TraceLevel:
            assert encode_settled(record, level) == encode_result(record, level)
