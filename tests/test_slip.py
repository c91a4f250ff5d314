"""The settlement slip (specification §21) and ``--format nhsa`` from the command line: the
slip's amounts equal the record's, its articles agree with the trace, the HTML page is
self-contained with one slip per A5 section, bad lines are error records, and the bundled
example's slips and shapes match golden files (regenerate: ``YZ_UPDATE_GOLDEN=1 pytest``)."""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from wcwidth import wcswidth

from yzmedins import adjudicate_bundle
from yzmedins.cli import main
from yzmedins.engine import PersonHistory, settle
from yzmedins.io.codec import result_to_json
from yzmedins.io.records import record_from_json
from yzmedins.labels import LABELS, article_zh, reason_zh
from yzmedins.lifecycle import reverse
from yzmedins.model import ClaimResult, RecordKind
from yzmedins.policy import default_policies
from yzmedins.rules.reasons import REASON_ARTICLES
from yzmedins.slip import SLIP_AMOUNTS, amount_text, make_slip, slip_text, slips_html
from yzmedins.strategies import bundles

from .builders import CONTRIBUTIONS, m, person, stay

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "bundles.jsonl"
GOLDEN = Path(__file__).resolve().parent / "golden"
POLICIES = default_policies()
HISTORY = PersonHistory(person(), CONTRIBUTIONS)


def _settled(total: str = "12000.00", **changes: Any) -> ClaimResult:
    result, _ = settle(HISTORY, stay(total, **changes), None, POLICIES)
    return result


class _Page(HTMLParser):
    """The slips of a page: each section's ids and its amounts by field, and every tag."""

    def __init__(self) -> None:
        super().__init__()
        self.slips: list[dict[str, Any]] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._field: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append((tag, values))
        if tag == "section" and values.get("class") == "slip":
            self.slips.append(
                {"claim_id": values["data-claim-id"], "setl_id": values["data-setl-id"]}
            )
        if tag == "td" and values.get("class") == "amount":
            self._field = values["data-field"]

    def handle_data(self, data: str) -> None:
        if self._field is not None:
            self.slips[-1][self._field] = data
            self._field = None


def _page(records: list[ClaimResult]) -> _Page:
    page = _Page()
    page.feed("".join(slips_html(make_slip(record) for record in records)))
    return page


def test_labels_cover_every_reason_and_article_numerals() -> None:
    for code in REASON_ARTICLES:
        assert f"reason.{code}" in LABELS
    assert [article_zh(n) for n in (7, 10, 16, 18, 20, 23, 26, 31, 39)] == [
        "第七条", "第十条", "第十六条", "第十八条", "第二十条", "第二十三条", "第二十六条",
        "第三十一条", "第三十九条",
    ]  # fmt: skip
    assert reason_zh("EXCLUDED_CAUSE", 31, 3).endswith("（第三十一条第（三）项）")
    assert all(zh and en for zh, en in LABELS.values())


def test_art18_slip_amounts_and_articles_of_a_settlement() -> None:
    """Local tertiary stay (第十七条 deductible 800.00, 第十八条 90%): the slip lists each amount
    as the record has it, written 1,234.56, with its article."""
    record = _settled(full_self_pay=m("500.00"))
    slip = make_slip(record)
    lines = {line.key: line for line in slip.lines}
    assert [line.key for line in slip.lines] == list(SLIP_AMOUNTS)
    assert lines["total"].text == "12,000.00"
    assert lines["basic_fund"].text == "9,630.00"
    assert lines["basic_fund"].zh == "统筹基金支付（90%）"
    assert lines["basic_fund"].article == "第十八条"
    assert lines["deductible"].article == "第十七条"
    assert lines["secondary_subsidy"].article == "第二十六条"
    assert lines["personal_cash"].text == "2,370.00"
    year = {line.key: line.amount for line in slip.year_lines}
    assert year["room.basic_fund"] == m("150000.00") - m("9630.00")
    assert year["room.secondary_subsidy"] == m("150000.00")
    text = slip_text(slip)
    assert "就诊编号 Claim: C1" in text and "结算编号 Settlement: C1/1" in text
    assert "统筹基金支付（90%） Basic pooling fund (90%)" in text


