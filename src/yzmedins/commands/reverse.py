"""``yzmedins reverse`` — reverse settlements recorded in the ledger store (结算撤销).

Each request line is ``{"claim_id": "K1"}`` (the claim's settlement in effect) or
``{"setl_id": "K1/1"}`` (that settlement). For each, the claim's records and its person-year
ledger are read from the store, :func:`yzmedins.lifecycle.reverse` makes the reversal, and the
store appends it and moves the ledger back (a conditional write), in transactions of up to
:data:`~yzmedins.commands.store_records.COMMIT_EVERY` requests. One reversal record is
written per request, in request order; a request for a settlement already reversed writes that
reversal again and appends nothing, so a rerun after an interruption (even SIGKILL) writes the
same output as an uninterrupted run.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from typing import Any

import orjson

from yzmedins.batch.store import LedgerStore, StoreError, ledger_row
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
from yzmedins.commands.store_records import (
    COMMIT_EVERY,
    RecordFormat,
    ledger_of_row,
    new_record,
    open_store,
    parsed,
)
from yzmedins.errors import InputError
from yzmedins.io.codec import shown
from yzmedins.io.files import Output
from yzmedins.io.jsonl import (
    ErrorRecord,
    decode_line,
    encode_error,
    read_lines,
    too_long,
)
from yzmedins.lifecycle import ClaimRecords, reverse, setl_number
from yzmedins.model import ClaimResult, Ledger

_REQUEST_KEYS = ("claim_id", "setl_id")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "reverse",
        help="reverse settlements recorded in a ledger store (结算撤销)",
        description=(
            'Read JSON Lines requests ({"claim_id": ...} or {"setl_id": ...}) and reverse each '
            "settlement in the ledger store; write one reversal record per request, in order."
        ),
    )
    parser.add_argument("inputs", nargs="+", metavar="REQUESTS", help="JSON Lines; - for stdin")
    parser.add_argument("--ledger", metavar="DB", required=True, help="SQLite ledger store")
    add_output_arguments(parser, "reversal records (default stdout)")
    add_format_argument(parser, "reversal records")
    add_policy_arguments(parser, claims_readings=False)
    parser.add_argument("--summary", metavar="FILE", help="write the run summary as JSON")
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    parser.set_defaults(run=run)


def _request(value: Any) -> tuple[str | None, str | None]:
    if not isinstance(value, dict):
        raise InputError(f"a request is an object, not {shown(value)}")
    unknown = sorted(set(value) - set(_REQUEST_KEYS))
    if unknown:
        raise InputError("is not a key of a request (claim_id or setl_id)", unknown[0])
    given = [key for key in _REQUEST_KEYS if key in value]
    if len(given) != 1:
        raise InputError("give exactly one of claim_id and setl_id", "claim_id")
    key = given[0]
    text = value[key]
    if not isinstance(text, str) or not text:
        raise InputError(f"expected a non-empty string, got {shown(text)}", key)
    if key == "setl_id":
        setl_number(text)
        return None, text
    return text, None


def reverse_request(
    store: LedgerStore, claim_id: str | None, setl_id: str | None
) -> tuple[bytes, bool, list[ClaimResult]]:
    """Reverse one request inside the open transaction: the reversal's JSON line, whether it
    was appended, and the claim's records before it."""
    wanted = claim_id if setl_id is None else setl_number(setl_id)[0]
    assert wanted is not None
    stored = store.claim_records([wanted]).get(wanted, [])
    records = parsed(store, stored)
    try:
        current = ClaimRecords.of(wanted, records).settlement
    except InputError as error:
        raise StoreError(f"{store.path} is damaged ({error}): restore it from a backup") from None
    ledger: Ledger | None = None
    read = None
    if current is not None:
        read = store.ledger_row(stored[0].person_id, current.year)
        if read is None:
            raise StoreError(
                f"{store.path} is damaged (no {current.year} ledger of person "
                f"{stored[0].person_id!r} for {current.setl_id}): restore it from a backup"
            )
        ledger = ledger_of_row(read)
    reversal = reverse(records, ledger, claim_id=claim_id, setl_id=setl_id)
    if not reversal.appended:
        lines = {row.setl_id: row.result for row in stored}
        number = setl_number(reversal.record.setl_id)[1]
        before = [record for record in records if setl_number(record.setl_id)[1] < number]
        return lines[reversal.record.setl_id], False, before
    assert read is not None
    line, row = new_record(reversal.record, "reversal")
    store.append(
        stored[0].person_id, [row], ledger_row(reversal.ledger.year, reversal.ledger, read[6]), read
    )
    return line, True, records


def run(args: argparse.Namespace) -> int:
    check_excel(args)
    check_outputs(
        [*args.inputs, *(args.policy or ()), *([args.nhsa_codes] if args.nhsa_codes else [])],
        [args.output, args.errors, *([args.summary] if args.summary else [])],
        store=args.ledger,
    )
    counts = {"requests": 0, "reversed": 0, "already_reversed": 0, "errors": 0}
    form = RecordFormat(
        args.format, policies_from_args(args), codes_from_args(args), excel=args.excel
    )
    with ExitStack() as stack:
        store = open_store(args.ledger)
        stack.callback(store.close)
        inputs = [(name, open_input(stack, name)) for name in args.inputs]
        out = open_output(stack, args.output, sys.stdout.buffer)
        err = open_output(stack, args.errors, sys.stderr.buffer)
        out.write(form.header())
        try:
            _reverse_all(store, inputs, out, err, form, counts)
        except StoreError as error:
            store.rollback()
            raise UsageError(str(error)) from None
    if args.summary:
        with ExitStack() as stack:
            summary_file = open_output(stack, args.summary, sys.stderr.buffer)
            summary_file.write(orjson.dumps(counts, option=orjson.OPT_INDENT_2) + b"\n")
    if not args.quiet:
        sys.stderr.write(
            f"{counts['requests']} requests: {counts['reversed']} reversed, "
            f"{counts['already_reversed']} already reversed, {counts['errors']} errors\n"
        )
    return EXIT_INPUT_ERRORS if counts["errors"] else EXIT_OK


def _reverse_all(
    store: LedgerStore,
    inputs: list[tuple[str, Any]],
    out: Output,
    err: Output,
    form: RecordFormat,
    counts: dict[str, int],
) -> None:
    pending = 0
    store.begin()
    for name, handle in inputs:
        source = "<stdin>" if name == "-" else name
        for number, raw in read_lines(handle, source):
            counts["requests"] += 1
            try:
                if raw is None:
                    raise too_long()
                claim_id, setl_id = _request(decode_line(raw))
                line, appended, earlier = reverse_request(store, claim_id, setl_id)
            except InputError as error:
                counts["errors"] += 1
                err.write(encode_error(ErrorRecord(source, number, str(error), error.field)))
                continue
            counts["reversed" if appended else "already_reversed"] += 1
            out.write(form.line(line, earlier))
            pending += 1
            if pending >= COMMIT_EVERY:
                store.commit_transaction()
                store.begin()
                pending = 0
    store.commit_transaction()
