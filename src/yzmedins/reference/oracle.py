"""The reference settlement of one claim: the contract (docs/specification.md §2–§12) written
again from its text alone, without the engine's code.

It imports nothing of ``yzmedins.rules``, ``yzmedins.engine`` or the codec (a test holds it to
that): the standard library and its own working-day calendar
(:mod:`yzmedins.reference.workdays`, from another source than the engine's) only. Its numbers are
written here, each with its article, rather than read from the engine's parameter file, so that
a wrong parameter cannot hide in both. The three readings of §16 are :class:`Options`.

Input errors are :class:`InputError` with a message naming the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from yzmedins.reference.workdays import CoverageError, is_working_day

Person = dict[str, Any]
Claim = dict[str, Any]
Ledger = dict[str, Decimal]
Record = tuple[int, int, date | None]
Ytd = tuple[int, Ledger]
Parsed = tuple[Person, list[Record], Ytd | None, list[Claim]]
Terms = tuple[str, Decimal, Decimal, Decimal]
BenefitRun = tuple[int, int, int]

# ---------------------------------------------------------------- parameters
WINDOW = (date(2018, 1, 1), date(2022, 6, 30))  # Art. 39
DED_LOCAL = {
    "tertiary": Decimal("800"),
    "secondary": Decimal("500"),
    "primary": Decimal("300"),
    "community": Decimal("100"),
}  # Art. 17
DED_OUT = Decimal("1200")  # Art. 17
RATE_LOCAL = (Decimal("0.90"), Decimal("0.95"))  # Art. 18
RATE_REF = {
    "in_province": (Decimal("0.80"), Decimal("0.85")),  # Art. 23(1)
    "out_of_province": (Decimal("0.70"), Decimal("0.75")),  # Art. 23(2)
}
REIMB_CUT = Decimal("0.10")  # Art. 23(3)
CAP_B = Decimal("150000.00")  # Art. 17
CAP_C = Decimal("300000.00")  # Art. 17
SUB_THRESHOLD = Decimal("20000")  # Art. 26
SUB_RATE = Decimal("0.5")
SUB_CAP = Decimal("150000.00")
MAX_MONEY = Decimal("99999999.99")
ZERO = Decimal("0.00")
FEN = Decimal("0.01")
ACTUAL_FROM = (2003, 1)  # Art. 11

EXCLUDED = {
    "suicide_self_harm": 1,
    "assault_or_fight": 1,
    "alcohol_or_drugs": 1,
    "in_custody": 1,
    "traffic_accident": 2,
    "medical_accident": 2,
    "liability_accident": 2,
    "work_injury": 3,
    "cosmetic": 4,
    "illegal_act": 5,
    "other_excluded": 9,
}
CAUSES = set(EXCLUDED) | {"illness", "accident_no_third_party"}
LEVELS = {"tertiary", "secondary", "primary", "community"}
REGIONS = {"local", "in_province", "out_of_province", "abroad"}
ROUTES = {"referral", "relocated", "emergency"}
SETTLEMENTS = {"direct", "reimbursement"}
CATEGORIES = {"employee", "flexible", "retiree"}
STATUSES = {
    "lixiu",
    "disabled_veteran",
    "civil_servant",
    "model_worker",
    "special_allowance",
    "hardship_enterprise",
}
TYPES = {"inpatient", "special_outpatient"}


class InputError(Exception):
    pass


@dataclass(frozen=True)
class Options:
    """The readings of specification §16: ``cap_reading`` (Art. 17, 18) ``actual_payment`` or
    ``cumulative_bands``; ``reimbursement_reduction`` (Art. 23(3)) ``points`` or ``relative``;
    ``maternity`` (Art. 20) ``no_deductible`` or ``fund_pays_below_deductible``."""

    cap_reading: str = "actual_payment"
    reimbursement_reduction: str = "points"
    maternity: str = "no_deductible"

    def __post_init__(self) -> None:
        allowed = {
            "cap_reading": ("actual_payment", "cumulative_bands"),
            "reimbursement_reduction": ("points", "relative"),
            "maternity": ("no_deductible", "fund_pays_below_deductible"),
        }
        for name, values in allowed.items():
            if getattr(self, name) not in values:
                raise ValueError(f"{name}: {getattr(self, name)!r} is not one of {values}")


DEFAULT = Options()


def reduced(rate: Decimal, reimbursement: bool, options: Options) -> Decimal:
    """Art. 23(3) 少10%: ten points lower (default) or ×0.9 (relative) when settled by
    reimbursement."""
    if not reimbursement:
        return rate
    if options.reimbursement_reduction == "relative":
        return rate * (1 - REIMB_CUT)
    return rate - REIMB_CUT


# ---------------------------------------------------------------- money
_MONEY_RE = re.compile(r"^[0-9]+(\.[0-9]{1,2})?$")


def parse_money(v: Any, path: str) -> Decimal:
    if isinstance(v, bool):
        raise InputError(f"{path}: boolean is not money")
    if isinstance(v, str):
        if not _MONEY_RE.match(v):
            raise InputError(f"{path}: {v!r} is not a money amount with at most two decimals")
        d = Decimal(v)
    elif isinstance(v, (int, float)):
        s = repr(v)
        try:
            d = Decimal(s)
        except Exception:
            raise InputError(f"{path}: {s} is not a money amount") from None
        if not d.is_finite():
            raise InputError(f"{path}: {s} is not finite")
        if d.is_signed() and s.startswith("-"):
            raise InputError(f"{path}: negative amount {s}")
        exponent = d.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -2:
            raise InputError(f"{path}: {s} has more than two decimal places")
    else:
        raise InputError(f"{path}: wrong type for money")
    if d < 0:
        raise InputError(f"{path}: negative amount")
    if d > MAX_MONEY:
        raise InputError(f"{path}: amount above 99,999,999.99")
    return d.quantize(FEN)


def fen(x: Decimal | Fraction) -> Decimal:
    """round to the fen, ROUND_HALF_UP; x is Decimal or Fraction (non-negative)."""
    if isinstance(x, Fraction):
        n = x * 100
        q = (n.numerator * 2 + n.denominator) // (2 * n.denominator)  # floor(n + 1/2)
        return (Decimal(q) / 100).quantize(FEN)
    return x.quantize(FEN, rounding=ROUND_HALF_UP)


def m2s(d: Decimal) -> str:
    return str(d.quantize(FEN))


def rate2s(r: Decimal) -> str:
    r = r.normalize()
    exponent = r.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        r = r.quantize(FEN)
    return format(r, "f")


# ---------------------------------------------------------------- dates
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH_RE = re.compile(r"^\d{4}-\d{2}$")


def parse_date(v: Any, path: str) -> date:
    if not isinstance(v, str) or not _DATE_RE.match(v):
        raise InputError(f"{path}: {v!r} is not a date YYYY-MM-DD")
    try:
        return date.fromisoformat(v)
    except ValueError:
        raise InputError(f"{path}: {v!r} is not a valid date") from None


def parse_month(v: Any, path: str) -> int:
    if not isinstance(v, str) or not _MONTH_RE.match(v):
        raise InputError(f"{path}: {v!r} is not a month YYYY-MM")
    y, m = int(v[:4]), int(v[5:])
    if not 1 <= m <= 12 or y < 1:
        raise InputError(f"{path}: {v!r} is not a valid month")
    return y * 12 + (m - 1)  # month index


def mi(d: date) -> int:
    return d.year * 12 + d.month - 1


# ---------------------------------------------------------------- validation helpers
def check_keys(obj: Any, allowed: set[str], path: str) -> None:
    if not isinstance(obj, dict):
        raise InputError(f"{path}: expected an object")
    for k in obj:
        if k not in allowed:
            raise InputError(f"{path}.{k}: unknown key")


def get_enum(
    obj: dict[str, Any],
    key: str,
    values: set[str],
    path: str,
    default: str | None = None,
    required: bool = False,
) -> str | None:
    v = obj.get(key)
    if v is None:
        if required:
            raise InputError(f"{path}.{key}: required")
        return default
    if not isinstance(v, str) or v not in values:
        raise InputError(f"{path}.{key}: {v!r} is not one of {sorted(values)}")
    return v


def get_bool(obj: dict[str, Any], key: str, path: str, default: bool = False) -> bool:
    v = obj.get(key)
    if v is None:
        return default
    if not isinstance(v, bool):
        raise InputError(f"{path}.{key}: expected a boolean")
    return v


def get_str(obj: dict[str, Any], key: str, path: str) -> str:
    v = obj.get(key)
    if v is None:
        raise InputError(f"{path}.{key}: required")
    if not isinstance(v, str):
        raise InputError(f"{path}.{key}: expected a string")
    return v


def get_date(obj: dict[str, Any], key: str, path: str, required: bool = False) -> date | None:
    v = obj.get(key)
    if v is None:
        if required:
            raise InputError(f"{path}.{key}: required")
        return None
    return parse_date(v, f"{path}.{key}")


def get_money(
    obj: dict[str, Any],
    key: str,
    path: str,
    default: Decimal | None = None,
    required: bool = False,
) -> Decimal | None:
    v = obj.get(key)
    if v is None:
        if required:
            raise InputError(f"{path}.{key}: required")
        return default
    return parse_money(v, f"{path}.{key}")


def S(x: Decimal) -> Decimal:
    """Art. 26 subsidy of a year's cumulative self-burden."""
    return min(fen(max(x - SUB_THRESHOLD, Decimal(0)) * SUB_RATE), SUB_CAP)


