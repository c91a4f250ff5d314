"""``yzmedins clear`` — the year-end clearing (年终清算) of person-years in the ledger store.

For every person-year of ``--year`` in the store (in person id order), or those of the named
``--person`` ids: its records, its seed ledger and the content of each settlement in effect are
read from the store, :func:`yzmedins.lifecycle.clear_year` adjudicates the year afresh, and the
store appends the corrections and sets the ledger (a conditional write). Only the correction
records are written. A person-year that cannot be cleared (a settlement in effect whose content
was not kept, as on a store migrated from version 1) is one error record, and is left as it is.
Clearing a year again appends and writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import orjson

from yzmedins.batch.store import (
    LedgerStore,
    StoreError,
    ledger_row,
    policy_options,
    seed_ledger,
)
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
    open_output,
    policies_from_args,
)
from yzmedins.commands.store_records import (
    COMMIT_EVERY,
    RecordFormat,
    new_record,
    open_store,
    parsed,
)
from yzmedins.errors import InputError
from yzmedins.io.codec import parse_bundle
from yzmedins.io.jsonl import ErrorRecord, encode_error
from yzmedins.lifecycle import ClaimRecords, SettledClaim, clear_year
from yzmedins.model import ClaimResult
from yzmedins.policy import PolicySet


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "clear",
        help="year-end clearing (年终清算) of the person-years in a ledger store",
        description=(
            "Adjudicate afresh each person-year of --year in the ledger store and append a "
            "correction for each claim whose amounts differ; write the correction records."
        ),
    )
    parser.add_argument("--ledger", metavar="DB", required=True, help="SQLite ledger store")
    parser.add_argument("--year", type=int, required=True, metavar="Y", help="the year to clear")
    parser.add_argument(
        "--person",
        action="append",
        metavar="ID",
        help="clear only this person's year (repeatable; default: every person of the year)",
    )
    add_output_arguments(parser, "correction records (default stdout)")
    add_format_argument(parser, "correction records")
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    add_policy_arguments(parser)
    parser.set_defaults(run=run)


def _persons(store: LedgerStore, year: int, named: list[str] | None) -> Iterator[str]:
    if named:
        yield from dict.fromkeys(named)
        return
    after: str | None = None
    while page := store.persons_of_year(year, after, COMMIT_EVERY):
        yield from page
        after = page[-1]


def clear_person_year(
    store: LedgerStore, person_id: str, year: int, policies: PolicySet
) -> list[tuple[bytes, list[ClaimResult]]]:
    """Clear one person-year inside the open transaction: each correction's JSON line with the
    claim's records before it. An :class:`InputError` when it cannot be cleared (nothing is
    written then)."""
    read = store.ledger_row(person_id, year)
    if read is None:
        raise InputError(f"person {person_id!r} has no {year} ledger in the store", "person_id")
    stored = store.person_year_records(person_id, year)
    records = parsed(store, stored)
    by_setl = {row.setl_id: row for row in stored}
    settled: list[SettledClaim] = []
    for claim_id in sorted({record.claim_id for record in records}):
        try:
            settlement = ClaimRecords.of(claim_id, records).settlement
        except InputError as error:
            raise StoreError(
                f"{store.path} is damaged ({error}): restore it from a backup"
            ) from None
        if settlement is None:
            continue
        content = by_setl[settlement.setl_id].content
        if content is None:
            raise InputError(
                f"person {person_id!r}, {year}: claim {claim_id!r} ({settlement.setl_id}) was "
                "settled before the store kept what a settlement was made of (a store migrated "
                "from version 1), so the year cannot be adjudicated afresh; it is left as it is",
                "person_id",
            )
        try:
            bundle = parse_bundle(orjson.loads(content), policies)
        except (orjson.JSONDecodeError, InputError) as error:
            raise StoreError(
                f"{store.path} is damaged (the content of {settlement.setl_id}: {error}): "
                "restore it from a backup"
            ) from None
        settled.append(SettledClaim(bundle.person, bundle.contributions, bundle.claims[0]))
    try:
        clearing = clear_year(year, records, settled, seed_ledger(read[6]), policies)
    except InputError as error:
        raise InputError(
            f"person {person_id!r}, {year}: {error.message}; the year is left as it is",
            "person_id",
        ) from None
    if not clearing.corrections:
        return []
    lines, rows = [], []
    for correction in clearing.corrections:
        line, row = new_record(correction, "correction")
        lines.append((line, ClaimRecords.of(correction.claim_id, records).records))
        rows.append(row)
    store.append(person_id, rows, ledger_row(year, clearing.ledger, read[6]), read)
    return [(line, list(before)) for line, before in lines]


def run(args: argparse.Namespace) -> int:
    check_excel(args)
    check_outputs(
        [*(args.policy or ()), *([args.nhsa_codes] if args.nhsa_codes else [])],
        [args.output, args.errors],
        store=args.ledger,
    )
    policies = policies_from_args(args)
    form = RecordFormat(args.format, policies, codes_from_args(args), excel=args.excel)
    errors = corrections = cleared = 0
    with ExitStack() as stack:
        store = open_store(args.ledger)
        stack.callback(store.close)
        try:
            store.check_options(policy_options(policies))
            if not store.persons_of_year(args.year, None, 1):
                raise UsageError(f"{args.ledger} holds no person-year of {args.year}")
            out = open_output(stack, args.output, sys.stdout.buffer)
            err = open_output(stack, args.errors, sys.stderr.buffer)
            out.write(form.header())
            pending = 0
            store.begin()
            for person_id in _persons(store, args.year, args.person):
                try:
                    lines = clear_person_year(store, person_id, args.year, policies)
                except InputError as error:
                    errors += 1
                    err.write(encode_error(ErrorRecord(args.ledger, 0, error.message, error.field)))
                    continue
                cleared += 1
                corrections += len(lines)
                out.writelines(form.line(line, earlier) for line, earlier in lines)
                pending += 1
                if pending >= COMMIT_EVERY:
                    store.commit_transaction()
                    store.begin()
                    pending = 0
            store.commit_transaction()
        except StoreError as error:
            store.rollback()
            raise UsageError(str(error)) from None
    if not args.quiet:
        sys.stderr.write(
            f"{args.year}: {cleared} person-years cleared, {corrections} corrections, "
            f"{errors} errors\n"
        )
    return EXIT_INPUT_ERRORS if errors else EXIT_OK
