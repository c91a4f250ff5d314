"""The command line: ``yzmedins COMMAND ...``, the parser and :func:`main`.

Each command lives in a module of :mod:`yzmedins.commands`, which registers its arguments and
its ``run``; what they share (exit statuses, usage errors, the arguments for inputs, outputs and
policies) is in :mod:`yzmedins.commands.common`. :func:`main` turns every usage or I/O failure
into one line on standard error and exit status 2: no traceback reaches a user for bad data.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from yzmedins import __version__
from yzmedins.commands import (
    adjudicate,
    audit,
    clear,
    contributions,
    report,
    retirement,
    reverse,
    serve,
    slip,
)
from yzmedins.commands.common import EXIT_USAGE, UsageError
from yzmedins.io.files import FileFailure

#: Each command module's ``register(subparsers)``; it sets ``run`` on its parser.
REGISTRATIONS: tuple[Callable[[Any], None], ...] = (
    adjudicate.register,
    contributions.register,
    retirement.register,
    reverse.register,
    clear.register,
    slip.register,
    serve.register,
    audit.register,
    report.register,
)

Command = Callable[[argparse.Namespace], int]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="yzmedins",
        description="Adjudicate claims under 永政发〔2017〕12号 (Yongzhou employee insurance).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in REGISTRATIONS:
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command: Command = args.run
    try:
        return command(args)
    except (UsageError, FileFailure) as error:
        _say(str(error))
        return EXIT_USAGE
    except OSError as error:
        if isinstance(error, BrokenPipeError):
            return _closed_pipe()
        # Any other I/O failure not met where it happened: one line, never a traceback.
        where = f" ({error.filename})" if error.filename else ""
        _say(f"I/O error{where}: {error.strerror or error}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _say(message: str) -> None:
    """One line on standard error (which may itself be gone)."""
    with contextlib.suppress(OSError):
        print(f"yzmedins: {message}", file=sys.stderr)


def _closed_pipe() -> int:
    """The reader of the output closed it (``yzmedins ... | head``): stop without a message,
    and keep Python from complaining when it flushes standard output at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
