"""The policy as data: every parameter cites an article (and item) the measures have."""

from __future__ import annotations

import re
import tomllib
from importlib import resources

import pytest

from yzmedins.policy import PolicyError, default_policies, parse_policy, policy_text

POLICY = default_policies().policies[0]
CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_number(text: str) -> int:
    """第三十九 → 39 (numbers below 100, as the measures use)."""
    if "十" not in text:
        return CHINESE_DIGITS[text]
    tens, _, units = text.partition("十")
    return (CHINESE_DIGITS[tens] if tens else 1) * 10 + (CHINESE_DIGITS[units] if units else 0)


def articles_of(text: str) -> dict[int, str]:
    """The measures' articles, each with its text up to the next article."""
    parts = re.split(r"\*\*第([一二三四五六七八九十]+)条\*\*", text)
    return {chinese_number(parts[i]): parts[i + 1] for i in range(1, len(parts), 2)}


def items_of(article_text: str) -> set[int]:
    """Items numbered （一）…, (一)… or (1)… in an article."""
    found = {
        chinese_number(n) for n in re.findall(r"[（(]([一二三四五六七八九十]+)[）)]", article_text)
    }
    found |= {int(n) for n in re.findall(r"[（(]([0-9]+)[）)]", article_text)}
    return found


ARTICLES = articles_of(policy_text(POLICY))


def test_the_shipped_text_has_all_39_articles() -> None:
    assert sorted(ARTICLES) == list(range(1, 40))


@pytest.mark.parametrize("key", sorted(POLICY.citations))
def test_every_parameter_cites_an_article_and_item_that_exist(key: str) -> None:
    citation = POLICY.cite(key)
    assert citation.article in ARTICLES, f"{key} cites 第{citation.article}条"
    if citation.item is not None:
        assert citation.item in items_of(ARTICLES[citation.article]), f"{key} cites {citation}"


def test_reason_articles_exist() -> None:
    from yzmedins.rules.reasons import REASON_ARTICLES

    for code, (article, item) in REASON_ARTICLES.items():
        assert article in ARTICLES, code
        if item is not None:
            assert item in items_of(ARTICLES[article]), code


def test_the_checker_catches_a_citation_that_does_not_exist() -> None:
    assert 40 not in ARTICLES
    assert 5 not in items_of(ARTICLES[23])
    assert items_of(ARTICLES[31]) == set(range(1, 10))


def test_art39_window_and_art17_numbers_loaded_as_data() -> None:
    """第三十九条 window and 第十七条 numbers, loaded as data."""
    assert (str(POLICY.in_force_from), str(POLICY.in_force_to)) == ("2018-01-01", "2022-06-30")
    assert str(POLICY.deductible_by_level["tertiary"]) == "800.00"
    assert str(POLICY.cap_basic) == "150000.00"
    assert POLICY.cite("caps.basic").article == 17


def _raw() -> dict[str, object]:
    text = resources.files("yzmedins.policy").joinpath("yongzhou-2017.toml").read_text("utf-8")
    return tomllib.loads(text)


def test_a_parameter_without_an_article_is_refused() -> None:
    data = _raw()
    del data["caps"]["basic"]["article"]  # type: ignore[index]
    with pytest.raises(PolicyError, match=r"caps\.basic: 'article'"):
        parse_policy(data)


def test_money_parameters_need_two_places_and_rates_at_most_one() -> None:
    data = _raw()
    data["caps"]["basic"]["value"] = "150000"  # type: ignore[index]
    with pytest.raises(PolicyError, match="two places"):
        parse_policy(data)
    data = _raw()
    data["rates"]["local"]["basic"]["value"] = "1.5"  # type: ignore[index]
    with pytest.raises(PolicyError, match="must not exceed 1"):
        parse_policy(data)


def test_an_unknown_option_is_refused() -> None:
    data = _raw()
    data["options"]["cap_reading"]["value"] = "whatever"  # type: ignore[index]
    with pytest.raises(PolicyError, match=r"options\.cap_reading"):
        parse_policy(data)


def test_overlapping_policies_are_refused() -> None:
    from yzmedins.policy import PolicySet

    with pytest.raises(PolicyError, match="overlap"):
        PolicySet((POLICY, POLICY))
