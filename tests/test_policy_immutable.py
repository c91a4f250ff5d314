"""Issue 8, items 13 and 14: policies are immutable, hashable values; caches stay bounded.

13: the cached default policy set cannot be changed (before, ``deductible_by_level`` was a
plain dict: one assignment changed every later adjudication in the process).
14: a long-running billing system that builds policy sets per call (the README's
``with_options`` pattern) keeps no per-call entry: every cache is bounded or keyed by value.
"""

from __future__ import annotations

import gc
import itertools
import pickle
import sys
from decimal import Decimal

import attrs
import pytest

from yzmedins import Claim, Level, Region, Route, Settlement
from yzmedins.policy import (
    CapReading,
    FrozenMap,
    MaternityReading,
    Policy,
    PolicySet,
    ReductionReading,
    default_policies,
)

from .builders import hospital, m, settle, stay

OPTIONS = list(
    itertools.product(CapReading, ReductionReading, MaternityReading),
)


def _with_options(index: int) -> PolicySet:
    """A policy set built anew, as a billing system does per call (README, Python API)."""
    cap, reduction, maternity = OPTIONS[index % len(OPTIONS)]
    return PolicySet(
        tuple(
            p.with_options(
                cap_reading=cap, reduction_reading=reduction, maternity_reading=maternity
            )
            for p in default_policies().policies
        )
    )


# --- 13: immutable and hashable ----------------------------------------------------------------


def test_the_default_deductibles_cannot_be_changed() -> None:
    policy = default_policies().policies[0]
    with pytest.raises(TypeError):
        policy.deductible_by_level["tertiary"] = Decimal("0.00")  # type: ignore[index]
    with pytest.raises(TypeError):
        del policy.deductible_by_level["tertiary"]  # type: ignore[attr-defined]
    result, _ = settle(stay("10000.00"))
    assert result.deductible == m("800.00")


def test_the_citations_cannot_be_changed() -> None:
    policy = default_policies().policies[0]
    with pytest.raises(TypeError):
        policy.citations["deductible.tertiary"] = policy.cite("caps.basic")  # type: ignore[index]
    assert policy.cite("deductible.tertiary").article == 17


def test_a_frozen_map_cannot_be_changed_through_its_insides() -> None:
    table = FrozenMap({"tertiary": m("800.00")})
    with pytest.raises(AttributeError):
        table._items = {}
    with pytest.raises(TypeError):
        table._items["tertiary"] = m("0.00")  # type: ignore[index]
    assert table == {"tertiary": m("800.00")}


def test_a_policy_copies_the_tables_it_is_given() -> None:
    given = dict(default_policies().policies[0].deductible_by_level)
    policy = attrs.evolve(default_policies().policies[0], deductible_by_level=given)
    given["tertiary"] = Decimal("0.00")
    assert policy.deductible_by_level["tertiary"] == m("800.00")


def test_policies_and_policy_sets_are_hashable_values() -> None:
    policies = default_policies()
    policy = policies.policies[0]
    same = policy.with_options()
    assert same == policy and hash(same) == hash(policy)
    assert _with_options(0) == _with_options(len(OPTIONS))
    assert hash(_with_options(0)) == hash(_with_options(len(OPTIONS)))
    other = policy.with_options(cap_reading=CapReading.CUMULATIVE_BANDS)
    assert other != policy
    assert len({policy, same, other}) == 2
    assert hash(policies) == hash(PolicySet(tuple(policies.policies)))


def test_a_policy_set_of_a_list_holds_a_tuple() -> None:
    policies = PolicySet(list(default_policies().policies))
    assert policies == default_policies()
    hash(policies)


def test_policies_survive_pickling_with_their_hash() -> None:
    # Batch workers receive the policy set by pickling.
    policies = _with_options(3)
    again = pickle.loads(pickle.dumps(policies))
    assert again == policies and hash(again) == hash(policies)
    assert isinstance(again.policies[0].deductible_by_level, FrozenMap)


