"""Issue 8, item 12: the public constructors convert what a database row holds, or refuse it.

The type hints name the canonical types; these tests pass other values through ``Any``, as a
billing system passes the columns of a database row.

Every input value (``Person``, ``ContributionRecord``, ``Hospital``, ``Claim``, ``Ledger``,
``Bundle``) converts an enum's value as text, an ``int`` or ``Decimal`` amount of at most two
places, an ISO date, a ``"YYYY-MM"`` month, a list for a tuple or a set and 0/1 for a flag — or
raises ``InputError`` naming the field. Nothing is accepted and then misread.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest

from yzmedins import (
    Bundle,
    Category,
    Cause,
    Claim,
    ClaimType,
    ContributionRecord,
    FemaleClass,
    Hospital,
    InputError,
    Ledger,
    Level,
    Month,
    Person,
    Region,
    Route,
    Settlement,
    Sex,
    Status,
    adjudicate_bundle,
    adjudicate_claim,
)
from yzmedins.money import MAX_AMOUNT
from yzmedins.rules.retirement import decide_at_retirement
from yzmedins.validation import check_money

from .builders import (
    CONTRIBUTIONS,
    codes,
    d,
    hospital,
    m,
    person,
    retired_man,
    settle,
    settle_all,
    stay,
)

# --- constructors of each input class from keyword arguments (a valid value by default) ----


def _person(**changes: Any) -> Person:
    values: dict[str, Any] = {
        "id": "P1",
        "sex": Sex.FEMALE,
        "birth_date": d("1968-04-02"),
        "category": Category.EMPLOYEE,
    }
    return Person(**(values | changes))


def _record(**changes: Any) -> ContributionRecord:
    values: dict[str, Any] = {"from_": Month.of(2015, 1), "to": Month.of(2022, 12)}
    return ContributionRecord(**(values | changes))


def _hospital(**changes: Any) -> Hospital:
    return Hospital(**({"level": Level.TERTIARY, "region": Region.LOCAL} | changes))


def _claim(**changes: Any) -> Claim:
    values: dict[str, Any] = {
        "id": "C1",
        "admitted_on": d("2019-03-02"),
        "discharged_on": d("2019-03-10"),
        "total": m("12000.00"),
        "hospital": hospital(),
    }
    return Claim(**(values | changes))


def _ledger(**changes: Any) -> Ledger:
    return Ledger(**({"year": 2019} | changes))


def _bundle(**changes: Any) -> Bundle:
    return Bundle(**({"person": person()} | changes))


BUILD: dict[str, Callable[..., object]] = {
    "person": _person,
    "record": _record,
    "hospital": _hospital,
    "claim": _claim,
    "ledger": _ledger,
    "bundle": _bundle,
}

#: Every money field: (class, attribute, the field an error names).
AMOUNTS = [
    ("claim", "total", "total"),
    ("claim", "full_self_pay", "full_self_pay"),
    ("claim", "pre_self_pay", "pre_self_pay"),
    ("claim", "other_fund", "other_fund"),
    ("record", "base", "base"),
    ("ledger", "basic_fund", "basic_fund"),
    ("ledger", "catastrophic_fund", "catastrophic_fund"),
    ("ledger", "self_burden", "self_burden"),
    ("ledger", "secondary_subsidy", "secondary_subsidy"),
    ("ledger", "banded", "banded"),
]

#: Every enum field: (class, attribute, field name, the text of a member, the member).
ENUMS = [
    ("person", "sex", "sex", "male", Sex.MALE),
    ("person", "category", "category", "flexible", Category.FLEXIBLE),
    ("person", "female_class", "female_class", "cadre", FemaleClass.CADRE),
    ("hospital", "level", "hospital.level", "secondary", Level.SECONDARY),
    ("hospital", "region", "hospital.region", "in_province", Region.IN_PROVINCE),
    ("claim", "type", "type", "special_outpatient", ClaimType.SPECIAL_OUTPATIENT),
    ("claim", "route", "route", "referral", Route.REFERRAL),
    ("claim", "settlement", "settlement", "reimbursement", Settlement.REIMBURSEMENT),
    ("claim", "cause", "cause", "traffic_accident", Cause.TRAFFIC_ACCIDENT),
]

#: Every date field: (class, attribute, field name).
DATES = [
    ("person", "birth_date", "birth_date"),
    ("person", "retired_on", "retired_on"),
    ("person", "relocated_since", "relocated_since"),
    ("person", "lump_sum_paid_on", "lump_sum_paid_on"),
    ("record", "paid_on", "paid_on"),
    ("claim", "admitted_on", "admitted_on"),
    ("claim", "discharged_on", "discharged_on"),
    ("claim", "emergency_reported_on", "emergency_reported_on"),
]

#: Every flag: (class, attribute, field name).
FLAGS = [
    ("person", "early_retirement", "early_retirement"),
    ("hospital", "contracted", "hospital.contracted"),
    ("hospital", "provincial", "hospital.provincial"),
    ("claim", "maternity", "maternity"),
    ("claim", "exception_approved", "exception_approved"),
]


def _refused(kind: str, attribute: str, value: object) -> InputError:
    with pytest.raises(InputError) as caught:
        BUILD[kind](**{attribute: value})
    return caught.value


# --- enums ------------------------------------------------------------------------------------


def test_a_retiree_given_as_text_without_retired_on_is_refused_like_the_enum() -> None:
    # Before: "retiree" is Category.RETIREE was False, so the check was skipped and the claim
    # was approved as an employee's.
    for category in ("retiree", Category.RETIREE):
        who = _person(category=category)
        assert who.category is Category.RETIREE
        with pytest.raises(InputError) as caught:
            settle(stay(), who=who)
        assert caught.value.field == "person.retired_on"


@pytest.mark.parametrize(("kind", "attribute", "field", "text", "member"), ENUMS)
def test_enum_values_as_text_become_members(
    kind: str, attribute: str, field: str, text: str, member: object
) -> None:
    assert getattr(BUILD[kind](**{attribute: text}), attribute) is member


@pytest.mark.parametrize(("kind", "attribute", "field", "text", "member"), ENUMS)
def test_unknown_enum_values_are_refused_naming_the_field(
    kind: str, attribute: str, field: str, text: str, member: object
) -> None:
    for wrong in (text.upper(), 3, {"value": text}):
        error = _refused(kind, attribute, wrong)
        assert error.field == field
        assert "is not one of" in error.message


def test_a_claim_given_as_text_is_settled_exactly_as_with_enums() -> None:
    referral = stay(hospital=hospital(region=Region.IN_PROVINCE), route=Route.REFERRAL)
    as_text = _claim(
        admitted_on="2019-03-02",
        discharged_on="2019-03-10",
        total="12000",
        hospital=_hospital(level="tertiary", region="in_province"),
        route="referral",
        settlement="direct",
        cause="illness",
        type="inpatient",
    )
    assert as_text == referral
    assert settle(as_text) == settle(referral)


def test_statuses_accept_a_list_or_set_of_text_and_become_a_frozenset() -> None:
    for given in (["lixiu"], {"lixiu"}, ("lixiu",), frozenset({Status.LIXIU})):
        who = _person(statuses=given)
        assert who.statuses == frozenset({Status.LIXIU})
        assert type(who.statuses) is frozenset
        assert all(type(status) is Status for status in who.statuses)
    # 离休 (第二十七条) is recognised from the text: the claim is rejected as for the enum.
    result, _ = settle(stay(), who=person(statuses=["lixiu"]))
    assert codes(result) == ["LIXIU"]


@pytest.mark.parametrize("wrong", ["lixiu", ["lixu"], {"lixiu": True}, None])
def test_statuses_that_are_not_a_collection_of_statuses_are_refused(wrong: object) -> None:
    assert _refused("person", "statuses", wrong).field == "statuses"


# --- amounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "attribute", "field"), AMOUNTS)
def test_float_amounts_are_refused_with_a_hint(kind: str, attribute: str, field: str) -> None:
    # Before: AttributeError: 'float' object has no attribute 'is_finite'.
    error = _refused(kind, attribute, 12.5)
    assert error.field == field
    assert "float" in error.message and "Decimal or a string" in error.message


@pytest.mark.parametrize(("kind", "attribute", "field"), AMOUNTS)
@pytest.mark.parametrize(
    "given", [Decimal("10000"), 10000, "10000", Decimal("1E+4"), Decimal("10000.0")]
)
def test_whole_amounts_become_two_place_decimals(
    kind: str, attribute: str, field: str, given: object
) -> None:
    amount = getattr(BUILD[kind](**{attribute: given}), attribute)
    assert type(amount) is Decimal
    assert str(amount) == "10000.00"


@pytest.mark.parametrize(("kind", "attribute", "field"), AMOUNTS)
@pytest.mark.parametrize(
    ("given", "why"),
    [
        (True, "bool"),
        (Decimal("NaN"), "not a finite amount"),
        (Decimal("Infinity"), "not a finite amount"),
        (Decimal("-1.00"), "negative"),
        (-1, "negative"),
        ("-1.00", "not an amount"),
        (Decimal("1.005"), "more than two decimal places"),
        (Decimal("1.000"), "more than two decimal places"),
        ("1.005", "not an amount"),
        ("12,50", "not an amount"),
        (MAX_AMOUNT + Decimal("0.01"), "exceeds the largest accepted amount"),
        (100_000_000, "exceeds the largest accepted amount"),
        ({"amount": "1.00"}, "got dict"),
    ],
)
def test_bad_amounts_are_refused_naming_the_field(
    kind: str, attribute: str, field: str, given: object, why: str
) -> None:
    if kind == "ledger" and "largest" in why:
        # A ledger sums a year's amounts: only validation.check_ledger bounds a given ytd.
        assert getattr(BUILD[kind](**{attribute: given}), attribute) == Decimal(given)  # type: ignore[arg-type]
        return
    error = _refused(kind, attribute, given)
    assert error.field == field
    assert why in error.message


def test_negative_zero_becomes_zero() -> None:
    assert str(_claim(pre_self_pay=Decimal("-0.00")).pre_self_pay) == "0.00"


def test_a_whole_decimal_total_is_settled_as_json_settles_10000() -> None:
    # Before: refused ("must have exactly two decimal places") though JSON accepts 10000.
    whole, _ = settle(_claim(total=Decimal("10000")))
    two_places, _ = settle(stay("10000.00"))
    assert whole == two_places
    assert str(whole.total) == "10000.00"


def test_amounts_of_the_right_type_are_kept_as_given() -> None:
    # The fast path: the codec's values are stored as they are, not copied.
    total, full = Decimal("2404.19"), Decimal("312.54")
    claim = _claim(total=total, full_self_pay=full)
    assert claim.total is total and claim.full_self_pay is full


# --- dates, months, flags, counts, identifiers --------------------------------------------------


@pytest.mark.parametrize(("kind", "attribute", "field"), DATES)
def test_iso_date_text_becomes_a_date(kind: str, attribute: str, field: str) -> None:
    assert getattr(BUILD[kind](**{attribute: "1990-03-02"}), attribute) == date(1990, 3, 2)


@pytest.mark.parametrize(("kind", "attribute", "field"), DATES)
@pytest.mark.parametrize(
    "wrong",
    ["1990-02-30", "1990/03/02", "19900302", "2019-W10-1", 19900302, datetime(1990, 3, 2, 8, 0)],
)
def test_bad_dates_are_refused_naming_the_field(
    kind: str, attribute: str, field: str, wrong: object
) -> None:
    assert _refused(kind, attribute, wrong).field == field


def test_contribution_months_accept_text() -> None:
    record = _record(from_="2015-01", to="2022-12", base="4500.00", paid_on="2015-01-20")
    assert record == ContributionRecord(
        Month.of(2015, 1), Month.of(2022, 12), m("4500.00"), d("2015-01-20")
    )


@pytest.mark.parametrize(("attribute", "field"), [("from_", "from"), ("to", "to")])
@pytest.mark.parametrize("wrong", ["2015-13", "2015-1", "2015-01-01", 201501, None])
def test_bad_months_are_refused_naming_the_json_key(
    attribute: str, field: str, wrong: object
) -> None:
    assert _refused("record", attribute, wrong).field == field


@pytest.mark.parametrize(("kind", "attribute", "field"), FLAGS)
def test_flags_accept_0_and_1_and_refuse_text(kind: str, attribute: str, field: str) -> None:
    assert getattr(BUILD[kind](**{attribute: 1}), attribute) is True
    assert getattr(BUILD[kind](**{attribute: 0}), attribute) is False
    # Before: "false" was accepted and read as true.
    for wrong in ("false", "true", 2, None):
        assert _refused(kind, attribute, wrong).field == field


def test_a_maternity_flag_given_as_false_text_is_not_read_as_true() -> None:
    with pytest.raises(InputError) as caught:
        settle(_claim(maternity="false"))
    assert caught.value.field == "maternity"


@pytest.mark.parametrize(
    ("kind", "attribute", "field", "wrong"),
    [
        ("person", "deemed_months", "deemed_months", "12"),
        ("person", "deemed_months", "deemed_months", 12.0),
        ("person", "deemed_months", "deemed_months", True),
        ("ledger", "year", "year", "2019"),
        ("ledger", "year", "year", 2019.0),
        ("person", "id", "id", 17),
        ("claim", "id", "id", 17),
        ("claim", "id", "id", None),
    ],
)
def test_counts_and_ids_of_another_type_are_refused(
    kind: str, attribute: str, field: str, wrong: object
) -> None:
    assert _refused(kind, attribute, wrong).field == field


def test_a_ledger_year_that_is_no_year_is_an_input_error() -> None:
    # Sibling: the ledger check computed date(0, 7, 1) and raised ValueError.
    for year in (0, -1, 10_000):
        with pytest.raises(InputError) as caught:
            settle(stay(), ledger=Ledger(year))
        assert caught.value.field == "ytd.year"


# --- values where a model value is expected -----------------------------------------------------


def test_a_dict_where_a_hospital_is_expected_is_refused() -> None:
    # Before: AttributeError: 'dict' object has no attribute 'region' (during adjudication).
    error = _refused("claim", "hospital", {"level": "tertiary", "region": "local"})
    assert error.field == "hospital"
    assert "expected a Hospital" in error.message


@pytest.mark.parametrize(
    ("attribute", "value", "field"),
    [
        ("person", {"id": "P1"}, "person"),
        ("ytd", {"year": 2019}, "ytd"),
        ("contributions", [{"from": "2015-01"}], "contributions[0]"),
        ("claims", [stay(), {"id": "C2"}], "claims[1]"),
        ("contributions", "2015-01", "contributions"),
        ("claims", None, "claims"),
    ],
)
def test_a_bundle_refuses_what_is_not_a_model_value(
    attribute: str, value: object, field: str
) -> None:
    assert _refused("bundle", attribute, value).field == field


def test_a_bundle_turns_lists_into_tuples() -> None:
    record, claim = _record(), stay()
    bundle = _bundle(contributions=[record], claims=[claim])
    assert bundle.contributions == (record,) and bundle.claims == (claim,)
    hash(bundle)  # a frozen value: before, the lists made it unhashable and mutable
    assert adjudicate_bundle(bundle) == adjudicate_bundle(
        Bundle(person(), (record,), None, (claim,))
    )


def test_adjudicate_claim_names_the_argument_that_is_not_a_model_value() -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"person": {"id": "P1"}}, "person"),
        ({"contributions": [{"from": "2015-01"}]}, "contributions[0]"),
        ({"contributions": None}, "contributions"),
        ({"claim": {"id": "C1"}}, "claims[0]"),
        ({"ledger": {"year": 2019}}, "ytd"),
    ]
    for changes, field in cases:
        arguments: dict[str, Any] = {
            "person": person(),
            "contributions": CONTRIBUTIONS,
            "claim": stay(),
            "ledger": None,
        } | changes
        with pytest.raises(InputError) as caught:
            adjudicate_claim(**arguments)
        assert caught.value.field == field


def test_adjudicate_bundle_refuses_what_is_not_a_bundle() -> None:
    with pytest.raises(InputError, match="expected a Bundle"):
        adjudicate_bundle({"person": person()})  # type: ignore[arg-type]


def test_evolve_converts_like_the_constructor() -> None:
    changes: dict[str, Any] = {"settlement": "reimbursement", "total": 9000}
    claim = attrs.evolve(stay(), **changes)
    assert claim.settlement is Settlement.REIMBURSEMENT
    assert str(claim.total) == "9000.00"


# --- siblings: amounts checked outside the model ------------------------------------------------


def test_check_money_refuses_a_float_as_an_input_error() -> None:
    # Before: AttributeError: 'float' object has no attribute 'is_finite'.
    with pytest.raises(InputError) as caught:
        check_money(1.5, "average_wage")  # type: ignore[arg-type]
    assert caught.value.field == "average_wage"
    assert "Decimal or a string" in caught.value.message


def test_the_retirement_test_refuses_a_float_wage_as_an_input_error() -> None:
    with pytest.raises(InputError) as caught:
        decide_at_retirement(retired_man(), CONTRIBUTIONS, 52000.0)  # type: ignore[arg-type]
    assert caught.value.field == "average_wage"


def test_art26_a_years_ledger_may_sum_past_the_largest_input_amount() -> None:
    """第二十六条 accumulates a year's self-burden: two claims of 60,000,000.00 settle, and the
    year's ledger holds more than the largest amount one input may carry."""
    big = Decimal("60000000.00")
    first = attrs.evolve(stay(str(big)), pre_self_pay=big - Decimal("1000.00"))
    second = attrs.evolve(first, id="C2")
    results = settle_all([first, second])
    assert [r.approved for r in results] == [True, True]
    assert results[1].ytd.self_burden > MAX_AMOUNT