# ---------------------------------------------------------------- parse bundle
PERSON_KEYS = {
    "id",
    "sex",
    "birth_date",
    "category",
    "female_class",
    "statuses",
    "retired_on",
    "early_retirement",
    "deemed_months",
    "relocated_since",
    "lump_sum_paid_on",
}
CLAIM_KEYS = {
    "id",
    "type",
    "admitted_on",
    "discharged_on",
    "hospital",
    "route",
    "settlement",
    "maternity",
    "cause",
    "emergency_reported_on",
    "exception_approved",
    "total",
    "full_self_pay",
    "pre_self_pay",
    "other_fund",
}
HOSP_KEYS = {"level", "region", "contracted", "provincial"}
YTD_KEYS = {
    "year",
    "basic_fund",
    "catastrophic_fund",
    "self_burden",
    "secondary_subsidy",
    "banded",
}


def parse_ytd(y: Any) -> Ytd:
    """A given ``ytd`` (§11): the year and the ledger."""
    check_keys(y, YTD_KEYS, "ytd")
    yr = y.get("year")
    if isinstance(yr, bool) or not isinstance(yr, int):
        raise InputError("ytd.year: expected an integer")
    led: dict[str, Any] = {}
    for key in ("basic_fund", "catastrophic_fund", "self_burden", "secondary_subsidy"):
        led[key] = get_money(y, key, "ytd", required=True)
    led["banded"] = get_money(y, "banded", "ytd", ZERO)
    if led["basic_fund"] > CAP_B:
        raise InputError("ytd.basic_fund: above the basic cap")
    if led["catastrophic_fund"] > CAP_C:
        raise InputError("ytd.catastrophic_fund: above the catastrophic cap")
    if led["secondary_subsidy"] > SUB_CAP:
        raise InputError("ytd.secondary_subsidy: above the subsidy cap")
    return (yr, led)


