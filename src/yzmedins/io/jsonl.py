"""JSON Lines in and out: reading lines (bounded, a BOM dropped), decoding a line's JSON value,
the error record of a line, and encoding every output line (results, error records, any other
JSON value), so that every command writes the same bytes for the same value.

:func:`process_lines` streams one value in memory at a time: every input line ends as its
outputs or as exactly one error record; a bad line never stops the others.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, BinaryIO, TypeVar

import attrs
import msgspec
import orjson

from yzmedins.errors import InputError
from yzmedins.io.codec import TraceLevel, reason_to_json, result_to_json, shown
from yzmedins.io.files import FileFailure
from yzmedins.limits import MAX_LINE_BYTES
from yzmedins.model import ClaimResult
from yzmedins.money import format_rate

_T = TypeVar("_T")


@attrs.frozen
class ErrorRecord:
    """One input line that could not be adjudicated."""

    source: str
    line: int
    message: str
    field: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.source,
            "line": self.line,
            "field": self.field,
            "message": self.message,
        }


@attrs.define
class Counts:
    """What a run read and wrote; every line is counted once as a bundle or as an error."""

    lines: int = 0
    bundles: int = 0  # lines accepted
    claims: int = 0  # output records written for them
    errors: int = 0


#: What JSON counts as whitespace (RFC 8259); a line of nothing else is blank and skipped. Any
#: other character (a vertical tab, a form feed) makes the line an error.
JSON_WHITESPACE = b" \t\r\n"
#: The UTF-8 byte order mark, accepted at the start of a file.
BOM = b"\xef\xbb\xbf"
#: Bytes read at a time while skipping the rest of an overlong line.
_SKIP = 1 << 16


def read_lines(
    handle: BinaryIO,
    source: str,
    limit: int = MAX_LINE_BYTES,
    *,
    first: int = 1,
    size: int | None = None,
) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, raw line)`` for each non-blank line of a JSON Lines file, or
    ``(line number, None)`` for a line longer than ``limit`` bytes, whose bytes are skipped
    without being held in memory. A byte order mark opening the file is dropped. A read
    failure is a :class:`~yzmedins.io.files.FileFailure` naming ``source``.

    A part of a file (a chunk of the spool pipeline): ``handle`` stands at the start of a line
    numbered ``first``, and ``size`` bytes (whole lines) are read; a byte order mark is dropped
    only from line 1."""
    readline = handle.readline
    number = first - 1
    left = size  # bytes of the part still to read (None: to the end of the file)
    try:
        while (left is None or left > 0) and (raw := readline(limit + 1)):
            number += 1
            if left is not None:
                left -= len(raw)
            if number == 1 and raw.startswith(BOM):
                raw = raw[len(BOM) :]
            if len(raw) > limit and not raw.endswith(b"\n"):
                while True:
                    rest = readline(_SKIP)
                    if left is not None:
                        left -= len(rest)
                    if not rest or rest.endswith(b"\n"):
                        break
                yield number, None
            elif raw.strip(JSON_WHITESPACE):
                yield number, raw
    except OSError as error:
        raise FileFailure(f"cannot read {source}: {error.strerror or error}") from None


def too_long(limit: int = MAX_LINE_BYTES) -> InputError:
    """The error of a line longer than ``limit`` bytes."""
    return InputError(f"the line is longer than {limit:,} bytes, the limit of one input line")


def _refuse_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise InputError(f"the key {shown(key)} is repeated in one object")
            seen.add(key)
    return value


def decode_line(raw: bytes | str) -> Any:
    """A JSON value from one line, or an :class:`InputError` for broken JSON or a key repeated
    in one object (JSON leaves its meaning open; the engine refuses it rather than guess).

    The repeat check is quick in the usual case: every key is followed by one colon, and a
    colon elsewhere stands in a string. Written back compactly, the value has the same strings
    and one key fewer per repeated key, so a line with as many colons as its compact form
    repeats no key, unless a string writes a colon as ``\\u003a`` (the compact form writes it
    as it is): a line with a ``\\u`` escape, or whose colons do not match, is decoded again,
    object by object.
    """
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise InputError(f"broken JSON: {error}") from None
    text = raw.encode() if isinstance(raw, str) else raw
    try:
        quick = text.count(b":") == orjson.dumps(value).count(b":")
    except orjson.JSONEncodeError:  # an integer beyond 64 bits: checked the slow way
        quick = False
    if not quick or (text.count(b"\\") and b"\\u" in text):
        try:
            json.loads(text, object_pairs_hook=_refuse_repeats)
        except InputError:
            raise
        except ValueError as error:  # what orjson read, json should too: refuse, never guess
            raise InputError(f"broken JSON: {error}") from None
    return value


