"""``yzmedins adjudicate`` — JSON Lines bundles or CSV tables in, results out (specification §11).

Streams one bundle per worker at a time, in parallel (``--jobs``), with an optional ledger store
(``--ledger``) that continues each person's year across runs and never settles a claim twice.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any, BinaryIO

import attrs
import orjson

from yzmedins.batch.pipeline import Item, Settings, Sinks, run_batch, run_spooled
from yzmedins.batch.store import LedgerStore, StoreError, policy_options
from yzmedins.batch.summary import Summary
from yzmedins.commands.common import (
    EXIT_INPUT_ERRORS,
    EXIT_OK,
    UsageError,
    add_format_argument,
    add_output_arguments,
    add_policy_arguments,
    check_excel,
    check_outputs,
    codes_from_args,
    open_input,
    open_output,
    policies_from_args,
)
from yzmedins.io.codec import TraceLevel
from yzmedins.io.csv_results import csv_header
from yzmedins.io.jsonl import ErrorRecord, read_lines, too_long
from yzmedins.io.tables import TableError, read_tables
from yzmedins.io.units import Unit
from yzmedins.labels import LANGS
from yzmedins.policy import PolicySet


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "adjudicate",
        help="adjudicate JSON Lines bundles or CSV tables into results (specification §11)",
        description=(
            "Read JSON Lines bundles (or --persons/--contributions/--claims tables) and write one "
            "result per claim, in input order; error records for bad lines or rows."
        ),
    )
    parser.add_argument("inputs", nargs="*", metavar="INPUT", help="JSON Lines files; - for stdin")
    tables = parser.add_argument_group("tables (instead of INPUT)")
    tables.add_argument("--persons", metavar="P.csv", help="persons table")
    tables.add_argument("--contributions", metavar="C.csv", help="contribution records table")
    tables.add_argument("--claims", metavar="K.csv", help="claims table")
    tables.add_argument(
        "--ignore-extra-columns",
        action="store_true",
        help="leave out columns the tables do not have (listed once on stderr) instead of refusing",
    )
    add_output_arguments(parser, "results file (default stdout)")
    add_format_argument(parser, "results")
    parser.add_argument(
        "--ledger",
        metavar="DB",
        help="SQLite ledger store: continue each person's year, record every settled claim",
    )
    parser.add_argument(
        "--jobs",
        type=_jobs,
        default=os.cpu_count() or 1,
        metavar="N",
        help="worker processes (default: the machine's cores); output is the same for every N",
    )
    parser.add_argument(
        "--trace",
        choices=[level.value for level in TraceLevel],
        default=TraceLevel.FULL.value,
        help="the results' trace: full (default; every step's text), codes (each step's article, "
        "code and amount: specification §25), or none (an empty trace); a ledger store keeps "
        "full lines whatever the level",
    )
    parser.add_argument("--summary", metavar="FILE", help="write the run summary as JSON")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar and no summary table on stderr"
    )
    parser.add_argument(
        "--lang",
        choices=LANGS,
        default="en",
        help="language of the summary table on stderr: en (default) or zh (中文)",
    )
    add_policy_arguments(parser)
    parser.set_defaults(run=run)


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _jsonl_units(inputs: list[tuple[str, BinaryIO]], summary: Summary) -> Iterator[Item]:
    """A unit per non-blank line; a line over the length limit is its error record."""
    for name, handle in inputs:
        source = "<stdin>" if name == "-" else name
        summary.inputs.setdefault(source, 0)
        for number, raw in read_lines(handle, source):
            summary.inputs[source] += 1
            if raw is None:
                error = too_long()
                yield ErrorRecord(source, number, str(error), error.field)
            else:
                yield Unit(source, number, raw)


def _spoolable(named: tuple[str, BinaryIO]) -> bool:
    """Whether an input can go through the spool pipeline: a regular file (workers read
    their own parts of it), not standard input, a pipe or a device."""
    name, handle = named
    if name == "-":
        return False
    try:
        return stat.S_ISREG(os.fstat(handle.fileno()).st_mode)
    except (OSError, ValueError):
        return False


def _total_size(names: list[str]) -> int | None:
    try:
        return sum(os.path.getsize(name) for name in names)
    except (OSError, TypeError):
        return None


def run(args: argparse.Namespace) -> int:
    table_args = (args.persons, args.contributions, args.claims)
    use_tables = any(table_args)
    if use_tables and args.inputs:
        raise UsageError("give either INPUT files or --persons/--contributions/--claims, not both")
    if use_tables and not all(table_args):
        raise UsageError("tables need all three of --persons, --contributions and --claims")
    if not use_tables and not args.inputs:
        raise UsageError("no input: give INPUT files (- for stdin) or the three tables")
    if args.ignore_extra_columns and not use_tables:
        raise UsageError("--ignore-extra-columns applies to the tables (--persons ...)")
    check_excel(args)
    inputs_read = [
        *(table_args if use_tables else args.inputs),
        *(args.policy or ()),
        *([args.nhsa_codes] if args.nhsa_codes else []),
    ]
    check_outputs(
        inputs_read,
        [args.output, args.errors, *([args.summary] if args.summary else [])],
        store=args.ledger,
    )
    policies = policies_from_args(args)
    codes = codes_from_args(args)
    summary = Summary()
    with ExitStack() as stack:
        store = None
        if args.ledger:
            try:
                store = LedgerStore(args.ledger)
            except StoreError as error:
                raise UsageError(str(error)) from None
            stack.callback(store.close)
            try:
                store.check_options(policy_options(policies))
            except StoreError as error:
                raise UsageError(str(error)) from None
        out = open_output(stack, args.output, sys.stdout.buffer)
        err = open_output(stack, args.errors, sys.stderr.buffer)
        spooled = False
        if use_tables:
            units, total, unit_size = _table_units(stack, args, summary, policies)
            unit_name = "claims"
        else:
            inputs = [(name, open_input(stack, name)) for name in args.inputs]
            spooled = args.jobs > 1 and all(map(_spoolable, inputs))
            units = _jsonl_units(inputs, summary)
            names = [name for name in args.inputs if name != "-"]
            total = _total_size(names) if len(names) == len(args.inputs) else None
            unit_size = _line_size
            unit_name = "B"
        progress = _progress(args, total, unit_name)
        if progress is not None:
            stack.callback(progress.close)
        if args.format == "csv":
            out.write(csv_header(excel=args.excel))
        advance = (
            (lambda unit: progress.update(unit_size(unit))) if progress else (lambda unit: None)
        )
        settings = Settings(policies, args.format, args.ledger, codes, TraceLevel(args.trace))
        sinks = Sinks(out, err, advance, progress.update if progress else lambda size: None)
        try:
            if spooled:  # workers read their own parts of the files (specification §15)
                files = [(name, name) for name in args.inputs]
                run_spooled(files, settings, sinks, summary, jobs=args.jobs, store=store)
            else:
                run_batch(units, settings, sinks, summary, jobs=args.jobs, store=store)
            if store is not None:
                summary.year_to_date = store.year_to_date()
            out.flush()
            err.flush()
        except StoreError as error:  # from a worker's reads or the committer's writes
            raise UsageError(str(error)) from None
        except sqlite3.Error as error:  # the run's own temporary files (the store's are above)
            raise UsageError(f"temporary files in {tempfile.gettempdir()}: {error}") from None
        if progress is not None:
            progress.close()
    if args.summary:
        with ExitStack() as stack:
            summary_file = open_output(stack, args.summary, sys.stderr.buffer)
            summary_file.write(orjson.dumps(summary.to_json(), option=orjson.OPT_INDENT_2) + b"\n")
    if not args.quiet:
        sys.stderr.write(summary.table(args.lang))
    return EXIT_INPUT_ERRORS if summary.errors else EXIT_OK


def _line_size(unit: Item) -> int:
    value = unit.value if isinstance(unit, Unit) else b""
    return len(value) if isinstance(value, bytes) else 1


def _claim_rows(unit: Item) -> int:
    return len(unit.claim_rows or ()) if isinstance(unit, Unit) else 1


def _table_units(
    stack: ExitStack, args: argparse.Namespace, summary: Summary, policies: PolicySet
) -> tuple[Iterator[Item], int | None, Callable[[Item], int]]:
    """Stage the three tables and yield their bundles (and bad rows) person by person."""
    folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="yzmedins-tables-"))
    try:
        reader = read_tables(
            args.persons,
            args.contributions,
            args.claims,
            folder,
            policies=policies,
            ignore_extra_columns=args.ignore_extra_columns,
        )
    except TableError as error:
        raise UsageError(str(error)) from None
    stack.callback(reader.close)
    for path, columns in reader.extra_columns.items():
        sys.stderr.write(
            f"yzmedins: {path}: ignoring column(s) {', '.join(columns)} (--ignore-extra-columns)\n"
        )
    summary.inputs.update(reader.rows_read)

    def count_rows() -> None:
        summary.table_rows = {path: attrs.asdict(counts) for path, counts in reader.counts.items()}

    stack.callback(count_rows)
    return iter(reader), reader.rows_read.get(args.claims), _claim_rows


def _progress(args: argparse.Namespace, total: int | None, unit: str) -> Any:
    """A progress bar on standard error when it is a terminal (and not ``--quiet``), else None.

    :mod:`tqdm` is imported here, not at the top: a bar is drawn only on a terminal, and the
    import costs about a sixth of the program's start-up (some 20 ms of 120 ms, measured), which
    every other run (a pipe, a file, ``contributions``, ``retirement``) need not pay.
    """
    if args.quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit=unit,
        unit_scale=True,
        desc="adjudicating",
        file=sys.stderr,
        dynamic_ncols=True,
    )
