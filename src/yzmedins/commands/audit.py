"""``yzmedins audit`` — re-verify results (or a ledger store's records) against their input.

Every record is recomputed by the engine and by the independent reference implementation, held
to the invariants of the contract, and every input claim must have a record and every record an
input claim. One JSON line per finding on ``-o``; a summary on standard error; exit status 0
(everything agrees), 1 (findings, or input lines that could not be audited), 2 (usage or I/O).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

from yzmedins.audit import CHECKS
from yzmedins.batch.audit_run import (
    AuditCounts,
    AuditSettings,
    Staging,
    audit_units,
    encode_finding,
    store_options,
    store_persons,
)
from yzmedins.batch.store import StoreError, policy_options
from yzmedins.batch.summary import Summary
from yzmedins.commands.adjudicate import _jobs, _jsonl_units
from yzmedins.commands.common import (
    EXIT_INPUT_ERRORS,
    EXIT_OK,
    UsageError,
    add_output_arguments,
    add_policy_arguments,
    check_outputs,
    open_input,
    open_output,
    policies_from_args,
)
from yzmedins.io.jsonl import encode_error
from yzmedins.io.tables import TableError, read_tables
from yzmedins.reference import Options


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="re-verify results or a ledger store (engine, reference implementation, invariants)",
        description=(
            "Recompute every record of RESULTS (or of a --ledger store) with the engine and with "
            "the independent reference implementation, check the invariants and the coverage, "
            "and write one JSON line per finding."
        ),
    )
    parser.add_argument(
        "inputs", nargs="*", metavar="INPUT", help="JSON Lines bundles; - for stdin"
    )
    parser.add_argument(
        "--results",
        nargs="+",
        action="extend",
        metavar="RESULTS",
        help="result lines to audit (settlements, reversals, corrections), in the order written",
    )
    tables = parser.add_argument_group("tables (instead of INPUT)")
    tables.add_argument("--persons", metavar="P.csv", help="persons table")
    tables.add_argument("--contributions", metavar="C.csv", help="contribution records table")
    tables.add_argument("--claims", metavar="K.csv", help="claims table")
    parser.add_argument(
        "--ledger", metavar="DB", help="audit the records of this ledger store (no INPUT)"
    )
    add_output_arguments(parser, "findings, one JSON line each (default stdout)")
    parser.add_argument(
        "--jobs",
        type=_jobs,
        default=os.cpu_count() or 1,
        metavar="N",
        help="worker processes (default: the machine's cores); findings are the same for every N",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    add_policy_arguments(parser)
    parser.set_defaults(run=run)


def _options(args: argparse.Namespace) -> Options | None:
    """The reference's readings, as the arguments ask (None with parameter files of one's own,
    which the reference, having its numbers of its own, cannot follow)."""
    if args.policy:
        return None
    return Options(
        args.cap_reading or "actual_payment",
        args.reimbursement_reduction or "points",
        args.maternity or "no_deductible",
    )


def run(args: argparse.Namespace) -> int:
    table_args = (args.persons, args.contributions, args.claims)
    use_tables = any(table_args)
    if args.ledger and (args.results or args.inputs or use_tables):
        raise UsageError("--ledger audits the store's own records: give no INPUT and no --results")
    if not args.ledger:
        if not args.results:
            raise UsageError("give --results RESULTS... (or --ledger DB) to audit")
        if use_tables and args.inputs:
            raise UsageError("give either INPUT files or --persons/--contributions/--claims")
        if use_tables and not all(table_args):
            raise UsageError("tables need all three of --persons, --contributions and --claims")
        if not use_tables and not args.inputs:
            raise UsageError("no input: give INPUT files (- for stdin) or the three tables")
    read = [*(table_args if use_tables else args.inputs), *(args.results or ())]
    check_outputs([*read, *(args.policy or ())], [args.output, args.errors], store=args.ledger)
    policies = policies_from_args(args)
    counts = AuditCounts()
    with ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="yzmedins-audit-"))
        out = open_output(stack, args.output, sys.stdout.buffer)
        err = open_output(stack, args.errors, sys.stderr.buffer)
        try:
            if args.ledger:
                settings = _ledger_settings(args, policies)
                units: Iterator[Any] = store_persons(args.ledger)
                audit_units(
                    units, settings, folder, out.write, _writer(err), counts, jobs=args.jobs
                )
            else:
                staging = Staging(folder)
                stack.callback(staging.close)
                for name in args.results:
                    handle = open_input(stack, name)
                    source = "<stdin>" if name == "-" else name
                    for finding in staging.stage(handle, source):
                        counts.add([finding])
                        out.write(encode_finding(finding))
                staging.index()
                settings = AuditSettings(policies, _options(args), staging=staging.path)
                units = _units(stack, args, use_tables, folder, policies)
                audited = audit_units(
                    units, settings, folder, out.write, _writer(err), counts, jobs=args.jobs
                )
                counts.records = staging.read
                for finding in staging.unexpected(audited):
                    counts.add([finding])
                    out.write(encode_finding(finding))
            out.flush()
            err.flush()
        except StoreError as error:
            raise UsageError(str(error)) from None
        except sqlite3.Error as error:
            where = args.ledger or f"temporary files in {tempfile.gettempdir()}"
            raise UsageError(f"cannot read {where}: {error}") from None
    if not args.quiet:
        sys.stderr.write(_summary(counts, args))
    return EXIT_INPUT_ERRORS if counts.found or counts.errors else EXIT_OK


def _writer(err: Any) -> Any:
    return lambda record: err.write(encode_error(record))


def _ledger_settings(args: argparse.Namespace, policies: Any) -> AuditSettings:
    if not os.path.isfile(args.ledger):
        raise UsageError(f"cannot read {args.ledger}: no such file")
    try:
        recorded = store_options(args.ledger)
    except sqlite3.Error as error:
        raise UsageError(f"{args.ledger}: not a yzmedins ledger database ({error})") from None
    if recorded is not None and recorded != policy_options(policies):
        raise UsageError(
            f"{args.ledger} was settled with other policy options ({recorded}): audit it with "
            "the same --policy and readings"
        )
    return AuditSettings(policies, _options(args), store=args.ledger)


def _units(
    stack: ExitStack, args: argparse.Namespace, use_tables: bool, folder: str, policies: Any
) -> Iterator[Any]:
    if not use_tables:
        inputs = [(name, open_input(stack, name)) for name in args.inputs]
        return _jsonl_units(inputs, Summary())
    try:
        reader = read_tables(
            args.persons, args.contributions, args.claims, folder, policies=policies
        )
    except TableError as error:
        raise UsageError(str(error)) from None
    stack.callback(reader.close)
    return iter(reader)


def _summary(counts: AuditCounts, args: argparse.Namespace) -> str:
    where = args.ledger or ", ".join(args.results or ())
    lines = [
        f"audit of {where}: {counts.persons:,} persons, {counts.claims:,} input claims, "
        f"{counts.records:,} records read",
        f"  input errors: {counts.errors:,}",
        f"  findings: {counts.found:,}",
    ]
    lines += [
        f"    {check}: {counts.findings[check]:,}" for check in CHECKS if check in counts.findings
    ]
    if args.policy:
        lines.append("  (parameter files of one's own: recomputed by the engine only)")
    lines.append("  everything agrees" if not counts.found and not counts.errors else "  DISAGREES")
    return "\n".join(lines) + "\n"
