"""The settlement desk: the national platform's transactions over the ledger store
(specification §23), framework-free.

:meth:`Desk.answer` takes one decoded envelope and returns the answer's bytes, inside a
transaction the caller opened (the service's writer commits many messages at once). Each
message with a valid ``msgid`` is recorded with its answer in that same transaction, beside the
records it made: a repeated ``msgid`` gets the stored answer byte for byte and changes nothing,
and an answer the caller sends only after the commit survives a ``kill -9``.

Transactions: 2303 pre-settlement (nothing recorded), 2304 settlement, 2305 reversal, 2601
冲正 (undo a message), 5203 settlement query, 5206 the person-year's accumulators. An answer is
``infcode`` "0" or "-1" (refused, ``err_msg`` saying why); an error names the field it is about
and never repeats the value sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import orjson

from yzmedins.batch.store import (
    LedgerStore,
    StoredMessage,
    StoreError,
    claim_digest,
    in_effect,
    ledger_from_row,
    ledger_row,
    seed_text,
)
from yzmedins.batch.summary import tally_of, tally_text
from yzmedins.commands.reverse import reverse_request
from yzmedins.commands.store_records import parsed
from yzmedins.engine import PersonHistory, settle
from yzmedins.errors import InputError
from yzmedins.io.codec import parse_bundle
from yzmedins.io.contents import settled_writer
from yzmedins.io.jsonl import encode_result
from yzmedins.io.records import record_from_json
from yzmedins.lifecycle import ClaimRecords, setl_number
from yzmedins.limits import MAX_ID_LENGTH
from yzmedins.model import ClaimResult, Ledger
from yzmedins.nhsa import NhsaCodes, bundled_codes, nhsa_line, nhsa_shape
from yzmedins.policy import PolicySet

__all__ = ["ENVELOPE_KEYS", "TRANSACTIONS", "Desk", "Refused", "answer_bytes"]

#: The transactions the desk answers, with what each is.
TRANSACTIONS = {
    "2303": "pre-settlement (预结算): the settlement computed, nothing recorded",
    "2304": "settlement (结算): recorded, the ledger moved",
    "2305": "settlement reversal (结算撤销)",
    "2601": "冲正: undo what an earlier message did",
    "5203": "settlement query: a record's setlinfo/setldetail",
    "5206": "the person-year's accumulators (累计信息)",
}

#: The envelope's keys: the platform's request envelope. Others it may carry (the insured
#: area, device and signature fields) are accepted and ignored.
ENVELOPE_KEYS = ("infno", "msgid", "infver", "opter", "fixmedins_code", "inf_time", "input")

#: A 2304/2303 input: a person, their contributions, one claim, and optionally the opening
#: ledger of the year (specification §11).
_SETTLE_KEYS = frozenset({"person", "contributions", "claim", "ytd"})


class Refused(Exception):
    """A message refused: ``infcode`` "-1" with this ``err_msg``."""


def _now() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")


def answer_bytes(
    infcode: str,
    msgid: str | None,
    respond_time: str,
    err_msg: str | None = None,
    output: bytes | None = None,
    warn_msg: str | None = None,
) -> bytes:
    """The answer envelope's JSON: ``infcode``, ``inf_refmsgid``, ``respond_time``, ``err_msg``,
    ``warn_msg``, ``output`` (already JSON, or null)."""
    return (
        b'{"infcode":'
        + orjson.dumps(infcode)
        + b',"inf_refmsgid":'
        + orjson.dumps(msgid)
        + b',"respond_time":'
        + orjson.dumps(respond_time)
        + b',"err_msg":'
        + orjson.dumps(err_msg)
        + b',"warn_msg":'
        + orjson.dumps(warn_msg)
        + b',"output":'
        + (output if output is not None else b"null")
        + b"}"
    )


_BUNDLE_FIELD = re.compile(r"^claims\[0\]")


def _where(error: InputError, prefix: str = "input") -> str:
    """The field an input error is about, as the requester named it (``input.claim.total``)."""
    field = error.field
    if field is None:
        return prefix
    return f"{prefix}.{_BUNDLE_FIELD.sub('claim', field)}"


def _invalid(error: InputError, prefix: str = "input") -> Refused:
    """Refuse an input error by naming its field only (never the value sent: personal data)."""
    return Refused(f"{_where(error, prefix)}: not valid (see the specification §11 for its form)")


def _text(value: Any, field: str, *, required: bool = True) -> str | None:
    if value is None:
        if not required:
            return None
        raise Refused(f"{field}: is required")
    if not isinstance(value, str) or not value or len(value) > MAX_ID_LENGTH:
        raise Refused(f"{field}: a non-empty string of at most {MAX_ID_LENGTH} characters")
    return value


def _object(value: Any, field: str, keys: frozenset[str]) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise Refused(f"{field}: an object is required")
    unknown = sorted(set(value) - keys)
    if unknown:
        raise Refused(f"{field}.{unknown[0]}: not a key of this transaction's input")
    return value


def _record_and_shape(line: bytes, shape_line: bytes) -> bytes:
    """``{"record": ..., "setlinfo": ..., "setldetail": [...]}``."""
    return b'{"record":' + line.rstrip(b"\n") + b"," + shape_line.rstrip(b"\n")[1:]


class Desk:
    """Answers envelopes against one ledger store (held, and locked, by the caller)."""

    def __init__(
        self,
        store: LedgerStore,
        policies: PolicySet,
        codes: NhsaCodes | None = None,
        now: Callable[[], str] = _now,
    ) -> None:
        self.store = store
        self.policies = policies
        self.codes = codes or bundled_codes()
        self.now = now
        store.open_messages()
        self.handlers: dict[str, Callable[[Any], tuple[bytes | None, str | None, str | None]]] = {
            "2303": self._presettle,
            "2304": self._settle,
            "2305": self._reverse,
            "2601": self._undo,
            "5203": self._query,
            "5206": self._accumulators,
        }

    def answer(self, envelope: Any, infno_in_path: str | None = None) -> bytes:
        """The answer to one decoded envelope, recorded with its ``msgid`` inside the caller's
        open transaction. A :class:`StoreError` (the store cannot be read or written) is
        raised after undoing this message's writes."""
        respond_time = self.now()
        msgid: str | None = None
        if isinstance(envelope, dict) and isinstance(envelope.get("msgid"), str):
            msgid = envelope["msgid"]
        try:
            infno, msgid, body = self._envelope(envelope, infno_in_path)
        except Refused as refusal:
            return answer_bytes("-1", msgid, respond_time, str(refusal))
        stored = self.store.message(msgid)
        if stored is not None:
            return stored.answer
        store = self.store
        store.savepoint()
        try:
            try:
                output, setl_id, warning = self.handlers[infno](body)
                answer = answer_bytes("0", msgid, respond_time, None, output, warning)
                infcode = "0"
            except Refused as refusal:
                store.rollback_to()
                store.savepoint()
                answer, infcode, setl_id = (
                    answer_bytes("-1", msgid, respond_time, str(refusal)),
                    "-1",
                    None,
                )
            store.add_message(StoredMessage(msgid, infno, infcode, setl_id, answer), respond_time)
            store.release()
        except BaseException:
            store.rollback_to()
            raise
        return answer

    def _envelope(self, envelope: Any, infno_in_path: str | None) -> tuple[str, str, Any]:
        if not isinstance(envelope, dict):
            raise Refused("the body must be a JSON object (the platform's envelope)")
        infno = _text(envelope.get("infno"), "infno")
        msgid = _text(envelope.get("msgid"), "msgid")
        assert infno is not None and msgid is not None
        if infno_in_path is not None and infno_in_path != infno:
            raise Refused("infno: differs from the transaction named in the path")
        if infno not in self.handlers:
            raise Refused(f"infno: not a transaction of this service ({', '.join(TRANSACTIONS)})")
        for key in ("infver", "opter", "fixmedins_code", "inf_time"):
            value = envelope.get(key)
            if value is not None and not isinstance(value, str):
                raise Refused(f"{key}: a string is required")
        if "input" not in envelope or envelope["input"] is None:
            raise Refused("input: is required")
        return infno, msgid, envelope["input"]

    # 2303 and 2304: a claim settled against the store's ledger of its person-year.

    def _settlement(self, body: Any) -> tuple[ClaimResult, bytes, Any]:
        """The settlement of a 2303/2304 input, its JSON line and what 2304 writes."""
        data = _object(body, "input", _SETTLE_KEYS)
        if "claim" not in data:
            raise Refused("input.claim: is required")
        value = {
            "person": data.get("person"),
            "contributions": data.get("contributions", []),
            "claims": [data["claim"]],
            **({"ytd": data["ytd"]} if data.get("ytd") is not None else {}),
        }
        try:
            bundle = parse_bundle(value, self.policies)
        except InputError as error:
            raise _invalid(error) from None
        person, claim = bundle.person, bundle.claims[0]
        records = self.store.claim_records([claim.id]).get(claim.id, [])
        if records and records[0].person_id != person.id:
            raise Refused("input.claim.id: this claim was settled for another person")
        if in_effect(records) is not None:
            raise Refused(
                "input.claim.id: a settlement of this claim is in effect; reverse it (2305) "
                "before settling the claim again"
            )
        year = claim.discharged_on.year
        read = self.store.ledger_row(person.id, year)
        ledger: Ledger | None = None
        seed = None
        if read is not None:
            ledger = ledger_from_row(read[0], read[1:6])
            if (
                bundle.ytd is not None
                and bundle.ytd.year == year
                and read[6] != seed_text(bundle.ytd)
            ):
                raise Refused(
                    "input.ytd: differs from the ledger the store holds for this year (omit it)"
                )
            seed = read[6]
        elif bundle.ytd is not None and bundle.ytd.year == year:
            ledger, seed = bundle.ytd, seed_text(bundle.ytd)
        setl_id = f"{claim.id}/{len(records) + 1}"
        try:
            result, after = settle(
                PersonHistory(person, bundle.contributions), claim, ledger, self.policies, setl_id
            )
        except InputError as error:
            raise _invalid(error) from None
        line = encode_result(result)
        content = settled_writer(person, bundle.contributions)(claim)
        row = (setl_id, claim.id, result.year, "settlement", claim_digest(claim), line,
               tally_text(tally_of(result)), content)  # fmt: skip
        write = (person.id, row, ledger_row(year, after, seed), read)
        return result, line, write

    def _shape(self, record: ClaimResult, earlier: list[ClaimResult]) -> bytes:
        return nhsa_line(nhsa_shape(record, earlier, policies=self.policies, codes=self.codes))

    def _presettle(self, body: Any) -> tuple[bytes, None, None]:
        result, line, _ = self._settlement(body)
        return _record_and_shape(line, self._shape(result, [])), None, None

    def _settle(self, body: Any) -> tuple[bytes, str, None]:
        result, line, (person_id, row, ledger, read) = self._settlement(body)
        self.store.append(person_id, [row], ledger, read)
        return _record_and_shape(line, self._shape(result, [])), result.setl_id, None

    # 2305 and 2601: reversals.

    def _claim_of(self, setl_id: str, field: str) -> tuple[str, list[ClaimResult]]:
        try:
            claim_id, _ = setl_number(setl_id)
        except InputError:
            raise Refused(f"{field}: not a settlement id '<claim id>/<n>'") from None
        stored = self.store.claim_records([claim_id]).get(claim_id, [])
        if not stored:
            raise Refused(f"{field}: no such settlement is recorded")
        return stored[0].person_id, parsed(self.store, stored)

    def _reversal(self, setl_id: str) -> tuple[bytes, str]:
        try:
            line, _, earlier = reverse_request(self.store, None, setl_id)
        except InputError as error:
            raise Refused(f"input.setl_id: {_reason(error)}") from None
        record = record_from_json(orjson.loads(line))
        return _record_and_shape(line, self._shape(record, earlier)), record.setl_id

    def _reverse(self, body: Any) -> tuple[bytes, str, None]:
        data = _object(body, "input", frozenset({"psn_no", "setl_id", "mdtrt_id"}))
        setl_id = _text(data.get("setl_id"), "input.setl_id")
        psn_no = _text(data.get("psn_no"), "input.psn_no")
        mdtrt_id = _text(data.get("mdtrt_id"), "input.mdtrt_id", required=False)
        assert setl_id is not None
        person_id, records = self._claim_of(setl_id, "input.setl_id")
        if person_id != psn_no:
            raise Refused("input.psn_no: is not the person of this settlement")
        if mdtrt_id is not None and mdtrt_id != records[0].claim_id:
            raise Refused("input.mdtrt_id: is not the visit of this settlement")
        output, reversal_id = self._reversal(setl_id)
        return output, reversal_id, None

    def _undo(self, body: Any) -> tuple[bytes | None, str | None, str | None]:
        data = _object(body, "input", frozenset({"omsgid", "oinfno"}))
        omsgid = _text(data.get("omsgid"), "input.omsgid")
        oinfno = _text(data.get("oinfno"), "input.oinfno")
        assert omsgid is not None
        original = self.store.message(omsgid)
        if original is None:
            raise Refused("input.omsgid: no message with this id was received")
        if original.infno != oinfno:
            raise Refused("input.oinfno: is not the transaction of that message")
        if original.infno in ("2305", "2601"):
            raise Refused(
                "input.oinfno: a reversal cannot be undone; settle the claim again (2304)"
            )
        if original.infno != "2304" or original.infcode != "0" or original.setl_id is None:
            return None, None, "the message changed nothing; there is nothing to undo"
        output, reversal_id = self._reversal(original.setl_id)
        return output, reversal_id, None

    # 5203 and 5206: queries.

    def _query(self, body: Any) -> tuple[bytes, None, None]:
        data = _object(body, "input", frozenset({"setl_id", "psn_no", "mdtrt_id"}))
        setl_id = _text(data.get("setl_id"), "input.setl_id")
        psn_no = _text(data.get("psn_no"), "input.psn_no", required=False)
        mdtrt_id = _text(data.get("mdtrt_id"), "input.mdtrt_id", required=False)
        assert setl_id is not None
        person_id, records = self._claim_of(setl_id, "input.setl_id")
        if psn_no is not None and psn_no != person_id:
            raise Refused("input.psn_no: is not the person of this settlement")
        if mdtrt_id is not None and mdtrt_id != records[0].claim_id:
            raise Refused("input.mdtrt_id: is not the visit of this settlement")
        try:
            ordered = ClaimRecords.of(records[0].claim_id, records).records
        except InputError as error:
            raise StoreError(f"{self.store.path} is damaged ({error})") from None
        for index, record in enumerate(ordered):
            if record.setl_id == setl_id:
                return self._shape(record, list(ordered[:index])), None, None
        raise Refused("input.setl_id: no such settlement is recorded")

    def _accumulators(self, body: Any) -> tuple[bytes, None, None]:
        data = _object(body, "input", frozenset({"psn_no", "year"}))
        psn_no = _text(data.get("psn_no"), "input.psn_no")
        year = data.get("year")
        if isinstance(year, str) and year.isdigit():
            year = int(year)
        if not isinstance(year, int) or isinstance(year, bool) or not 1 <= year <= 9999:
            raise Refused("input.year: a year (1-9999) is required")
        assert psn_no is not None
        read = self.store.ledger_row(psn_no, year)
        ledger = Ledger(year) if read is None else ledger_from_row(read[0], read[1:6])
        rows = [
            b'{"year":%d,"cum_type_code":%s,"cum":%s}'
            % (year, orjson.dumps(code), format(getattr(ledger, name), "f").encode())
            for name, code in self.codes.cum_types.items()
        ]
        return b'{"cuminfo":[' + b",".join(rows) + b"]}", None, None


def _reason(error: InputError) -> str:
    """A lifecycle refusal without the ids it quotes."""
    message = error.message
    if "is not recorded" in message:
        return "no such settlement is recorded"
    if "not a settlement" in message:
        return "is not a settlement"
    return "cannot be reversed"
