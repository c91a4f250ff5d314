"""``yzmedins slip`` — the settlement slip (结算单) of each record, as text and as an HTML page.

Each input line is a record (a result line of ``adjudicate``, ``reverse`` or ``clear``). The
text slips go to ``-o`` (standard output when neither ``-o`` nor ``--html`` is given), the HTML
page of the same slips to ``--html``. ``--claim ID`` (repeatable) keeps the records of those
claims; a named claim with no record is an error record. A line that is not a record is an error
record naming its line and field; the other slips are still written (exit 1).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

from yzmedins.commands.common import (
    EXIT_INPUT_ERRORS,
    EXIT_OK,
    add_output_arguments,
    add_policy_arguments,
    check_outputs,
    open_input,
    open_output,
    policies_from_args,
)
from yzmedins.errors import InputError
from yzmedins.io.files import Output
from yzmedins.io.jsonl import ErrorRecord, decode_line, encode_error, read_lines, too_long
from yzmedins.io.records import record_from_json
from yzmedins.slip import Slip, make_slip, slip_text, slips_html


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "slip",
        help="the settlement slip (结算单) of each record: text and a printable HTML page",
        description=(
            "Read records (JSON Lines written by adjudicate, reverse or clear) and write the "
            "settlement slip of each: plain text (-o, default stdout) and one self-contained "
            "HTML page with one A5 page per slip (--html)."
        ),
    )
    parser.add_argument("inputs", nargs="+", metavar="RECORDS", help="JSON Lines; - for stdin")
    add_output_arguments(parser, "text slips (default stdout, unless only --html is given)")
    parser.add_argument("--html", metavar="OUT.html", help="write the slips as one HTML page")
    parser.add_argument(
        "--claim",
        action="append",
        metavar="ID",
        help="only the records of this claim id (repeatable)",
    )
    add_policy_arguments(parser, claims_readings=False)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    check_outputs(
        [*args.inputs, *(args.policy or ())],
        [args.output, args.errors, *([args.html] if args.html else [])],
    )
    policies = policies_from_args(args)
    wanted = set(args.claim or ())
    found: set[str] = set()
    errors = 0
    with ExitStack() as stack:
        inputs = [(name, open_input(stack, name)) for name in args.inputs]
        text: Output | None = None
        if args.output is not None or args.html is None:
            text = open_output(stack, args.output, sys.stdout.buffer)
        err = open_output(stack, args.errors, sys.stderr.buffer)
        html = open_output(stack, args.html, sys.stdout.buffer) if args.html else None

        def error(source: str, line: int, message: str, field: str | None) -> None:
            nonlocal errors
            errors += 1
            err.write(encode_error(ErrorRecord(source, line, message, field)))

        def slips() -> Iterator[Slip]:
            for name, handle in inputs:
                source = "<stdin>" if name == "-" else name
                for number, raw in read_lines(handle, source):
                    try:
                        if raw is None:
                            raise too_long()
                        record = record_from_json(decode_line(raw))
                    except InputError as failure:
                        error(source, number, failure.message, failure.field)
                        continue
                    if wanted and record.claim_id not in wanted:
                        continue
                    found.add(record.claim_id)
                    slip = make_slip(record, policies)
                    if text is not None:
                        text.write(slip_text(slip).encode() + b"\n")
                    yield slip

        _write(slips(), html)
        for claim_id in sorted(wanted - found):
            error("--claim", 0, f"no record of claim {claim_id!r} in the records read", "claim_id")
    return EXIT_INPUT_ERRORS if errors else EXIT_OK


def _write(slips: Iterator[Slip], html: Output | None) -> None:
    if html is None:
        for _ in slips:
            pass
        return
    for piece in slips_html(slips):
        html.write(piece.encode())