def parse_bundle(b: Any) -> Parsed:
    check_keys(b, {"person", "contributions", "ytd", "claims"}, "bundle")
    # person
    p = b.get("person")
    if p is None:
        raise InputError("person: required")
    check_keys(p, PERSON_KEYS, "person")
    person: Person = {}
    person["id"] = get_str(p, "id", "person")
    person["sex"] = get_enum(p, "sex", {"male", "female"}, "person", required=True)
    person["birth_date"] = get_date(p, "birth_date", "person", required=True)
    person["category"] = get_enum(p, "category", CATEGORIES, "person", required=True)
    person["female_class"] = get_enum(p, "female_class", {"cadre", "worker"}, "person", "worker")
    st = p.get("statuses")
    if st is None:
        st = []
    if not isinstance(st, list):
        raise InputError("person.statuses: expected a list")
    for i, s in enumerate(st):
        if not isinstance(s, str) or s not in STATUSES:
            raise InputError(f"person.statuses[{i}]: {s!r} is not one of {sorted(STATUSES)}")
    person["statuses"] = set(st)
    person["retired_on"] = get_date(p, "retired_on", "person")
    if person["category"] == "retiree" and person["retired_on"] is None:
        raise InputError("person.retired_on: required for category retiree")
    person["early_retirement"] = get_bool(p, "early_retirement", "person")
    dm = p.get("deemed_months")
    if dm is None:
        dm = 0
    if isinstance(dm, bool) or not isinstance(dm, int) or dm < 0:
        raise InputError("person.deemed_months: expected a non-negative integer")
    person["deemed_months"] = dm
    person["relocated_since"] = get_date(p, "relocated_since", "person")
    person["lump_sum_paid_on"] = get_date(p, "lump_sum_paid_on", "person")

    # contributions
    cs = b.get("contributions")
    if cs is None:
        cs = []
    if not isinstance(cs, list):
        raise InputError("contributions: expected a list")
    records: list[Record] = []
    for i, c in enumerate(cs):
        path = f"contributions[{i}]"
        check_keys(c, {"from", "to", "base", "paid_on"}, path)
        if c.get("from") is None or c.get("to") is None:
            raise InputError(f"{path}: from and to are required")
        f = parse_month(c["from"], f"{path}.from")
        t = parse_month(c["to"], f"{path}.to")
        if t < f:
            raise InputError(f"{path}: to before from")
        get_money(c, "base", path)
        paid = get_date(c, "paid_on", path)
        records.append((f, t, paid))

    # ytd
    y = b.get("ytd")
    ytd = None if y is None else parse_ytd(y)

    # claims
    cl = b.get("claims")
    if cl is None:
        cl = []
    if not isinstance(cl, list):
        raise InputError("claims: expected a list")
    claims: list[Claim] = []
    seen: set[str] = set()
    for i, c in enumerate(cl):
        path = f"claims[{i}]"
        check_keys(c, CLAIM_KEYS, path)
        k: Claim = {}
        k["id"] = get_str(c, "id", path)
        if k["id"] in seen:
            raise InputError(f"{path}.id: duplicate claim id {k['id']!r}")
        seen.add(k["id"])
        k["type"] = get_enum(c, "type", TYPES, path, "inpatient")
        k["admitted_on"] = get_date(c, "admitted_on", path, required=True)
        k["discharged_on"] = get_date(c, "discharged_on", path, required=True)
        if k["discharged_on"] < k["admitted_on"]:
            raise InputError(f"{path}: discharged_on before admitted_on")
        # stay-only keys: validated when present, read only on inpatient claims
        h = c.get("hospital")
        hosp = None
        if h is not None:
            check_keys(h, HOSP_KEYS, f"{path}.hospital")
            hosp = {
                "level": get_enum(
                    h, "level", LEVELS, f"{path}.hospital", required=(k["type"] == "inpatient")
                ),
                "region": get_enum(
                    h, "region", REGIONS, f"{path}.hospital", required=(k["type"] == "inpatient")
                ),
                "contracted": get_bool(h, "contracted", f"{path}.hospital", True),
                "provincial": get_bool(h, "provincial", f"{path}.hospital", False),
            }
        elif k["type"] == "inpatient":
            raise InputError(f"{path}.hospital: required on an inpatient claim")
        k["hospital"] = hosp
        k["route"] = get_enum(c, "route", ROUTES, path)
        k["settlement"] = get_enum(c, "settlement", SETTLEMENTS, path, "direct")
        k["maternity"] = get_bool(c, "maternity", path)
        k["cause"] = get_enum(c, "cause", CAUSES, path, "illness")
        k["emergency_reported_on"] = get_date(c, "emergency_reported_on", path)
        k["exception_approved"] = get_bool(c, "exception_approved", path)
        k["total"] = get_money(c, "total", path, required=True)
        k["full_self_pay"] = get_money(c, "full_self_pay", path, ZERO)
        k["pre_self_pay"] = get_money(c, "pre_self_pay", path, ZERO)
        if k["full_self_pay"] > k["total"]:
            raise InputError(f"{path}.full_self_pay: exceeds total")
        if k["pre_self_pay"] > k["total"] - k["full_self_pay"]:
            raise InputError(f"{path}.pre_self_pay: exceeds total - full_self_pay")
        of = c.get("other_fund")
        if k["type"] == "inpatient":
            if of is not None:
                raise InputError(f"{path}.other_fund: must be null on an inpatient claim")
            k["other_fund"] = ZERO
        else:
            k["other_fund"] = get_money(c, "other_fund", path, required=True)
            if k["other_fund"] > k["total"] - k["full_self_pay"] - k["pre_self_pay"]:
                raise InputError(f"{path}.other_fund: exceeds total - full_self_pay - pre_self_pay")
        claims.append(k)
    return person, records, ytd, claims


