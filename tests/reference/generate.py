"""Deterministic generator of VALID yzmedins input bundles (specification §11).

Part of the independent reference implementation of the contract (written from the text alone,
without reading the production code), kept as a test oracle for
tests/test_reference_differential.py; not imported by the package. It imports only the
standard library and chinese_calendar.

Usage: python -m tests.reference.generate SEED N > bundles.jsonl
(chinese_calendar is used only to aim emergency reports at the Art. 25 deadline boundary)
"""

from __future__ import annotations

import json
import random
import sys
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

Month = tuple[int, int]
Money = str | int | float

try:
    import chinese_calendar
except ImportError:  # pragma: no cover - generator still works, without boundary aiming
    chinese_calendar = None

CAUSES_EXCL = [
    "suicide_self_harm",
    "assault_or_fight",
    "alcohol_or_drugs",
    "in_custody",
    "traffic_accident",
    "medical_accident",
    "liability_accident",
    "work_injury",
    "cosmetic",
    "illegal_act",
    "other_excluded",
]
LEVELS = ["tertiary", "secondary", "primary", "community"]
STATUSES = [
    "lixiu",
    "disabled_veteran",
    "civil_servant",
    "model_worker",
    "special_allowance",
    "hardship_enterprise",
]

# admission dates around official holidays (Spring Festival, National Day, May Day, Qingming,
# Dragon Boat, Mid-Autumn, New Year) incl. adjusted working weekends
HOLIDAY_ANCHORS = [
    date(2018, 2, 14),
    date(2018, 2, 11),
    date(2018, 2, 21),
    date(2018, 9, 28),
    date(2018, 9, 29),
    date(2018, 9, 30),
    date(2018, 4, 4),
    date(2018, 4, 28),
    date(2018, 12, 29),
    date(2018, 6, 15),
    date(2019, 2, 2),
    date(2019, 2, 3),
    date(2019, 2, 4),
    date(2019, 9, 29),
    date(2019, 9, 30),
    date(2019, 4, 30),
    date(2019, 5, 1),
    date(2019, 10, 12),
    date(2019, 9, 12),
    date(2020, 1, 19),
    date(2020, 1, 23),
    date(2020, 1, 24),
    date(2020, 9, 27),
    date(2020, 9, 30),
    date(2020, 4, 26),
    date(2020, 5, 9),
    date(2020, 6, 24),
    date(2020, 10, 10),
    date(2021, 2, 7),
    date(2021, 2, 10),
    date(2021, 2, 11),
    date(2021, 9, 18),
    date(2021, 9, 26),
    date(2021, 9, 30),
    date(2021, 4, 30),
    date(2021, 5, 8),
    date(2021, 10, 9),
    date(2022, 1, 29),
    date(2022, 1, 30),
    date(2022, 1, 28),
    date(2022, 4, 2),
    date(2022, 4, 24),
    date(2022, 4, 29),
    date(2022, 6, 2),
    date(2021, 12, 31),
    date(2017, 12, 29),
    date(2017, 12, 30),
]


def S(x: Decimal) -> Decimal:
    v = (max(x - Decimal(20000), Decimal(0)) * Decimal("0.5")).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    return min(v, Decimal("150000.00"))


def mstr(y: int, m: int) -> str:
    while m > 12:
        y, m = y + 1, m - 12
    while m < 1:
        y, m = y - 1, m + 12
    return f"{y:04d}-{m:02d}"


