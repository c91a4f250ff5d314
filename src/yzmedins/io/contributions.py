"""The JSON shapes of ``yzmedins contributions`` and ``yzmedins retirement`` (specification §10,
§10).

Parsing reuses the bundle codec (:mod:`yzmedins.io.codec`): the same person, money and date
checks, the same error paths. Output money is written as two-place strings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from yzmedins.io.codec import (
    _object,
    _required,
    parse_bundle,
    parse_money,
    parse_person,
    parse_year,
)
from yzmedins.model import Bundle
from yzmedins.money import format_money
from yzmedins.policy import PolicySet
from yzmedins.rules.contributions import ContributionStatement, StatementRequest
from yzmedins.rules.retirement import RetirementDecision

__all__ = [
    "RETIREMENT_EXTRA_KEYS",
    "STATEMENT_KEYS",
    "decision_to_json",
    "parse_retirement_line",
    "parse_statement_request",
    "statement_to_json",
]

STATEMENT_KEYS = frozenset(
    {
        "person", "year", "prior_year_wage", "average_wage", "employer_average_base",
        "retirement_year_base",
    }
)  # fmt: skip
RETIREMENT_EXTRA_KEYS = frozenset({"average_wage"})


def _optional_money(data: Any, key: str) -> Decimal | None:
    value = data.get(key)
    return None if value is None else parse_money(value, key)


def parse_statement_request(value: Any) -> StatementRequest:
    """One ``contributions`` input line; every given amount is checked, read or not."""
    data = _object(value, "", STATEMENT_KEYS)
    person = parse_person(_required(data, "person", ""), "person")
    return StatementRequest(
        person=person,
        year=parse_year(_required(data, "year", ""), "year"),
        average_wage=_optional_money(data, "average_wage"),
        prior_year_wage=_optional_money(data, "prior_year_wage"),
        employer_average_base=_optional_money(data, "employer_average_base"),
        retirement_year_base=_optional_money(data, "retirement_year_base"),
    )


def parse_retirement_line(value: Any, policies: PolicySet) -> tuple[Bundle, Decimal]:
    """One ``retirement`` input line: a specification §11 bundle plus the required
    ``average_wage``."""
    bundle = parse_bundle(value, policies, extra_keys=RETIREMENT_EXTRA_KEYS)
    average_wage = parse_money(_required(value, "average_wage", ""), "average_wage")
    return bundle, average_wage


def statement_to_json(statement: ContributionStatement) -> dict[str, Any]:
    """A statement in the exact output shape of ``yzmedins contributions``."""
    money = format_money
    return {
        "person_id": statement.person_id,
        "year": statement.year,
        "monthly_base": money(statement.monthly_base),
        "employer_monthly": money(statement.employer_monthly),
        "employee_monthly": money(statement.employee_monthly),
        "flexible_annual": money(statement.flexible_annual),
        "mutual_aid_fee": money(statement.mutual_aid_fee),
        "account_monthly": money(statement.account_monthly),
        "account_annual": money(statement.account_annual),
    }


def decision_to_json(decision: RetirementDecision) -> dict[str, Any]:
    """A retirement decision in the exact output shape of ``yzmedins retirement``."""
    test = decision.assessment
    return {
        "person_id": decision.person_id,
        "statutory_date": test.statutory_date.isoformat(),
        "deemed_months": test.deemed_months,
        "actual_months": test.actual_months,
        "total_months": test.total_months,
        "minimum_months": test.minimum_months,
        "longest_run_months": test.longest_run_months,
        "qualified": test.qualified,
        "early_months": test.early_months,
        "shortfall_months": test.shortfall_months,
        "lump_sum": format_money(decision.lump_sum),
        "months_to_continue": decision.months_to_continue,
    }
