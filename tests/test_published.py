"""Reading published reports: every table cell as printed, totals against parts, variants.

Pages are made by tests/published_helpers.py from a consistent fill, with one printed variant
each (a blank, a mark, a wrong total, a split table, the 2019 （六） row, a label typo…).
Assertions are on values and (code, key) pairs.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path

import pytest

from helpers import consistent_values
from published_helpers import report_html
from xl2report.cli.main import main
from xl2report.form.national import FORM, S2, S3, S4, compute_formulas
from xl2report.published.reader import audit_findings, read_published

TABLE_KEYS = [f.key for f in FORM.fields if f.sheet in (S2, S3, S4)]


def values(seed: int = 7) -> dict:
    return consistent_values(random.Random(seed))


def imported(tmp_path: Path, vals: dict, name: str = "r.html", **options: object):
    path = tmp_path / name
    path.write_text(report_html(vals, **options), encoding="utf-8")  # type: ignore[arg-type]
    return read_published(path)


def codes(result) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(f.code, f.key) for f in result.findings}


def test_every_cell_name_and_year_as_published(tmp_path: Path) -> None:
    vals = values()
    got = imported(tmp_path, vals)
    full = compute_formulas(vals)
    assert {k: got.values[k] for k in TABLE_KEYS} == {k: full[k] for k in TABLE_KEYS}
    assert (got.org, got.year) == ("测试镇人民政府", 2024)
    assert got.values["s5.text"] == vals["s5.text"]
    assert got.values["info.publish_date"] == "2025年1月20日"
    assert got.findings == []


def test_total_printed_wrong_is_a_finding_at_the_total(tmp_path: Path) -> None:
    vals = values()
    right = compute_formulas(vals)["s4.review.total"]
    got = imported(tmp_path, vals, printed={"s4.review.total": str(right + 1)})
    (finding,) = [f for f in got.findings if f.key == "s4.review.total"]
    assert finding.code == "total-mismatch"
    assert (finding.expected, finding.actual) == (right, right + 1)
    assert got.values["s4.review.total"] == right + 1  # kept as printed


def test_blank_dash_slash_and_zero_are_told_apart(tmp_path: Path) -> None:
    vals = values()
    vals["s2.rules.issued"] = 0
    printed = {"s2.rules.issued": "", "s2.rules.repealed": "—", "s2.rules.in_force": "/"}
    got = imported(tmp_path, vals, printed=printed)
    assert [got.values[k] for k in printed] == ["", "—", "/"]
    assert {("published-cell-blank", "s2.rules.issued"), ("published-cell-mark", "s2.rules.repealed"),
            ("published-cell-mark", "s2.rules.in_force")} <= codes(got)  # fmt: skip
    assert got.values["s2.normative.issued"] == vals["s2.normative.issued"]


def test_fullwidth_digits_thousands_separators_and_decimal_fees(tmp_path: Path) -> None:
    vals = values()
    vals["s2.penalty.decisions"], vals["s2.licensing.decisions"] = 12, 1234
    vals["s2.fees.amount"] = Decimal("1234.5678")
    printed = {"s2.penalty.decisions": "１２", "s2.licensing.decisions": "1,234",
               "s2.fees.amount": "1,234.5678"}  # fmt: skip
    got = imported(tmp_path, vals, printed=printed)
    assert got.values["s2.penalty.decisions"] == 12
    assert got.values["s2.licensing.decisions"] == 1234
    assert got.values["s2.fees.amount"] == Decimal("1234.5678")
    assert codes(got) == {("fullwidth-number", "s2.penalty.decisions")}


@pytest.mark.parametrize("repeat_header", [True, False])
def test_table_split_across_pages(tmp_path: Path, repeat_header: bool) -> None:
    vals = values(11)
    got = imported(tmp_path, vals, split_at=9, repeat_header=repeat_header)
    full = compute_formulas(vals)
    assert {k: got.values[k] for k in TABLE_KEYS} == {k: full[k] for k in TABLE_KEYS}
    assert got.findings == []


def test_2019_single_other_row_is_spread_with_a_finding(tmp_path: Path) -> None:
    vals = values(5)
    for col in ("natural", "business"):
        vals[f"s3.other.no_correction.{col}"] += 2
        vals[f"s3.new.{col}"] += 2
    got = imported(tmp_path, vals, old_other=True)
    for col in ("natural", "business"):
        combined = sum(vals[f"s3.other.{r}.{col}"] for r in ("no_correction", "no_fee", "other"))
        assert got.values[f"s3.other.other.{col}"] == combined
        assert got.values[f"s3.other.no_correction.{col}"] == 0
    assert ("published-2019-other", "s3.other.other.natural") in codes(got)
    assert not [f for f in got.findings if f.code in ("total-mismatch", "balance-mismatch")]


@pytest.mark.parametrize(("key", "label"), [
    ("s3.refused.secret.natural", "1.属于国家秘宻"),
    # 洪泽区 2023 and 2024 (tests/data/published_real): 法规禁 left out; it starts like 3.其他
    ("s3.refused.prohibited.natural", "2.其他法律行政止公开"),
])  # fmt: skip
def test_label_typo_is_read_as_the_nearest_label_with_a_finding(
    tmp_path: Path, key: str, label: str
) -> None:
    vals = values()
    got = imported(tmp_path, vals, labels={key: label})
    assert got.values[key] == vals[key]
    assert codes(got) == {("published-label-variant", key)}


def test_missing_row_is_an_error_at_its_first_cell(tmp_path: Path) -> None:
    vals = values()
    path = tmp_path / "r.html"
    page = report_html(vals).replace("4.保护第三方合法权益", "（本行已删除）")
    path.write_text(page, encoding="utf-8")
    got = read_published(path)
    assert ("published-row-missing", "s3.refused.third_party.natural") in codes(got)


def test_scanned_pdf_has_one_clear_message_and_exit_2(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from PIL import Image

    scan = tmp_path / "扫描件.pdf"
    Image.new("RGB", (600, 800), "white").save(scan, "PDF")
    got = read_published(scan)
    assert [f.code for f in got.findings] == ["published-scanned"] and not got.readable
    with pytest.raises(SystemExit) as exit_:
        main(["import", str(scan), "--json"])
    assert exit_.value.code == 2
    out = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in out["findings"]] == ["published-scanned"]
    assert not (tmp_path / "扫描件.xlsx").exists()


def test_import_writes_a_filled_workbook_that_checks_like_a_return(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from xl2report.checks.check import check_file

    vals = values()
    page = tmp_path / "报告.html"
    page.write_text(report_html(vals), encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main(["import", str(page), "-o", str(tmp_path / "book.xlsx"), "--json"])
    assert exit_.value.code == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"file", "org", "year", "values", "findings"} and out["findings"] == []
    result = check_file(tmp_path / "book.xlsx")
    assert result.valid, [f.message for f in result.report.findings]
    assert {k: result.values[k] for k in TABLE_KEYS} == {
        k: compute_formulas(vals)[k] for k in TABLE_KEYS
    }


def test_import_exit_1_on_findings_and_a_folder_one_bad_file(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    src, out = tmp_path / "reports", tmp_path / "books"
    src.mkdir()
    vals = values()
    (src / "a.html").write_text(report_html(vals, printed={"s4.review.total": "999"}), "utf-8")
    (src / "b.pdf").write_bytes(b"%PDF-1.4 broken")
    with pytest.raises(SystemExit) as exit_:
        main(["import", str(src / "a.html"), "-o", str(tmp_path / "a.xlsx")])
    assert exit_.value.code == 1
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:
        main(["import", str(src), "-o", str(out), "--json"])
    assert exit_.value.code == 2  # one file could not be read; the other was still imported
    files = {Path(f["file"]).name: f for f in json.loads(capsys.readouterr().out)["files"]}
    assert [f["code"] for f in files["b.pdf"]["findings"]] == ["published-unreadable"]
    assert (out / "a.xlsx").exists() and not (out / "b.xlsx").exists()


PUBLISHED_UNREADABLE = {  # file name, bytes -> the one finding (each way a report can't open)
    "空白.pdf": (b"", "published-unreadable"),
    "坏.pdf": (b"%PDF-1.4 broken", "published-unreadable"),
    "表格.xlsx.docx": (b"PK\x03\x04 not a zip", "published-unreadable"),
    "通知.html": ("<html><body><p>关于召开会议的通知</p></body></html>".encode(), "published-not-a-report"),
    "报告.rtf.txt": ("无关的文字。".encode(), "published-not-a-report"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(PUBLISHED_UNREADABLE))
def test_each_way_a_published_report_cannot_be_read_is_one_finding(
    tmp_path: Path, name: str
) -> None:
    """With the scanned PDF above, every file-level code of the published reader (the workbook
    corpus, tests/test_corpus.py, holds the workbook reader's)."""
    data, code = PUBLISHED_UNREADABLE[name]
    (tmp_path / name).write_bytes(data)
    got = read_published(tmp_path / name)
    assert [f.code for f in got.findings] == [code] and not got.readable


def test_check_audits_a_published_report_with_the_whole_catalogue(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    vals = values()
    vals["s1.active.text"] = "2024年，本机关主动公开XX条信息。"  # a placeholder left in
    page = tmp_path / "报告.html"
    page.write_text(report_html(vals, printed={"s4.review.total": "999"}), encoding="utf-8")
    got = read_published(page)
    audit = {(f.code, f.key) for f in audit_findings(got)}
    assert {("placeholder-left", "s1.active.text"), ("total-mismatch", "s4.review.total")} <= audit
    with pytest.raises(SystemExit) as exit_:
        main(["check", str(tmp_path), "--json"])
    assert exit_.value.code == 1
    (report,) = json.loads(capsys.readouterr().out)["files"]
    assert {("placeholder-left", "s1.active.text")} <= {
        (f["code"], f["key"]) for f in report["findings"]
    }


def test_previous_year_from_a_folder_of_published_reports(tmp_path: Path) -> None:
    from xl2report.batch.lastyear import fill_for

    vals = values(21)
    vals["info.org"], vals["info.year"] = "七家子镇人民政府", 2023
    prev = tmp_path / "2023年报"
    prev.mkdir()
    (prev / "七家子镇.html").write_text(report_html(vals), encoding="utf-8")
    fill, data = fill_for("七家子镇人民政府", 2024, prev)
    assert fill.values is not None
    assert fill.values["s3.carry_over.natural"] == vals["s3.carry_over.natural"]
    assert data.year == 2023


def test_run_previous_year_takes_a_folder_of_published_reports(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from xl2report.xlsx.template import TemplateOptions, write_template

    last = values(4)
    last["info.org"], last["info.year"] = "测试镇人民政府", 2024
    (tmp_path / "prev").mkdir()
    (tmp_path / "prev" / "测试镇2024.pdf.html").write_text(report_html(last), encoding="utf-8")
    this = values(5)
    this["info.org"], this["info.year"] = "测试镇人民政府", 2025
    this["s3.carried.natural"] = last["s3.carry_over.natural"] + 1  # a broken carry-over
    this["s3.new.natural"] = max(this["s3.new.natural"] - 1, 0)
    (tmp_path / "inbox").mkdir()
    write_template(tmp_path / "inbox" / "测试镇2025.xlsx", TemplateOptions(), this)
    with pytest.raises(SystemExit):
        main(["run", "--inbox", str(tmp_path / "inbox"), "--outbox", str(tmp_path / "out"),
              "--previous-year", str(tmp_path / "prev"), "--json"])  # fmt: skip
    found = capsys.readouterr().out
    assert '"yoy-carried-mismatch"' in found and '"s3.carried.natural"' in found


def test_run_previous_year_finds_a_published_report_through_the_roster_alias(
    tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    """洪泽区 published 2023 as 洪泽区人民政府 and 2024 as 淮安市洪泽区人民政府: last year's report
    under the old name is this year's unit's, through the roster's 别名 (as template finds it)."""
    from xl2report.xlsx.template import TemplateOptions, write_template

    official, old = "淮安市测试区人民政府", "测试区人民政府"
    last = values(4)
    last["info.org"], last["info.year"] = old, 2024
    (tmp_path / "prev").mkdir()
    (tmp_path / "prev" / "测试区2024.html").write_text(report_html(last), encoding="utf-8")
    this = values(5)
    this["info.org"], this["info.year"] = official, 2025
    this["s3.carried.natural"] = last["s3.carry_over.natural"] + 1  # a broken carry-over
    this["s3.new.natural"] = max(this["s3.new.natural"] - 1, 0)
    (tmp_path / "inbox").mkdir()
    write_template(tmp_path / "inbox" / "测试区2025.xlsx", TemplateOptions(), this)
    roster = tmp_path / "名单.csv"
    roster.write_text(f"机关名称,别名\n{official},{old}\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        main(["run", "--inbox", str(tmp_path / "inbox"), "--outbox", str(tmp_path / "out"),
              "--previous-year", str(tmp_path / "prev"), "--roster", str(roster), "--json"])  # fmt: skip
    found = capsys.readouterr().out
    assert '"yoy-carried-mismatch"' in found and '"s3.carried.natural"' in found