# ---------------------------------------------------------------- coverage (Art. 7, 11, 12)
def covered_months(records: list[Record]) -> set[int]:
    s: set[int] = set()
    for f, t, _ in records:
        s.update(range(f, t + 1))
    return s


def runs_of(months: Iterable[int]) -> list[tuple[int, int]]:
    """maximal consecutive stretches as (first, last)."""
    out: list[list[int]] = []
    for m in sorted(months):
        if out and out[-1][1] == m - 1:
            out[-1][1] = m
        else:
            out.append([m, m])
    return [(r[0], r[1]) for r in out]


def benefit_starts(records: list[Record], months: set[int]) -> list[BenefitRun]:
    res: list[BenefitRun] = []
    for first, last in runs_of(months):
        paids = [p for f, t, p in records if f <= first <= t and p is not None]
        start = first + 1
        if paids:
            start = max(start, mi(min(paids)) + 1)
        res.append((first, last, start))
    return res


def statutory_date(person: Person) -> date:
    age = 60 if person["sex"] == "male" else 55 if person["female_class"] == "cadre" else 50
    b: date = person["birth_date"]
    y = b.year + age
    try:
        return b.replace(year=y)
    except ValueError:  # 29 Feb in a non-leap year
        return date(y, 2, 28)


def retirement_qualified(person: Person, months: set[int], judged_month: int) -> bool:
    """§9 test applied to the contribution months before judged_month."""
    if person["retired_on"] < statutory_date(person):
        return False
    lo = ACTUAL_FROM[0] * 12 + ACTUAL_FROM[1] - 1
    actual = {m for m in months if lo <= m < judged_month}
    minimum = 360 if person["sex"] == "male" else 300
    if person["deemed_months"] + len(actual) < minimum:
        return False
    longest = max((last - first + 1 for first, last in runs_of(actual)), default=0)
    return longest >= 120


