"""The feedback copy: the township's own workbook with every finding marked, to email back.

Each finding's cell is filled red (error) or yellow (warning) and carries a comment with the
message; the cells a balance spans are marked too.  A first sheet 校验结果 lists every finding —
also those without a cell — with a link to the cell.  Everything else stays as the township
sent it: values, formulas, sheet protection, unlocked input cells, validations, so they can fix
the marked cells in this copy and send it back.

A copy that comes back and is checked again is un-marked first (original fills restored, our
comments and the old list removed), so each feedback copy shows only the current findings; the
check itself ignores the 校验结果 sheet.

Written with openpyxl (xlsxwriter cannot edit a workbook); defusedxml guards openpyxl's parser.
The source is only read, and the copy is written atomically.  This module is not on the
``check`` path: the check reads each workbook once with :mod:`xl2report.xlsx.parts`.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from xl2report.atomic import atomic_path
from xl2report.form.national import FEEDBACK_SHEET, a1, parse_a1
from xl2report.form.types import Level
from xl2report.xlsx.style import FONT  # as the template; LibreOffice maps it to Noto CJK SC

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

AUTHOR = "xl2report 校验"


class Marked(Protocol):
    """What the feedback copy needs of a finding (``checks.catalogue.Finding`` satisfies it).

    Declared here so the writer stays below the checks layer and knows nothing of their codes.
    """

    code: str
    message: str
    sheet: str
    cell: str
    related: tuple[str, ...]

    @property
    def level(self) -> Level: ...

    @property
    def is_error(self) -> bool: ...


class Findings(Protocol):
    """What the feedback copy needs of a file's report (``checks.catalogue.FileReport``)."""

    org: str
    year: int | None
    findings: list  # of Marked

    @property
    def errors(self) -> Sequence[Marked]: ...

    @property
    def warnings(self) -> Sequence[Marked]: ...


FILLS = {Level.ERROR: "FFC7CE", Level.WARNING: "FFEB9C"}  # Excel's own bad / neutral tints
HEADERS = ("级别", "工作表", "单元格", "问题", "代码")
WIDTHS = (8, 18, 9, 90, 26)
FIRST_ROW = 4  # title, summary, header, then one row per finding
# Hidden columns keep each marked cell's original fill, so a returned copy can be un-marked.
MARK_COLS = ("标注工作表", "标注单元格", "原底色")
MARK_FIRST_COL = 8  # H


def write_feedback(source: Path, report: Findings, out: Path, overwrite: bool = False) -> Path:
    """Write the feedback copy of ``source`` for ``report`` to ``out``; return ``out``.

    ``source`` is never modified.  A source openpyxl cannot open as our form (it was unreadable,
    or is not our workbook) gets a copy holding only the 校验结果 list.  Raises
    :class:`~xl2report.atomic.OutputExistsError` when ``out`` exists and not ``overwrite``.
    """
    if getattr(report, "readable", True):
        wb, note = _open(Path(source))
    else:  # the reader refused the file (too big, unsafe…): openpyxl must not load it either
        wb, note = _list_only(), "原文件无法用于标注（无法读取），下面只列出问题。"
    _unmark(wb)
    marks = _marks(report.findings, set(wb.sheetnames))
    originals = _apply(wb, marks)
    _write_list(wb, report, Path(source), originals, note)
    with atomic_path(Path(out), overwrite=overwrite) as tmp:
        wb.save(tmp)
    return Path(out)


def _open(source: Path) -> tuple[Workbook, str]:
    """The workbook to mark up, or a new empty one and a note saying why."""
    from xl2report.form.national import FORM

    try:
        # openpyxl warns in English about parts it drops (e.g. Excel's x14 validation lists);
        # the township's own file is untouched and our checks never depend on them.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            wb = _load(source)
    # openpyxl raises many kinds of error on a damaged or foreign file (zip, XML, KeyError,
    # TypeError…); whatever it was, the list of findings is still worth sending.
    except Exception as exc:
        return _list_only(), f"原文件无法用于标注（{type(exc).__name__}），下面只列出问题。"
    if not set(FORM.sheet_names) & set(wb.sheetnames):
        # Not our form, or a Strict-namespace file that openpyxl reads as empty.
        return _list_only(), "原文件中没有可标注的填报表，下面只列出问题。"
    return wb, ""


def _load(source: Path) -> Workbook:
    """openpyxl's workbook of ``source``, loaded without re-styling its merged ranges.

    On load openpyxl turns every cell a merged range covers into a ``MergedCell`` and re-derives
    its border from the range's first cell, one style lookup per cell: 60 % of loading our
    template (issue #6).  The file already stores each covered cell's own style, so the sheets
    are handed to openpyxl without their ``<mergeCells>`` and the ranges registered afterwards:
    they are written back unchanged, and the covered cells keep exactly the style they had.
    A file this cannot prepare is loaded the ordinary way.
    """
    import openpyxl
    from openpyxl.worksheet.cell_range import CellRange, MultiCellRange

    try:
        data, merges = _without_merges(source)
    except Exception:  # let openpyxl judge (and explain) a file we cannot take apart
        return openpyxl.load_workbook(source)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for name, refs in merges.items():
        if name in wb.sheetnames:
            # Plain ranges: openpyxl's MergedCellRange would restyle the first cell on creation.
            wb[name].merged_cells = MultiCellRange([CellRange(ref) for ref in refs])
    return wb