def test_equal_policies_share_their_routings() -> None:
    from yzmedins.rules.routing import local_routing, referral_routing

    first, second = _with_options(1).policies[0], _with_options(1).policies[0]
    assert first is not second
    assert local_routing(Level.PRIMARY, first, "x") is local_routing(Level.PRIMARY, second, "x")
    assert referral_routing(Region.IN_PROVINCE, Settlement.DIRECT, first, "y") is referral_routing(
        Region.IN_PROVINCE, Settlement.DIRECT, second, "y"
    )


# --- 14: bounded caches -------------------------------------------------------------------------


def _module_containers() -> dict[str, int]:
    """The size of every module-level dict, set and list of the package."""
    sizes: dict[str, int] = {}
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "yzmedins" or name.startswith("yzmedins.")):
            continue
        for attribute, value in vars(module).items():
            if isinstance(value, dict | set | list) and not attribute.startswith("__"):
                sizes[f"{name}.{attribute}"] = len(value)
    return sizes


def _live_policies() -> int:
    gc.collect()
    return sum(1 for item in gc.get_objects() if isinstance(item, Policy))


def _lru_caches() -> dict[str, tuple[int, int | None]]:
    """(current size, bound) of every functools cache of the package."""
    found: dict[str, tuple[int, int | None]] = {}
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "yzmedins" or name.startswith("yzmedins.")):
            continue
        for attribute, value in vars(module).items():
            info = getattr(value, "cache_info", None)
            if callable(info):
                current = info()
                found[f"{name}.{attribute}"] = (current.currsize, current.maxsize)
    return found


def _claim(index: int) -> Claim:
    """Claims that reach every routing and the in-force step: local, referral, reimbursement."""
    claims = (
        stay("10000.00"),
        stay("10000.00", hospital=hospital(region=Region.IN_PROVINCE), route=Route.REFERRAL),
        stay(
            "10000.00",
            hospital=hospital(Level.SECONDARY, Region.OUT_OF_PROVINCE),
            route=Route.REFERRAL,
            settlement=Settlement.REIMBURSEMENT,
        ),
    )
    return claims[index % len(claims)]


def test_10000_calls_with_fresh_option_sets_leave_every_cache_bounded() -> None:
    calls, half = 10_000, 5_000
    for index in range(calls):
        if index == half:
            containers, caches, live = _module_containers(), _lru_caches(), _live_policies()
        result, _ = settle(_claim(index), policies=_with_options(index))
        assert result.approved
    # Before: routing._ROUTINGS and engine._IN_FORCE_STEPS held an entry (and a live policy
    # set) per call. Now nothing grows in the second half of the run ...
    assert _module_containers() == containers
    assert _lru_caches() == caches
    # ... every functools cache but the argument-less default_policies has a bound ...
    for name, (size, bound) in _lru_caches().items():
        if not name.endswith(".default_policies"):
            assert bound is not None and size <= bound, name
    # ... and no per-call policy is kept alive: each call's set equals an earlier one.
    assert _live_policies() <= live


def test_distinct_policies_per_call_are_evicted_at_the_bound() -> None:
    from yzmedins.engine import IN_FORCE_STEP_CACHE_SIZE
    from yzmedins.rules.routing import ROUTING_CACHE_SIZE

    base = default_policies().policies
    for index in range(3 * ROUTING_CACHE_SIZE + 100):
        ceiling = Decimal(1) + Decimal(index).scaleb(-3)
        policies = PolicySet(tuple(p.with_base_ceiling(ceiling) for p in base))
        settle(_claim(index), policies=policies)
    caches = _lru_caches()
    assert caches["yzmedins.rules.routing._referral_routing"] == (
        ROUTING_CACHE_SIZE,
        ROUTING_CACHE_SIZE,
    )
    assert caches["yzmedins.engine._in_force_step"][0] == IN_FORCE_STEP_CACHE_SIZE
    for size, bound in caches.values():
        assert bound is None or size <= bound
    # Each cache entry may keep one policy alive; nothing else does.
    assert _live_policies() <= ROUTING_CACHE_SIZE * 2 + IN_FORCE_STEP_CACHE_SIZE + 10