def process_lines(
    handle: BinaryIO,
    source: str,
    counts: Counts,
    handle_value: Callable[[Any], Sequence[_T]],
    encode: Callable[[_T], bytes],
) -> Iterator[bytes | ErrorRecord]:
    """Run ``handle_value`` on the JSON value of each non-blank line and yield its outputs,
    encoded, or one :class:`ErrorRecord` for a line that is too long, broken JSON, or that
    ``handle_value`` rejects with an :class:`InputError` (or whose outputs cannot be encoded).
    Every line is counted once, as read and as a bundle or an error."""
    for number, raw in read_lines(handle, source):
        counts.lines += 1
        try:
            if raw is None:
                raise too_long()
            outputs = [encode(output) for output in handle_value(decode_line(raw))]
        except InputError as error:
            counts.errors += 1
            yield ErrorRecord(source, number, str(error), error.field)
            continue
        except orjson.JSONEncodeError as error:
            counts.errors += 1
            yield ErrorRecord(source, number, f"the result cannot be written: {error}")
            continue
        counts.bundles += 1
        counts.claims += len(outputs)
        yield from outputs


def encode_json(value: Any) -> bytes:
    """One output line: ``value`` as compact JSON and a line feed."""
    return orjson.dumps(value) + b"\n"


def encode_result(result: ClaimResult, trace: TraceLevel = TraceLevel.FULL) -> bytes:
    """A result line (specification §12), its trace at the level asked (§25)."""
    return orjson.dumps(result_to_json(result, trace)) + b"\n"


class _Step(msgspec.Struct):
    article: int | None
    text: str
    amount: Decimal | None


class _CodedStep(msgspec.Struct):
    article: int | None
    code: str | None
    amount: Decimal | None


class _Ledger(msgspec.Struct):
    basic_fund: Decimal
    catastrophic_fund: Decimal
    self_burden: Decimal
    secondary_subsidy: Decimal
    banded: Decimal


class _Line(msgspec.Struct):
    """A result line's keys in the order of specification §12 (:func:`result_to_json`)."""

    claim_id: str
    person_id: str
    record: str
    setl_id: str
    reverses: str | None
    corrects: str | None
    status: str
    reasons: list[dict[str, Any]]
    year: int
    category: str | None
    type: str | None
    admitted_on: date | None
    discharged_on: date | None
    hospital_level: str | None
    hospital_region: str | None
    route: str | None
    settlement: str | None
    maternity: bool | None
    applied_rule: str
    total: Decimal
    full_self_pay: Decimal
    pre_self_pay: Decimal
    eligible: Decimal
    deductible: Decimal
    basic_rate: str
    catastrophic_rate: str
    basic_fund: Decimal
    catastrophic_fund: Decimal
    other_fund: Decimal
    secondary_subsidy: Decimal
    fund_total: Decimal
    personal_cash: Decimal
    self_burden: Decimal
    in_scope_self_burden: Decimal
    banded: Decimal
    flags: list[str]
    ytd: _Ledger
    trace: list[Any]


_encode_line = msgspec.json.Encoder(decimal_format="string").encode


def encode_settled(result: ClaimResult, trace: TraceLevel = TraceLevel.FULL) -> bytes:
    """A result line of a record the engine has just made: the bytes of :func:`encode_result`,
    about twice as fast (msgspec encodes the record's values as they are: issue 14,
    docs/dependencies.md).

    msgspec writes a ``Decimal`` as ``str`` does, which is :func:`format_money`'s form for an
    amount with two places — every amount the engine makes has two places (specification §2;
    tests/test_encoding.py). Records read back from lines or stores keep
    :func:`encode_result`.
    """
    y = result.ytd
    if trace is TraceLevel.FULL:
        steps: list[Any] = [_Step(s.article, s.text, s.amount) for s in result.trace]
    elif trace is TraceLevel.CODES:
        steps = [
            _CodedStep(s.article, None if s.code is None else s.code.value, s.amount)
            for s in result.trace
        ]
    else:
        steps = []
    return (
        _encode_line(
            _Line(
                result.claim_id,
                result.person_id,
                result.record,
                result.setl_id,
                result.reverses,
                result.corrects,
                result.status,
                [reason_to_json(reason) for reason in result.reasons],
                result.year,
                result.category,
                result.type,
                result.admitted_on,
                result.discharged_on,
                result.hospital_level,
                result.hospital_region,
                result.route,
                result.settlement,
                result.maternity,
                result.applied_rule,
                result.total,
                result.full_self_pay,
                result.pre_self_pay,
                result.eligible,
                result.deductible,
                format_rate(result.basic_rate),
                format_rate(result.catastrophic_rate),
                result.basic_fund,
                result.catastrophic_fund,
                result.other_fund,
                result.secondary_subsidy,
                result.fund_total,
                result.personal_cash,
                result.self_burden,
                result.in_scope_self_burden,
                result.banded,
                list(result.flags),
                _Ledger(
                    y.basic_fund, y.catastrophic_fund, y.self_burden, y.secondary_subsidy, y.banded
                ),
                steps,
            )
        )
        + b"\n"
    )


def encode_error(error: ErrorRecord) -> bytes:
    """An error record line."""
    return encode_json(error.to_json())