def _without_merges(source: Path) -> tuple[bytes, dict[str, list[str]]]:
    """A copy of the package whose sheets have no ``<mergeCells>``, and each sheet's ranges."""
    import zipfile

    from lxml import etree

    from xl2report.xlsx.parts import NS_MAIN, worksheet_trees

    merges: dict[str, list[str]] = {}
    rewritten: dict[str, bytes] = {}
    with zipfile.ZipFile(source) as zf:
        for name, (member, root) in worksheet_trees(zf).items():
            found = root.findall(f"{{{NS_MAIN}}}mergeCells")
            if not found:
                continue
            merges[name] = [c.get("ref", "") for mc in found for c in mc]
            for mc in found:
                root.remove(mc)
            rewritten[member] = etree.tostring(
                root, xml_declaration=True, encoding="UTF-8", standalone=True
            )
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as copy:  # in memory: no compression
            for info in zf.infolist():
                copy.writestr(info.filename, rewritten.get(info.filename) or zf.read(info))
    return out.getvalue(), merges


def _list_only() -> Workbook:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = FEEDBACK_SHEET
    return wb


@dataclass
class _Mark:
    level: Level
    notes: list[str] = field(default_factory=list)


def _marks(findings: Iterable[Marked], sheets: set[str]) -> dict[tuple[str, str], _Mark]:
    """What to mark at each (sheet, cell): the worst level and every message about it."""
    marks: dict[tuple[str, str], _Mark] = {}

    def add(sheet: str, cell: str, level: Level, note: str) -> None:
        mark = marks.setdefault((sheet, cell), _Mark(level))
        if level is Level.ERROR:
            mark.level = Level.ERROR
        if note not in mark.notes:
            mark.notes.append(note)

    for f in findings:
        if not (f.sheet in sheets and f.cell):
            continue
        add(f.sheet, f.cell, f.level, f"【{f.level.label}】{f.message}")
        for other in f.related:
            add(f.sheet, other, f.level, f"【{f.level.label}】（见 {f.cell}）{f.message}")
    return marks


def _apply(wb: Workbook, marks: dict[tuple[str, str], _Mark]) -> list[tuple[str, str, str]]:
    """Fill and comment each marked cell; return (sheet, cell, original fill) per cell."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    originals = []
    for (sheet, ref), mark in marks.items():
        ws = wb[sheet]
        cell = ws[_anchor(ws, ref)]
        originals.append((sheet, cell.coordinate, _fill_code(cell.fill)))
        cell.fill = PatternFill("solid", fgColor=FILLS[mark.level])
        text = "\n".join(mark.notes)
        lines = sum(len(note) // 24 + 1 for note in mark.notes)
        cell.comment = Comment(text, AUTHOR, height=min(40 + 18 * lines, 400), width=300)
    return originals


def _anchor(ws: Worksheet, ref: str) -> str:
    """The cell that shows a merged range's content (a mark on a covered cell would not show)."""
    row, col = parse_a1(ref)
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row + 1 <= rng.max_row and rng.min_col <= col + 1 <= rng.max_col:
            return a1(rng.min_row - 1, rng.min_col - 1)
    return ref


def _fill_code(fill: object) -> str:
    """A fill as text we can restore: 'solid:FFD9E1F2', or '' for none or anything fancier."""
    fill_type = getattr(fill, "fill_type", None)
    color = getattr(getattr(fill, "fgColor", None), "rgb", None)
    if fill_type == "solid" and isinstance(color, str):
        return f"solid:{color}"
    return ""


def _unmark(wb: Workbook) -> None:
    """Undo an earlier feedback copy's marks: restore fills, drop our comments and the list."""
    from openpyxl.styles import PatternFill

    if FEEDBACK_SHEET not in wb.sheetnames:
        return
    old = wb[FEEDBACK_SHEET]
    for row in old.iter_rows(min_row=FIRST_ROW, min_col=MARK_FIRST_COL,
                             max_col=MARK_FIRST_COL + 2, values_only=True):  # fmt: skip
        sheet, ref, code = row
        if not (sheet in wb.sheetnames and _single_cell(ref)):
            continue  # refs come from a returned file: only one plain cell each, in bounds
        cell = wb[sheet][str(ref)]
        if code and str(code).startswith("solid:"):
            cell.fill = PatternFill("solid", fgColor=str(code).split(":", 1)[1])
        else:
            cell.fill = PatternFill(fill_type=None)
        if cell.comment is not None and cell.comment.author == AUTHOR:
            cell.comment = None
    wb.remove(old)


# A returned copy's hidden list names the cells an earlier copy marked; any ref beyond the form's
# reach (or a range such as A1:XFD1048576) is ignored rather than materialised.
_MAX_MARK_ROW, _MAX_MARK_COL = 2000, 100


