"""Streaming JSON Lines adjudication: one bundle in memory at a time (RULES §10).

Every input line ends as its claims' result lines or as exactly one error record; a bad line
never stops the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import attrs
import orjson

from yzmedins.errors import InputError
from yzmedins.io.codec import result_to_json
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


def decode_line(raw: bytes | str) -> Any:
    """A JSON value from one line, or an :class:`InputError` for broken JSON."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise InputError(f"broken JSON: {error}") from None


def process_lines(
    lines: Iterable[bytes | str],
    source: str,
    counts: Counts,
    handle: Callable[[Any], Sequence[_T]],
) -> Iterator[_T | ErrorRecord]:
    """Run ``handle`` on the JSON value of each non-blank line and yield what it returns, or
    one :class:`ErrorRecord` for a line that is broken JSON or that ``handle`` rejects with an
    :class:`InputError`. Every line is counted once, as read and as a bundle or an error."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        counts.lines += 1
        try:
            outputs = handle(decode_line(raw))
        except InputError as error:
            counts.errors += 1
            yield ErrorRecord(source, number, str(error), error.field)
            continue
        counts.bundles += 1
        counts.claims += len(outputs)
        yield from outputs


def encode_result(result: ClaimResult) -> bytes:
    return orjson.dumps(result_to_json(result)) + b"\n"


def encode_error(error: ErrorRecord) -> bytes:
    return orjson.dumps(error.to_json()) + b"\n"
