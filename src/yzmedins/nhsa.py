"""A record in the national healthcare security platform's settlement shape (specification §20).

Hospital systems speak the platform's 2304 settlement output: ``setlinfo`` (the settlement) and
``setldetail`` (one row per fund that paid). :func:`nhsa_shape` maps one record to that shape and
:func:`nhsa_line` writes it as a JSON line whose amounts are numbers with exactly two decimals.
The code lists (``insutype``, ``med_type``, the fund codes and names) are data
(``policy/nhsa-codes.toml``), read by :func:`bundled_codes` or :func:`load_codes`.

- A **settlement** maps field by field; each fund row's ``crt_payb_lmt_amt`` is what was left of
  that fund's annual cap before the claim (cap − the ledger after it + what the claim paid).
- A **rejected** claim has no fund rows and the patient pays the whole total.
- A **correction** carries its deltas, with rows only for the funds whose delta is not zero and
  ``crt_payb_lmt_amt`` the fresh adjudication's room before the claim.
- A **reversal** is the exact negation of the shape of what it reverses (the claim's records in
  effect, summed): every amount of ``setlinfo`` and of each row, ``pool_prop_selfpay`` kept.

Settlements and rejections need only the record. A correction and a reversal need the claim's
earlier records (``earlier``, in ``setl_id`` order), as the ledger store and a records file hold
them. Pure: no I/O beyond reading the bundled code list.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

import attrs
import orjson

from yzmedins.engine import ART_SPECIAL_DISEASE
from yzmedins.errors import InputError
from yzmedins.labels import article_zh
from yzmedins.model import AMOUNT_FIELDS, AppliedRule, ClaimResult, ClaimType, RecordKind
from yzmedins.money import FEN, ZERO
from yzmedins.policy import Policy, PolicyError, PolicySet, default_policies

__all__ = [
    "FUNDS",
    "SETLDETAIL_FIELDS",
    "SETLINFO_FIELDS",
    "FundCode",
    "NhsaCodes",
    "NhsaShape",
    "bundled_codes",
    "load_codes",
    "nhsa_json",
    "nhsa_line",
    "nhsa_shape",
    "rate_text",
    "rates_key",
]

#: A record's shape: ``{"setlinfo": {...}, "setldetail": [{...}, ...]}``; amounts are ``Decimal``.
NhsaShape = dict[str, Any]

#: The setlinfo fields written, in order (the platform's 2304 output has each of them).
SETLINFO_FIELDS = (
    "mdtrt_id", "setl_id", "psn_no", "insutype", "cvlserv_flag", "med_type", "medfee_sumamt",
    "fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt", "act_pay_dedc",
    "hifp_pay", "pool_prop_selfpay", "cvlserv_pay", "hifes_pay", "hifmi_pay", "hifob_pay",
    "maf_pay", "hosp_part_amt", "oth_pay", "fund_pay_sumamt", "psn_part_amt", "acct_pay",
    "psn_cash_pay",
)  # fmt: skip

#: The fields of a setldetail row, in order.
SETLDETAIL_FIELDS = (
    "fund_pay_type", "inscp_scp_amt", "crt_payb_lmt_amt", "fund_payamt", "fund_pay_type_name",
    "setl_proc_info",
)  # fmt: skip

#: Fields that are text, not amounts.
_TEXT_FIELDS = frozenset(
    {
        "mdtrt_id", "setl_id", "psn_no", "insutype", "cvlserv_flag", "med_type",
        "fund_pay_type", "fund_pay_type_name", "setl_proc_info",
    }
)  # fmt: skip
#: Amounts that are rates (four decimals) and are kept, not negated, by a reversal.
_RATE_FIELDS = frozenset({"pool_prop_selfpay"})

#: The ledger amounts of 5206's accumulators, in order.
_CUM_NAMES = ("basic_fund", "catastrophic_fund", "banded", "self_burden", "secondary_subsidy")

#: The funds of the setldetail rows, in order: the code list's key for each.
FUNDS = ("basic", "catastrophic", "subsidy")

#: Amounts this engine never pays (their funds are another scheme's): always 0.00.
_UNPAID = ("cvlserv_pay", "hifes_pay", "hifmi_pay", "maf_pay", "hosp_part_amt", "acct_pay")

_RATE_PLACES = Decimal("0.0001")
#: The policy parameters whose citations the fund rows of each rule give.
_RATES_KEY = {
    AppliedRule.LOCAL: "rates.local",
    AppliedRule.REFERRAL_IN_PROVINCE: "rates.in_province",
    AppliedRule.REFERRAL_OUT_OF_PROVINCE: "rates.out_of_province",
}


def rates_key(rule: AppliedRule) -> str:
    """The policy parameters (``rates.local`` …) of the rates a rule applied; a special
    outpatient or rejected record's are the local ones (it applied none)."""
    return _RATES_KEY.get(rule, "rates.local")


