"""A claim as settled, written back in the input shape, reads back as the same values (what the
ledger store keeps for a person-year's clearing)."""

from __future__ import annotations

import orjson
from hypothesis import given, settings

from yzmedins.io.codec import parse_bundle
from yzmedins.io.contents import settled_to_json, settled_writer
from yzmedins.model import Bundle
from yzmedins.policy import default_policies
from yzmedins.strategies import bundles


@settings(max_examples=200)
@given(bundles(approved_share=0.3))
def test_settled_claims_read_back_as_they_were(bundle: Bundle) -> None:
    for claim in bundle.claims:
        value = settled_to_json(bundle.person, bundle.contributions, claim)
        back = parse_bundle(value, default_policies())
        assert back.person == bundle.person
        assert back.contributions == bundle.contributions
        assert back.claims == (claim,)


@settings(max_examples=50)
@given(bundles(approved_share=0.3))
def test_the_writer_of_a_persons_claims_writes_what_settled_to_json_does(bundle: Bundle) -> None:
    write = settled_writer(bundle.person, bundle.contributions)
    for claim in bundle.claims:
        assert write(claim) == orjson.dumps(
            settled_to_json(bundle.person, bundle.contributions, claim)
        )
