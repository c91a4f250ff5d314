"""CSV that Excel reads: ``--excel`` results (byte order mark, CRLF), tables with extra columns
(``--ignore-extra-columns``), and GBK tables refused with one message."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from yzmedins.cli import main
from yzmedins.io.csv_results import CSV_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
BOM = b"\xef\xbb\xbf"


def _tables(folder: Path, claims: Path | None = None, persons: Path | None = None) -> list[str]:
    return [
        "--persons", str(persons or EXAMPLES / "persons.csv"),
        "--contributions", str(EXAMPLES / "contributions.csv"),
        "--claims", str(claims or EXAMPLES / "claims.csv"),
    ]  # fmt: skip


def test_excel_results_begin_with_a_byte_order_mark_and_end_rows_in_crlf(tmp_path: Path) -> None:
    plain, excel = tmp_path / "plain.csv", tmp_path / "excel.csv"
    source = str(EXAMPLES / "bundles.jsonl")
    assert main(["adjudicate", "-q", source, "--format", "csv", "-o", str(plain)]) == 0
    assert main(["adjudicate", "-q", source, "--format", "csv", "--excel", "-o", str(excel)]) == 0
    data = excel.read_bytes()
    assert data.startswith(BOM) and not plain.read_bytes().startswith(BOM)
    assert data[len(BOM) :] == plain.read_bytes()
    rows = data.split(b"\r\n")
    assert rows[-1] == b"" and all(b"\n" not in row for row in rows[:-1] if b'"' not in row)
    read = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert tuple(read[0]) == CSV_COLUMNS
    assert any("不予支付" in cell or "第" in cell for row in read for cell in row)


def test_excel_needs_csv(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["adjudicate", "-q", str(EXAMPLES / "bundles.jsonl"), "--excel"]) == 2
    assert "--excel applies to --format csv" in capsys.readouterr().err


def test_reversals_as_excel_csv(tmp_path: Path) -> None:
    db, out = tmp_path / "l.db", tmp_path / "r.csv"
    assert main(["adjudicate", "-q", str(EXAMPLES / "bundles.jsonl"), "--ledger", str(db),
                 "-o", str(tmp_path / "x.jsonl")]) == 0  # fmt: skip
    requests = tmp_path / "rq.jsonl"
    requests.write_text('{"claim_id": "K0001"}\n')
    args = ["reverse", "-q", "--ledger", str(db), str(requests), "--format", "csv", "--excel"]
    assert main([*args, "-o", str(out)]) == 0
    assert out.read_bytes().startswith(BOM + b"claim_id,")


def _with_extra_column(source: Path, target: Path, name: str) -> Path:
    lines = source.read_text("utf-8").splitlines()
    lines = [f"{lines[0]},{name}"] + [
        f"{line},备注 {index}" for index, line in enumerate(lines[1:])
    ]
    target.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return target


def test_extra_columns_are_refused_unless_ignored_then_listed_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    claims = _with_extra_column(EXAMPLES / "claims.csv", tmp_path / "claims.csv", "remark")
    persons = _with_extra_column(EXAMPLES / "persons.csv", tmp_path / "persons.csv", "name")
    tables = _tables(tmp_path, claims, persons)
    out, expected = tmp_path / "out.jsonl", tmp_path / "expected.jsonl"
    assert main(["adjudicate", "-q", *tables, "-o", str(out)]) == 2
    refused = capsys.readouterr().err
    assert "unknown column 'name'" in refused and "--ignore-extra-columns" in refused
    assert not out.exists()
    assert main(["adjudicate", "-q", *tables, "--ignore-extra-columns", "-o", str(out)]) == 0
    notices = capsys.readouterr().err.splitlines()
    assert notices == [
        f"yzmedins: {persons}: ignoring column(s) name (--ignore-extra-columns)",
        f"yzmedins: {claims}: ignoring column(s) remark (--ignore-extra-columns)",
    ]
    assert main(["adjudicate", "-q", *_tables(tmp_path), "-o", str(expected)]) == 0
    assert out.read_bytes() == expected.read_bytes()


def test_ignore_extra_columns_needs_tables(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["adjudicate", "-q", str(EXAMPLES / "bundles.jsonl"), "--ignore-extra-columns"]
    assert main(args) == 2
    assert "applies to the tables" in capsys.readouterr().err


def test_a_gbk_table_is_refused_with_one_message_naming_the_encoding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Excel on Chinese Windows saves "CSV" in GBK: the file is refused once, with how to
    convert it, not with one error record per row."""
    text = (EXAMPLES / "claims.csv").read_text("utf-8")
    lines = text.splitlines()
    lines[1:] = [line.replace("K0", "永州K0", 1) for line in lines[1:]]
    claims = tmp_path / "claims.csv"
    claims.write_bytes("\r\n".join(lines).encode("gbk") + b"\r\n")
    errors, out = tmp_path / "errors.jsonl", tmp_path / "out.jsonl"
    status = main(
        ["adjudicate", "-q", *_tables(tmp_path, claims), "-o", str(out), "--errors", str(errors)]
    )
    assert status == 2
    message = capsys.readouterr().err.strip().splitlines()
    assert len(message) == 1
    assert "not UTF-8" in message[0] and "GBK" in message[0] and "iconv -f GB18030" in message[0]
    assert "row 2" in message[0]
    assert not out.exists() and not errors.exists()


def test_a_gbk_header_is_refused_the_same_way(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (EXAMPLES / "persons.csv").read_text("utf-8").replace("id,", "编号,", 1)
    persons = tmp_path / "persons.csv"
    persons.write_bytes(text.encode("gbk"))
    assert main(["adjudicate", "-q", *_tables(tmp_path, persons=persons)]) == 2
    message = capsys.readouterr().err
    assert "the header row is not UTF-8" in message and "GBK" in message


def test_a_row_that_is_neither_utf8_nor_gbk_is_still_one_error_record(tmp_path: Path) -> None:
    data = (EXAMPLES / "claims.csv").read_bytes().replace(b"K0001", b"K\xff0001", 1)
    claims = tmp_path / "claims.csv"
    claims.write_bytes(data)
    errors = tmp_path / "errors.jsonl"
    args = ["adjudicate", "-q", *_tables(tmp_path, claims), "-o", str(tmp_path / "o.jsonl")]
    assert main([*args, "--errors", str(errors)]) == 1
    assert '"message":"id: is not UTF-8 text"' in errors.read_text("utf-8")