def madd(ym: Month, k: int) -> Month:
    y, m = ym
    t = y * 12 + m - 1 + k
    return (t // 12, t % 12 + 1)


def statutory(birth: date, sex: str, fclass: str) -> date:
    age = 60 if sex == "male" else (55 if fclass == "cadre" else 50)
    try:
        return birth.replace(year=birth.year + age)
    except ValueError:
        return date(birth.year + age, 2, 28)


def deadline(adm: date) -> date:
    d, n = adm, 0
    while n < 3:
        d += timedelta(days=1)
        if chinese_calendar.is_workday(d):
            n += 1
    return d


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.seed = seed

    # ---------------------------------------------------------------- money
    def money_out(self, d: Decimal) -> Money:
        """two-place string mostly, sometimes a JSON number."""
        r = self.r.random()
        if r < 0.8:
            return f"{d:.2f}"
        if d == d.to_integral_value():
            return int(d)
        if r < 0.9:
            return float(d)  # shortest repr equals the two-place value
        exponent = d.normalize().as_tuple().exponent  # an int: d is finite
        return f"{d.normalize():f}" if isinstance(exponent, int) and exponent >= -2 else f"{d:.2f}"

    def amount(self, lo: float, hi: float, whole: float = 0.2) -> Decimal:
        v = Decimal(self.r.randint(int(lo * 100), int(hi * 100))) / 100
        if self.r.random() < whole:
            v = v.to_integral_value(rounding="ROUND_DOWN")
        return v.quantize(Decimal("0.01"))

    def total(self) -> Decimal:
        x = self.r.random()
        if x < 0.55:
            return self.amount(100, 20000)
        if x < 0.8:
            return self.amount(20000, 120000)
        if x < 0.9:
            return self.amount(120000, 700000)
        if x < 0.97:
            return self.amount(700000, 3000000)
        return self.r.choice(
            [
                Decimal("0.00"),
                Decimal("0.01"),
                Decimal("99999999.99"),
                Decimal("800.00"),
                Decimal("1200.00"),
                Decimal("100.00"),
            ]
        )

    # ---------------------------------------------------------------- dates
    def rand_date(self, a: date, b: date) -> date:
        return a + timedelta(days=self.r.randint(0, (b - a).days))

    def claim_dates(self) -> tuple[date, date]:
        x = self.r.random()
        if x < 0.86:
            dis = self.rand_date(date(2018, 1, 1), date(2022, 6, 30))
        elif x < 0.93:
            dis = self.rand_date(date(2017, 11, 1), date(2017, 12, 31))
        else:
            dis = self.rand_date(date(2022, 7, 1), date(2023, 3, 31))
        if self.r.random() < 0.1:
            dis = self.r.choice(
                [
                    date(2018, 1, 1),
                    date(2022, 6, 30),
                    date(2022, 7, 1),
                    date(2017, 12, 31),
                    date(2019, 12, 31),
                    date(2020, 1, 1),
                ]
            )
        stay = self.r.choice([0, 0, 1, 2, 3, 5, 7, 10, 14, 20, 30, 45, 90])
        return dis - timedelta(days=stay), dis

    # ---------------------------------------------------------------- person + contributions
    def person_and_contrib(self, pid: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        r = self.r
        sex = r.choice(["male", "female"])
        fclass = r.choice(["worker", "cadre"])
        kind = r.choices(
            [
                "employee",
                "newjoiner",
                "gappy",
                "flexible",
                "retiree_q",
                "retiree_nq",
                "early",
                "retired_flex",
                "uninsured",
            ],
            [25, 10, 10, 12, 12, 10, 6, 5, 3],
        )[0]
        p: dict[str, Any] = {"id": pid, "sex": sex, "birth_date": None, "category": "employee"}
        contrib: list[dict[str, Any]] = []

        def rec(f: Month, t: Month, paid: date | None = None) -> None:
            d: dict[str, Any] = {
                "from": mstr(*f),
                "to": mstr(*t),
                "base": self.money_out(self.amount(2000, 12000)),
            }
            if paid is not None:
                d["paid_on"] = paid.isoformat()
            contrib.append(d)

        if kind in ("employee", "newjoiner", "gappy", "flexible", "uninsured"):
            birth = self.rand_date(date(1962, 1, 1), date(1998, 12, 31))
            if kind == "employee":
                start = (r.randint(2003, 2016), r.randint(1, 12))
                end = r.choice(
                    [
                        (2023, 12),
                        (2023, 12),
                        (2023, 12),
                        (2022, 12),
                        (2021, r.randint(1, 12)),
                        (2020, r.randint(1, 12)),
                    ]
                )
                rec(start, end)
                if r.random() < 0.3:  # an overlapping / continuing record with paid_on
                    mid = madd(start, r.randint(1, 30))
                    rec(
                        mid,
                        madd(mid, r.randint(0, 24)),
                        self.rand_date(date(2010, 1, 1), date(2022, 1, 1)),
                    )
            elif kind == "newjoiner":
                start = (r.randint(2017, 2021), r.randint(1, 12))
                paid = None
                if r.random() < 0.5:
                    y0, m0 = start
                    paid = self.rand_date(
                        date(y0, m0, 1) - timedelta(days=40), date(y0, m0, 1) + timedelta(days=75)
                    )
                rec(start, madd(start, r.randint(0, 80)), paid)
            elif kind == "gappy":
                cur = (r.randint(2012, 2019), r.randint(1, 12))
                for _ in range(r.randint(2, 4)):
                    ln = r.randint(1, 20)
                    paid = None
                    if r.random() < 0.4:
                        paid = self.rand_date(
                            date(cur[0], cur[1], 1) - timedelta(days=20),
                            date(cur[0], cur[1], 1) + timedelta(days=60),
                        )
                    rec(cur, madd(cur, ln - 1), paid)
                    cur = madd(cur, ln + r.choice([0, 1, 1, 2, 3, 6]))
            elif kind == "flexible":
                p["category"] = "flexible"
                y0 = r.randint(2014, 2020)
                for y in range(y0, r.choice([2021, 2022, 2022, 2023, r.randint(y0, 2023)]) + 1):
                    if r.random() < 0.15:
                        continue  # a skipped year: gap
                    paid = self.rand_date(date(y - 1, 12, 1), date(y, 5, 31))
                    rec((y, 1), (y, 12), paid)
            else:  # uninsured: no contributions or only old ones
                if r.random() < 0.5:
                    rec((2008, 1), (2012, 6))
            p["birth_date"] = birth.isoformat()
        else:
            # retirees: statutory date 2008..2022 (2013..2022 for the qualified: run >= 120)
            age = 60 if sex == "male" else (55 if fclass == "cadre" else 50)
            y_lo = 2013 if kind == "retiree_q" else 2008
            if r.random() < 0.08:
                by = r.choice([y for y in range(y_lo - age, 2022 - age + 1) if y % 4 == 0])
                birth = date(by, 2, 29)
            else:
                birth = self.rand_date(date(y_lo - age, 1, 1), date(2022 - age, 6, 30))
            stat = statutory(birth, sex, fclass)
            minimum = 360 if sex == "male" else 300
            if kind == "early":
                retired = stat - timedelta(days=r.randint(30, 365 * 5))
                p["early_retirement"] = r.random() < 0.8
            elif kind == "retiree_nq" and r.random() < 0.25:
                retired = stat - timedelta(days=r.randint(1, 40))  # a few days too early
            else:
                retired = stat + timedelta(days=r.choice([0, 0, 0, 1, 15, 100, 400]))
            if retired.year < 2005:
                retired = date(2005, 1, 1)
            p["retired_on"] = retired.isoformat()
            p["category"] = "flexible" if kind == "retired_flex" else "retiree"
            rm = (retired.year, retired.month)
            if kind == "retiree_q":
                start = r.choice(
                    [(2003, 1), (2003, 1), madd(rm, -r.randint(120, 200)), madd(rm, -120)]
                )
                if start > madd(rm, -120):
                    start = madd(rm, -120)
            else:
                start = r.choice(
                    [
                        (2003, 1),
                        madd(rm, -r.randint(100, 200)),
                        madd(rm, -r.randint(60, 119)),
                        madd(rm, -119),
                    ]
                )
            if start < (2003, 1):
                start = (2003, 1)
            actual = (rm[0] * 12 + rm[1]) - (start[0] * 12 + start[1])
            if kind == "retiree_q":
                need = max(0, minimum - actual)
                p["deemed_months"] = need + r.choice([0, 0, 1, 12, 60])
            else:
                need = max(0, minimum - actual)
                p["deemed_months"] = max(0, need - r.choice([1, 2, 12, 36, 120]))
            if kind == "retiree_nq" and r.random() < 0.3:
                # longest run below 120: put a gap in
                gap_at = madd(start, r.randint(10, 100))
                if gap_at < madd(rm, -2):
                    rec(start, gap_at)
                    rec(madd(gap_at, 2), madd(rm, -1))
                else:
                    rec(start, madd(rm, -1))
            else:
                end = madd(rm, -1)
                if r.random() < 0.2:
                    end = madd(rm, r.randint(0, 24))  # still paying after retirement
                if end >= start:
                    rec(start, end)
            if kind in ("retiree_nq", "early", "retired_flex") and r.random() < 0.5:
                p["lump_sum_paid_on"] = (retired + timedelta(days=r.randint(-30, 900))).isoformat()
            p["birth_date"] = birth.isoformat()
        if sex == "female" and r.random() < 0.8:
            p["female_class"] = fclass
        elif sex == "male" and r.random() < 0.05:
            p["female_class"] = fclass  # ignored for men
        if r.random() < 0.15:
            p["statuses"] = r.sample(STATUSES, r.choice([1, 1, 1, 2]))
        if r.random() < 0.2:
            p["relocated_since"] = self.rand_date(date(2015, 1, 1), date(2022, 6, 1)).isoformat()
        if "deemed_months" not in p and r.random() < 0.2:
            p["deemed_months"] = r.randint(0, 300)
        if r.random() < 0.3:  # explicit nulls / defaults
            for k in ("retired_on", "relocated_since", "lump_sum_paid_on"):
                p.setdefault(k, None)
            p.setdefault("statuses", [])
            p.setdefault("early_retirement", False)
        r.shuffle(contrib)
        return p, contrib

    # ---------------------------------------------------------------- claims
    def claim(self, cid: str, person: dict[str, Any]) -> dict[str, Any]:
        r = self.r
        adm, dis = self.claim_dates()
        c: dict[str, Any] = {"id": cid}
        so = r.random() < 0.12
        if so:
            c["type"] = "special_outpatient"
        elif r.random() < 0.2:
            c["type"] = "inpatient"
        region = r.choices(["local", "in_province", "out_of_province", "abroad"], [50, 22, 22, 6])[
            0
        ]
        route = None
        if region != "local" or r.random() < 0.05:
            route = r.choices(["referral", "relocated", "emergency", None], [40, 20, 30, 10])[0]
        if route == "emergency" and r.random() < 0.7:
            adm = r.choice(HOLIDAY_ANCHORS)
            dis = adm + timedelta(days=r.choice([0, 2, 5, 10, 20]))
        c["admitted_on"] = adm.isoformat()
        c["discharged_on"] = dis.isoformat()
        hosp: dict[str, Any] = {"level": r.choice(LEVELS), "region": region}
        if r.random() < 0.08:
            hosp["contracted"] = False
        elif r.random() < 0.2:
            hosp["contracted"] = True
        if r.random() < 0.3 or route == "relocated":
            hosp["provincial"] = r.random() < 0.5
            if hosp["provincial"] and r.random() < 0.7:
                hosp["level"] = "tertiary"
        if not so or r.random() < 0.3:
            c["hospital"] = hosp
            if route is not None or r.random() < 0.1:
                c["route"] = route
            if r.random() < 0.35:
                c["settlement"] = r.choice(["direct", "reimbursement", "reimbursement"])
            if r.random() < 0.08:
                c["maternity"] = True
            elif r.random() < 0.1:
                c["maternity"] = False
            x = r.random()
            if x < 0.1:
                c["cause"] = r.choice(CAUSES_EXCL)
            elif x < 0.14:
                c["cause"] = "accident_no_third_party"
            elif x < 0.3:
                c["cause"] = "illness"
            if route == "emergency" and chinese_calendar is not None:
                if adm.year >= 2004 and adm <= date(2026, 12, 20):
                    dl = deadline(adm)
                    y = r.random()
                    if y < 0.3:
                        rep = dl
                    elif y < 0.55:
                        rep = dl + timedelta(days=1)
                    elif y < 0.85:
                        rep = adm + timedelta(days=r.randint(0, 12))
                    else:
                        rep = None
                    if rep is not None or r.random() < 0.5:
                        c["emergency_reported_on"] = rep.isoformat() if rep else None
            elif r.random() < 0.03:
                c["emergency_reported_on"] = adm.isoformat()  # not read: not emergency
        if r.random() < 0.1:
            c["exception_approved"] = True
        elif r.random() < 0.1:
            c["exception_approved"] = False
        tot = self.total()
        c["total"] = self.money_out(tot)
        fsp = Decimal(0)
        psp = Decimal(0)
        if r.random() < 0.7:
            fsp = (tot * Decimal(r.choice([0, 0.01, 0.05, 0.1, 0.3, 1.0]))).quantize(
                Decimal("0.01"), ROUND_HALF_UP
            )
            fsp = min(fsp, tot)
            if fsp or r.random() < 0.3:
                c["full_self_pay"] = self.money_out(fsp)
        if r.random() < 0.5:
            psp = (tot - fsp) * Decimal(r.choice([0, 0.02, 0.08, 0.15, 1.0]))
            psp = min(psp.quantize(Decimal("0.01"), ROUND_HALF_UP), tot - fsp)
            if psp or r.random() < 0.3:
                c["pre_self_pay"] = self.money_out(psp)
        if so:
            elig = tot - fsp - psp
            of = (elig * Decimal(r.choice([0, 0.3, 0.6, 0.8, 0.9, 1.0]))).quantize(
                Decimal("0.01"), ROUND_HALF_UP
            )
            c["other_fund"] = self.money_out(min(of, elig))
        elif r.random() < 0.1:
            c["other_fund"] = None
        return c

    def ytd(self, years: list[int]) -> dict[str, Any]:
        r = self.r
        y = r.choice(years) if r.random() < 0.85 else r.randint(2017, 2023)
        x = r.random()
        if x < 0.4:
            b = Decimal("150000.00") - self.amount(0, 3000)
            c = self.amount(0, 300000)
        elif x < 0.7:
            b = Decimal("150000.00") - self.amount(0, 500) * r.choice([0, 1])
            c = Decimal("300000.00") - self.amount(0, 20000) * r.choice([0, 1])
        else:
            b = self.amount(0, 150000)
            c = self.amount(0, 1000) * r.choice([0, 0, 1])
        sb = self.r.choice(
            [
                self.amount(0, 25000),
                self.amount(15000, 400000),
                Decimal("20000.00"),
                Decimal("320000.00"),
            ]
        )
        ss = S(sb)
        if r.random() < 0.3:
            ss = (ss * Decimal(r.choice([0, 0.5, 0.9]))).quantize(Decimal("0.01"))
        d: dict[str, Any] = {
            "year": y,
            "basic_fund": self.money_out(b),
            "catastrophic_fund": self.money_out(c),
            "self_burden": self.money_out(sb),
            "secondary_subsidy": self.money_out(ss),
        }
        if r.random() < 0.5:
            d["banded"] = self.money_out(self.amount(0, 900000))
        return d

    def bundle(self, i: int) -> dict[str, Any]:
        r = self.r
        pid = f"P{self.seed}-{i}"
        person, contrib = self.person_and_contrib(pid)
        n = r.choice([1, 1, 2, 2, 3, 3, 4, 5, 6])
        claims = []
        letters = r.sample("ABCDEFGHJK", n)
        for j in range(n):
            claims.append(self.claim(f"C{self.seed}-{i}-{letters[j]}", person))
        # same-person claims in one year, some with equal dates (order by id)
        if n >= 2 and r.random() < 0.5:
            base = claims[0]
            for c in claims[1:]:
                if r.random() < 0.6:
                    c["discharged_on"] = base["discharged_on"]
                    if r.random() < 0.5:
                        c["admitted_on"] = base["admitted_on"]
                    if c["admitted_on"] > c["discharged_on"]:
                        c["admitted_on"] = c["discharged_on"]
                    if c.get("route") == "emergency":
                        c.pop("emergency_reported_on", None)
        b: dict[str, Any] = {"person": person}
        if contrib or r.random() < 0.5:
            b["contributions"] = contrib
        if r.random() < 0.25:
            years = sorted({int(c["discharged_on"][:4]) for c in claims})
            b["ytd"] = self.ytd(years)
        elif r.random() < 0.2:
            b["ytd"] = None
        b["claims"] = claims
        return b


def bundles(seed: int, count: int) -> list[dict[str, Any]]:
    """The first `count` bundles of generator `seed` (one JSON Lines input line each)."""
    g = Gen(seed)
    return [g.bundle(i) for i in range(count)]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv if argv is None else argv
    if len(args) != 3:
        print("usage: python -m tests.reference.generate SEED N > bundles.jsonl", file=sys.stderr)
        return 2
    seed, n = int(args[1]), int(args[2])
    out = sys.stdout
    for b in bundles(seed, n):
        out.write(json.dumps(b, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
