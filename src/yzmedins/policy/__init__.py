"""Policy parameters as data (OpenFisca's habit): each number of the law with its article.

A parameter file (TOML) holds one policy: its in-force window (第三十九条), every rate, amount,
age and month count of the measures with the article it comes from, and the readings chosen
where the text is ambiguous (``[options]``). :func:`load_policy` reads and validates one file
into a frozen :class:`Policy`; :class:`PolicySet` holds several and picks the one in force by a
claim's discharge date, so a successor policy is added as a second file.
"""

from __future__ import annotations

import itertools
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, NoReturn, TypeVar

import attrs

__all__ = [
    "CapReading",
    "Citation",
    "FrozenMap",
    "MaternityReading",
    "Policy",
    "PolicyError",
    "PolicySet",
    "ReductionReading",
    "base_ceiling_from_text",
    "default_policies",
    "load_policy",
]


_E = TypeVar("_E", bound=StrEnum)
_K = TypeVar("_K")
_V = TypeVar("_V")


class PolicyError(ValueError):
    """A parameter file that is malformed or cites nothing."""


class CapReading(StrEnum):
    """第十七条 最高实际支付限额 (specification §6)."""

    ACTUAL_PAYMENT = "actual_payment"
    CUMULATIVE_BANDS = "cumulative_bands"


class ReductionReading(StrEnum):
    """第二十三条(3) 少10% (specification §5)."""

    POINTS = "points"
    RELATIVE = "relative"


class MaternityReading(StrEnum):
    """第二十条 个人不再承担住院费用起付线下的开支 (specification §5)."""

    NO_DEDUCTIBLE = "no_deductible"
    FUND_PAYS_BELOW_DEDUCTIBLE = "fund_pays_below_deductible"