@settings(max_examples=120, deadline=None)
@given(bundles(max_claims=5, high_cost_share=0.3))
def test_slip_amounts_equal_the_record_and_articles_agree_with_the_trace(bundle: Any) -> None:
    """Every amount on the slip (text and HTML) is the record's, to the fen; on a settlement
    the article of each fund's line is the one its trace step cites."""
    results = adjudicate_bundle(bundle)
    page = _page(list(results))
    for result, shown in zip(results, page.slips, strict=True):
        slip = make_slip(result)
        assert shown["claim_id"] == result.claim_id and shown["setl_id"] == result.setl_id
        for line in slip.lines:
            assert line.amount == getattr(result, line.key)
            assert shown[line.key] == amount_text(getattr(result, line.key))
        assert shown["ytd.basic_fund"] == amount_text(result.ytd.basic_fund)
        assert shown["ytd.secondary_subsidy"] == amount_text(result.ytd.secondary_subsidy)
        text = slip_text(slip)
        for line in slip.lines:
            assert line.text in text
        articles = {line.key: line.article for line in slip.lines}
        if result.approved:
            for step in result.trace:
                if step.text.startswith("basic fund at"):
                    assert articles["basic_fund"] == article_zh(step.article or 0)
                if step.text.startswith("catastrophic mutual aid fund at"):
                    assert articles["catastrophic_fund"] == article_zh(step.article or 0)
                if step.text.startswith("secondary subsidy"):
                    assert articles["secondary_subsidy"] == article_zh(step.article or 0)
                if step.text.startswith("personal cash"):
                    assert articles["personal_cash"] == article_zh(step.article or 0)
        else:
            for reason in result.reasons:
                assert reason_zh(reason.code, reason.article, reason.item) in text


def test_text_slip_columns_align_in_display_width() -> None:
    """CJK characters take two columns: every amount ends in the same terminal column."""
    text = slip_text(make_slip(_settled("600000.00")))
    ends = set()
    for line in text.splitlines():
        for amount in ("600,000.00", "150,000.00", "0.00"):
            if line.rstrip().endswith("条") and f" {amount}  " in line:
                ends.add(wcswidth(line[: line.index(f" {amount}  ") + len(amount) + 1]))
    assert len(ends) == 1


def test_a_rejected_slip_explains_in_plain_words() -> None:
    """第三十一条: the reasons in Chinese and English; nothing paid."""
    record = _settled(cause="cosmetic")
    text = slip_text(make_slip(record))
    assert "不予支付原因 Why nothing is paid" in text
    assert "因美容、矫形、生理缺陷等进行治疗的费用，基金不予支付（第三十一条第（四）项）" in text
    assert record.reasons[0].message in text


def test_a_reversal_slip_says_so() -> None:
    first, ledger = settle(HISTORY, stay("8000.00", id="A"), None, POLICIES)
    undo = reverse([first], ledger, claim_id="A").record
    assert undo.record is RecordKind.REVERSAL
    slip = make_slip(undo)
    text = slip_text(slip)
    assert "结算撤销" in text and "Reversal" in text and "A/1" in text
    assert {line.key: line.text for line in slip.lines}["total"] == "-8,000.00"
    html = "".join(slips_html([slip]))
    assert "结算撤销" in html and 'data-setl-id="A/2"' in html


