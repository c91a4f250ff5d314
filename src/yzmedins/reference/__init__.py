"""An independent reference implementation of the contract, for auditors.

A second implementation of docs/specification.md written from its text alone: the settlement of
a claim (:mod:`yzmedins.reference.oracle`, §2–§12, with the readings of §16 as
:class:`Options`) and the life of a settlement (:mod:`yzmedins.reference.life`, §18). It
imports nothing of ``yzmedins.rules``, ``yzmedins.engine``, ``yzmedins.lifecycle`` or the
codec, and takes the PRC working days from another source than the engine
(:mod:`yzmedins.reference.workdays`), so that an error in one is not repeated in the other;
``tests/test_imports.py`` holds it to that. ``yzmedins audit`` recomputes every record with both.

It works on the JSON values themselves (dictionaries, money as strings); it is slower than the
engine and does not try to be fast. ``python -m yzmedins.reference IN.jsonl`` adjudicates a
JSON Lines file (``--help`` for the options).
"""

from __future__ import annotations

from yzmedins.reference.life import AMOUNTS, LEDGER_KEYS, Book
from yzmedins.reference.oracle import DEFAULT, InputError, Options, adjudicate_lines

__all__ = ["AMOUNTS", "DEFAULT", "LEDGER_KEYS", "Book", "InputError", "Options", "adjudicate_lines"]
