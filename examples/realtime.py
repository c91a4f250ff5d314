"""A hospital billing system settling one discharge in real time with yzmedins.

Run: ``python examples/realtime.py``. Pre-settlement and settlement are the same call: nothing
changes until the billing system stores the new ledger it returns.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from yzmedins import (
    Bundle,
    Category,
    Claim,
    ContributionRecord,
    Hospital,
    Ledger,
    Level,
    Month,
    Person,
    Region,
    Route,
    Sex,
    adjudicate_bundle,
    adjudicate_claim,
    result_to_json,
)

patient = Person(
    id="430000196804020021",
    sex=Sex.FEMALE,
    birth_date=date(1968, 4, 2),
    category=Category.EMPLOYEE,
)
contributions = [ContributionRecord(Month.of(2015, 1), Month.of(2020, 12), Decimal("4500.00"))]
# The year-to-date ledger as the agency recorded it (earlier stays this year).
ledger = Ledger(
    year=2019,
    basic_fund=Decimal("12000.00"),
    catastrophic_fund=Decimal("0.00"),
    self_burden=Decimal("18500.00"),
    secondary_subsidy=Decimal("0.00"),
)
stay = Claim(
    id="ZY2019-000123",
    admitted_on=date(2019, 3, 2),
    discharged_on=date(2019, 3, 10),
    total=Decimal("12000.00"),
    full_self_pay=Decimal("500.00"),
    hospital=Hospital(Level.TERTIARY, Region.LOCAL),
)

result, new_ledger = adjudicate_claim(patient, contributions, stay, ledger)
print(f"{result.status.value}: fund pays {result.fund_total}, patient pays {result.personal_cash}")
for step in result.trace:
    amount = "" if step.amount is None else f"{step.amount:>12}"
    print(f"  第{step.article}条  {step.text:<75} {amount}")
print("new ledger:", new_ledger)

# A bundle of several claims is settled in the order of specification §3 (discharge, admission, id).
referral = Claim(
    id="ZY2019-000187",
    admitted_on=date(2019, 6, 1),
    discharged_on=date(2019, 6, 20),
    total=Decimal("20000.00"),
    hospital=Hospital(Level.TERTIARY, Region.OUT_OF_PROVINCE),
    route=Route.REFERRAL,
)
for settled in adjudicate_bundle(Bundle(patient, tuple(contributions), ledger, (referral, stay))):
    print(result_to_json(settled)["claim_id"], settled.basic_fund, settled.ytd.basic_fund)