def coverage(
    person: Person,
    records: list[Record],
    months: set[int],
    bstarts: list[BenefitRun],
    admitted: date,
) -> str | None:
    """returns None (covered), 'NOT_INSURED' or 'WAITING_PERIOD'."""
    m = mi(admitted)
    in_run = False
    for first, last, start in bstarts:
        if first <= m <= last:
            in_run = True
            if m >= start:
                return None
    ro = person["retired_on"]
    if ro is not None and admitted >= ro:
        if retirement_qualified(person, months, m):
            return None
        lp = person["lump_sum_paid_on"]
        if lp is not None and m >= mi(lp) + 1:
            return None
    return "WAITING_PERIOD" if in_run else "NOT_INSURED"


# ---------------------------------------------------------------- calendar (Art. 25)
EMERGENCY_WORKING_DAYS = 3  # Art. 25: reported within three working days


def emergency_deadline(admitted: date) -> date:
    d = admitted
    n = 0
    while n < EMERGENCY_WORKING_DAYS:
        d = d + timedelta(days=1)
        try:
            wd = is_working_day(d)
        except CoverageError as error:
            raise InputError(str(error)) from None
        if wd:
            n += 1
    return d


# ---------------------------------------------------------------- adjudication
def reason(code: str, article: int, item: int | None, message: str) -> dict[str, Any]:
    return {"code": code, "article": article, "item": item, "message": message}


