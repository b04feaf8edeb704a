"""The feedback copy is the township's own package, edited: untouched parts are byte for byte
the same, every value, formula, validation and protection is kept, and text stays text."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xl2report.checks.check import check_file
from xl2report.form.national import FEEDBACK_SHEET, FORM, cover_count_formula
from xl2report.xlsx.feedback import FIRST_ROW, write_feedback
from xl2report.xlsx.package import _split
from xl2report.xlsx.parts import read_workbook

CORPUS = Path(__file__).parent / "data" / "corpus"


def _copy(tmp_path: Path, source: Path) -> Path:
    return write_feedback(source, check_file(source).report, tmp_path / "copy.xlsx")


@pytest.mark.parametrize(
    "name", ["bad-numbers", "libreoffice-resaved-errors", "balance-outcome-row"]
)
def test_untouched_parts_are_reused_byte_for_byte(tmp_path: Path, name: str) -> None:
    source = CORPUS / f"{name}.xlsx"
    report = check_file(source).report
    out = _copy(tmp_path, source)
    before, after = _split(source.read_bytes()), _split(out.read_bytes())
    marked = {f.sheet for f in report.findings if f.cell}
    wb = read_workbook(source)
    with zipfile.ZipFile(source) as zf:
        sheet_parts = _sheet_parts(zf)
    may_change = {"xl/workbook.xml", "[Content_Types].xml", "xl/styles.xml",
                  "xl/_rels/workbook.xml.rels"} | {sheet_parts[s] for s in marked}  # fmt: skip
    may_change |= {sheet_parts[s] for s in wb.sheets if s not in marked and _selected(source, s)}
    may_change.add(sheet_parts[FORM.summary[0]])  # the cover of an earlier template: recounted
    kept = [n for n in before if n not in may_change]
    assert len(kept) >= 8
    for part in kept:  # local header, compressed bytes: the very same entry
        assert after[part][0] == before[part][0], part
    assert set(before) <= set(after)


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    from xl2report.xlsx.parts import worksheet_trees

    return {name: member for name, (member, _) in worksheet_trees(zf).items()}


def _selected(source: Path, sheet: str) -> bool:
    return bool(openpyxl.load_workbook(source)[sheet].sheet_view.tabSelected)


@pytest.mark.parametrize(
    "name", ["bad-numbers", "libreoffice-resaved-errors", "valid-excel-style-xml", "text-numbers"]
)
def test_every_value_formula_validation_and_protection_is_kept(tmp_path: Path, name: str) -> None:
    source = CORPUS / f"{name}.xlsx"
    before, after = read_workbook(source), read_workbook(_copy(tmp_path, source))
    assert after.sheet_names == [FEEDBACK_SHEET, *before.sheet_names]
    names = {k: v for k, v in before.defined_names.items() if not k.startswith("_xlnm.")}
    assert after.defined_names.items() >= names.items()
    for sheet in before.sheets.values():
        twin = after.sheets[sheet.name]
        assert twin.state == sheet.state and twin.protected == sheet.protected
        assert twin.merges == sheet.merges and twin.validations == sheet.validations
        recounted = _COVER_CELLS if sheet.name == FORM.summary[0] else set()
        assert {
            k: c for k, c in twin.cells.items() if (c.value or c.formula) and k not in recounted
        } == {
            k: c for k, c in sheet.cells.items() if (c.value or c.formula) and k not in recounted
        }, sheet.name
        for k in recounted:  # an earlier template's cover gets today's count (test_annotate)
            assert (
                twin.cells[k].formula == sheet.cells[k].formula
                or twin.cells[k].formula == (cover_count_formula()[1:])
            )
        locks = {k: c.locked for k, c in sheet.cells.items()}
        assert {k: twin.cells[k].locked for k in locks} == locks, sheet.name


_COVER_CELLS = {FORM.summary[1:], FORM.summary_text[1:]}


def test_sheet_local_names_follow_their_sheet(tmp_path: Path) -> None:
    """Print titles are stored by sheet position: the new first sheet must not shift them."""
    source = CORPUS / "bad-numbers.xlsx"
    before, after = openpyxl.load_workbook(source), openpyxl.load_workbook(_copy(tmp_path, source))
    for ws in before.worksheets:
        assert after[ws.title].print_title_rows == ws.print_title_rows, ws.title
    assert (
        after[FEEDBACK_SHEET].print_title_rows.replace("$", "")
        == f"{FIRST_ROW - 1}:{FIRST_ROW - 1}"
    )


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    """A sheet named =1+1 (and a message quoting =SUM…) is listed as text, never a live formula."""
    source = tmp_path / "公式.xlsx"
    shutil.copyfile(CORPUS / "valid-random.xlsx", source)
    wb = openpyxl.load_workbook(source)
    wb.create_sheet("=1+1")["A1"] = "x"
    wb.save(source)
    report = check_file(source).report
    assert any(f.sheet == "=1+1" for f in report.findings)
    out = write_feedback(source, report, tmp_path / "fb.xlsx")
    ws = openpyxl.load_workbook(out)[FEEDBACK_SHEET]
    listed = [row for row in ws.iter_rows(min_row=FIRST_ROW, max_col=5) if row[1].value == "=1+1"]
    assert listed and all(c.data_type == "s" for row in listed for c in row if c.value)
    with zipfile.ZipFile(out) as zf:
        data = _list_xml(zf)
    assert b"<f>" not in data and b"<f " not in data


def _list_xml(zf: zipfile.ZipFile) -> bytes:
    from xl2report.xlsx.parts import worksheet_trees

    member, _ = worksheet_trees(zf)[FEEDBACK_SHEET]
    return zf.read(member)


def test_control_characters_in_messages_keep_the_copy_valid(tmp_path: Path) -> None:
    source = CORPUS / "control-characters.xlsx"
    out = _copy(tmp_path, source)
    wb = openpyxl.load_workbook(out)  # parses: no raw control character in any part
    assert wb.sheetnames[0] == FEEDBACK_SHEET


def test_copy_of_a_copy_has_one_list_and_the_same_parts(tmp_path: Path) -> None:
    """Marking a returned copy again gives the same copy (un-marked, then marked)."""
    source = CORPUS / "bad-numbers.xlsx"
    first = _copy(tmp_path, source)
    report = check_file(first).report
    second = write_feedback(first, report, tmp_path / "second.xlsx")
    wb = openpyxl.load_workbook(second)
    assert wb.sheetnames.count(FEEDBACK_SHEET) == 1
    with zipfile.ZipFile(io.BytesIO(second.read_bytes())) as zf:
        assert len([n for n in zf.namelist() if n.startswith("xl/comments")]) == 2
    for f in report.findings:
        if f.cell:
            comment = wb[f.sheet][f.cell].comment
            assert comment is not None and comment.text.count(f.message) == 1