_CIVIL_SERVANT_FLAG = "civil_servant_subsidy"


@attrs.frozen
class FundCode:
    code: str
    name: str


@attrs.frozen
class NhsaCodes:
    """The platform's code lists: 险种类型, 医疗类别 by kind of stay, and the fund codes."""

    insutype: str
    med_type: Mapping[str, str]  # inpatient, maternity, special_outpatient
    funds: Mapping[str, FundCode]  # basic, catastrophic, subsidy
    #: 5206's 累计类别 by ledger amount (basic_fund, catastrophic_fund, banded, self_burden,
    #: secondary_subsidy), in the order they are listed.
    cum_types: Mapping[str, str] = attrs.field(factory=dict)


def parse_codes(data: Mapping[str, Any], source: str) -> NhsaCodes:
    """A code list from its TOML data; :class:`PolicyError` naming the file and key otherwise."""

    def text(value: Any, key: str) -> str:
        if not isinstance(value, str) or not value:
            raise PolicyError(f"{source}: {key} must be a non-empty string")
        return value

    med = data.get("med_type")
    funds = data.get("funds")
    if not isinstance(med, dict):
        raise PolicyError(f"{source}: [med_type] is missing")
    if not isinstance(funds, dict):
        raise PolicyError(f"{source}: [funds] is missing")
    med_type = {
        kind: text(med.get(kind), f"med_type.{kind}")
        for kind in ("inpatient", "maternity", "special_outpatient")
    }
    fund_codes = {}
    for fund in FUNDS:
        entry = funds.get(fund)
        if not isinstance(entry, dict):
            raise PolicyError(f"{source}: [funds.{fund}] is missing")
        fund_codes[fund] = FundCode(
            text(entry.get("code"), f"funds.{fund}.code"),
            text(entry.get("name"), f"funds.{fund}.name"),
        )
    cum = data.get("cum_types", {})
    if not isinstance(cum, dict):
        raise PolicyError(f"{source}: [cum_types] must be a table")
    cum_types = {
        name: text(cum.get(name), f"cum_types.{name}")
        for name in (
            "basic_fund",
            "catastrophic_fund",
            "banded",
            "self_burden",
            "secondary_subsidy",
        )
        if name in cum
    }
    return NhsaCodes(text(data.get("insutype"), "insutype"), med_type, fund_codes, cum_types)


def load_codes(path: str) -> NhsaCodes:
    """A code list from a TOML file of the shape of the bundled ``policy/nhsa-codes.toml``."""
    with open(path, "rb") as handle:
        try:
            data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as error:
            raise PolicyError(f"{path}: {error}") from None
    return parse_codes(data, path)


@lru_cache(maxsize=1)
def bundled_codes() -> NhsaCodes:
    """The code list shipped in the package."""
    raw = resources.files("yzmedins.policy").joinpath("nhsa-codes.toml").read_text("utf-8")
    return parse_codes(tomllib.loads(raw), "nhsa-codes.toml")


def rate_text(rate: Decimal) -> str:
    """``0.90`` → ``"90%"``, ``0.855`` → ``"85.5%"``."""
    return f"{(rate * 100).normalize():f}%"


def policy_of(record: ClaimResult, policies: PolicySet) -> Policy:
    """The policy a record was settled under (by its discharge date; a record without one, by
    the end of its settlement year)."""
    return policies.nearest(record.discharged_on or date(record.year, 12, 31))


