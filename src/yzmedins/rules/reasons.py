"""Rejection reasons: stable codes, each with the article (and item) behind it (specification §9).

The codes, articles and items are the public contract: a reason cites the first article of its
rule and the item in parentheses as an integer (八 → 8).
"""

from __future__ import annotations

from yzmedins.model import Reason

NOT_IN_FORCE = "NOT_IN_FORCE"
LIXIU = "LIXIU"
NOT_INSURED = "NOT_INSURED"
WAITING_PERIOD = "WAITING_PERIOD"
ABROAD = "ABROAD"
EXCLUDED_CAUSE = "EXCLUDED_CAUSE"
ACCIDENT_SCHEME = "ACCIDENT_SCHEME"
NON_CONTRACTED = "NON_CONTRACTED"
UNREFERRED = "UNREFERRED"
OVERDUE = "OVERDUE"

#: code → (article, item), in the order reasons are listed.
REASON_ARTICLES: dict[str, tuple[int, int | None]] = {
    NOT_IN_FORCE: (39, None),
    LIXIU: (27, None),
    NOT_INSURED: (7, None),
    WAITING_PERIOD: (7, None),
    ABROAD: (31, 6),
    EXCLUDED_CAUSE: (31, None),
    ACCIDENT_SCHEME: (22, None),
    NON_CONTRACTED: (31, 7),
    UNREFERRED: (23, 4),
    OVERDUE: (31, 8),
}


def reason(code: str, message: str, item: int | None = None) -> Reason:
    """A reason with its article; ``item`` overrides the table's (for 第三十一条's causes)."""
    article, default_item = REASON_ARTICLES[code]
    return Reason(code, article, item if item is not None else default_item, message)


def unreferred(message: str) -> Reason:
    """第二十三条(4) 未按规定办理转诊转院手续的原则上不予报账."""
    return reason(UNREFERRED, message)


def overdue(message: str) -> Reason:
    """第三十一条(八) 无正当理由超过办理时限的 (第二十五条 三个工作日内)."""
    return reason(OVERDUE, message)
