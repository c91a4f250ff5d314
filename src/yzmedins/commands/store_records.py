"""What the commands that append records to a ledger store (``reverse``, ``clear``) share:
opening the store, reading its records back, writing new records and their output lines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import attrs
import orjson

from yzmedins.batch.store import LedgerStore, StoredRecord, StoreError, ledger_from_row
from yzmedins.batch.summary import tally_of, tally_text
from yzmedins.commands.common import UsageError
from yzmedins.errors import InputError
from yzmedins.io.csv_results import csv_header, csv_row
from yzmedins.io.jsonl import encode_result
from yzmedins.io.records import record_from_json
from yzmedins.model import ClaimResult, Ledger
from yzmedins.nhsa import NhsaCodes, nhsa_line, nhsa_shape
from yzmedins.policy import PolicySet

#: Requests (or, for ``clear``, person-years) per ledger-store transaction.
COMMIT_EVERY = 1000


def open_store(path: str) -> LedgerStore:
    try:
        return LedgerStore(path)
    except StoreError as error:
        raise UsageError(str(error)) from None


def parsed(store: LedgerStore, stored: Iterable[StoredRecord]) -> list[ClaimResult]:
    """The records of stored rows; a line that cannot be read back is a damaged store."""
    records = []
    for row in stored:
        try:
            records.append(record_from_json(orjson.loads(row.result)))
        except (orjson.JSONDecodeError, InputError) as error:
            raise StoreError(
                f"{store.path} is damaged (record {row.setl_id!r}: {error}): restore it from a "
                "backup"
            ) from None
    return records


@attrs.frozen
class RecordFormat:
    """How records are written: ``jsonl`` (the line as stored), ``csv`` (its row) or ``nhsa``
    (the platform's settlement shape, which needs the claim's earlier records)."""

    name: str
    policies: PolicySet
    codes: NhsaCodes | None = None
    excel: bool = False  # csv: a byte order mark first (--excel)

    def header(self) -> bytes:
        return csv_header(excel=self.excel) if self.name == "csv" else b""

    def line(self, line: bytes, earlier: Sequence[ClaimResult] = ()) -> bytes:
        """The output of a record's stored JSON ``line``; ``earlier``: the claim's records
        before it."""
        if self.name == "csv":
            return csv_row(orjson.loads(line))
        if self.name == "nhsa":
            record = record_from_json(orjson.loads(line))
            shape = nhsa_shape(record, earlier, policies=self.policies, codes=self.codes)
            return nhsa_line(shape)
        return line


def new_record(record: ClaimResult, kind: str) -> tuple[bytes, Any]:
    """A record's line and its row for :meth:`LedgerStore.append`."""
    line = encode_result(record)
    row = (
        record.setl_id,
        record.claim_id,
        record.year,
        kind,
        None,
        line,
        tally_text(tally_of(record)),
        None,
    )
    return line, row


def ledger_of_row(row: Sequence[Any]) -> Ledger:
    return ledger_from_row(row[0], row[1:6])
