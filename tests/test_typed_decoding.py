"""The batch's fast way in (``yzmedins.io.typed``, issue 14): for any line it gives the bundle the
codec gives, or nothing (and the line goes the codec's way, whose error record it then gets):
never a bundle the codec would refuse, never another bundle."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yzmedins.errors import InputError
from yzmedins.io.codec import parse_bundle
from yzmedins.io.jsonl import decode_line
from yzmedins.io.typed import fast_bundle
from yzmedins.model import Bundle
from yzmedins.policy import default_policies

from .reference.generate import bundles

POLICIES = default_policies()
GENERATED = list(bundles(20170412, 120))

#: Values put in place of a field: every kind of JSON value, the edge of each codec check.
ODD_VALUES: list[Any] = [
    None, "", " ", 0, 0.0, -0.0, 1, -1, 1.5, 1.005, 12.34, 1e400, 2**64, 10**20, True, False,
    "0", "1.5", "1.505", "01", "1e2", "-1", "12000", "99999999.99", "100000000.00",
    "2020-02-29", "2021-02-29", "2020-1-01", "2020-01", "2020-13", "0000-01-01", "x",
    "tertiary", "local", "referral", "special_outpatient", "retiree", "male", [], ["retiree"],
    {}, {"level": "primary", "region": "local"}, "K1", "a" * 200,
]  # fmt: skip


def _codec(raw: bytes) -> Bundle | InputError:
    try:
        return parse_bundle(decode_line(raw), POLICIES)
    except InputError as error:
        return error


def _agrees(raw: bytes) -> None:
    fast = fast_bundle(raw, POLICIES)
    if fast is not None:
        assert _codec(raw) == fast, raw


def _objects(value: Any) -> list[dict[str, Any]]:
    """Every object in ``value``, outermost first."""
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        found.append(value)
        for item in value.values():
            found += _objects(item)
    elif isinstance(value, list):
        for item in value:
            found += _objects(item)
    return found


def test_every_generated_line_takes_the_fast_way_to_the_same_bundle() -> None:
    for value in GENERATED:
        raw = json.dumps(value, ensure_ascii=False).encode()
        expected = _codec(raw)
        assert isinstance(expected, Bundle)
        assert fast_bundle(raw, POLICIES) == expected


@settings(max_examples=600, deadline=None)
@given(
    st.sampled_from(GENERATED),
    st.data(),
    st.sampled_from(["set", "delete", "unknown", "repeat", "escape"]),
)
def test_a_changed_line_gets_the_codecs_bundle_or_goes_its_way(
    value: dict[str, Any], data: st.DataObject, change: str
) -> None:
    value = json.loads(json.dumps(value))
    target = data.draw(st.sampled_from(_objects(value)))
    key = data.draw(st.sampled_from(sorted(target))) if target else "id"
    if change == "set":
        target[key] = data.draw(st.sampled_from(ODD_VALUES))
    elif change == "delete":
        target.pop(key, None)
    elif change == "unknown":
        target["note"] = 1
    raw = json.dumps(value, ensure_ascii=False).encode()
    if change == "repeat":  # the key written twice in its object
        text = json.dumps(target[key]) if key in target else "null"
        marker = f'"{key}": '.encode()
        raw = raw.replace(marker, marker + text.encode() + b", " + marker, 1)
    elif change == "escape":
        raw = raw.replace(b"-", b"\\u002d", 1)
    _agrees(raw)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"person": {"id": "P", "id": "Q", "sex": "male", "birth_date": "1970-01-01", "category": "employee"}}',
        b'{"person": {"id": "P", "sex": "male", "birth_date": "1970-01-01", "category": "employee", "sex": "male"}}',
        b'{"person": {"id": "P:1", "sex": "male", "birth_date": "1970-01-01", "category": "employee"}}',
        b'{"person": {"id": "P\\u003a1", "sex": "male", "birth_date": "1970-01-01", "category": "employee"}}',
        b'{"person": {"id": "P", "sex": "male", "birth_date": "1970-01-01", "category": "employee"}, "claims": null, "ytd": null}',
        b'{"person": {"id": "P", "sex": "male", "birth_date": "1970-01-01", "category": "employee"}, "claims": [{"id": "C", "admitted_on": "2020-01-01", "discharged_on": "2020-01-02", "total": 0, "type": "special_outpatient", "other_fund": 0, "hospital": {"level": "primary"}}]}',
        b'{"person": {"id": "P", "sex": "male", "birth_date": "1970-01-01", "category": "employee"}, "claims": [{"id": "C", "admitted_on": "2020-01-01", "discharged_on": "2020-01-02", "total": "5", "hospital": {"level": "primary", "region": "local", "contracted": null}}]}',
        b'{"person": {"id": "P", "sex": "male", "birth_date": "1970-01-01", "category": "employee"}, "claims": [{"id": "C", "admitted_on": "2020-01-01", "discharged_on": "2020-01-02", "total": "5", "hospital": {"level": "primary"}}]}',
        b'{"person": {"id": "P", "sex": "male", "birth_date": "1970-01-01", "category": "employee"}} x',
        b"[]",
    ],
)
def test_edge_lines(raw: bytes) -> None:
    _agrees(raw)
