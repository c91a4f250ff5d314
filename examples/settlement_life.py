"""A hospital billing system reversing and correcting a stay in real time with yzmedins.

Run: ``python examples/settlement_life.py``. The billing system keeps its own records: it hands
the claim's records and the person-year's ledger to ``reverse`` / ``resettle`` and stores the
records and ledger that come back (docs/specification.md §18). Nothing is ever rewritten.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from yzmedins import (
    Category,
    Claim,
    ContributionRecord,
    Hospital,
    Level,
    Month,
    Person,
    Region,
    Sex,
    adjudicate_claim,
)
from yzmedins.lifecycle import SettledClaim, clear_year, resettle, reverse
from yzmedins.policy import default_policies

patient = Person(id="P1", sex=Sex.FEMALE, birth_date=date(1968, 4, 2), category=Category.EMPLOYEE)
contributions = [ContributionRecord(Month.of(2015, 1), Month.of(2022, 12), Decimal("4500.00"))]
local = Hospital(Level.TERTIARY, Region.LOCAL)
big = Claim("A", date(2019, 3, 1), date(2019, 3, 20), Decimal("600000.00"), hospital=local)
small = Claim("B", date(2019, 5, 1), date(2019, 5, 10), Decimal("20000.00"), hospital=local)


def show(label: str, record_fields: object) -> None:
    print(f"{label:<34} {record_fields}")


first, ledger = adjudicate_claim(patient, contributions, big)
second, ledger = adjudicate_claim(patient, contributions, small, ledger)
records = [first, second]
for record in records:
    show(
        f"{record.setl_id} {record.record.value}",
        f"basic {record.basic_fund}  catastrophic {record.catastrophic_fund}  "
        f"subsidy {record.secondary_subsidy}  patient {record.personal_cash}",
    )

# A week later: A was billed wrongly. Reverse it and settle the corrected bill (更正).
policies = default_policies()
corrected = Claim("A", date(2019, 3, 1), date(2019, 3, 20), Decimal("500000.00"), hospital=local)
undone, settlement, ledger = resettle(records, patient, contributions, corrected, ledger, policies)
assert undone is not None
records += [undone.record, settlement]
for record in (undone.record, settlement):
    show(
        f"{record.setl_id} {record.record.value}",
        f"basic {record.basic_fund}  catastrophic {record.catastrophic_fund}  "
        f"subsidy {record.secondary_subsidy}  patient {record.personal_cash}",
    )
print("ledger:", ledger)

# A retried reversal request returns the same reversal and appends nothing.
again = reverse(records, ledger, setl_id="A/1")
print("retry of A/1's reversal appends nothing:", not again.appended)

# Year-end clearing (年终清算): the year adjudicated afresh; corrections where it differs.
settled = [SettledClaim(patient, tuple(contributions), c) for c in (corrected, small)]
clearing = clear_year(2019, records, settled, None, policies)
print("corrections at the clearing:", [c.setl_id for c in clearing.corrections] or "none")
