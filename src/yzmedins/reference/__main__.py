"""``python -m yzmedins.reference IN.jsonl``: adjudicate with the reference implementation.

Results go to standard output in the §12 shape, one line per claim; each bad input line gives
``{"file", "line", "message"}`` on standard error. Exit status 0 (every line valid), 1 (some
lines were input errors), 2 (usage or I/O errors: one message, never a traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from yzmedins.reference.oracle import Options, adjudicate_lines


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m yzmedins.reference",
        description=(
            "Adjudicate JSON Lines bundles with the independent reference implementation "
            "(written from the specification alone; slower than the engine)."
        ),
    )
    parser.add_argument("input", metavar="IN.jsonl", help="JSON Lines bundles")
    parser.add_argument(
        "--cap-reading", choices=["actual_payment", "cumulative_bands"], default="actual_payment"
    )
    parser.add_argument(
        "--reimbursement-reduction", choices=["points", "relative"], default="points"
    )
    parser.add_argument(
        "--maternity",
        choices=["no_deductible", "fund_pays_below_deductible"],
        default="no_deductible",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    options = Options(args.cap_reading, args.reimbursement_reduction, args.maternity)
    try:
        with open(args.input, encoding="utf-8") as handle:
            results, errors = adjudicate_lines(handle, options)
    except (OSError, UnicodeDecodeError) as error:
        print(f"python -m yzmedins.reference: cannot read {args.input}: {error}", file=sys.stderr)
        return 2
    for error_record in errors:
        record = {"file": args.input, **error_record}
        print(json.dumps(record, ensure_ascii=False), file=sys.stderr)
    for result in results:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
