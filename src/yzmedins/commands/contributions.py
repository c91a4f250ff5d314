"""``yzmedins contributions`` — yearly contribution statements, JSON Lines in and out
(specification §10).

Each input line is ``{"person": {...}, "year": .., "prior_year_wage": .., "average_wage": ..,
"employer_average_base": .., "retirement_year_base": ..}``; each output line is the statement
of 第八条, 第九条, 第十条 and 第十四条 for that person and year, or an error record.
"""

from __future__ import annotations

import argparse
from decimal import Decimal
from typing import Any

from yzmedins.commands.common import (
    add_io_arguments,
    add_policy_arguments,
    policies_from_args,
    run_jsonl,
)
from yzmedins.errors import InputError
from yzmedins.io.codec import readable_ids
from yzmedins.io.contributions import parse_statement_request, statement_to_json
from yzmedins.io.jsonl import encode_json
from yzmedins.policy import PolicyError, PolicySet, base_ceiling_from_text
from yzmedins.rules.contributions import contribution_statement


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "contributions",
        help="contribution statements for a person and a year (Art. 8, 9, 10, 14)",
        description=(
            "Read JSON Lines (person, year, prior-year wages, account bases) and write one "
            "statement per line: monthly base, employer and employee contributions, the "
            "flexible worker's annual contribution, the mutual aid fee and the account credit."
        ),
    )
    add_io_arguments(parser)
    add_policy_arguments(parser, claims_readings=False)
    parser.add_argument(
        "--base-ceiling",
        type=_ceiling,
        default=argparse.SUPPRESS,
        metavar="MULTIPLE",
        help="第九条 cap an employee's base at MULTIPLE × the average wage ('none': no ceiling)",
    )
    parser.set_defaults(run=run)


def _ceiling(text: str) -> Decimal | None:
    try:
        return base_ceiling_from_text(text)
    except PolicyError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _policies(args: argparse.Namespace) -> PolicySet:
    """The policies the arguments ask for, with ``--base-ceiling`` when it is given."""
    policies = policies_from_args(args)
    if "base_ceiling" not in vars(args):
        return policies
    return PolicySet(tuple(p.with_base_ceiling(args.base_ceiling) for p in policies.policies))


def run(args: argparse.Namespace) -> int:
    policies = _policies(args)
    seen: set[tuple[str, int]] = set()

    def handle(value: Any) -> list[dict[str, Any]]:
        key = _readable_key(value)
        try:
            request = parse_statement_request(value)
            if key in seen:
                raise InputError(
                    f"person {request.person.id!r} already has a {request.year} statement on "
                    "an earlier line",
                    "person.id",
                )
            statement = contribution_statement(request, policies)
        finally:
            if key is not None:
                seen.add(key)
        return [statement_to_json(statement)]

    return run_jsonl(args, handle, encode_json)


def _readable_key(value: Any) -> tuple[str, int] | None:
    """The (person id, year) a line can be read as, valid or not: as ``adjudicate`` does, a
    later line for the same person and year is an error even if the earlier one was refused."""
    person_id, _ = readable_ids(value)
    year = value.get("year") if isinstance(value, dict) else None
    if person_id is None or not isinstance(year, int) or isinstance(year, bool):
        return None
    return person_id, year
