"""``yzmedins adjudicate INPUT... [-o OUT] [--errors ERR]`` — JSON Lines bundles to results."""

from __future__ import annotations

import argparse
from typing import Any

from yzmedins.cli import add_io_arguments, add_policy_arguments, policies_from_args, run_jsonl
from yzmedins.engine import PersonFile, settle_in_order
from yzmedins.io.codec import parse_bundle
from yzmedins.io.jsonl import Duplicates, encode_result
from yzmedins.model import ClaimResult


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "adjudicate",
        help="adjudicate JSON Lines bundles (RULES §10) into JSON Lines results",
        description="Read JSON Lines bundles and write one result line per claim (RULES §10).",
    )
    add_io_arguments(parser)
    add_policy_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    policies = policies_from_args(args)
    duplicates = Duplicates()

    def handle(value: Any) -> list[ClaimResult]:
        bundle = parse_bundle(value, policies)
        duplicates.check(bundle)
        results = settle_in_order(
            PersonFile(bundle.person, bundle.contributions), bundle.claims, bundle.ytd, policies
        )
        duplicates.add(bundle)
        return results

    return run_jsonl(args, handle, encode_result)