def _single_cell(ref: object) -> bool:
    """Whether ``ref`` is one plain A1 cell within reach (refs from a returned file)."""
    if not isinstance(ref, str) or len(ref) > 10:
        return False
    try:
        row, col = parse_a1(ref)
    except ValueError:
        return False
    return 0 <= row < _MAX_MARK_ROW and 0 <= col < _MAX_MARK_COL


def _text(ws: Worksheet, row: int, col: int, value: str) -> Cell:
    """Write ``value`` as text, never as a formula (openpyxl turns any '=…' into one)."""
    cell = ws.cell(row, col, value)
    cell.data_type = "s"
    return cell


def _write_list(
    wb: Workbook,
    report: Findings,
    source: Path,
    originals: list[tuple[str, str, str]],
    note: str,
) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.hyperlink import Hyperlink
    from openpyxl.worksheet.properties import PageSetupProperties

    if FEEDBACK_SHEET in wb.sheetnames:  # the list-only workbook
        ws = wb[FEEDBACK_SHEET]
    else:
        ws = wb.create_sheet(FEEDBACK_SHEET, 0)
    for other in wb.worksheets:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    wb.active = wb.worksheets.index(ws)

    wrap = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(horizontal="center", vertical="top", wrap_text=True)
    plain = Font(name=FONT, size=11)
    thin = Side(style="thin", color="A6A6A6")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    who = " ".join(x for x in (report.org, f"{report.year}年" if report.year else "") if x)
    _text(ws, 1, 1, f"校验结果：{source.name}" + (f"（{who}）" if who else ""))
    ws["A1"].font = Font(name=FONT, bold=True, size=14)
    errors, warnings = len(report.errors), len(report.warnings)
    verdict = "未通过" if errors else "通过"
    summary = (
        f"{verdict}：错误 {errors} 项，提醒 {warnings} 项。红色格子是错误，必须改正；黄色格子是提醒，"
        "请核对。把鼠标停在标色格子上可看到说明；点“单元格”列可跳到该格。改好后保存，照常报送本文件。"
    )
    ws["A2"] = f"{note}{summary}" if note else summary
    ws["A2"].alignment = wrap
    ws["A2"].font = plain
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(HEADERS))
    ws.row_dimensions[2].height = 36
    header_fill = PatternFill("solid", fgColor="D9E1F2")
    for col, (title, width) in enumerate(zip(HEADERS, WIDTHS, strict=True), start=1):
        cell = ws.cell(FIRST_ROW - 1, col, title)
        cell.font = Font(name=FONT, bold=True)
        cell.fill = header_fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[cell.column_letter].width = width

    names = set(wb.sheetnames)
    for i, f in enumerate(report.findings):
        row = FIRST_ROW + i
        level = ws.cell(row, 1, f.level.label)
        level.fill = PatternFill("solid", fgColor=FILLS[f.level])
        for col in range(1, len(HEADERS) + 1):
            ws.cell(row, col).border = border
            ws.cell(row, col).alignment = centre if col in (1, 3) else wrap
            ws.cell(row, col).font = plain
        level.font = Font(name=FONT, bold=True, color="9C0006" if f.is_error else "7F6000")
        _text(ws, row, 2, f.sheet or "（整个文件）")
        where = _text(ws, row, 3, f.cell)
        target = f"{_quote(f.sheet)}!{f.cell or 'A1'}" if f.sheet in names and f.sheet else ""
        if target:
            where.hyperlink = Hyperlink(ref=where.coordinate, location=target)
            where.font = Font(name=FONT, color="0563C1", underline="single")
            if not f.cell:
                where.value = "转到该表"
        related = f"（相关单元格：{'、'.join(f.related)}）" if f.related else ""
        _text(ws, row, 4, f.message + related)
        _text(ws, row, 5, f.code).font = Font(name=FONT, color="808080")
        # Rows are given a height (openpyxl cannot measure text): a line of the 问题 column
        # holds about its width in half-width characters, a Chinese character counting two.
        text_width = sum(2 if ord(ch) > 0x2E80 else 1 for ch in f.message + related)
        ws.row_dimensions[row].height = 16 * (text_width // (WIDTHS[3] + 4) + 1) + 4
    if not report.findings:
        ws.cell(FIRST_ROW, 4, "没有发现问题。").font = plain

    for col, title in enumerate(MARK_COLS, start=MARK_FIRST_COL):
        ws.cell(FIRST_ROW - 1, col, title)
        ws.column_dimensions[ws.cell(1, col).column_letter].hidden = True
    for i, (sheet, ref, code) in enumerate(originals):
        for col, value in enumerate((sheet, ref, code), start=MARK_FIRST_COL):
            _text(ws, FIRST_ROW + i, col, value)

    ws.freeze_panes = f"A{FIRST_ROW}"
    ws.print_title_rows = f"{FIRST_ROW - 1}:{FIRST_ROW - 1}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_area = f"A1:{ws.cell(1, len(HEADERS)).column_letter}{max(ws.max_row, FIRST_ROW)}"


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"
