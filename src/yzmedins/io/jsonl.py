"""JSON Lines in and out: reading lines (bounded, a BOM dropped), decoding a line's JSON value,
the error record of a line, and encoding every output line (results, error records, any other
JSON value), so that every command writes the same bytes for the same value.

:func:`process_lines` streams one value in memory at a time: every input line ends as its
outputs or as exactly one error record; a bad line never stops the others.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any, BinaryIO, TypeVar

import attrs
import orjson

from yzmedins.errors import InputError
from yzmedins.io.codec import TraceLevel, result_to_json, shown
from yzmedins.io.files import FileFailure
from yzmedins.limits import MAX_LINE_BYTES
from yzmedins.model import ClaimResult

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
    handle: BinaryIO, source: str, limit: int = MAX_LINE_BYTES
) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, raw line)`` for each non-blank line of a JSON Lines file, or
    ``(line number, None)`` for a line longer than ``limit`` bytes, whose bytes are skipped
    without being held in memory. A byte order mark opening the file is dropped. A read
    failure is a :class:`~yzmedins.io.files.FileFailure` naming ``source``."""
    readline = handle.readline
    number = 0
    try:
        while raw := readline(limit + 1):
            number += 1
            if number == 1 and raw.startswith(BOM):
                raw = raw[len(BOM) :]
            if len(raw) > limit and not raw.endswith(b"\n"):
                while (rest := readline(_SKIP)) and not rest.endswith(b"\n"):
                    pass
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


def encode_error(error: ErrorRecord) -> bytes:
    """An error record line."""
    return encode_json(error.to_json())
