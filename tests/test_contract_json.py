"""specification §2 and §10: the JSON contract — money, dates, enums, unknown keys, output shape."""

from __future__ import annotations

from typing import Any

import pytest

from yzmedins import InputError, parse_bundle, result_to_json
from yzmedins.engine import adjudicate_bundle
from yzmedins.io.codec import parse_money
from yzmedins.policy import default_policies

from .contract import OUTPUT_KEYS, bundle

POLICIES = default_policies()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", "12.00"), ("12.5", "12.50"), ("12.50", "12.50"), ("0", "0.00"), (12.5, "12.50"),
     (1000, "1000.00"), (0.1, "0.10"), ("99999999.99", "99999999.99"), (99999999.99, "99999999.99")],
)  # fmt: skip
def test_rules_s1_accepted_amounts(value: Any, expected: str) -> None:
    assert str(parse_money(value, "total")) == expected


@pytest.mark.parametrize(
    "value",
    ["12.000", "1e3", " 12", "12 ", "12.", ".5", "-1", "-1.00", "+1", "1,000", "", "NaN",
     12.345, -1, -0.5, True, False, None, [], {}, 1e16, "100000000.00", 100000000, 1e-05],
)  # fmt: skip
def test_rules_s1_refused_amounts(value: Any) -> None:
    with pytest.raises(InputError) as caught:
        parse_money(value, "claims[0].total")
    assert caught.value.field == "claims[0].total"


def _error(value: Any) -> InputError:
    with pytest.raises(InputError) as caught:
        parse_bundle(value, POLICIES)
    return caught.value


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"total": "12.345"}, "claims[0].total", "two decimal places"),
        ({"hospital": {"level": "tertary", "region": "local"}}, "claims[0].hospital.level", "'tertary' is not one of"),
        ({"admitted_on": "2019-02-30"}, "claims[0].admitted_on", "not a valid date"),
        ({"admitted_on": "2019-3-2"}, "claims[0].admitted_on", "YYYY-MM-DD"),
        ({"discharged_on": "2019-03-01"}, "claims[0].discharged_on", "before admission"),
        ({"full_self_pay": "12000.01"}, "claims[0].full_self_pay", "exceeds the total"),
        ({"pre_self_pay": "11500.01"}, "claims[0].pre_self_pay", "exceeds what is left"),
        ({"other_fund": "1.00"}, "claims[0].other_fund", "inpatient"),
        ({"type": "special_outpatient", "other_fund": None}, "claims[0].other_fund", "required"),
        ({"type": "special_outpatient", "other_fund": "11500.01"}, "claims[0].other_fund", "exceeds"),
        ({"hospital": None}, "claims[0].hospital", "required"),
        ({"maternity": "yes"}, "claims[0].maternity", "true or false"),
        ({"id": 7}, "claims[0].id", "expected a string"),
        ({"colour": "red"}, "claims[0].colour", "unknown key"),
        ({"route": "walk-in"}, "claims[0].route", "is not one of"),
        ({"cause": "bad_luck"}, "claims[0].cause", "is not one of"),
        ({"total": None}, "claims[0].total", "required"),
    ],
)  # fmt: skip
def test_rules_s10_input_errors_name_the_field(
    changes: dict[str, Any], field: str, words: str
) -> None:
    error = _error(bundle(**changes))
    assert error.field == field
    assert words in error.message
    assert str(error).startswith(field)


def test_rules_s10_person_contribution_and_ytd_errors() -> None:
    value = bundle()
    value["person"]["category"] = "retiree"
    assert _error(value).field == "person.retired_on"
    value = bundle()
    value["contributions"][0]["to"] = "2014-12"
    assert _error(value).field == "contributions[0]"
    value = bundle()
    value["contributions"][0]["from"] = "2015-13"
    assert _error(value).field == "contributions[0].from"
    value = bundle()
    value["ytd"] = {
        "year": 2019,
        "basic_fund": "1.00",
        "catastrophic_fund": "0.00",
        "self_burden": "0",
    }
    assert _error(value).field == "ytd.secondary_subsidy"
    value = bundle()
    value["person"]["statuses"] = ["lixiu", "king"]
    assert _error(value).field == "person.statuses[1]"
    assert _error([1, 2]).message.startswith("expected an object")
    value = bundle()
    value["extra"] = 1
    assert _error(value).field == "extra"


def test_rules_s10_duplicate_claim_id_in_a_bundle() -> None:
    value = bundle()
    value["claims"].append(dict(value["claims"][0]))
    assert _error(value).field == "claims[1].id"


def test_rules_s10_defaults_for_omitted_and_null_keys() -> None:
    minimal = {
        "person": {"id": "P1", "sex": "male", "birth_date": "1970-01-01", "category": "employee"},
        "contributions": [{"from": "2015-01", "to": "2020-12"}],
        "claims": [
            {"id": "C1", "admitted_on": "2019-03-02", "discharged_on": "2019-03-10",
             "total": 12000, "hospital": {"level": "tertiary", "region": "local"}}
        ],
    }  # fmt: skip
    parsed = parse_bundle(minimal, POLICIES)
    full = parse_bundle(bundle(full_self_pay="0.00"), POLICIES)
    assert parsed.claims == full.claims


def test_rules_s10_output_has_every_key_in_order_with_money_as_strings() -> None:
    (result,) = adjudicate_bundle(parse_bundle(bundle(), POLICIES))
    out = result_to_json(result)
    assert list(out) == OUTPUT_KEYS
    assert out["basic_fund"] == "9630.00" and out["basic_rate"] == "0.90"
    assert out["ytd"] == {
        "basic_fund": "9630.00",
        "catastrophic_fund": "0.00",
        "self_burden": "1870.00",
        "secondary_subsidy": "0.00",
        "banded": "10700.00",
    }
    assert all(isinstance(step["article"], int) for step in out["trace"])
    amounts = [step for step in out["trace"] if step["amount"] is not None]
    assert {
        "article": 17,
        "text": "deductible per admission, local tertiary hospital",
        "amount": "800.00",
    } in amounts


def test_rules_s8_rejected_output_shape() -> None:
    (result,) = adjudicate_bundle(parse_bundle(bundle(cause="cosmetic"), POLICIES))
    out = result_to_json(result)
    assert out["status"] == "rejected"
    assert out["reasons"] == [
        {
            "code": "EXCLUDED_CAUSE",
            "article": 31,
            "item": 4,
            "message": out["reasons"][0]["message"],
            "message_zh": "因美容、矫形、生理缺陷等进行治疗的费用，基金不予支付（第三十一条第（四）项）",
        }
    ]
    assert out["basic_rate"] == "0.00" and out["catastrophic_rate"] == "0.00"
    assert out["personal_cash"] == "12000.00" and out["eligible"] == "11500.00"
    assert out["ytd"]["basic_fund"] == "0.00"


def test_rules_s10_special_outpatient_hospital_is_checked_but_not_required() -> None:
    value = bundle(type="special_outpatient", other_fund="100.00", hospital={"contracted": False})
    assert parse_bundle(value, POLICIES).claims[0].hospital is None
    wrong = bundle(type="special_outpatient", other_fund="100.00", hospital={"level": "palace"})
    assert _error(wrong).field == "claims[0].hospital.level"


def test_rules_s10_optional_base_and_claims() -> None:
    value = bundle()
    del value["contributions"][0]["base"]
    assert parse_bundle(value, POLICIES).contributions[0].base is None
    value = bundle()
    del value["claims"]
    assert adjudicate_bundle(parse_bundle(value, POLICIES)) == []
