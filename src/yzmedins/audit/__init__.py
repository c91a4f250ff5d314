"""The audit: re-verify records (result lines, or a ledger store's records) against their input.

Each record is recomputed twice — by the engine (:mod:`yzmedins.audit.engine_book`) and by the
independent reference implementation (:mod:`yzmedins.reference`) — replaying the operations
the records show (settlement, reversal, clearing) in the order they were made, and held to the
invariants of the contract that need no recomputation (:mod:`yzmedins.audit.checks`); every
input claim must have a record and every record an input claim. Each disagreement is a
:class:`~yzmedins.audit.checks.Finding`. Pure: the command (``yzmedins audit``) does the I/O.
"""

from __future__ import annotations

from yzmedins.audit.checks import CHECKS, Finding
from yzmedins.audit.person import Case, FileRecord, audit_person

__all__ = ["CHECKS", "Case", "FileRecord", "Finding", "audit_person"]
