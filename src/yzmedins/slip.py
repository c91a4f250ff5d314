"""The settlement slip (结算单) a patient is handed at discharge (specification §21).

:func:`make_slip` turns one record into a :class:`Slip`: its heading (claim id and ``setl_id``),
the person and the stay, one line per amount with the article it comes from, the year so far
with what is left under each annual cap, and the reasons of a rejection in plain words. Every
label comes from :mod:`yzmedins.labels`, Chinese with English beside it; every amount is the
record's own, written ``1,234.56``. :func:`slip_text` lays a slip out for a terminal (display
width from ``wcwidth``, so CJK characters count double); :func:`slips_html` renders slips as one
self-contained HTML page, one printable A5 page per slip. Pure: nothing here reads or writes a
file except the bundled page template.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import lru_cache
from importlib import resources

import attrs
import jinja2
from wcwidth import wcswidth

from yzmedins.engine import ART_CATALOGUE_SCOPE, ART_PERSONAL_SHARE, ART_SPECIAL_DISEASE
from yzmedins.labels import article_zh, both, label, reason_zh
from yzmedins.model import AppliedRule, ClaimResult, RecordKind
from yzmedins.nhsa import policy_of, rate_text, rates_key
from yzmedins.policy import Policy, PolicySet, default_policies

__all__ = ["Slip", "SlipLine", "amount_text", "make_slip", "slip_text", "slips_html"]


def amount_text(value: Decimal) -> str:
    """``1234.5`` → ``"1,234.50"``; ``-0.00`` never appears (amounts are the record's)."""
    return f"{value:,.2f}"


@attrs.frozen
class SlipLine:
    """One line of the slip: its label (Chinese, English), the amount as written, the amount
    itself, and the article (第十八条) or ``""``."""

    key: str
    zh: str
    en: str
    text: str
    amount: Decimal
    article: str


@attrs.frozen
class Slip:
    claim_id: str
    setl_id: str
    record: str  # settlement, reversal, correction
    banner: tuple[str, str] | None  # a reversal's or a correction's explanation (zh, en)
    related: tuple[str, str, str] | None  # (zh, en, setl_id) of what it reverses or corrects
    facts: tuple[tuple[str, str, str], ...]  # (zh label, en label, value)
    lines: tuple[SlipLine, ...]
    year_lines: tuple[SlipLine, ...]
    reasons: tuple[tuple[str, str], ...]  # (message_zh, message)
    approved: bool


def _value(key: str, value: object) -> str:
    """An enumerated value in both languages: ``三级医院 tertiary hospital``."""
    if value is None:
        return "—"
    name = getattr(value, "value", value)
    return f"{label(f'{key}.{name}', 'zh')} {label(f'{key}.{name}', 'en')}"


def _articles(record: ClaimResult, policy: Policy) -> dict[str, int | None]:
    """The article behind each amount of the slip, as the engine's trace cites them."""
    rule = record.applied_rule
    special = rule is AppliedRule.SPECIAL_OUTPATIENT
    key = rates_key(rule)
    if record.maternity:
        deductible: int | None = policy.cite("options.maternity").article
    elif special:
        deductible = ART_SPECIAL_DISEASE
    elif key == "rates.local" and record.hospital_level is not None:
        deductible = policy.cite(f"deductible.{record.hospital_level.value}").article
    else:
        deductible = policy.cite("deductible.outside_region").article
    share = ART_SPECIAL_DISEASE if special else ART_PERSONAL_SHARE
    subsidy = policy.cite("subsidy.rate").article
    articles: dict[str, int | None] = {
        "total": ART_CATALOGUE_SCOPE,
        "full_self_pay": ART_CATALOGUE_SCOPE,
        "pre_self_pay": ART_CATALOGUE_SCOPE,
        "eligible": ART_CATALOGUE_SCOPE,
        "deductible": deductible,
        "basic_fund": ART_SPECIAL_DISEASE if special else policy.cite(f"{key}.basic").article,
        "catastrophic_fund": ART_SPECIAL_DISEASE
        if special
        else policy.cite(f"{key}.catastrophic").article,
        "other_fund": ART_SPECIAL_DISEASE,
        "secondary_subsidy": subsidy,
        "fund_total": share,
        "personal_cash": share,
        "self_burden": subsidy,
    }
    if not record.approved:
        # Nothing was settled by a rule: the reason's article stands for the whole claim.
        cited = record.reasons[0].article if record.reasons else None
        articles = dict.fromkeys(articles, None)
        articles["personal_cash"] = cited
    return articles


#: The amounts of the slip, in order (the slip's §13 list).
SLIP_AMOUNTS = (
    "total",
    "full_self_pay",
    "pre_self_pay",
    "eligible",
    "deductible",
    "basic_fund",
    "catastrophic_fund",
    "other_fund",
    "secondary_subsidy",
    "fund_total",
    "personal_cash",
    "self_burden",
)


def _line(key: str, amount: Decimal, article: int | None, rate: str = "") -> SlipLine:
    return SlipLine(
        key,
        label(key, "zh") + (f"（{rate}）" if rate else ""),
        label(key, "en") + (f" ({rate})" if rate else ""),
        amount_text(amount),
        amount,
        "" if article is None else article_zh(article),
    )


def make_slip(record: ClaimResult, policies: PolicySet | None = None) -> Slip:
    """The slip of one record (its caps from ``policies``, by default the bundled ones)."""
    policy = policy_of(record, policies or default_policies())
    articles = _articles(record, policy)
    lines = []
    for key in SLIP_AMOUNTS:
        rate = ""
        if record.approved and record.applied_rule is not AppliedRule.SPECIAL_OUTPATIENT:
            if key == "basic_fund":
                rate = rate_text(record.basic_rate)
            elif key == "catastrophic_fund":
                rate = rate_text(record.catastrophic_rate)
        lines.append(_line(key, getattr(record, key), articles[key], rate))
    ytd = record.ytd
    caps = policy.cite("caps.basic").article
    subsidy_cap = policy.cite("subsidy.cap").article
    year_lines = (
        _line("ytd.basic_fund", ytd.basic_fund, caps),
        _line("ytd.catastrophic_fund", ytd.catastrophic_fund, caps),
        _line("ytd.self_burden", ytd.self_burden, subsidy_cap),
        _line("ytd.secondary_subsidy", ytd.secondary_subsidy, subsidy_cap),
        _line("room.basic_fund", policy.cap_basic - ytd.basic_fund, caps),
        _line("room.catastrophic_fund", policy.cap_catastrophic - ytd.catastrophic_fund, caps),
        _line("room.secondary_subsidy", policy.subsidy_cap - ytd.secondary_subsidy, subsidy_cap),
    )
    stay = "—"
    if record.admitted_on is not None and record.discharged_on is not None:
        stay = f"{record.admitted_on.isoformat()} – {record.discharged_on.isoformat()}"
    facts = (
        (label("person_id"), label("person_id", "en"), record.person_id),
        (label("category"), label("category", "en"), _value("category", record.category)),
        (label("year"), label("year", "en"), str(record.year)),
        (label("type"), label("type", "en"), _value("type", record.type)),
        (label("stay"), label("stay", "en"), stay),
        (
            label("hospital_level"),
            label("hospital_level", "en"),
            _value("level", record.hospital_level),
        ),
        (
            label("hospital_region"),
            label("hospital_region", "en"),
            _value("region", record.hospital_region),
        ),
        (label("route"), label("route", "en"), _value("route", record.route or "none")),
        (label("settlement"), label("settlement", "en"), _value("settlement", record.settlement)),
        (label("maternity"), label("maternity", "en"), _yes_no(record.maternity)),
        (
            label("applied_rule"),
            label("applied_rule", "en"),
            _value("applied_rule", record.applied_rule),
        ),
        (label("status"), label("status", "en"), _value("status", record.status)),
    )
    banner: tuple[str, str] | None = None
    related: tuple[str, str, str] | None = None
    if record.record is RecordKind.REVERSAL:
        banner = (label("slip.reversal"), label("slip.reversal", "en"))
        related = (label("slip.reverses"), label("slip.reverses", "en"), record.reverses or "—")
    elif record.record is RecordKind.CORRECTION:
        banner = (label("slip.correction"), label("slip.correction", "en"))
        related = (label("slip.corrects"), label("slip.corrects", "en"), record.corrects or "—")
    reasons = tuple(
        (reason_zh(reason.code, reason.article, reason.item), reason.message)
        for reason in record.reasons
    )
    return Slip(
        claim_id=record.claim_id,
        setl_id=record.setl_id,
        record=_value("record", record.record),
        banner=banner,
        related=related,
        facts=facts,
        lines=tuple(lines),
        year_lines=year_lines,
        reasons=reasons,
        approved=record.approved,
    )


def _yes_no(value: bool | None) -> str:
    if value is None:
        return "—"
    return both("yes" if value else "no")


def _pad(text: str, width: int) -> str:
    """``text`` padded on the right to ``width`` terminal columns (CJK characters are two)."""
    return text + " " * max(0, width - _width(text))


def _lpad(text: str, width: int) -> str:
    return " " * max(0, width - _width(text)) + text


def _width(text: str) -> int:
    width = wcswidth(text)
    return width if width >= 0 else len(text)


#: The text slip's amount column, in terminal columns.
_AMOUNT_WIDTH = 22


def slip_text(slip: Slip) -> str:
    """The slip as plain text, aligned in a terminal with a CJK font."""
    lines = (*slip.lines, *slip.year_lines)
    width = max(_width(f"{line.zh} {line.en}") for line in lines) + 2
    facts_width = max(_width(f"{zh} {en}") for zh, en, _ in slip.facts) + 2
    rule = "=" * (width + _AMOUNT_WIDTH + 12)
    thin = "-" * len(rule)
    out = [
        rule,
        f"{label('slip.title')}  {label('slip.title', 'en')}",
        f"{label('slip.policy')}  {label('slip.policy', 'en')}",
        f"{both('claim_id')}: {slip.claim_id}    {both('setl_id')}: {slip.setl_id}",
        f"{both('record')}: {slip.record}",
    ]
    if slip.banner is not None:
        out += [f"** {slip.banner[0]}", f"** {slip.banner[1]}"]
    if slip.related is not None:
        out.append(f"{slip.related[0]} {slip.related[1]}: {slip.related[2]}")
    out.append(thin)
    for zh, en, value in slip.facts:
        out.append(f"{_pad(f'{zh} {en}', facts_width)}{value}")
    out.append(thin)
    header = (
        _pad(both("slip.item"), width)
        + _lpad(both("slip.amount"), _AMOUNT_WIDTH)
        + "  "
        + both("slip.article")
    )
    out.append(header)
    out += [_text_line(line, width) for line in slip.lines]
    out.append(thin)
    out.append(both("ytd"))
    out += [_text_line(line, width) for line in slip.year_lines]
    if slip.reasons:
        out.append(thin)
        out.append(both("reasons"))
        out.append(f"  {label('slip.rejected')} / {label('slip.rejected', 'en')}")
        for zh, en in slip.reasons:
            out += [f"  · {zh}", f"    {en}"]
    out.append(rule)
    return "\n".join(out) + "\n"


def _text_line(line: SlipLine, width: int) -> str:
    return (
        _pad(f"{line.zh} {line.en}", width) + _lpad(line.text, _AMOUNT_WIDTH) + "  " + line.article
    ).rstrip()


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    source = resources.files("yzmedins").joinpath("templates/slips.html").read_text("utf-8")
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    environment.globals["label"] = label
    return environment.from_string(source)


def slips_html(slips: Iterable[Slip]) -> Iterator[str]:
    """One self-contained HTML page of the slips (inline CSS, no outside resources), one A5
    page each when printed; yielded in pieces so that many slips stream."""
    return _template().generate(slips=slips)
