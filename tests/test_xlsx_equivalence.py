"""The fast reader (one pass, zipfile + lxml) reads what openpyxl reads (issue #6).

For every readable workbook of the corpus — written by xlsxwriter, re-saved by openpyxl or by
LibreOffice, or rewritten the way Excel stores things (shared formulas, rich inline strings,
rows and cells without ``r``) — compare cell by cell with two full openpyxl loads (formulas, and
``data_only=True`` for cached values): values, formulas, locked flags, sheet protection, sheet
state, merges and validations; then run the whole check on a workbook built from openpyxl's
reading and require identical findings.

Three differences are deliberate, where we follow Excel rather than openpyxl 3.1:
``_xHHHH_`` escapes in strings are decoded; the Chinese-locale built-in date formats (ids 27–36,
50–58) count as dates; a date cell keeps its serial number, flagged ``is_date``, instead of
becoming a ``datetime``.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import openpyxl
import pytest
from openpyxl.cell.cell import MergedCell
from openpyxl.utils.datetime import CALENDAR_MAC_1904, to_excel
from openpyxl.utils.escape import unescape

from xl2report.checks.check import check_submission
from xl2report.xlsx.parts import RawCell, RawSheet, RawWorkbook, read_workbook
from xl2report.xlsx.submission import Submission

CORPUS = Path(__file__).parent / "data" / "corpus"


# A sample: every writer, and every kind of cell the reader treats specially.
SAMPLE = (
    "valid-random",  # xlsxwriter, cached values
    "valid-kejing",
    "valid-openpyxl-resaved",  # no cached values
    "valid-excel-style-xml",  # shared formulas, rich inline strings, rows/cells without r
    "valid-publish-date-typed-as-date",  # a date in a text field
    "valid-protection-removed",
    "valid-extra-sheet",
    "libreoffice-resaved-kejing",  # LibreOffice's shared strings, styles and cached values
    "libreoffice-resaved-errors",
    "row-inserted",
    "column-inserted",
    "sheet-renamed",
    "form-meta-missing",
    "formula-cleared",
    "formula-altered-cached",
    "stale-cached-value",
    "text-numbers",
    "fullwidth-digits",
    "zero-words",
    "bad-numbers",
    "date-in-count-cell",  # a date in a count field
    "error-value",  # t="e"
    "control-characters",  # _x000B_
    "year-blank",
)
# Not in the sample: valid-strict-namespaces — openpyxl reads a Strict file as a workbook
# without sheets; we read it.
FILES = [CORPUS / f"{name}.xlsx" for name in SAMPLE]


def test_sample_is_in_the_corpus() -> None:
    assert all(path.exists() for path in FILES)


def _load(path: Path) -> tuple[openpyxl.Workbook, openpyxl.Workbook]:
    return openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)


def _same_value(raw: RawCell, cached: object) -> bool:
    """Does the fast reader's stored text mean openpyxl's cached value?"""
    if raw.value in (None, "") or cached in (None, ""):
        return raw.value in (None, "") and cached in (None, "")
    if raw.type == "b":
        return cached is (raw.value == "1")
    if raw.type == "e":
        return cached == raw.value
    if raw.is_date or raw.type == "d":
        return isinstance(cached, datetime | time | timedelta)
    if raw.type == "n":
        return isinstance(cached, int | float) and float(raw.value) == float(cached)
    return isinstance(cached, str) and unescape(cached) == raw.value


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_reads_like_openpyxl(path: Path) -> None:
    formulas, cached = _load(path)  # ~0.3 s: once per file for both comparisons
    _same_cells(path, formulas, cached)
    _same_findings(path, formulas, cached)


def _same_cells(path: Path, formulas: openpyxl.Workbook, cached: openpyxl.Workbook) -> None:
    fast = read_workbook(path)
    assert fast.sheet_names == formulas.sheetnames
    for ws in formulas.worksheets:
        sheet, values = fast.sheets[ws.title], cached[ws.title]
        assert sheet.state == ws.sheet_state, ws.title
        assert sheet.protected == bool(ws.protection.sheet), ws.title
        assert sorted(sheet.merges) == sorted(str(r) for r in ws.merged_cells.ranges), ws.title
        assert sorted(v["sqref"] for v in sheet.validations) == sorted(
            str(dv.sqref) for dv in ws.data_validations.dataValidation
        ), ws.title
        op_cells = {(r - 1, c - 1): cell for (r, c), cell in ws._cells.items()}
        extra = set(op_cells) - set(sheet.cells)
        assert all(isinstance(op_cells[p], MergedCell) for p in extra), ws.title
        for pos, raw in sheet.cells.items():
            where = (ws.title, raw, pos)
            cell = op_cells[pos]
            if isinstance(cell, MergedCell):  # covered part of a merge: openpyxl keeps nothing
                assert raw.value in (None, "") and raw.formula is None, where
                continue
            if raw.formula is not None:
                assert cell.data_type == "f" and cell.value == "=" + raw.formula, where
            else:
                assert cell.data_type != "f", where
            assert _same_value(raw, values._cells[pos[0] + 1, pos[1] + 1].value), where
            assert raw.locked == cell.protection.locked, where


def _raw_from_openpyxl(formulas: openpyxl.Workbook, cached: openpyxl.Workbook) -> RawWorkbook:
    """What the fast reader would return, built from openpyxl's two loads."""
    date1904 = formulas.epoch == CALENDAR_MAC_1904
    sheets = {}
    for ws in formulas.worksheets:
        sheet = RawSheet(ws.title, ws.sheet_state, protected=bool(ws.protection.sheet))
        sheet.merges = [str(r) for r in ws.merged_cells.ranges]
        values = cached[ws.title]
        for (r, c), cell in ws._cells.items():
            if isinstance(cell, MergedCell):
                continue
            formula = cell.value[1:] if cell.data_type == "f" else None
            value = values._cells[r, c].value
            is_date = isinstance(value, datetime | time | timedelta)
            if value is None or value == "":
                text, kind = None, ""
            elif isinstance(value, bool):
                text, kind = ("1" if value else "0"), "b"
            elif is_date:
                text, kind = repr(float(to_excel(value, formulas.epoch))), "n"
            elif isinstance(value, int | float):
                text, kind = repr(value), "n"
            elif values._cells[r, c].data_type == "e":
                text, kind = value, "e"
            else:
                text, kind = unescape(str(value)), "s"
            sheet.cells[r - 1, c - 1] = RawCell(
                text, kind, formula, cell.protection.locked, is_date
            )
        sheets[ws.title] = sheet
    return RawWorkbook(sheets, date1904)


def _same_findings(path: Path, formulas: openpyxl.Workbook, cached: openpyxl.Workbook) -> None:
    fast = check_submission(Submission.open(path))
    slow = check_submission(Submission(path, _raw_from_openpyxl(formulas, cached)))
    assert [f.to_dict() for f in fast.report.findings] == [
        f.to_dict() for f in slow.report.findings
    ]
    assert fast.values == slow.values
