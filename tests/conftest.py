"""Hypothesis profiles for the test suite.

``YZMEDINS_HYPOTHESIS_PROFILE=mutation`` (set by ``scripts/mutation.sh``, docs/mutation.md) loads
a small, derandomized profile: each mutant's tests then run in a few seconds and give the same
verdict on every run. The properties' own ``max_examples`` go through
:func:`tests.builders.examples`, which caps them under that profile. Without the variable the
suite runs Hypothesis's defaults and each property's own count.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from yzmedins import money

from .builders import MUTATION_EXAMPLES

# The profile of the mutation runs: few examples, always the same ones, no example database (a
# mutant's failures must not be replayed against the next mutant), no deadline (the machine is
# shared and a mutant may be slow).
settings.register_profile(
    "mutation",
    max_examples=MUTATION_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)

_profile = os.environ.get("YZMEDINS_HYPOTHESIS_PROFILE")
if _profile:
    settings.load_profile(_profile)


if _profile == "mutation":

    @pytest.fixture(autouse=True)
    def _empty_rate_memo() -> Iterator[None]:
        """mutmut runs each mutant in a process forked after a clean run of the tests:
        :func:`yzmedins.money.format_rate`'s memo, filled by that run, would answer in place of
        the mutated code. Under the mutation profile every test starts with it empty."""
        money._RATE_TEXT.clear()
        yield