def _sum(records: Iterable[ClaimResult]) -> dict[str, Decimal]:
    totals = dict.fromkeys(AMOUNT_FIELDS, ZERO)
    for record in records:
        for name in AMOUNT_FIELDS:
            totals[name] += getattr(record, name)
    return totals


def _own(record: ClaimResult) -> dict[str, Decimal]:
    return {name: getattr(record, name) for name in AMOUNT_FIELDS}


def _in_effect(earlier: Sequence[ClaimResult]) -> list[ClaimResult]:
    """The records in effect after ``earlier``: the last settlement and the corrections since
    (none when it was reversed)."""
    for index in range(len(earlier) - 1, -1, -1):
        kind = earlier[index].record
        if kind is RecordKind.REVERSAL:
            return []
        if kind is RecordKind.SETTLEMENT:
            return list(earlier[index:])
    return []


def _med_type(record: ClaimResult, codes: NhsaCodes) -> str:
    if record.type is ClaimType.SPECIAL_OUTPATIENT or (
        record.type is None and record.applied_rule is AppliedRule.SPECIAL_OUTPATIENT
    ):
        return codes.med_type["special_outpatient"]
    return codes.med_type["maternity" if record.maternity else "inpatient"]


def _fund_articles(record: ClaimResult, policy: Policy) -> tuple[str, str, str]:
    """The article (and rate) behind each fund's row: 第十八条 90% (local), 第二十三条 80%
    (referral), 第二十一条 (special outpatient: no rate, and no catastrophic row), 第二十六条 50%
    (the subsidy)."""
    subsidy = f"{article_zh(policy.cite('subsidy.rate').article)} {rate_text(policy.subsidy_rate)}"
    if record.applied_rule is AppliedRule.SPECIAL_OUTPATIENT:
        return article_zh(ART_SPECIAL_DISEASE), "", subsidy
    key = rates_key(record.applied_rule)
    basic = article_zh(policy.cite(f"{key}.basic").article)
    catastrophic = article_zh(policy.cite(f"{key}.catastrophic").article)
    return (
        f"{basic} {rate_text(record.basic_rate)}",
        f"{catastrophic} {rate_text(record.catastrophic_rate)}",
        subsidy,
    )


def _shape(
    record: ClaimResult,
    amounts: Mapping[str, Decimal],
    fresh: Mapping[str, Decimal],
    policy: Policy,
    codes: NhsaCodes,
) -> NhsaShape:
    """The shape of ``amounts`` with the facts and rates of ``record``; rows for the funds whose
    amount is not zero, their room before the claim from ``record``'s ledger less ``fresh``
    (what the claim stands at after ``record``)."""
    basic_paid = amounts["basic_fund"] + amounts["other_fund"]
    setlinfo: dict[str, Any] = {
        "mdtrt_id": record.claim_id,
        "setl_id": record.setl_id,
        "psn_no": record.person_id,
        "insutype": codes.insutype,
        "cvlserv_flag": "1" if _CIVIL_SERVANT_FLAG in record.flags else "0",
        "med_type": _med_type(record, codes),
        "medfee_sumamt": amounts["total"],
        "fulamt_ownpay_amt": amounts["full_self_pay"],
        "overlmt_selfpay": ZERO,
        "preselfpay_amt": amounts["pre_self_pay"],
        "inscp_scp_amt": amounts["eligible"],
        "act_pay_dedc": amounts["deductible"],
        "hifp_pay": basic_paid,
        "pool_prop_selfpay": record.basic_rate.quantize(_RATE_PLACES),
        "hifob_pay": amounts["catastrophic_fund"],
        "oth_pay": amounts["secondary_subsidy"],
        "fund_pay_sumamt": amounts["fund_total"],
        "psn_part_amt": amounts["personal_cash"],
        "psn_cash_pay": amounts["personal_cash"],
    }
    for name in _UNPAID:
        setlinfo[name] = ZERO
    setlinfo = {name: setlinfo[name] for name in SETLINFO_FIELDS}
    rows: list[dict[str, Any]] = []
    if record.approved:
        ytd = record.ytd
        rooms = (
            policy.cap_basic - (ytd.basic_fund - fresh["basic_fund"]),
            policy.cap_catastrophic - (ytd.catastrophic_fund - fresh["catastrophic_fund"]),
            policy.subsidy_cap - (ytd.secondary_subsidy - fresh["secondary_subsidy"]),
        )
        paid = (basic_paid, amounts["catastrophic_fund"], amounts["secondary_subsidy"])
        articles = _fund_articles(record, policy)
        for fund, room, payment, article in zip(FUNDS, rooms, paid, articles, strict=True):
            if not payment:
                continue
            code = codes.funds[fund]
            rows.append(
                {
                    "fund_pay_type": code.code,
                    "inscp_scp_amt": amounts["eligible"],
                    "crt_payb_lmt_amt": room,
                    "fund_payamt": payment,
                    "fund_pay_type_name": code.name,
                    "setl_proc_info": article,
                }
            )
    return {"setlinfo": setlinfo, "setldetail": rows}