def route_terms(person: Person, k: Claim, options: Options = DEFAULT) -> Terms | None:
    """returns (route_kind, deductible, rb, rc) or None if unreferred (no valid route).
    route_kind in local / referral / relocated_prov / relocated_local / emergency."""
    h = k["hospital"]
    region = h["region"]
    reimb = k["settlement"] == "reimbursement"
    if region == "local":
        return ("local", DED_LOCAL[h["level"]], *RATE_LOCAL)
    r = k["route"]
    ref_rates = RATE_REF.get(region)  # None for abroad
    if r == "referral" or r == "emergency":
        if ref_rates is None:
            return (r, DED_OUT, Decimal(0), Decimal(0))
        return (
            r,
            DED_OUT,
            reduced(ref_rates[0], reimb, options),
            reduced(ref_rates[1], reimb, options),
        )
    if r == "relocated":
        rs = person["relocated_since"]
        if rs is not None and rs <= k["admitted_on"]:
            if h["provincial"] and h["level"] == "tertiary":
                rr = RATE_REF["in_province"]
                return (
                    "relocated_prov",
                    DED_OUT,
                    reduced(rr[0], reimb, options),
                    reduced(rr[1], reimb, options),
                )
            return ("relocated_local", DED_LOCAL[h["level"]], *RATE_LOCAL)
    return None


def referral_terms(k: Claim, options: Options = DEFAULT) -> Terms:
    """exception_approved: settled as a referral to the stay's region (Art. 23)."""
    region = k["hospital"]["region"]
    if region not in RATE_REF:  # abroad: rejected ABROAD anyway
        return ("referral_exception", DED_OUT, Decimal(0), Decimal(0))
    reimb = k["settlement"] == "reimbursement"
    rr = RATE_REF[region]
    return (
        "referral_exception",
        DED_OUT,
        reduced(rr[0], reimb, options),
        reduced(rr[1], reimb, options),
    )


def overlap(low: Decimal, high: Decimal, start: Decimal, end: Decimal) -> Decimal:
    """The length of [low, high] ∩ [start, end] (0 if none)."""
    return max(min(high, end) - max(low, start), Decimal(0))


