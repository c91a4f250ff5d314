"""``yzmedins retirement`` — the retirement test of 第十一条/第十二条, JSON Lines in and out.

Each input line is a specification §11 bundle (claims optional) of a person with ``retired_on``,
plus
``"average_wage"`` (the prior-year regional average on-post wage); each output line says whether
the person is qualified, what lump sum is due and how many months must still be paid.
"""

from __future__ import annotations

import argparse
from typing import Any

from yzmedins.commands.common import (
    add_io_arguments,
    add_policy_arguments,
    policies_from_args,
    run_jsonl,
)
from yzmedins.errors import InputError
from yzmedins.io.codec import readable_ids
from yzmedins.io.contributions import decision_to_json, parse_retirement_line
from yzmedins.io.jsonl import encode_json
from yzmedins.rules.retirement import decide_at_retirement


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "retirement",
        help="retirement test: qualification, make-up lump sum, months to continue (Art. 11, 12)",
        description=(
            "Read JSON Lines bundles with average_wage and write one retirement decision per "
            "person: statutory date, months, qualification, early and shortfall months, the "
            "make-up lump sum and the months still to pay for ten continuous years."
        ),
    )
    add_io_arguments(parser)
    add_policy_arguments(parser, claims_readings=False)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    policies = policies_from_args(args)
    seen: set[str] = set()

    def handle(value: Any) -> list[dict[str, Any]]:
        person_id, _ = readable_ids(value)
        try:
            bundle, average_wage = parse_retirement_line(value, policies)
            person = bundle.person
            if person.id in seen:
                raise InputError(
                    f"person {person.id!r} already appeared on an earlier line", "person.id"
                )
            decision = decide_at_retirement(person, bundle.contributions, average_wage, policies)
        finally:
            if person_id is not None:
                seen.add(person_id)
        return [decision_to_json(decision)]

    return run_jsonl(args, handle, encode_json)