def test_the_html_page_is_self_contained_and_escaped() -> None:
    """No outside resources: no script, link, image or URL; one A5 section per slip; ids
    are escaped."""
    record = _settled(id="<b>&x")
    html = "".join(slips_html([make_slip(record), make_slip(record)]))
    page = _Page()
    page.feed(html)
    assert len(page.slips) == 2
    assert page.slips[0]["claim_id"] == "<b>&x"
    assert "<b>&x" not in html and "&lt;b&gt;&amp;x" in html
    tags = {tag for tag, _ in page.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert "http:" not in html and "https:" not in html and "url(" not in html
    assert "@import" not in html
    assert "size: A5" in html
    assert html.count('<section class="slip"') == 2


# From the command line.


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _example_records(tmp_path: Path) -> Path:
    records = tmp_path / "records.jsonl"
    assert main(["adjudicate", str(EXAMPLE), "-o", str(records), "-q", "--jobs", "1"]) == 0
    return records


def test_slip_command_writes_text_and_html(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = _example_records(tmp_path)
    html = tmp_path / "slips.html"
    code, out, _ = _run(["slip", str(records), "--claim", "K0012", "--html", str(html)], capsys)
    assert code == 0 and out == ""  # only --html: no text on standard output
    page = _Page()
    page.feed(html.read_text(encoding="utf-8"))
    assert [s["setl_id"] for s in page.slips] == ["K0012/1"]
    line = next(orjson.loads(raw) for raw in records.read_bytes().splitlines() if b'"K0012"' in raw)
    assert page.slips[0]["secondary_subsidy"] == amount_text(m(line["secondary_subsidy"]))
    code, out, _ = _run(["slip", str(records), "--claim", "K0001"], capsys)
    assert code == 0 and "K0001/1" in out and "K0002" not in out


def test_slip_bad_lines_are_error_records_and_the_rest_are_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = _example_records(tmp_path)
    good = records.read_bytes().splitlines()[:2]
    missing = orjson.loads(good[0])
    del missing["basic_fund"]
    unknown = orjson.loads(good[1])
    unknown["record"] = "refund"
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(
        b"\n".join([good[0], b"{not json", orjson.dumps(missing), orjson.dumps(unknown), good[1]])
        + b"\n"
    )
    errors = tmp_path / "errors.jsonl"
    code, out, _ = _run(
        ["slip", str(mixed), "--errors", str(errors), "--claim", "NOPE", "--claim", "K0001"],
        capsys,
    )
    assert code == 1
    found = [orjson.loads(line) for line in errors.read_bytes().splitlines()]
    assert [(e["line"], e["field"]) for e in found] == [
        (2, None),
        (3, "basic_fund"),
        (4, "record"),
        (0, "claim_id"),
    ]
    assert "K0001/1" in out
    code, out, _ = _run(["slip", str(mixed), "--errors", str(errors)], capsys)
    assert code == 1 and "K0001/1" in out and "K0002/1" in out


def test_slip_refuses_to_write_over_its_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = _example_records(tmp_path)
    before = records.read_bytes()
    code, _, err = _run(["slip", str(records), "--html", str(records)], capsys)
    assert code == 2 and str(records) in err
    assert records.read_bytes() == before


def test_format_nhsa_on_adjudicate_reverse_and_clear(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same records as JSON and as nhsa lines: one shape per record, amounts equal."""
    store = tmp_path / "store.db"
    json_out, nhsa_out = tmp_path / "r.jsonl", tmp_path / "r.nhsa"
    assert (
        main(["adjudicate", str(EXAMPLE), "--ledger", str(store), "-o", str(json_out), "-q"]) == 0
    )
    assert main(["adjudicate", str(EXAMPLE), "--ledger", str(store), "-o", str(nhsa_out), "-q",
                 "--format", "nhsa"]) == 0  # fmt: skip
    records = [orjson.loads(x) for x in json_out.read_bytes().splitlines()]
    shapes = [orjson.loads(x) for x in nhsa_out.read_bytes().splitlines()]
    assert len(records) == len(shapes)
    for record, shape in zip(records, shapes, strict=True):
        assert shape["setlinfo"]["setl_id"] == record["setl_id"]
        assert m(str(shape["setlinfo"]["fund_pay_sumamt"])) == m(record["fund_total"])
    requests = tmp_path / "requests.jsonl"
    requests.write_text('{"claim_id": "K0012"}\n', encoding="utf-8")
    code, out, _ = _run(
        ["reverse", str(requests), "--ledger", str(store), "--format", "nhsa", "-q"], capsys
    )
    assert code == 0
    (undo,) = [orjson.loads(x) for x in out.splitlines()]
    original = next(s for s in shapes if s["setlinfo"]["setl_id"] == "K0012/1")
    assert undo["setlinfo"]["setl_id"] == "K0012/2"
    assert undo["setlinfo"]["medfee_sumamt"] == -original["setlinfo"]["medfee_sumamt"]
    assert [r["fund_payamt"] for r in undo["setldetail"]] == [
        -r["fund_payamt"] for r in original["setldetail"]
    ]
    code, again, _ = _run(  # a retried reversal: the same shape again
        ["reverse", str(requests), "--ledger", str(store), "--format", "nhsa", "-q"], capsys
    )
    assert again == out
    code, out, _ = _run(
        ["clear", "--ledger", str(store), "--year", "2020", "--format", "nhsa", "-q"], capsys
    )
    assert code == 0
    corrections = [orjson.loads(x) for x in out.splitlines()]
    assert corrections and all(c["setlinfo"]["setl_id"].endswith("/2") for c in corrections)
    bad = tmp_path / "codes.toml"
    bad.write_text("insutype = 3\n", encoding="utf-8")
    code, _, err = _run(
        ["adjudicate", str(EXAMPLE), "--format", "nhsa", "--nhsa-codes", str(bad), "-q"], capsys
    )
    assert code == 2 and str(bad) in err


def _golden(name: str, produced: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("YZ_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(produced)
    assert produced == path.read_bytes(), f"{name} differs from its golden file"


def test_golden_example_slips_and_shapes(tmp_path: Path) -> None:
    """The bundled example's slips (text) and nhsa lines, byte for byte."""
    records = _example_records(tmp_path)
    text = subprocess.run(
        [sys.executable, "-m", "yzmedins", "slip", str(records)],
        capture_output=True,
        check=True,
    ).stdout
    _golden("example-slips.txt", text)
    nhsa = subprocess.run(
        [sys.executable, "-m", "yzmedins", "adjudicate", str(EXAMPLE), "--format", "nhsa", "-q"],
        capture_output=True,
        check=True,
    ).stdout
    _golden("example.nhsa.jsonl", nhsa)
    lines = [record_from_json(orjson.loads(x)) for x in records.read_bytes().splitlines()]
    assert len(nhsa.splitlines()) == len(lines)
    assert text.decode().count("结算单") == len(lines)
    assert result_to_json(lines[0])["claim_id"] == "K0001"