def adjudicate(
    person: Person,
    records: list[Record],
    months: set[int],
    bstarts: list[BenefitRun],
    k: Claim,
    ledger: Ledger,
    options: Options = DEFAULT,
) -> tuple[dict[str, Any], Ledger]:
    """pure: returns (result dict, new ledger)."""
    reasons: list[dict[str, Any]] = []
    inpatient = k["type"] == "inpatient"
    dis: date = k["discharged_on"]
    in_force = WINDOW[0] <= dis <= WINDOW[1]
    if not in_force:
        reasons.append(reason("NOT_IN_FORCE", 39, None, "discharged outside the policy window"))
    if "lixiu" in person["statuses"]:
        reasons.append(reason("LIXIU", 27, None, "lixiu cadre: separate funding"))
    cov = coverage(person, records, months, bstarts, k["admitted_on"])
    if cov == "NOT_INSURED":
        reasons.append(reason("NOT_INSURED", 7, None, "admission month not a benefit month"))
    elif cov == "WAITING_PERIOD":
        reasons.append(reason("WAITING_PERIOD", 7, None, "admission month in the waiting period"))
    terms: Terms | None = None
    if inpatient:
        h = k["hospital"]
        if h["region"] == "abroad":
            reasons.append(reason("ABROAD", 31, 6, "treatment abroad / HK / Macao / Taiwan"))
        if k["cause"] in EXCLUDED:
            reasons.append(
                reason("EXCLUDED_CAUSE", 31, EXCLUDED[k["cause"]], f"excluded cause {k['cause']}")
            )
        if k["cause"] == "accident_no_third_party":
            reasons.append(reason("ACCIDENT_SCHEME", 22, None, "paid by accident insurance"))
        if not h["contracted"]:
            reasons.append(reason("NON_CONTRACTED", 31, 7, "non-contracted hospital"))
        terms = route_terms(person, k, options)
        if terms is None:
            if k["exception_approved"]:
                terms = referral_terms(k, options)
            else:
                reasons.append(
                    reason("UNREFERRED", 23, 4, "outside the region without a valid route")
                )
        elif terms[0] == "emergency" and in_force:
            rep = k["emergency_reported_on"]
            deadline = emergency_deadline(k["admitted_on"])
            if (rep is None or rep > deadline) and not k["exception_approved"]:
                reasons.append(
                    reason(
                        "OVERDUE",
                        31,
                        8,
                        f"emergency report missing or after {deadline.isoformat()}",
                    )
                )

    total: Decimal = k["total"]
    fsp: Decimal = k["full_self_pay"]
    psp: Decimal = k["pre_self_pay"]
    eligible = total - fsp - psp
    flags: list[str] = []
    res: dict[str, Any]
    if reasons:
        res = dict(
            status="rejected",
            deductible=ZERO,
            basic_rate=Decimal(0),
            catastrophic_rate=Decimal(0),
            basic_fund=ZERO,
            catastrophic_fund=ZERO,
            other_fund=ZERO,
            secondary_subsidy=ZERO,
            fund_total=ZERO,
            personal_cash=total,
            self_burden=ZERO,
            in_scope_self_burden=ZERO,
        )
        new = ledger
    else:
        basic: Decimal
        cat: Decimal
        other: Decimal
        rb: Decimal
        rc: Decimal
        if inpatient:
            assert terms is not None  # an inpatient claim without terms was rejected above
            _, ded0, rb, rc = terms
            literal = options.maternity == "fund_pays_below_deductible"
            if k["maternity"] and not literal:
                ded0 = Decimal(0)  # Art. 20: 免起付线
            deductible = min(ded0, eligible).quantize(FEN)
            R = eligible - deductible
            room_b = CAP_B - ledger["basic_fund"]
            room_c = CAP_C - ledger["catastrophic_fund"]
            below = ZERO
            if k["maternity"] and literal:  # Art. 20 read literally: the fund pays below it
                below = min(deductible, room_b)
                room_b -= below
            if options.cap_reading == "cumulative_bands":
                low = ledger["banded"]
                high = low + R
                basic = min(fen(overlap(low, high, ZERO, CAP_B) * rb), room_b)
                cat = min(fen(overlap(low, high, CAP_B, CAP_B + CAP_C) * rc), room_c)
            else:
                if R * rb <= room_b:
                    basic = fen(R * rb)
                    used = Fraction(R)
                else:
                    basic = room_b
                    used = Fraction(room_b) / Fraction(rb)
                R2 = Fraction(R) - used
                cat = min(fen(R2 * Fraction(rc)), room_c)
            basic = basic + below
            other = ZERO
            banded_add = R
        else:
            deductible = ZERO
            rb = rc = Decimal(0)
            basic = cat = ZERO
            other = k["other_fund"]
            banded_add = ZERO
        self_burden = total - fsp - basic - cat - other
        before = ledger["self_burden"]
        after = before + self_burden
        # Cumulative: what the year is owed beyond what it paid, never negative, at most the
        # claim's own self-burden.
        sub = min(max(S(after) - ledger["secondary_subsidy"], ZERO), self_burden)
        personal = total - basic - cat - other - sub
        res = dict(
            status="approved",
            deductible=deductible,
            basic_rate=rb,
            catastrophic_rate=rc,
            basic_fund=basic,
            catastrophic_fund=cat,
            other_fund=other,
            secondary_subsidy=sub,
            fund_total=basic + cat + other + sub,
            personal_cash=personal,
            self_burden=self_burden,
            in_scope_self_burden=eligible - basic - cat - other,
        )
        new = {
            "basic_fund": ledger["basic_fund"] + basic,
            "catastrophic_fund": ledger["catastrophic_fund"] + cat,
            "self_burden": after,
            "secondary_subsidy": ledger["secondary_subsidy"] + sub,
            "banded": ledger["banded"] + banded_add,
        }
        st = person["statuses"]
        if "disabled_veteran" in st:
            flags.append("veteran_benefits")
        if st & {"civil_servant", "model_worker", "special_allowance"}:
            flags.append("civil_servant_subsidy")
    hosp = k["hospital"] if inpatient else None
    if reasons:
        applied = "none"
    elif not inpatient:
        applied = "special_outpatient"
    else:
        assert terms is not None
        if terms[0] in ("local", "relocated_local"):
            applied = "local"
        elif terms[0] == "relocated_prov" or k["hospital"]["region"] == "in_province":
            applied = "referral_in_province"
        else:
            applied = "referral_out_of_province"
    out: dict[str, Any] = {
        "claim_id": k["id"],
        "person_id": person["id"],
        "record": "settlement",
        "setl_id": f"{k['id']}/1",
        "reverses": None,
        "corrects": None,
        "status": res["status"],
        "reasons": reasons,
        "year": dis.year,
        "category": person["category"],
        "type": k["type"],
        "admitted_on": k["admitted_on"].isoformat(),
        "discharged_on": dis.isoformat(),
        "hospital_level": None if hosp is None else hosp["level"],
        "hospital_region": None if hosp is None else hosp["region"],
        "route": k["route"] if inpatient else None,
        "settlement": k["settlement"] if inpatient else "direct",
        "maternity": k["maternity"],
        "applied_rule": applied,
        "total": m2s(total),
        "full_self_pay": m2s(fsp),
        "pre_self_pay": m2s(psp),
        "eligible": m2s(eligible),
        "deductible": m2s(res["deductible"]),
        "basic_rate": rate2s(res["basic_rate"]),
        "catastrophic_rate": rate2s(res["catastrophic_rate"]),
    }
    for key in (
        "basic_fund",
        "catastrophic_fund",
        "other_fund",
        "secondary_subsidy",
        "fund_total",
        "personal_cash",
        "self_burden",
        "in_scope_self_burden",
    ):
        out[key] = m2s(res[key])
    out["banded"] = m2s(new["banded"] - ledger["banded"])
    out["flags"] = flags
    out["ytd"] = {
        key: m2s(new[key])
        for key in ("basic_fund", "catastrophic_fund", "self_burden", "secondary_subsidy", "banded")
    }
    return out, new


