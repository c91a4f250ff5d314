"""The settlement service (specification §23): the transactions through the desk, idempotency
on msgid, the §18 invariants through the service, and the live server — HTTP statuses,
signatures, ``kill -9`` durability, the store lock, the OpenAPI document and schemathesis."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yzmedins.batch.store import LedgerStore
from yzmedins.cli import main
from yzmedins.io.records import record_from_json
from yzmedins.nhsa import nhsa_line, nhsa_shape
from yzmedins.policy import default_policies
from yzmedins.service.app import create_app, openapi_document
from yzmedins.service.desk import Desk
from yzmedins.service.signing import signature
from yzmedins.service.writer import Writer

from .service_fixtures import Server, start_server

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = [json.loads(line) for line in (ROOT / "examples" / "bundles.jsonl").open()]
POLICIES = default_policies()
ZERO = Decimal("0.00")


def settle_input(bundle: int, claim: int) -> dict[str, Any]:
    source = EXAMPLE[bundle]
    return {
        "person": source["person"],
        "contributions": source["contributions"],
        "claim": source["claims"][claim],
    }


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"m{self.n}"


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    store = LedgerStore(str(tmp_path / "store.db"))
    try:
        yield Desk(store, POLICIES, now=lambda: "2026-12-03 00:00:00")
    finally:
        store.close()


def ask(desk: Desk, infno: str, body: Any, msgid: str) -> tuple[dict[str, Any], bytes]:
    desk.store.begin()
    answer = desk.answer({"infno": infno, "msgid": msgid, "input": body})
    desk.store.commit_transaction()
    return orjson.loads(answer), answer


def records_in(desk: Desk) -> list[dict[str, Any]]:
    rows = desk.store.connection.execute("SELECT result FROM records ORDER BY seq").fetchall()
    return [orjson.loads(row[0]) for row in rows]


def test_art18_2304_settles_records_and_answers_in_the_platform_shape(desk: Desk) -> None:
    """第十八条: local tertiary stay of 12,000.00 with 500.00 全自费: 11,500.00 in scope, less the
    800.00 deductible (第十七条), 90% of 10,700.00 = 9,630.00 from the pooling fund."""
    answer, _ = ask(desk, "2304", settle_input(0, 0), "m1")
    assert answer["infcode"] == "0" and answer["inf_refmsgid"] == "m1"
    output = answer["output"]
    assert output["record"]["setl_id"] == "K0001/1"
    assert output["setlinfo"]["hifp_pay"] == 9630.00
    assert output["setlinfo"]["psn_cash_pay"] == 2370.00
    assert output["setldetail"][0]["setl_proc_info"] == "第十八条 90%"
    assert [r["setl_id"] for r in records_in(desk)] == ["K0001/1"]
    accumulators, _ = ask(desk, "5206", {"psn_no": "YZ0001", "year": 2019}, "m2")
    cum = {row["cum_type_code"]: row["cum"] for row in accumulators["output"]["cuminfo"]}
    assert cum == {"D310101": 9630.0, "D330101": 0.0, "S0000": 10700.0, "YZ2601": 1870.0,
                   "YZ2602": 0.0}  # fmt: skip


def test_2303_computes_and_records_nothing(desk: Desk) -> None:
    pre, _ = ask(desk, "2303", settle_input(0, 0), "m1")
    assert pre["infcode"] == "0" and records_in(desk) == []
    settled, _ = ask(desk, "2304", settle_input(0, 0), "m2")
    assert settled["output"]["setlinfo"] == pre["output"]["setlinfo"]


def test_a_repeated_msgid_returns_the_same_bytes_and_changes_nothing(desk: Desk) -> None:
    _, first = ask(desk, "2304", settle_input(0, 0), "same")
    desk.now = lambda: "2030-01-01 00:00:00"
    _, again = ask(desk, "2304", settle_input(0, 1), "same")  # even with another input
    assert again == first
    assert len(records_in(desk)) == 1


def test_art18_a_claim_in_effect_is_refused_until_reversed_then_settled_anew(desk: Desk) -> None:
    ask(desk, "2304", settle_input(0, 0), "m1")
    refused, _ = ask(desk, "2304", settle_input(0, 0), "m2")
    assert refused["infcode"] == "-1" and refused["err_msg"].startswith("input.claim.id:")
    reversal, _ = ask(desk, "2305", {"psn_no": "YZ0001", "setl_id": "K0001/1"}, "m3")
    assert reversal["infcode"] == "0"
    info = reversal["output"]["setlinfo"]
    assert info["setl_id"] == "K0001/2" and info["hifp_pay"] == -9630.00
    assert info["pool_prop_selfpay"] == 0.9
    again, _ = ask(desk, "2304", settle_input(0, 0), "m4")
    assert again["output"]["record"]["setl_id"] == "K0001/3"
    wrong, _ = ask(desk, "2305", {"psn_no": "YZ0002", "setl_id": "K0001/3"}, "m5")
    assert wrong["infcode"] == "-1" and wrong["err_msg"].startswith("input.psn_no")


def test_2601_undoes_a_settlement_and_refuses_what_cannot_be_undone(desk: Desk) -> None:
    ask(desk, "2304", settle_input(0, 0), "s1")
    undone, _ = ask(desk, "2601", {"omsgid": "s1", "oinfno": "2304"}, "u1")
    assert undone["infcode"] == "0"
    assert undone["output"]["record"]["record"] == "reversal"
    assert undone["output"]["record"]["reverses"] == "K0001/1"
    again, _ = ask(desk, "2601", {"omsgid": "s1", "oinfno": "2304"}, "u2")
    assert again["output"]["record"]["setl_id"] == "K0001/2"  # the same reversal, not a new one
    assert len(records_in(desk)) == 2
    ask(desk, "2305", {"psn_no": "YZ0001", "setl_id": "K0001/1"}, "r1")
    refused = ask(desk, "2601", {"omsgid": "r1", "oinfno": "2305"}, "u3")[0]
    assert refused["infcode"] == "-1" and "settle the claim again" in refused["err_msg"]
    never = ask(desk, "2601", {"omsgid": "nope", "oinfno": "2304"}, "u4")[0]
    assert never["infcode"] == "-1" and never["err_msg"].startswith("input.omsgid")
    ask(desk, "2303", settle_input(0, 1), "p1")
    nothing = ask(desk, "2601", {"omsgid": "p1", "oinfno": "2303"}, "u5")[0]
    assert nothing["infcode"] == "0" and nothing["output"] is None and nothing["warn_msg"]
    mismatch = ask(desk, "2601", {"omsgid": "p1", "oinfno": "2304"}, "u6")[0]
    assert mismatch["infcode"] == "-1" and mismatch["err_msg"].startswith("input.oinfno")


def test_5203_returns_the_stored_shape(desk: Desk) -> None:
    ask(desk, "2304", settle_input(1, 0), "m1")
    ask(desk, "2305", {"psn_no": "YZ0002", "setl_id": "K0011/1"}, "m2")
    records = [record_from_json(r) for r in records_in(desk)]
    for index, record in enumerate(records):
        answer, _ = ask(desk, "5203", {"setl_id": record.setl_id}, f"q{index}")
        expected = orjson.loads(nhsa_line(nhsa_shape(record, records[:index])))
        assert answer["output"] == expected
    wrong = ask(desk, "5203", {"setl_id": "K0011/1", "psn_no": "YZ0001"}, "q9")[0]
    assert wrong["infcode"] == "-1"
    missing = ask(desk, "5203", {"setl_id": "K9/1"}, "q10")[0]
    assert missing["infcode"] == "-1"


def test_refusals_name_the_field_and_never_echo_the_value(desk: Desk) -> None:
    body = settle_input(0, 0)
    body["claim"] = {**body["claim"], "total": "SECRET.123"}
    answer, raw = ask(desk, "2304", body, "m1")
    assert answer["infcode"] == "-1"
    assert answer["err_msg"].startswith("input.claim.total:")
    assert b"SECRET" not in raw
    body = settle_input(0, 0)
    body["person"] = {**body["person"], "sex": "SECRET-sex"}
    answer, raw = ask(desk, "2304", body, "m2")
    assert answer["err_msg"].startswith("input.person.sex:") and b"SECRET" not in raw
    extra = ask(desk, "2304", {**settle_input(0, 0), "bogus": 1}, "m3")[0]
    assert extra["err_msg"].startswith("input.bogus:")


@pytest.mark.parametrize(
    ("envelope", "field"),
    [
        ({"msgid": "m", "input": {}}, "infno"),
        ({"infno": "2304", "input": {}}, "msgid"),
        ({"infno": "2304", "msgid": "m"}, "input"),
        ({"infno": "9999", "msgid": "m", "input": {}}, "infno"),
        ({"infno": 2304, "msgid": "m", "input": {}}, "infno"),
        ({"infno": "2304", "msgid": "m" * 129, "input": {}}, "msgid"),
        ({"infno": "5206", "msgid": "m", "input": {"psn_no": "P", "year": "x"}}, "input.year"),
        ({"infno": "5206", "msgid": "m", "input": []}, "input"),
    ],
)
def test_a_broken_envelope_is_refused_naming_the_field(
    desk: Desk, envelope: dict[str, Any], field: str
) -> None:
    desk.store.begin()
    answer = orjson.loads(desk.answer(envelope))
    desk.store.commit_transaction()
    assert answer["infcode"] == "-1"
    assert answer["err_msg"].split(":")[0] == field


def test_not_an_object_is_refused(desk: Desk) -> None:
    desk.store.begin()
    answer = orjson.loads(desk.answer([1, 2]))
    desk.store.commit_transaction()
    assert answer["infcode"] == "-1" and answer["inf_refmsgid"] is None


OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["2304", "2305", "2601", "2303"]), st.integers(0, 3),
              st.integers(0, 5)),
    min_size=1,
    max_size=14,
)  # fmt: skip


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(OPERATIONS)
def test_settlement_life_invariants_through_the_service(
    tmp_path: Path, operations: list[tuple[str, int, int]]
) -> None:
    """Through any sequence of settlements, reversals and 冲正 of the example's cap-crossing
    person (第十七条, 第二十六条): each record conserves money, the store's ledger is the sum of
    the records, no cap is exceeded, and each reversal negates what it reverses."""
    path = tmp_path / f"life-{time.monotonic_ns()}.db"
    store = LedgerStore(str(path))
    desk = Desk(store, POLICIES)
    sent: list[str] = []
    try:
        for number, (infno, claim, earlier) in enumerate(operations):
            msgid = f"m{number}"
            if infno in ("2304", "2303"):
                ask(desk, infno, settle_input(1, claim), msgid)
            elif infno == "2305":
                ask(desk, infno, {"psn_no": "YZ0002", "setl_id": f"K001{claim + 1}/1"}, msgid)
            elif sent:
                ask(desk, infno, {"omsgid": sent[earlier % len(sent)], "oinfno": "2304"}, msgid)
            if infno == "2304":
                sent.append(msgid)
        records = records_in(desk)
        sums: dict[int, dict[str, Decimal]] = {}
        for record in records:
            assert Decimal(record["total"]) == Decimal(record["fund_total"]) + Decimal(
                record["personal_cash"]
            )
            totals = sums.setdefault(record["year"], {})
            for name in ("basic_fund", "catastrophic_fund", "secondary_subsidy", "self_burden"):
                totals[name] = totals.get(name, ZERO) + Decimal(record[name])
        policy = POLICIES.policies[0]
        for year, amounts in sums.items():
            row = store.ledger_row("YZ0002", year)
            assert row is not None
            assert Decimal(row[1]) == amounts["basic_fund"] <= policy.cap_basic
            assert Decimal(row[2]) == amounts["catastrophic_fund"] <= policy.cap_catastrophic
            assert Decimal(row[4]) == amounts["secondary_subsidy"] <= policy.subsidy_cap
        for record in records:
            if record["record"] == "reversal":
                original = next(r for r in records if r["setl_id"] == record["reverses"])
                assert Decimal(record["total"]) == -Decimal(original["total"])
    finally:
        store.close()


def test_the_writer_commits_a_batch_and_answers_each_in_order(tmp_path: Path) -> None:
    store = LedgerStore(str(tmp_path / "w.db"))
    writer = Writer(Desk(store, POLICIES))
    try:
        futures = [
            writer.submit({"infno": "2304", "msgid": f"w{i}", "input": settle_input(0, i)})
            for i in range(4)
        ]
        answers = [orjson.loads(f.result(timeout=30)) for f in futures]
    finally:
        writer.close()
        store.close()
    assert [a["output"]["record"]["setl_id"] for a in answers] == [
        "K0001/1", "K0002/1", "K0003/1", "K0004/1"
    ]  # fmt: skip
    # The second stay saw the first's ledger: the ytd grows claim by claim.
    ytd = [Decimal(a["output"]["record"]["ytd"]["basic_fund"]) for a in answers]
    assert ytd == sorted(ytd) and ytd[0] == Decimal("9630.00")


def test_the_committed_openapi_document_is_the_generated_one(tmp_path: Path) -> None:
    """docs/openapi.json is generated from the types (regenerate: YZ_UPDATE_GOLDEN=1)."""
    store = LedgerStore(str(tmp_path / "o.db"))
    writer = Writer(Desk(store, POLICIES))
    try:
        document = openapi_document(create_app(writer))
    finally:
        writer.close()
        store.close()
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    committed = ROOT / "docs" / "openapi.json"
    import os

    if os.environ.get("YZ_UPDATE_GOLDEN"):
        committed.write_text(text, encoding="utf-8")
    assert committed.read_text(encoding="utf-8") == text
    envelope = document["components"]["schemas"]["Envelope"]
    assert set(envelope["required"]) == {"infno", "msgid", "input"}


# The live server.


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("service") / "live.db")
    try:
        yield running
    finally:
        running.stop()


def test_http_statuses_all_carry_an_answer_envelope(server: Server) -> None:
    status, body = server.post(b"{not json")
    assert status == 400 and orjson.loads(body)["infcode"] == "-1"
    status, body = server.post_oversized(
        b'{"infno": "5206", "msgid": "big", "input": {"x": "' + b"x" * (1 << 20) + b'"}}'
    )
    assert status == 413 and orjson.loads(body)["infcode"] == "-1"
    status, body = server.post(
        {"infno": "5206", "msgid": "h1", "input": {"psn_no": "P", "year": 2019}}
    )
    assert status == 200 and orjson.loads(body)["infcode"] == "0"
    status, body = server.post(
        {"infno": "5206", "msgid": "h2", "input": {"psn_no": "P", "year": 2019}}, "/5206"
    )
    assert status == 200 and orjson.loads(body)["infcode"] == "0"
    status, body = server.post({"infno": "5206", "msgid": "h3", "input": {}}, "/a/b")
    assert status == 404 and orjson.loads(body)["infcode"] == "-1"
    status, body = server.post(b'{"infno": "5206", "infno": "5206", "msgid": "d", "input": {}}')
    assert status == 200 and orjson.loads(body)["infcode"] == "-1"


def test_the_cli_refuses_the_store_the_service_holds(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["adjudicate", str(ROOT / "examples" / "bundles.jsonl"), "--ledger",
                 str(server.store), "-o", "/dev/null", "-q"])  # fmt: skip
    assert code == 2 and "in use" in capsys.readouterr().err


def test_kill_9_after_an_answer_loses_nothing_and_a_retry_gets_the_same_answer(
    tmp_path: Path,
) -> None:
    path = tmp_path / "durable.db"
    first = start_server(path)
    envelope = {"infno": "2304", "msgid": "d1", "input": settle_input(1, 0)}
    status, answer = first.post(envelope)
    assert status == 200 and orjson.loads(answer)["infcode"] == "0"
    first.kill()
    second = start_server(path)
    try:
        status, again = second.post(envelope)
        assert again == answer
        status, query = second.post({"infno": "5203", "msgid": "d2",
                                     "input": {"setl_id": "K0011/1"}})  # fmt: skip
        assert orjson.loads(query)["output"]["setlinfo"]["setl_id"] == "K0011/1"
    finally:
        second.stop()


def _signed(secret: str, nonce: str, when: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if when is None else when)
    return {
        "x-tif-paasid": "his-1",
        "x-tif-timestamp": stamp,
        "x-tif-nonce": nonce,
        "x-tif-signature": signature(stamp, secret, nonce),
    }


def test_signed_requests(tmp_path: Path) -> None:
    secret = hashlib.sha256(b"test").hexdigest()
    server = start_server(tmp_path / "signed.db", "--paasid", "his-1",
                          env={"YZMEDINS_SECRET": secret})  # fmt: skip
    body = {"infno": "5206", "msgid": "s1", "input": {"psn_no": "P", "year": 2019}}
    try:
        assert server.post(body)[0] == 401
        assert server.post(body, headers=_signed(secret, "n1"))[0] == 200
        replay = server.post(dict(body, msgid="s2"), headers=_signed(secret, "n1"))
        assert replay[0] == 401 and b"x-tif-nonce" in replay[1]
        stale = server.post(body, headers=_signed(secret, "n2", int(time.time()) - 600))
        assert stale[0] == 401 and b"x-tif-timestamp" in stale[1]
        forged = server.post(body, headers=_signed("other", "n3"))
        assert forged[0] == 401 and b"x-tif-signature" in forged[1]
        wrong = dict(_signed(secret, "n4"), **{"x-tif-paasid": "his-2"})
        assert server.post(body, headers=wrong)[0] == 401
    finally:
        server.stop()


def test_serving_beyond_loopback_needs_a_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["serve", "--ledger", str(tmp_path / "x.db"), "--host", "0.0.0.0"])
    assert code == 2 and "loopback" in capsys.readouterr().err
    assert not (tmp_path / "x.db").exists()


def test_schemathesis_no_server_error_and_every_answer_matches(server: Server) -> None:
    """Generated envelopes (valid and broken) for every operation of the OpenAPI document the
    server serves: never a 5xx, every answer's status and body as documented."""
    api = schemathesis.openapi.from_url(server.url + "/openapi.json")
    operations = [result.ok() for result in api.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) == 2  # POST / and POST /{infno}
    for operation in operations:

        @settings(
            max_examples=40,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            case.call_and_validate(base_url=server.url)

        check()


def test_the_example_his_client_runs_against_the_service(server: Server) -> None:
    """examples/his_client.py: pre-settle, settle, retry with the same msgid, accumulators, 冲正."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "his_client.py"), server.url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "2304 settlement: K0001/1 fund 9630.0 patient pays 2370.0" in done.stdout
    assert "the same msgid again returns the same answer: True" in done.stdout
    assert "2601 冲正: 0 K0001/2" in done.stdout