def _negated(shape: NhsaShape, record: ClaimResult) -> NhsaShape:
    """Every amount negated (rates kept), under ``record``'s ids."""

    def negate(values: Mapping[str, Any]) -> dict[str, Any]:
        return {
            name: value
            if name in _TEXT_FIELDS or name in _RATE_FIELDS
            else ZERO - value  # 0 − x: never −0.00
            for name, value in values.items()
        }

    setlinfo = negate(shape["setlinfo"])
    setlinfo["setl_id"] = record.setl_id
    return {"setlinfo": setlinfo, "setldetail": [negate(row) for row in shape["setldetail"]]}


def nhsa_shape(
    record: ClaimResult,
    earlier: Sequence[ClaimResult] = (),
    *,
    policies: PolicySet | None = None,
    codes: NhsaCodes | None = None,
) -> NhsaShape:
    """``record`` in the platform's settlement shape (``setlinfo`` + ``setldetail``).

    ``earlier`` holds the claim's records before ``record``, in ``setl_id`` order; a correction
    and a reversal need them (an :class:`InputError` naming ``setl_id`` when they are missing).
    ``policies`` gives the annual caps (default: the bundled policies), ``codes`` the code list.
    """
    policies = policies or default_policies()
    codes = codes or bundled_codes()
    policy = policy_of(record, policies)
    if record.record is RecordKind.SETTLEMENT:
        own = _own(record)
        return _shape(record, own, own, policy, codes)
    in_effect = _in_effect(earlier)
    if record.record is RecordKind.CORRECTION:
        if not in_effect:
            raise InputError(
                f"correction {record.setl_id} needs the claim's settlement in effect "
                f"({record.corrects}) among the records before it",
                "setl_id",
            )
        fresh = _sum([*in_effect, record])
        return _shape(record, _own(record), fresh, policy, codes)
    if not in_effect:
        raise InputError(
            f"reversal {record.setl_id} needs the records it reverses ({record.reverses} and "
            "any corrections since) before it",
            "setl_id",
        )
    last = in_effect[-1]
    state = _sum(in_effect)
    return _negated(_shape(last, state, state, policy, codes), record)


def _number(value: Decimal, places: Decimal) -> bytes:
    return format(value.quantize(places), "f").encode()


def nhsa_line(shape: NhsaShape) -> bytes:
    """The shape as one JSON line: amounts as JSON numbers with exactly two decimals (the rate
    with four), text as JSON strings, keys in the platform's order."""

    def obj(values: Mapping[str, Any]) -> bytes:
        parts = []
        for name, value in values.items():
            if name in _TEXT_FIELDS:
                text = orjson.dumps(value)
            else:
                text = _number(value, _RATE_PLACES if name in _RATE_FIELDS else FEN)
            parts.append(b'"' + name.encode() + b'":' + text)
        return b"{" + b",".join(parts) + b"}"

    rows = b",".join(obj(row) for row in shape["setldetail"])
    return b'{"setlinfo":' + obj(shape["setlinfo"]) + b',"setldetail":[' + rows + b"]}\n"


def nhsa_json(shape: NhsaShape) -> str:
    """The shape as JSON text (one line, no newline)."""
    return nhsa_line(shape).decode().rstrip("\n")