def zero_ledger() -> Ledger:
    return {
        "basic_fund": ZERO,
        "catastrophic_fund": ZERO,
        "self_burden": ZERO,
        "secondary_subsidy": ZERO,
        "banded": ZERO,
    }


def process_bundle(parsed: Parsed, options: Options = DEFAULT) -> list[dict[str, Any]]:
    person, records, ytd, claims = parsed
    months = covered_months(records)
    bstarts = benefit_starts(records, months)
    ledgers: dict[int, Ledger] = {}
    if ytd is not None:
        ledgers[ytd[0]] = dict(ytd[1])
    outs: list[dict[str, Any]] = []
    for k in sorted(claims, key=lambda c: (c["discharged_on"], c["admitted_on"], c["id"])):
        yr = k["discharged_on"].year
        led = ledgers.get(yr) or zero_ledger()
        out, new = adjudicate(person, records, months, bstarts, k, led, options)
        ledgers[yr] = new
        outs.append(out)
    return outs


def extract_ids(b: Any) -> tuple[str | None, list[str]]:
    """person id and claim ids of a decoded line, where they can be read."""
    pid: str | None = None
    cids: list[str] = []
    if isinstance(b, dict):
        p = b.get("person")
        if isinstance(p, dict) and isinstance(p.get("id"), str):
            pid = p["id"]
        cl = b.get("claims")
        if isinstance(cl, list):
            cids = [c["id"] for c in cl if isinstance(c, dict) and isinstance(c.get("id"), str)]
    return pid, cids


def adjudicate_lines(
    lines: Iterable[str], options: Options = DEFAULT
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Adjudicate JSON Lines input: (results in output order, error records).

    An error record is {"line": N, "message": ...} with N the 1-based line number.
    """
    results: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    seen_persons: set[str] = set()
    seen_claims: set[str] = set()
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        b = None
        try:
            try:
                b = json.loads(line)
            except ValueError as e:
                raise InputError(f"invalid JSON: {e}") from e
            pid, cids = extract_ids(b)
            if pid is not None and pid in seen_persons:
                raise InputError(f"person.id: {pid!r} already used on an earlier line")
            for cid in cids:
                if cid in seen_claims:
                    raise InputError(f"claim id {cid!r} already used on an earlier line")
            parsed = parse_bundle(b)
            outs = process_bundle(parsed, options)  # may raise (calendar coverage)
        except InputError as e:
            errors.append({"line": n, "message": str(e)})
            continue
        finally:
            # ids count as used by any line they can be read from, valid or not
            pid, cids = extract_ids(b)
            if pid is not None:
                seen_persons.add(pid)
            seen_claims.update(cids)
        results.extend(outs)
    return results, errors
