"""``yzmedins report`` — what the agency reads: totals by group, the annual caps and the
secondary subsidy, as an Excel workbook and a self-contained HTML page.

Reads result records (JSON Lines, as ``adjudicate``, ``reverse`` and ``clear`` write them) or every
record of a ledger store, streaming: groups are few, and person-years are staged on disk
(:mod:`yzmedins.report.persons`). A line that is not a record is an error record (file, line,
field) and the report is still made from the rest, exit status 1; no records at all give a report
that says so, exit status 0.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date
from typing import Any

import orjson

from yzmedins.batch.store import StoreError, record_lines
from yzmedins.commands.common import (
    EXIT_INPUT_ERRORS,
    EXIT_OK,
    UsageError,
    check_outputs,
    open_input,
    open_output,
    policies_from_args,
)
from yzmedins.errors import InputError
from yzmedins.io.files import FileFailure
from yzmedins.io.jsonl import ErrorRecord, decode_line, encode_error, read_lines, too_long
from yzmedins.io.records import record_from_json
from yzmedins.model import ClaimResult
from yzmedins.policy import PolicySet
from yzmedins.report.aggregate import Caps, Fold, Report, fen, finish
from yzmedins.report.html import render_html
from yzmedins.report.persons import StagedPersonYears
from yzmedins.report.tables import CHARTS, report_tables
from yzmedins.report.xlsx import write_xlsx


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "report",
        help="report on result records or a ledger store: Excel workbook and HTML page",
        description=(
            "Totals of every amount by year, month of discharge, rule applied, hospital level, "
            "region, settlement and category; rejections by reason; the annual caps; the "
            "secondary subsidy. Reads result records (JSON Lines) or a ledger store."
        ),
    )
    parser.add_argument(
        "inputs", nargs="*", metavar="RECORDS", help="result records (JSON Lines); - for stdin"
    )
    parser.add_argument("--ledger", metavar="DB", help="report on every record of a ledger store")
    parser.add_argument("-o", "--output", metavar="XLSX", help="write the Excel workbook here")
    parser.add_argument("--html", metavar="HTML", help="write the HTML page here")
    parser.add_argument("--year", type=_year, metavar="Y", help="only the settlement year Y")
    parser.add_argument(
        "--errors", metavar="ERR", help="error records, one JSON line each (default stderr)"
    )
    parser.add_argument(
        "--policy",
        action="append",
        metavar="FILE",
        help="parameter file(s) whose caps apply instead of the bundled 2017 measures",
    )
    parser.set_defaults(run=run, cap_reading=None, reimbursement_reduction=None, maternity=None)


def _year(text: str) -> int:
    if not text.isdigit() or len(text) != 4:
        raise argparse.ArgumentTypeError(f"{text!r} is not a year such as 2019")
    return int(text)


def caps_of(policies: PolicySet) -> Any:
    """A year's caps: those of the policy in force on 1 July of it (or the nearest)."""

    def caps(year: int) -> Caps:
        policy = policies.nearest(date(year, 7, 1))
        return Caps(fen(policy.cap_basic), fen(policy.cap_catastrophic), fen(policy.subsidy_cap))

    return caps


def _record(value: Any) -> ClaimResult:
    """The record of a line, as :func:`record_from_json` reads it, but for the steps of its
    trace: the report does not use them, and reading them is a third of the reading time. The
    key must still be there, an array."""
    if isinstance(value, dict) and isinstance(value.get("trace"), list) and value["trace"]:
        value = {**value, "trace": []}
    return record_from_json(value)


def _from_lines(name: str, handle: Any) -> Iterator[ClaimResult | ErrorRecord]:
    source = "<stdin>" if name == "-" else name
    for number, raw in read_lines(handle, source):
        try:
            if raw is None:
                raise too_long()
            yield _record(decode_line(raw))
        except InputError as error:
            yield ErrorRecord(source, number, str(error), error.field)


def _from_store(path: str, year: int | None) -> Iterator[ClaimResult | ErrorRecord]:
    """A stored line that is not a record is an error record whose ``line`` is its ``seq``."""
    for seq, line in record_lines(path, year):
        try:
            yield _record(orjson.loads(line))
        except orjson.JSONDecodeError as error:
            yield ErrorRecord(path, seq, f"not JSON: {error}")
        except InputError as error:
            yield ErrorRecord(path, seq, str(error), error.field)


def run(args: argparse.Namespace) -> int:
    if args.ledger and args.inputs:
        raise UsageError("give either RECORDS files or --ledger DB, not both")
    if not args.ledger and not args.inputs:
        raise UsageError("no input: give RECORDS files (- for stdin) or --ledger DB")
    if not args.output and not args.html:
        raise UsageError("no output: give -o report.xlsx, --html report.html or both")
    inputs = [*args.inputs, *(args.policy or ())]
    check_outputs(
        inputs,
        [args.output, args.errors, *([args.html] if args.html else [])],
        store=args.ledger,
    )
    policies = policies_from_args(args)
    errors = 0
    with ExitStack() as stack:
        people = stack.enter_context(StagedPersonYears())
        fold = Fold(people, args.year)
        err = open_output(stack, args.errors, sys.stderr.buffer)
        if args.ledger:
            sources = [args.ledger]
            streams = [_from_store(args.ledger, args.year)]
        else:
            sources = ["<stdin>" if name == "-" else name for name in args.inputs]
            streams = [_from_lines(name, open_input(stack, name)) for name in args.inputs]
        try:
            for stream in streams:
                for item in stream:
                    if isinstance(item, ErrorRecord):
                        errors += 1
                        err.write(encode_error(item))
                    else:
                        fold.add(item)
        except StoreError as error:
            raise UsageError(str(error)) from None
        report = finish(fold, sources, errors, caps_of(policies))
        err.flush()
    _write(args, report)
    return EXIT_INPUT_ERRORS if errors else EXIT_OK


def _write(args: argparse.Namespace, report: Report) -> None:
    tables = report_tables(report)
    if args.output:
        with ExitStack() as stack:
            out = open_output(stack, args.output, sys.stdout.buffer)
            try:
                write_xlsx(report, tables, CHARTS, out.stream)
            except OSError as error:
                raise FileFailure(
                    f"cannot write {args.output}: {error.strerror or error}"
                ) from None
    if args.html:
        with ExitStack() as stack:
            page = open_output(stack, args.html, sys.stdout.buffer)
            page.write(render_html(report, tables, CHARTS).encode())
