"""The report's arithmetic (pure): records folded into group totals, rejections by reason and
person-years; the annual caps and the secondary subsidy of each year from its person-years.

Every amount is kept in whole fen (``int``), so every total is exact and equals the sum of the
records read. Records count with their own amounts: a reversal (结算撤销) takes its settlement
out again, a correction (年终清算更正) adds its difference, so a report over a ledger store shows
what is in effect. Counts of claims are net likewise: a settlement +1, a reversal −1, a
correction 0.

A person-year's ledger is the ledger before its first record read (that record's ``ytd`` less its
own amounts) plus the sum of its records read (specification §18: the ledger of a person-year
equals its opening ledger plus the sum of all its records). Its first record read is its first
record when the records are read in the order they were made: a store in its own order, results
files in the order they were written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Protocol

import attrs

from yzmedins.model import AMOUNT_FIELDS, AppliedRule, ClaimResult, ClaimStatus, RecordKind
from yzmedins.money import round_fen, round_fen_exact

#: Every amount of a record, in the order of the result line.
AMOUNTS = AMOUNT_FIELDS
#: The dimensions of a group, in order: settlement year, month of discharge (0: not recorded),
#: applied rule, hospital level, region, settlement, category ("" where a record has none).
DIMENSIONS = (
    "year",
    "month",
    "applied_rule",
    "hospital_level",
    "hospital_region",
    "settlement",
    "category",
)
#: The counts of a group, before its amounts: records, settlements, reversals, corrections,
#: claims in effect (settlements − reversals), approved claims in effect.
COUNTS = ("records", "settlements", "reversals", "corrections", "claims", "approved")
#: The amounts a person-year keeps: the ledger's five, then what was left above the caps.
LEDGER = ("basic_fund", "catastrophic_fund", "self_burden", "secondary_subsidy", "banded")
#: Quantiles of the subsidy per person paid, by nearest rank (key, fraction of persons).
QUANTILES = (("p25", Fraction(1, 4)), ("median", Fraction(1, 2)), ("p75", Fraction(3, 4)),
             ("p90", Fraction(9, 10)))  # fmt: skip
#: Bins of the subsidy histogram: the subsidy's cap in this many equal parts.
HISTOGRAM_BINS = 15

GroupKey = tuple[int, int, str, str, str, str, str]
#: A group's counts (:data:`COUNTS`) then its amounts (:data:`AMOUNTS`), in fen.
Row = list[int]
#: A person-year's sums over its records: the :data:`LEDGER` amounts, then the part above caps.
PersonSums = tuple[int, int, int, int, int, int]
#: A person-year's ledger before its first record read (:data:`LEDGER`).
Opening = tuple[int, int, int, int, int]


def fen(amount: Decimal) -> int:
    """An exact two-place amount as whole fen."""
    return int(amount.scaleb(2))


def yuan(value: int) -> Decimal:
    """Whole fen as an exact two-place amount."""
    return Decimal(value).scaleb(-2)


class PersonYears(Protocol):
    """Where the fold keeps person-years: in memory (:class:`MemoryPersonYears`) or staged on
    disk (:class:`yzmedins.report.persons.StagedPersonYears`)."""

    def add(self, person_id: str, year: int, opening: Opening, sums: PersonSums) -> None:
        """Add a record's sums; ``opening`` counts only for a person-year not seen before."""

    def years(self) -> list[int]:
        """The years held, ascending."""

    def paid(self, year: int) -> int:
        """The person-years of ``year`` whose records paid a subsidy above zero."""

    def rows(self, year: int) -> Iterator[tuple[Opening, PersonSums]]:
        """The person-years of ``year``, by the subsidy their records paid, ascending."""


class MemoryPersonYears:
    """Person-years in a dictionary: for tests and small inputs."""

    def __init__(self) -> None:
        self.data: dict[tuple[str, int], tuple[Opening, list[int]]] = {}

    def add(self, person_id: str, year: int, opening: Opening, sums: PersonSums) -> None:
        held = self.data.get((person_id, year))
        if held is None:
            self.data[person_id, year] = (opening, list(sums))
        else:
            totals = held[1]
            for index, value in enumerate(sums):
                totals[index] += value

    def years(self) -> list[int]:
        return sorted({year for _, year in self.data})

    def paid(self, year: int) -> int:
        return sum(1 for (_, y), (_, s) in self.data.items() if y == year and s[3] > 0)

    def rows(self, year: int) -> Iterator[tuple[Opening, PersonSums]]:
        chosen = [(o, s) for (_, y), (o, s) in self.data.items() if y == year]
        chosen.sort(key=lambda row: row[1][3])
        for opening, sums in chosen:
            yield opening, (sums[0], sums[1], sums[2], sums[3], sums[4], sums[5])


