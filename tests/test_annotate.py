"""The feedback copy: marks every finding, lists them all, and stays a usable, locked form."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import openpyxl
import pytest

from helpers import load_cell_by_cell
from xl2report.atomic import OutputExistsError
from xl2report.batch.outbox import feedback_name
from xl2report.checks.catalogue import CATALOGUE
from xl2report.checks.check import check_file
from xl2report.form.national import FORM, Kind, a1, cover_count_formula
from xl2report.xlsx.feedback import AUTHOR, FEEDBACK_SHEET, FIRST_ROW, write_feedback

CORPUS = Path(__file__).parent / "data" / "corpus"
RED, YELLOW = "FFC7CE", "FFEB9C"


def _feedback(tmp_path: Path, name: str) -> tuple[Path, Path, object]:
    source = tmp_path / f"{name}.xlsx"
    shutil.copyfile(CORPUS / f"{name}.xlsx", source)
    report = check_file(source).report
    out = write_feedback(source, report, tmp_path / "out" / feedback_name(source))
    return source, out, report


def _colour(cell) -> str:  # type: ignore[no-untyped-def]
    return (cell.fill.fgColor.rgb or "")[-6:] if cell.fill.fill_type == "solid" else ""


def _look(cell) -> tuple:  # type: ignore[no-untyped-def]
    font = cell.font
    return (cell.value, _colour(cell), font.name, font.b, font.color and font.color.rgb,
            cell.number_format, cell.alignment.horizontal, cell.protection.locked)  # fmt: skip


def test_name() -> None:
    assert feedback_name(Path("收件箱/克井镇.xlsx")) == "克井镇_校验反馈.xlsx"


def test_source_is_never_modified(tmp_path: Path) -> None:
    source = tmp_path / "bad.xlsx"
    shutil.copyfile(CORPUS / "bad-numbers.xlsx", source)
    before = (hashlib.sha256(source.read_bytes()).hexdigest(), source.stat().st_mtime_ns)
    write_feedback(source, check_file(source).report, tmp_path / "fb.xlsx")
    after = (hashlib.sha256(source.read_bytes()).hexdigest(), source.stat().st_mtime_ns)
    assert before == after


def test_every_finding_cell_is_coloured_and_commented(tmp_path: Path) -> None:
    _, out, report = _feedback(tmp_path, "libreoffice-resaved-errors")
    wb = openpyxl.load_workbook(out)
    levels = {}
    for f in report.findings:
        levels[f.sheet, f.cell] = (
            RED if f.is_error or levels.get((f.sheet, f.cell)) == RED else YELLOW
        )
    assert YELLOW in levels.values() and RED in levels.values()
    for f in report.findings:
        cell = wb[f.sheet][f.cell]
        assert _colour(cell) == levels[f.sheet, f.cell], f
        assert cell.comment is not None and f.message in cell.comment.text, f
        assert cell.comment.author == AUTHOR
        for other in f.related:  # the rest of a balance: 二, 三(七), 四
            assert _colour(wb[f.sheet][other]) == RED
            assert f.message in wb[f.sheet][other].comment.text


def test_unmarked_cells_keep_their_look(tmp_path: Path) -> None:
    source, out, report = _feedback(tmp_path, "bad-numbers")
    marked = {(f.sheet, f.cell) for f in report.findings}
    marked.add((FORM.summary[0], a1(FORM.summary[1], FORM.summary[2])))  # recounted: see below
    before, after = openpyxl.load_workbook(source), openpyxl.load_workbook(out)
    for ws in before.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if (ws.title, cell.coordinate) in marked:
                    continue
                twin = after[ws.title][cell.coordinate]
                assert _look(cell) == _look(twin), (ws.title, cell.coordinate)
                assert twin.comment is None


def _edges(cell) -> tuple:  # type: ignore[no-untyped-def]
    """The four drawn edges of a cell: (line style, colour) each."""
    sides = (cell.border.left, cell.border.right, cell.border.top, cell.border.bottom)
    return tuple((s.style, s.color and s.color.rgb) if s else (None, None) for s in sides)


def test_cells_inside_merged_ranges_keep_their_own_borders(tmp_path: Path) -> None:
    """The copy is loaded without openpyxl re-deriving merged cells' borders (issue #6): every
    cell the township's file stores, covered cells of merged ranges included, is written back
    with the border and protection it had (as Excel reads them, cell by cell)."""
    source, out, report = _feedback(tmp_path, "bad-numbers")
    marked = {(f.sheet, f.cell) for f in report.findings}
    before, after = load_cell_by_cell(source), load_cell_by_cell(out)
    covered = 0
    for ws in before.worksheets:
        twin = after[ws.title]
        inside = {c for r in ws.merged_cells.ranges for c in r.cells}
        for (row, col), cell in ws._cells.items():
            if (ws.title, cell.coordinate) in marked:
                continue
            other = twin._cells.get((row, col))
            assert other is not None, (ws.title, cell.coordinate)
            assert _edges(other) == _edges(cell), (ws.title, cell.coordinate)
            lock = (other.protection.locked, other.protection.hidden)
            assert lock == (cell.protection.locked, cell.protection.hidden), cell.coordinate
            covered += (row, col) in inside
    assert covered > 100  # the template's bordered headers and row labels


def test_list_sheet_first_with_every_finding_and_links(tmp_path: Path) -> None:
    _, out, report = _feedback(tmp_path, "sheet-renamed")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == FEEDBACK_SHEET and wb.active.title == FEEDBACK_SHEET
    assert [ws.sheet_view.tabSelected for ws in wb.worksheets].count(True) == 1
    ws = wb[FEEDBACK_SHEET]
    assert [c.value for c in ws[FIRST_ROW - 1]][:5] == ["级别", "工作表", "单元格", "问题", "类别"]
    rows = list(ws.iter_rows(min_row=FIRST_ROW, max_col=5))
    assert len(report.findings) == 2 and len(rows) == 2
    for f, row in zip(report.findings, rows, strict=True):
        level, sheet, cell, message, name = row
        assert (level.value, name.value, message.value) == (
            "错误" if f.is_error else "提醒", f.name, f.message
        )  # fmt: skip
        assert sheet.value == f.sheet
        if f.sheet in wb.sheetnames:  # the renamed sheet exists: a link to it
            assert cell.hyperlink.location == f"'{f.sheet}'!A1"
        else:  # the missing one: listed, nothing to link to
            assert cell.hyperlink is None


def _as_earlier_template(path: Path) -> None:
    """Give ``path`` the cover of a template handed out before: its 未通过项数 also counted the
    check of table 三's 总计 column (J31), so one mistake in a column showed as two."""
    import re
    import zipfile
    from xml.sax.saxutils import escape

    from xl2report.xlsx.parts import worksheet_trees

    today = cover_count_formula()[1:]
    earlier = today.replace('!I31<>"✓")', '!I31<>"✓")+(\'三、依申请公开\'!J31<>"✓")')
    assert earlier != today
    cell = re.compile(rf'(<c r="{a1(*FORM.summary[1:])}"[^>]*><f>)[^<]*(</f><v>)[^<]*(</v>)')
    with zipfile.ZipFile(path) as zf:
        cover = worksheet_trees(zf)[FORM.summary[0]][0]
        parts = {info: zf.read(info) for info in zf.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in parts.items():
            if info.filename == cover:
                text = escape(earlier, {'"': "&quot;"})
                data, n = cell.subn(rf"\g<1>{text}\g<2>2\g<3>", data.decode("utf-8"))
                assert n == 1
            zf.writestr(info, data)


def test_cover_and_list_agree_on_the_count(tmp_path: Path) -> None:
    """One mistake in a column of table 三 is one item on the cover too: a template handed out
    earlier also counted the 总计 column's check, so the copy gets today's cover formula."""
    source = tmp_path / "balance-outcome-row.xlsx"
    shutil.copyfile(CORPUS / "balance-outcome-row.xlsx", source)
    _as_earlier_template(source)
    sheet, row, col = FORM.summary
    old = openpyxl.load_workbook(source)[sheet].cell(row + 1, col + 1).value
    assert "J31" in old and old != cover_count_formula()
    report = check_file(source).report
    (f,) = report.findings
    assert f.code == "balance-mismatch"
    out = write_feedback(source, report, tmp_path / "out" / feedback_name(source))
    cover = openpyxl.load_workbook(out)[sheet].cell(row + 1, col + 1)
    assert cover.value == cover_count_formula()
    shown = openpyxl.load_workbook(out, data_only=True)
    assert shown[sheet].cell(row + 1, col + 1).value == len(report.errors) == 1
    text_sheet, text_row, text_col = FORM.summary_text
    assert "1 项未通过" in shown[text_sheet].cell(text_row + 1, text_col + 1).value
    listed = shown[FEEDBACK_SHEET]
    assert [listed.cell(FIRST_ROW, c).value for c in (1, 5)] == ["错误", f.name]


def test_links_go_to_the_cell(tmp_path: Path) -> None:
    _, out, report = _feedback(tmp_path, "balance-outcome-row")
    ws = openpyxl.load_workbook(out)[FEEDBACK_SHEET]
    (f,) = report.findings
    link = ws.cell(FIRST_ROW, 3)
    assert link.value == f.cell and link.hyperlink.location == f"'{f.sheet}'!{f.cell}"
    for other in f.related:
        assert other in ws.cell(FIRST_ROW, 4).value


def test_copy_stays_a_locked_usable_form(tmp_path: Path) -> None:
    source, out, _ = _feedback(tmp_path, "libreoffice-resaved-errors")
    before, after = openpyxl.load_workbook(source), openpyxl.load_workbook(out)
    for ws in before.worksheets:
        twin = after[ws.title]
        assert bool(twin.protection.sheet) == bool(ws.protection.sheet), ws.title
        assert twin.sheet_state == ws.sheet_state
        assert {str(r) for r in twin.merged_cells.ranges} == {
            str(r) for r in ws.merged_cells.ranges
        }
        assert len(twin.data_validations.dataValidation) == len(ws.data_validations.dataValidation)
    for f in FORM.fields:  # openpyxl must not re-lock the input cells of a protected sheet
        locked = after[f.sheet][f.cell].protection.locked
        assert locked == before[f.sheet][f.cell].protection.locked, f.key
        if f.kind is Kind.FORMULA:
            assert locked, f.key
        elif f.key not in ("info.org", "info.year"):  # these two are fixed by the template
            assert not locked, f.key


@pytest.mark.parametrize(
    "name", ["libreoffice-resaved-errors", "bad-numbers", "balance-outcome-row", "sheet-renamed"]
)
def test_copy_checks_the_same_as_the_original(tmp_path: Path, name: str) -> None:
    """The office can check the copy a township sends back: same findings, no extra sheet."""
    _, out, report = _feedback(tmp_path, name)
    again = check_file(out).report
    assert [(f.code, f.sheet, f.cell) for f in again.findings] == [
        (f.code, f.sheet, f.cell) for f in report.findings
    ]


def test_returned_copy_is_unmarked_before_marking_again(tmp_path: Path) -> None:
    """Township fixes the copy and sends it back: the next copy shows only what is still wrong."""
    source, first, report = _feedback(tmp_path, "balance-outcome-row")
    (finding,) = report.findings
    wb = openpyxl.load_workbook(first)
    key = "s3.refused.secret.natural"  # the corpus case added 2 here
    cell = FORM.field(key)
    wb[cell.sheet][cell.cell].value -= 2
    fixed = tmp_path / "returned.xlsx"
    wb.save(fixed)
    report2 = check_file(fixed).report
    assert report2.findings == []
    second = write_feedback(fixed, report2, tmp_path / "second.xlsx")
    original, again = openpyxl.load_workbook(source), openpyxl.load_workbook(second)
    for ref in (finding.cell, *finding.related):
        assert _colour(again[finding.sheet][ref]) == _colour(original[finding.sheet][ref]), ref
        assert again[finding.sheet][ref].comment is None
    assert again.sheetnames.count(FEEDBACK_SHEET) == 1
    assert again[FEEDBACK_SHEET].cell(FIRST_ROW, 4).value == "没有发现问题。"


def test_unreadable_source_gets_a_list_only_copy(tmp_path: Path) -> None:
    source = CORPUS / "encrypted.xlsx"
    report = check_file(source).report
    out = write_feedback(source, report, tmp_path / "fb.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [FEEDBACK_SHEET]
    ws = wb[FEEDBACK_SHEET]
    assert ws.cell(FIRST_ROW, 5).value == CATALOGUE["encrypted"].name
    assert "原文件无法用于标注" in ws["A2"].value


def test_refuses_to_overwrite_unless_asked(tmp_path: Path) -> None:
    source = CORPUS / "valid-random.xlsx"
    report = check_file(source).report
    out = write_feedback(source, report, tmp_path / "fb.xlsx")
    with pytest.raises(OutputExistsError):
        write_feedback(source, report, out)
    write_feedback(source, report, out, overwrite=True)
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.libreoffice
@pytest.mark.poppler
def test_libreoffice_opens_and_prints_the_copy(tmp_path: Path) -> None:
    import subprocess

    from xl2report.report.office import convert

    _, out, report = _feedback(tmp_path, "libreoffice-resaved-errors")
    (pdf,) = convert([out], "pdf", tmp_path / "pdf")
    first_page = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "校验结果" in first_page
    for f in report.findings:
        assert f.cell in first_page and f.name in first_page