class FrozenMap(Mapping[_K, _V]):
    """A read-only, hashable mapping: a policy's tables (deductibles by level, citations).

    ``types.MappingProxyType`` is read-only but not hashable, and a policy is a cache key.
    The items are copied on construction; nothing changes them afterwards.
    """

    __slots__ = ("_hash", "_items")

    _items: Mapping[_K, _V]
    _hash: int | None

    def __init__(self, items: Mapping[_K, _V] | Iterable[tuple[_K, _V]] = ()) -> None:
        object.__setattr__(self, "_items", MappingProxyType(dict(items)))
        object.__setattr__(self, "_hash", None)

    def __getitem__(self, key: _K) -> _V:
        return self._items[key]

    def __iter__(self) -> Iterator[_K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self._items == other._items
        if isinstance(other, Mapping):
            return dict(self._items) == dict(other)
        return NotImplemented

    def __hash__(self) -> int:
        known = self._hash
        if known is None:
            known = hash(frozenset(self._items.items()))
            object.__setattr__(self, "_hash", known)
        return known

    def __repr__(self) -> str:
        return f"FrozenMap({dict(self._items)!r})"

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError(f"a FrozenMap cannot be changed (setting {name!r})")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError(f"a FrozenMap cannot be changed (deleting {name!r})")

    def __reduce__(self) -> tuple[type[FrozenMap[_K, _V]], tuple[dict[_K, _V]]]:
        return (type(self), (dict(self._items),))


def _frozen_decimals(value: Mapping[str, Decimal]) -> FrozenMap[str, Decimal]:
    return value if type(value) is FrozenMap else FrozenMap(value)


def _frozen_citations(value: Mapping[str, Citation]) -> FrozenMap[str, Citation]:
    return value if type(value) is FrozenMap else FrozenMap(value)


@attrs.frozen
class Citation:
    """Where a parameter comes from: 第 ``article`` 条, item ``item`` (an integer) or none."""

    article: int
    item: int | None = None

    def __str__(self) -> str:
        return f"Art. {self.article}" + (f"({self.item})" if self.item is not None else "")


@attrs.frozen
class Rates:
    """Basic-fund and catastrophic-fund payment rates of one situation."""

    basic: Decimal
    catastrophic: Decimal


@attrs.frozen(cache_hash=True)
class Policy:
    """One parameter set, validated; read by the rules, never mutated.

    Immutable and hashable (its tables are :class:`FrozenMap` values; its hash is computed
    once), so caches key on the policy itself: equal policies share their entries.
    """

    id: str
    document: str
    title: str
    text: str
    in_force_from: date
    in_force_to: date
    waiting_months: int
    deductible_by_level: FrozenMap[str, Decimal] = attrs.field(converter=_frozen_decimals)
    deductible_outside_region: Decimal
    cap_basic: Decimal
    cap_catastrophic: Decimal
    rates_local: Rates
    rates_in_province: Rates
    rates_out_of_province: Rates
    reimbursement_reduction: Decimal
    emergency_report_working_days: int
    subsidy_threshold: Decimal
    subsidy_rate: Decimal
    subsidy_cap: Decimal
    employer_rate: Decimal
    employee_rate: Decimal
    flexible_rate: Decimal
    mutual_aid_fee: Decimal
    account_rate: Decimal
    makeup_rate: Decimal
    retirement_age_male: int
    retirement_age_female_cadre: int
    retirement_age_female_worker: int
    minimum_months_male: int
    minimum_months_female: int
    actual_months_from: date
    minimum_continuous_months: int
    cap_reading: CapReading
    reduction_reading: ReductionReading
    maternity_reading: MaternityReading
    #: 第九条: the largest employee base as a multiple of the prior-year average wage; ``None``
    #: (the default reading, specification §10) is no ceiling.
    base_ceiling: Decimal | None
    citations: FrozenMap[str, Citation] = attrs.field(repr=False, converter=_frozen_citations)

    def in_force_on(self, day: date) -> bool:
        """第三十九条: whether ``day`` lies in this policy's window (inclusive)."""
        return self.in_force_from <= day <= self.in_force_to

    def distance_to(self, day: date) -> int:
        """Days from ``day`` to this policy's window (0 inside it)."""
        if day < self.in_force_from:
            return (self.in_force_from - day).days
        if day > self.in_force_to:
            return (day - self.in_force_to).days
        return 0

    def cite(self, key: str) -> Citation:
        """The citation of the parameter at dotted ``key`` (``"deductible.tertiary"``)."""
        return self.citations._items[key]  # the read-only table itself: C speed, once per step

    def with_options(
        self,
        *,
        cap_reading: CapReading | None = None,
        reduction_reading: ReductionReading | None = None,
        maternity_reading: MaternityReading | None = None,
    ) -> Policy:
        """The same parameters under other readings of the ambiguous text."""
        return attrs.evolve(
            self,
            cap_reading=cap_reading or self.cap_reading,
            reduction_reading=reduction_reading or self.reduction_reading,
            maternity_reading=maternity_reading or self.maternity_reading,
        )

    def with_base_ceiling(self, multiple: Decimal | None) -> Policy:
        """The same parameters with another 第九条 base ceiling (``None``: no ceiling)."""
        return attrs.evolve(self, base_ceiling=multiple)


def _policy_tuple(value: Iterable[Policy]) -> tuple[Policy, ...]:
    policies = value if type(value) is tuple else tuple(value)
    for policy in policies:
        if not isinstance(policy, Policy):
            raise PolicyError(f"a policy set holds policies, not {type(policy).__name__}")
    return policies


@attrs.frozen(cache_hash=True)
class PolicySet:
    """The loaded policies; picks the one in force on a discharge date (specification §3).

    Immutable and hashable, like its policies.
    """

    policies: tuple[Policy, ...] = attrs.field(converter=_policy_tuple)

    @policies.validator
    def _check(self, _attribute: object, value: tuple[Policy, ...]) -> None:
        if not value:
            raise PolicyError("a policy set needs at least one policy")
        ordered = sorted(value, key=lambda p: p.in_force_from)
        for earlier, later in itertools.pairwise(ordered):
            if later.in_force_from <= earlier.in_force_to:
                raise PolicyError(f"policies {earlier.id} and {later.id} overlap in time")

    def in_force(self, discharged_on: date) -> Policy | None:
        """The policy in force on ``discharged_on``, or ``None`` (第三十九条)."""
        for policy in self.policies:
            if policy.in_force_from <= discharged_on <= policy.in_force_to:  # in_force_on
                return policy
        return None

    def nearest(self, discharged_on: date) -> Policy:
        """The policy whose window is nearest ``discharged_on`` (for a claim outside all)."""
        return min(self.policies, key=lambda p: p.distance_to(discharged_on))


NO_CEILING = "none"


def base_ceiling_from_text(text: str) -> Decimal | None:
    """第九条 base ceiling option: ``"none"``, or a multiple of the average wage, at least 1.

    A ceiling below the average wage would contradict 第九条's floor, so it is refused.
    """
    if text == NO_CEILING:
        return None
    try:
        multiple = Decimal(text)
    except InvalidOperation:
        raise PolicyError(f"{text!r} is neither {NO_CEILING!r} nor a decimal") from None
    if not multiple.is_finite() or multiple < 1:
        raise PolicyError(f"{text!r}: a base ceiling must be a multiple of at least 1")
    return multiple


def _citation(path: str, entry: Mapping[str, Any]) -> Citation:
    article = entry.get("article")
    item = entry.get("item")
    if not isinstance(article, int) or isinstance(article, bool) or article < 1:
        raise PolicyError(f"{path}: 'article' must be a positive integer")
    if item is not None and (not isinstance(item, int) or isinstance(item, bool) or item < 1):
        raise PolicyError(f"{path}: 'item' must be a positive integer")
    return Citation(article, item)


class _Reader:
    """Reads ``{value, article, item}`` entries and records each citation."""

    def __init__(self, data: Mapping[str, Any], source: str) -> None:
        self.data = data
        self.source = source
        self.citations: dict[str, Citation] = {}

    def _entry(self, key: str) -> Any:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise PolicyError(f"{self.source}: missing parameter {key!r}")
            node = node[part]
        if not isinstance(node, Mapping) or "value" not in node:
            raise PolicyError(f"{self.source}: {key}: expected {{value = .., article = ..}}")
        self.citations[key] = _citation(f"{self.source}: {key}", node)
        return node["value"]

    def decimal(self, key: str, *, rate: bool = False) -> Decimal:
        raw = self._entry(key)
        if not isinstance(raw, str):
            raise PolicyError(f"{self.source}: {key}: write decimals as strings, not {raw!r}")
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise PolicyError(f"{self.source}: {key}: {raw!r} is not a decimal") from None
        if not value.is_finite() or value < 0:
            raise PolicyError(f"{self.source}: {key}: {raw!r} must be finite and not negative")
        if rate and value > 1:
            raise PolicyError(f"{self.source}: {key}: a rate must not exceed 1, got {raw}")
        if not rate and value.as_tuple().exponent != -2:
            raise PolicyError(f"{self.source}: {key}: money needs exactly two places, got {raw}")
        return value

    def integer(self, key: str) -> int:
        raw = self._entry(key)
        if not isinstance(raw, int) or isinstance(raw, bool) or raw < 0:
            raise PolicyError(f"{self.source}: {key}: expected a whole number, got {raw!r}")
        return raw

    def day(self, key: str) -> date:
        raw = self._entry(key)
        if not isinstance(raw, date):
            raise PolicyError(f"{self.source}: {key}: expected a date, got {raw!r}")
        return raw

    def rates(self, key: str) -> Rates:
        return Rates(
            self.decimal(f"{key}.basic", rate=True),
            self.decimal(f"{key}.catastrophic", rate=True),
        )

    def text(self, key: str) -> str:
        raw = self.data.get(key)
        if not isinstance(raw, str) or not raw:
            raise PolicyError(f"{self.source}: {key!r} must be a non-empty string")
        return raw

    def option(self, key: str, kind: type[_E]) -> _E:
        raw = self._entry(f"options.{key}")
        try:
            return kind(raw)
        except ValueError:
            allowed = ", ".join(repr(member.value) for member in kind)
            raise PolicyError(
                f"{self.source}: options.{key}: {raw!r} is not one of {allowed}"
            ) from None

    def ceiling(self, key: str) -> Decimal | None:
        raw = self._entry(f"options.{key}")
        if not isinstance(raw, str):
            raise PolicyError(f"{self.source}: options.{key}: write the multiple as a string")
        try:
            return base_ceiling_from_text(raw)
        except PolicyError as error:
            raise PolicyError(f"{self.source}: options.{key}: {error}") from None


def parse_policy(data: Mapping[str, Any], source: str = "<policy>") -> Policy:
    """Validate parsed TOML into a :class:`Policy`."""
    r = _Reader(data, source)
    levels = ("tertiary", "secondary", "primary", "community")
    policy = Policy(
        id=r.text("id"),
        document=r.text("document"),
        title=r.text("title"),
        text=r.text("text"),
        in_force_from=r.day("in_force.from"),
        in_force_to=r.day("in_force.to"),
        waiting_months=r.integer("coverage.waiting_months"),
        deductible_by_level={level: r.decimal(f"deductible.{level}") for level in levels},
        deductible_outside_region=r.decimal("deductible.outside_region"),
        cap_basic=r.decimal("caps.basic"),
        cap_catastrophic=r.decimal("caps.catastrophic"),
        rates_local=r.rates("rates.local"),
        rates_in_province=r.rates("rates.in_province"),
        rates_out_of_province=r.rates("rates.out_of_province"),
        reimbursement_reduction=r.decimal("rates.reimbursement.reduction", rate=True),
        emergency_report_working_days=r.integer("emergency.report_working_days"),
        subsidy_threshold=r.decimal("subsidy.threshold"),
        subsidy_rate=r.decimal("subsidy.rate", rate=True),
        subsidy_cap=r.decimal("subsidy.cap"),
        employer_rate=r.decimal("contributions.employer_rate", rate=True),
        employee_rate=r.decimal("contributions.employee_rate", rate=True),
        flexible_rate=r.decimal("contributions.flexible_rate", rate=True),
        mutual_aid_fee=r.decimal("contributions.mutual_aid_fee"),
        account_rate=r.decimal("contributions.account_rate", rate=True),
        makeup_rate=r.decimal("contributions.makeup_rate", rate=True),
        retirement_age_male=r.integer("retirement.age_male"),
        retirement_age_female_cadre=r.integer("retirement.age_female_cadre"),
        retirement_age_female_worker=r.integer("retirement.age_female_worker"),
        minimum_months_male=r.integer("retirement.minimum_months_male"),
        minimum_months_female=r.integer("retirement.minimum_months_female"),
        actual_months_from=r.day("retirement.actual_months_from"),
        minimum_continuous_months=r.integer("retirement.minimum_continuous_months"),
        cap_reading=r.option("cap_reading", CapReading),
        reduction_reading=r.option("reimbursement_reduction", ReductionReading),
        maternity_reading=r.option("maternity", MaternityReading),
        base_ceiling=r.ceiling("contribution_base_ceiling"),
        citations=dict(r.citations),
    )
    if policy.in_force_from > policy.in_force_to:
        raise PolicyError(f"{source}: in_force.from is after in_force.to")
    if policy.actual_months_from.day != 1:
        raise PolicyError(f"{source}: retirement.actual_months_from must be a first of the month")
    return policy


def load_policy(path: str) -> Policy:
    """Load and validate a parameter file from the file system."""
    with open(path, "rb") as handle:
        try:
            data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            raise PolicyError(f"{path}: {error}") from None
    return parse_policy(data, path)


BUNDLED = ("yongzhou-2017.toml",)


def load_bundled(name: str) -> Policy:
    """Load a parameter file shipped in this package."""
    raw = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    return parse_policy(tomllib.loads(raw), name)


@cache
def default_policies() -> PolicySet:
    """Every policy shipped in the package, loaded and validated once."""
    return PolicySet(tuple(load_bundled(name) for name in BUNDLED))


def policy_text(policy: Policy) -> str:
    """The published text of the measures a policy implements (shipped in the package)."""
    return resources.files(__name__).joinpath(policy.text).read_text(encoding="utf-8")


def policies_from_files(paths: Iterable[str]) -> PolicySet:
    """A policy set of the given parameter files."""
    return PolicySet(tuple(load_policy(path) for path in paths))