def above_caps(record: ClaimResult) -> int:
    """第十七条, 第十八条 最高实际支付限额以上部分由个人负担: the part of a record's banded amount
    (``R``) that neither fund took at its rate, in fen.

    A fund that paid exactly its rate's share of what reached it (rounded to the fen, as the
    engine pays) took all of it; a fund held back by its cap took ``paid / rate`` of it. What is
    left is above the caps. Exact on settlements and their reversals (a reversal's part is the
    negation of its settlement's); a correction's part is its difference by the same formula
    taken linearly, within a fen. Zero on rejected and special outpatient records.
    """
    if (
        record.status is not ClaimStatus.APPROVED
        or record.applied_rule is AppliedRule.SPECIAL_OUTPATIENT
        or not record.basic_rate
        or not record.catastrophic_rate
    ):
        return 0
    basic_rate = Fraction(record.basic_rate)
    catastrophic_rate = Fraction(record.catastrophic_rate)
    if record.record is RecordKind.CORRECTION:
        left = (
            Fraction(record.banded)
            - Fraction(record.basic_fund) / basic_rate
            - Fraction(record.catastrophic_fund) / catastrophic_rate
        )
        return fen(round_fen_exact(left))
    sign = -1 if record.banded < 0 else 1
    banded, basic = abs(record.banded), abs(record.basic_fund)
    catastrophic = abs(record.catastrophic_fund)
    if not banded:
        return 0
    whole = Fraction(banded)
    took_basic = (
        whole if basic >= round_fen(banded * record.basic_rate) else Fraction(basic) / basic_rate
    )
    rest = whole - took_basic
    if catastrophic >= round_fen_exact(rest * catastrophic_rate):
        return 0
    left = rest - Fraction(catastrophic) / catastrophic_rate
    return sign * fen(round_fen_exact(left))


def group_key(record: ClaimResult) -> GroupKey:
    discharged = record.discharged_on
    return (
        record.year,
        discharged.month if discharged is not None else 0,
        record.applied_rule.value,
        record.hospital_level.value if record.hospital_level is not None else "",
        record.hospital_region.value if record.hospital_region is not None else "",
        record.settlement.value if record.settlement is not None else "",
        record.category.value if record.category is not None else "",
    )


_NET = {RecordKind.SETTLEMENT: 1, RecordKind.REVERSAL: -1, RecordKind.CORRECTION: 0}
_KIND_INDEX = {RecordKind.SETTLEMENT: 1, RecordKind.REVERSAL: 2, RecordKind.CORRECTION: 3}


class Fold:
    """Records in, group totals, rejections and person-years out; memory holds the groups
    (few: years × months × rules × levels × regions × settlements × categories) and whatever
    ``person_years`` keeps in memory."""

    def __init__(self, person_years: PersonYears, year: int | None = None) -> None:
        self.person_years = person_years
        self.year = year
        self.groups: dict[GroupKey, Row] = {}
        #: (year, reason code) → [claims in effect, records, total billed in fen]
        self.rejections: dict[tuple[int, str], list[int]] = {}
        self.records = 0
        self.skipped = 0  # records of other years than ``year``

    def add(self, record: ClaimResult) -> None:
        if self.year is not None and record.year != self.year:
            self.skipped += 1
            return
        self.records += 1
        amounts = [fen(getattr(record, name)) for name in AMOUNTS]
        key = group_key(record)
        row = self.groups.get(key)
        if row is None:
            row = self.groups[key] = [0] * (len(COUNTS) + len(AMOUNTS))
        net = _NET[record.record]
        row[0] += 1
        row[_KIND_INDEX[record.record]] += 1
        row[4] += net
        if record.status is ClaimStatus.APPROVED:
            row[5] += net
        for index, value in enumerate(amounts, len(COUNTS)):
            row[index] += value
        if record.status is ClaimStatus.REJECTED and record.reasons:
            rejected = self.rejections.setdefault((record.year, record.reasons[0].code), [0, 0, 0])
            rejected[0] += net
            rejected[1] += 1
            rejected[2] += amounts[0]
        ytd = record.ytd
        own = (amounts[5], amounts[6], amounts[11], amounts[8], amounts[13])
        opening = (
            fen(ytd.basic_fund) - own[0],
            fen(ytd.catastrophic_fund) - own[1],
            fen(ytd.self_burden) - own[2],
            fen(ytd.secondary_subsidy) - own[3],
            fen(ytd.banded) - own[4],
        )
        self.person_years.add(record.person_id, record.year, opening, (*own, above_caps(record)))


