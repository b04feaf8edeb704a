"""The reader follows the package (issue #22): parts are found through relationships, by name
compared as OPC compares them, as Excel and openpyxl find them, never by fixed names.

The 克井镇 example (and a workbook with a date cell, for the styles) repackaged the ways other
writers package a workbook — parts under other names, in other letter case, in other folders,
with ``\\`` separators, Strict relationship types — gets the same verdict and the same values as
the original; where openpyxl reads the repackaged file too, both readers read the same cells.
Two sheets of one name, or a main namespace nobody knows, are findings, never silent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from repackage import add_sheet_copy, backslashes, rename_part, replace_bytes, sheet_part
from test_xlsx_equivalence import _load, _same_cells
from xl2report.checks.check import CheckResult, check_file
from xl2report.form.national import FEEDBACK_SHEET, FORM, S3
from xl2report.xlsx.comments import read_notes
from xl2report.xlsx.feedback import write_feedback
from xl2report.xlsx.package_edit import WorkbookPackage
from xl2report.xlsx.parts import read_workbook

ROOT = Path(__file__).resolve().parents[1]
KEJING = ROOT / "examples" / "inbox" / "克井镇人民政府2024年报表.xlsx"
DATED = ROOT / "tests" / "data" / "corpus" / "valid-publish-date-typed-as-date.xlsx"
TRANSITIONAL_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_REL = b"http://purl.oclc.org/ooxml/officeDocument/relationships"
Repackage = Callable[[bytes], bytes]

# Repackaged so that openpyxl reads them too (it finds the workbook and the shared strings by
# content type, the sheets through the workbook's relationships, the styles at xl/styles.xml).
READ_BY_BOTH: dict[str, Repackage] = {
    "shared-strings-renamed": lambda d: rename_part(d, "xl/sharedStrings.xml", "xl/text/words.xml"),
    # Seen in a real Excel file: the relationship says sharedStrings.xml, the zip SharedStrings.xml.
    "shared-strings-letter-case": lambda d: rename_part(
        d, "xl/sharedStrings.xml", "xl/SharedStrings.xml", follow=False
    ),
    "workbook-renamed": lambda d: rename_part(d, "xl/workbook.xml", "xl/main.xml"),
    "workbook-in-another-folder": lambda d: rename_part(d, "xl/workbook.xml", "book/workbook.xml"),
}
# Repackaged in ways openpyxl 3.1 does not follow (so only the original is compared).
READ_BY_US: dict[str, Repackage] = {
    # Zip items and targets with \ (zipfile turns \ into / on Windows only).
    "backslash-separators": backslashes,
    "sheet-letter-case": lambda d: rename_part(
        d, sheet_part(d, S3), sheet_part(d, S3).upper(), follow=False
    ),
    # openpyxl reads the styles from xl/styles.xml whatever the relationships say.
    "styles-renamed": lambda d: rename_part(d, "xl/styles.xml", "xl/looks/formats.xml"),
    # Excel's Strict save: the relationship types in the Strict spelling as well.
    "strict-relationship-types": lambda d: replace_bytes(
        d, TRANSITIONAL_REL, STRICT_REL, lambda name: name.endswith((".rels", ".xml"))
    ),
}


def _variant(tmp_path: Path, source: Path, repackage: Repackage) -> Path:
    path = tmp_path / source.name
    path.write_bytes(repackage(source.read_bytes()))
    return path


def _verdict(result: CheckResult) -> tuple[bool, list[dict[str, object]]]:
    return result.valid, [f.to_dict() for f in result.report.findings]


def _assert_same_as_original(path: Path, original: Path) -> None:
    got, want = check_file(path), check_file(original)
    assert _verdict(got) == _verdict(want)
    assert got.values == want.values


@pytest.mark.parametrize("source", [KEJING, DATED], ids=["kejing", "dated"])
@pytest.mark.parametrize("name", [*READ_BY_BOTH, *READ_BY_US])
def test_repackaged_reads_as_the_original(tmp_path: Path, name: str, source: Path) -> None:
    path = _variant(tmp_path, source, {**READ_BY_BOTH, **READ_BY_US}[name])
    assert path.read_bytes() != source.read_bytes()
    _assert_same_as_original(path, source)


@pytest.mark.parametrize("name", READ_BY_BOTH)
def test_repackaged_reads_as_openpyxl_reads_it(tmp_path: Path, name: str) -> None:
    path = _variant(tmp_path, KEJING, READ_BY_BOTH[name])
    _same_cells(path, *_load(path))


def test_styles_found_by_relationship_keep_a_date_a_date(tmp_path: Path) -> None:
    """Styles under another name once read a date typed into 发布日期 as its serial number."""
    path = _variant(tmp_path, DATED, READ_BY_US["styles-renamed"])
    assert check_file(path).values["info.publish_date"] == "2025年1月20日"


@pytest.mark.parametrize(("copy", "named"), [(S3, S3), (FORM.meta_sheet, FORM.meta_sheet.upper())])
def test_two_sheets_of_one_name_are_not_passed(tmp_path: Path, copy: str, named: str) -> None:
    """Excel compares sheet names ignoring case; which of two namesakes was meant nobody knows."""
    path = _variant(tmp_path, KEJING, lambda d: add_sheet_copy(d, copy, named))
    result = check_file(path)
    assert not result.valid
    assert ("sheet-duplicate", named) in {(f.code, f.sheet) for f in result.report.findings}
    assert read_workbook(path).duplicate_sheets == [named]


def test_unknown_main_namespace_is_a_finding(tmp_path: Path) -> None:
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    other = b"http://example.invalid/spreadsheet/main"
    path = _variant(tmp_path, KEJING, lambda d: replace_bytes(d, main, other, lambda n: True))
    codes = [f.code for f in check_file(path).report.findings]
    assert codes == ["unknown-namespace"]


def test_a_zip_of_workbooks_says_what_it_holds(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "报表.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.write(KEJING, "报表/克井镇.xlsx")
    (finding,) = check_file(path).report.findings
    assert finding.code == "zip-without-workbook"
    assert "克井镇.xlsx" in finding.message


@pytest.mark.parametrize("name", [*READ_BY_BOTH, "backslash-separators", "sheet-letter-case"])
def test_feedback_copy_of_a_repackaged_workbook_is_marked(tmp_path: Path, name: str) -> None:
    """The feedback copy follows the package too: the township's own sheets, marked, with the
    list in front — not a list-only copy — and it reads back with the same findings."""
    source = ROOT / "tests" / "data" / "corpus" / "balance-outcome-row.xlsx"
    path = _variant(tmp_path, source, {**READ_BY_BOTH, **READ_BY_US}[name])
    report = check_file(path).report
    out = write_feedback(path, report, tmp_path / "copy.xlsx")
    copy = read_workbook(out)
    assert copy.sheet_names == [FEEDBACK_SHEET, *read_workbook(source).sheet_names]
    marked = next(f for f in report.findings if f.cell)
    assert read_notes_at(out, marked.sheet, marked.cell)
    assert _verdict(check_file(out)) == _verdict(check_file(source))


def read_notes_at(path: Path, sheet: str, cell: str) -> list[str]:
    """The texts of the notes on ``sheet!cell`` (openpyxl cannot open every variant)."""
    pkg = WorkbookPackage(path.read_bytes())
    part = dict(pkg.sheets())[sheet]
    return [note.text for note in read_notes(pkg, part) if note.ref == cell]


def test_a_word_document_renamed_xlsx_says_so(tmp_path: Path) -> None:
    """A real .docx (our own report template) sent as .xlsx: its main part is a Word document."""
    path = tmp_path / "年报.xlsx"
    path.write_bytes((ROOT / "templates" / "report.docx").read_bytes())
    (finding,) = check_file(path).report.findings
    assert finding.code == "zip-without-workbook" and "Word" in finding.message
