"""The command line: ``yzmedins COMMAND ...``; each command lives in :mod:`yzmedins.commands`.

Exit status: 0 when every line was valid, 1 when some lines were input errors, 2 for usage or
I/O errors. No traceback reaches a user for bad data.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from typing import Any, BinaryIO

from yzmedins import __version__
from yzmedins.io.jsonl import Counts, ErrorRecord, encode_error, process_lines
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
    parser.add_argument("-o", "--output", metavar="OUT", help="output file (default stdout)")
    parser.add_argument(
        "--errors", metavar="ERR", help="error records, one JSON line each (default stderr)"
    )


def add_policy_arguments(parser: argparse.ArgumentParser, *, claims_readings: bool = True) -> None:
    """The parameter files and, for commands that settle claims, the readings of the ambiguous
    text (RULES §4, §6); commands that settle no claim offer only ``--policy``."""
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
    if name == "-":
        return sys.stdin.buffer
    try:
        return stack.enter_context(open(name, "rb"))
    except OSError as error:
        raise UsageError(f"cannot read {name}: {error.strerror}") from None


def open_output(stack: ExitStack, name: str | None, default: BinaryIO) -> BinaryIO:
    if name is None or name == "-":
        return default
    try:
        return stack.enter_context(open(name, "wb"))
    except OSError as error:
        raise UsageError(f"cannot write {name}: {error.strerror}") from None


def run_jsonl(
    args: argparse.Namespace,
    handle: Callable[[Any], Sequence[Any]],
    encode: Callable[[Any], bytes],
) -> int:
    """Stream every input through ``handle``; outputs to ``-o``, error records to ``--errors``."""
    counts = Counts()
    with ExitStack() as stack:
        inputs = [(name, open_input(stack, name)) for name in args.inputs]
        out = open_output(stack, args.output, sys.stdout.buffer)
        err = open_output(stack, args.errors, sys.stderr.buffer)
        try:
            for name, handle_file in inputs:
                source = "<stdin>" if name == "-" else name
                for item in process_lines(handle_file, source, counts, handle):
                    if isinstance(item, ErrorRecord):
                        err.write(encode_error(item))
                    else:
                        out.write(encode(item))
            out.flush()
            err.flush()
        except BrokenPipeError:
            raise  # the reader went away (``| head``): main() ends quietly
        except OSError as error:
            raise UsageError(f"I/O error: {error}") from None
    return EXIT_INPUT_ERRORS if counts.errors else EXIT_OK


Command = Callable[[argparse.Namespace], int]


def _parser(registrations: Iterable[Callable[[Any], None]]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yzmedins",
        description="Adjudicate claims under 永政发〔2017〕12号 (Yongzhou employee insurance).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in registrations:
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from yzmedins.commands import REGISTRATIONS

    args = _parser(REGISTRATIONS).parse_args(argv)
    command: Command = args.run
    try:
        return command(args)
    except UsageError as error:
        print(f"yzmedins: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of the output closed it (``yzmedins ... | head``): stop without a message,
        # and keep Python from complaining when it flushes standard output at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