@attrs.frozen
class Caps:
    """The caps of a settlement year in fen (第十七条, 第二十六条), from its policy."""

    basic: int
    catastrophic: int
    subsidy: int


@attrs.frozen
class YearStats:
    """The annual caps and the secondary subsidy of one settlement year."""

    year: int
    caps: Caps
    persons: int
    reached_basic: int
    reached_catastrophic: int
    reached_both: int
    above_caps: int
    persons_above: int
    subsidy_persons: int
    subsidy_paid: int
    at_subsidy_cap: int
    #: (key, fen): minimum, the :data:`QUANTILES`, maximum, mean; empty when no one was paid.
    quantiles: tuple[tuple[str, int], ...]
    #: (low, high, persons): subsidies above ``low`` and at most ``high`` fen.
    histogram: tuple[tuple[int, int, int], ...]


def _rank(fraction: Fraction, count: int) -> int:
    """The nearest rank (1-based) of ``fraction`` of ``count`` values: ⌈fraction × count⌉."""
    return max(1, -((-fraction.numerator * count) // fraction.denominator))


def year_statistics(
    year: int, caps: Caps, paid_count: int, rows: Iterable[tuple[Opening, PersonSums]]
) -> YearStats:
    """The caps and subsidy figures of ``year`` from its person-years, given ascending by the
    subsidy their records paid; ``paid_count`` of them were paid more than zero. One pass; what
    it keeps does not grow with the number of persons."""
    persons = reached_basic = reached_catastrophic = reached_both = 0
    above = persons_above = paid_total = at_cap = 0
    width = -(-caps.subsidy // HISTOGRAM_BINS)
    bins = [0] * HISTOGRAM_BINS
    ranks = {key: _rank(fraction, paid_count) for key, fraction in QUANTILES}
    quantiles: dict[str, int] = {}
    seen_paid = 0
    for opening, sums in rows:
        persons += 1
        basic = opening[0] + sums[0]
        catastrophic = opening[1] + sums[1]
        hit_basic, hit_catastrophic = basic >= caps.basic, catastrophic >= caps.catastrophic
        reached_basic += hit_basic
        reached_catastrophic += hit_catastrophic
        reached_both += hit_basic and hit_catastrophic
        above += sums[5]
        persons_above += sums[5] > 0
        subsidy = sums[3]
        if subsidy <= 0:
            continue
        seen_paid += 1
        paid_total += subsidy
        at_cap += opening[3] + subsidy >= caps.subsidy
        bins[min((subsidy - 1) // width, HISTOGRAM_BINS - 1)] += 1
        if seen_paid == 1:
            quantiles["minimum"] = subsidy
        for key, rank in ranks.items():
            if rank == seen_paid:
                quantiles[key] = subsidy
        quantiles["maximum"] = subsidy
    figures: tuple[tuple[str, int], ...] = ()
    if seen_paid:
        mean = fen(round_fen(yuan(paid_total) / seen_paid))
        order = ("minimum", *(key for key, _ in QUANTILES), "maximum")
        figures = (*((key, quantiles[key]) for key in order), ("mean", mean))
    return YearStats(
        year=year,
        caps=caps,
        persons=persons,
        reached_basic=reached_basic,
        reached_catastrophic=reached_catastrophic,
        reached_both=reached_both,
        above_caps=above,
        persons_above=persons_above,
        subsidy_persons=seen_paid,
        subsidy_paid=paid_total,
        at_subsidy_cap=at_cap,
        quantiles=figures,
        histogram=tuple(
            (index * width, min((index + 1) * width, caps.subsidy), count)
            for index, count in enumerate(bins)
        ),
    )


@attrs.frozen
class Report:
    """Everything a report shows, exact; the tables and charts are made from it."""

    sources: tuple[str, ...]
    year: int | None
    records: int
    errors: int
    groups: tuple[tuple[GroupKey, tuple[int, ...]], ...]
    rejections: tuple[tuple[tuple[int, str], tuple[int, int, int]], ...]
    years: tuple[YearStats, ...]

    @property
    def empty(self) -> bool:
        return not self.records


def finish(
    fold: Fold, sources: Iterable[str], errors: int, caps_of: Callable[[int], Caps]
) -> Report:
    """The report of everything ``fold`` read; ``caps_of`` gives a year's caps."""
    people = fold.person_years
    return Report(
        sources=tuple(sources),
        year=fold.year,
        records=fold.records,
        errors=errors,
        groups=tuple((key, tuple(row)) for key, row in sorted(fold.groups.items())),
        rejections=tuple((key, (r[0], r[1], r[2])) for key, r in sorted(fold.rejections.items())),
        years=tuple(
            year_statistics(year, caps_of(year), people.paid(year), people.rows(year))
            for year in people.years()
        ),
    )
