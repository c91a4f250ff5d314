"""What the commands share: exit statuses, the usage error, the arguments every command takes
(inputs, outputs, policies), opening the files of a run, and the JSON Lines loop.

Exit status: 0 when every line was valid, 1 when some lines were input errors, 2 for usage or
I/O errors (:class:`UsageError`, raised here and by the commands, reported by
:func:`yzmedins.cli.main`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from typing import Any, BinaryIO

from yzmedins.io.files import (
    FileFailure,
    Identity,
    Output,
    check_distinct,
    file_identity,
    stream_identity,
)
from yzmedins.io.jsonl import Counts, ErrorRecord, encode_error, process_lines
from yzmedins.nhsa import NhsaCodes, load_codes
from yzmedins.policy import (
    CapReading,
    MaternityReading,
    PolicyError,
    PolicySet,
    ReductionReading,
    default_policies,
    policies_from_files,
)

EXIT_OK = 0
EXIT_INPUT_ERRORS = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """A problem with the command itself (arguments, files, policies): exit status 2."""


def add_io_arguments(parser: argparse.ArgumentParser) -> None:
    """``INPUT... [-o OUT] [--errors ERR]``, shared by every JSON Lines command."""
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="JSON Lines files; - for stdin")
    add_output_arguments(parser)


def add_output_arguments(
    parser: argparse.ArgumentParser, output_help: str = "output file (default stdout)"
) -> None:
    """``[-o OUT] [--errors ERR]``: where the outputs and the error records go."""
    parser.add_argument("-o", "--output", metavar="OUT", help=output_help)
    parser.add_argument(
        "--errors", metavar="ERR", help="error records, one JSON line each (default stderr)"
    )


def add_excel_argument(parser: argparse.ArgumentParser) -> None:
    """``--excel``: CSV results that Excel opens as they are (with ``--format csv``)."""
    parser.add_argument(
        "--excel",
        action="store_true",
        help="with --format csv: begin with a UTF-8 byte order mark, so that Excel reads the "
        "Chinese text (rows end in CRLF)",
    )


def check_excel(args: argparse.Namespace) -> None:
    if args.excel and args.format != "csv":
        raise UsageError("--excel applies to --format csv")


#: Output formats of the commands that write records: the JSON record, its CSV row, or the
#: national platform's settlement shape (specification §20).
RECORD_FORMATS = ("jsonl", "csv", "nhsa")


def add_format_argument(parser: argparse.ArgumentParser, what: str = "records") -> None:
    """``[--format jsonl|csv|nhsa] [--nhsa-codes FILE]``."""
    parser.add_argument(
        "--format",
        choices=RECORD_FORMATS,
        default="jsonl",
        help=f"{what} format: jsonl (default), csv, or nhsa (the national platform's "
        "setlinfo/setldetail)",
    )
    parser.add_argument(
        "--nhsa-codes",
        metavar="FILE",
        help="the platform's code list for --format nhsa (default: the bundled one)",
    )
    add_excel_argument(parser)


def codes_from_args(args: argparse.Namespace) -> NhsaCodes | None:
    """The code list of ``--nhsa-codes`` (None: the bundled one); a bad file is a usage error."""
    if getattr(args, "nhsa_codes", None) is None:
        return None
    try:
        return load_codes(args.nhsa_codes)
    except OSError as error:
        raise UsageError(f"{args.nhsa_codes}: {error.strerror or error}") from None
    except PolicyError as error:
        raise UsageError(str(error)) from None


def add_policy_arguments(parser: argparse.ArgumentParser, *, claims_readings: bool = True) -> None:
    """The parameter files and, for commands that settle claims, the readings of the ambiguous
    text (specification §5, §6); commands that settle no claim offer only ``--policy``."""
    group = parser.add_argument_group("policy")
    group.add_argument(
        "--policy",
        action="append",
        metavar="FILE",
        help="parameter file(s) to use instead of the bundled 2017 measures",
    )
    if not claims_readings:
        parser.set_defaults(cap_reading=None, reimbursement_reduction=None, maternity=None)
        return
    group.add_argument(
        "--cap-reading",
        choices=[c.value for c in CapReading],
        help="第十七条 caps: on actual payments (default) or on cumulative bands",
    )
    group.add_argument(
        "--reimbursement-reduction",
        choices=[c.value for c in ReductionReading],
        help="第二十三条(3) 少10%%: percentage points (default) or relative",
    )
    group.add_argument(
        "--maternity",
        choices=[c.value for c in MaternityReading],
        help="第二十条: no deductible (default) or the fund pays below the deductible",
    )


def policies_from_args(args: argparse.Namespace) -> PolicySet:
    """The policy set the arguments ask for (bundled by default)."""
    try:
        base = policies_from_files(args.policy) if args.policy else default_policies()
    except (OSError, PolicyError) as error:
        raise UsageError(f"cannot load policy: {error}") from None
    cap = CapReading(args.cap_reading) if args.cap_reading else None
    reduction = (
        ReductionReading(args.reimbursement_reduction) if args.reimbursement_reduction else None
    )
    maternity = MaternityReading(args.maternity) if args.maternity else None
    if cap is None and reduction is None and maternity is None:
        return base
    return PolicySet(
        tuple(
            p.with_options(
                cap_reading=cap, reduction_reading=reduction, maternity_reading=maternity
            )
            for p in base.policies
        )
    )


def open_input(stack: ExitStack, name: str) -> BinaryIO:
    """An input file (``-``: standard input), entered into ``stack``."""
    if name == "-":
        return sys.stdin.buffer
    try:
        return stack.enter_context(open(name, "rb"))
    except OSError as error:
        raise UsageError(f"cannot read {name}: {error.strerror}") from None


def input_identity(name: str) -> tuple[str, Identity]:
    """An input file (``-``: standard input) for :func:`check_outputs`."""
    if name == "-":
        return "standard input", stream_identity(sys.stdin.buffer)
    return name, file_identity(name)


def check_outputs(
    inputs: Sequence[str], outputs: Sequence[str | None], *, store: str | None = None
) -> None:
    """Refuse (exit 2, nothing touched) an output that is one of the inputs, the ledger store
    or another output. ``outputs[0]`` not given goes to standard output, the others to standard
    error; either may have been redirected to a file (they may share one: ``> log 2>&1``)."""
    named_inputs = [input_identity(name) for name in inputs]
    if store is not None:
        named_inputs.append((f"the ledger store {store}", file_identity(store)))
    named = [(name, file_identity(name)) for name in outputs if name not in (None, "-")]
    standard = {
        ("standard output" if index == 0 else "standard error"): stream_identity(
            sys.stdout.buffer if index == 0 else sys.stderr.buffer
        )
        for index, name in enumerate(outputs)
        if name in (None, "-")
    }
    try:
        check_distinct(named_inputs, named)
        for shown, identity in standard.items():
            check_distinct(named_inputs, [*named, (shown, identity)])
    except FileFailure as error:
        raise UsageError(str(error)) from None


def open_output(stack: ExitStack, name: str | None, default: BinaryIO) -> Output:
    """An output (``-`` or none: ``default``) entered into ``stack``: a file is written beside
    and renamed into place when the ``with`` block ends without an exception."""
    if name is None or name == "-":
        shown = "standard output" if default is sys.stdout.buffer else "standard error"
        return stack.enter_context(Output(shown, default))
    try:
        return stack.enter_context(Output.open(name))
    except FileFailure as error:
        raise UsageError(str(error)) from None


def run_jsonl(
    args: argparse.Namespace,
    handle: Callable[[Any], Sequence[Any]],
    encode: Callable[[Any], bytes],
) -> int:
    """Stream every input through ``handle``; outputs to ``-o``, error records to ``--errors``."""
    counts = Counts()
    check_outputs(args.inputs, [args.output, args.errors])
    with ExitStack() as stack:
        inputs = [(name, open_input(stack, name)) for name in args.inputs]
        out = open_output(stack, args.output, sys.stdout.buffer)
        err = open_output(stack, args.errors, sys.stderr.buffer)
        for name, handle_file in inputs:
            source = "<stdin>" if name == "-" else name
            for item in process_lines(handle_file, source, counts, handle, encode):
                if isinstance(item, ErrorRecord):
                    err.write(encode_error(item))
                else:
                    out.write(item)
    return EXIT_INPUT_ERRORS if counts.errors else EXIT_OK
