"""The feedback copy: the township's own workbook with every finding marked, to email back.

Each finding's cell is filled red (error) or yellow (warning) and carries a note with the
message; the cells a balance spans are marked too.  A first sheet 校验结果 lists every finding —
also those without a cell — with a link to the cell.  Everything else stays as the township
sent it: values, formulas, sheet protection, unlocked input cells, validations, so they can fix
the marked cells in this copy and send it back.

A copy that comes back and is checked again is un-marked first (original fills restored, our
notes and the old list removed), so each feedback copy shows only the current findings; the
check itself ignores the 校验结果 sheet.

How: the township's package is edited part by part (:mod:`xl2report.xlsx.package_edit`), not
loaded and saved by a spreadsheet library.  Only the sheets with marked cells, the styles (new
formats appended), the workbook's sheet list, relationships and content types change, and the
notes and the list sheet are added; every other part — the other sheets, shared strings, theme,
metadata — keeps its zip entry byte for byte.  A source that cannot be edited (unreadable, not
our form) gets a copy holding only the list.  The source is only read; the copy is written
atomically.  This module is not on the ``check`` path.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from lxml import etree

from xl2report.atomic import write_bytes_atomic
from xl2report.form.national import FEEDBACK_SHEET, FORM, a1, parse_a1
from xl2report.form.types import Level
from xl2report.xlsx.comments import Note, read_notes, set_comments
from xl2report.xlsx.feedback_cover import counted_on_cover, recount_cover
from xl2report.xlsx.feedback_list import FILLS, FIRST_ROW, MARK_FIRST_COL, Row, list_sheet
from xl2report.xlsx.package_edit import (
    REL_SHARED_STRINGS,
    REL_STYLES,
    NotMarkable,
    WorkbookPackage,
)
from xl2report.xlsx.parts import UnreadableError, sniff
from xl2report.xlsx.sheet_edit import SheetCells, StyleBook
from xl2report.xlsx.text import cell_text, value_text

__all__ = ["AUTHOR", "FEEDBACK_SHEET", "FIRST_ROW", "write_feedback"]

AUTHOR = "xl2report 校验"
# Refs taken from a returned copy's hidden list are only used within the form's reach.
_MAX_MARK_ROW, _MAX_MARK_COL = 2000, 100
_SHAPE_BLOCK = 100  # VML shape ids of our notes start far above those a workbook already has


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
    def name(self) -> str: ...

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


def write_feedback(source: Path, report: Findings, out: Path, overwrite: bool = False) -> Path:
    """Write the feedback copy of ``source`` for ``report`` to ``out``; return ``out``.

    ``source`` is never modified.  A source that cannot be marked (it was unreadable, or is not
    our workbook) gets a copy holding only the 校验结果 list.  Raises
    :class:`~xl2report.atomic.OutputExistsError` when ``out`` exists and not ``overwrite``.
    """
    source = Path(source)
    if not getattr(report, "readable", True):  # refused by the reader (too big, unsafe…)
        data = _list_only(source, report, "原文件无法用于标注（无法读取），下面只列出问题。")
        write_bytes_atomic(Path(out), data, overwrite=overwrite)
        return Path(out)
    try:
        sniff(source)
        pkg = WorkbookPackage(source.read_bytes())
        names = {name for name, _ in pkg.sheets()}
        if not set(FORM.sheet_names) & names:
            data = _list_only(source, report, "原文件中没有可标注的填报表，下面只列出问题。")
        else:
            data = _Copy(pkg).write(source, report)
    except NotMarkable:  # e.g. Strict namespaces: read, but not edited
        data = _list_only(source, report, "原文件中没有可标注的填报表，下面只列出问题。")
    except UnreadableError:  # the list says why (empty, encrypted, not a workbook…)
        data = _list_only(source, report, "原文件无法用于标注，下面只列出问题。")
    # A damaged or foreign file fails in many ways (zip, XML, missing parts, odd values);
    # whatever it was, the list of findings is still worth sending.
    except Exception as exc:
        data = _list_only(
            source, report, f"原文件无法用于标注（{type(exc).__name__}），下面只列出问题。"
        )
    write_bytes_atomic(Path(out), data, overwrite=overwrite)
    return Path(out)


@dataclass
class _Mark:
    level: Level
    notes: list[str] = field(default_factory=list)


def _marks(
    findings: Iterable[Marked], anchor: Callable[[str, str], str | None]
) -> dict[tuple[str, str], _Mark]:
    """What to mark at each (sheet, cell): the worst level and every message about it.

    ``anchor`` gives the cell that shows a reference (a merged range's first cell), or None
    when the sheet is not in the workbook or the reference is not a cell.
    """
    marks: dict[tuple[str, str], _Mark] = {}

    def add(sheet: str, ref: str, level: Level, note: str) -> None:
        cell = anchor(sheet, ref)
        if cell is None:
            return
        mark = marks.setdefault((sheet, cell), _Mark(level))
        if level is Level.ERROR:
            mark.level = Level.ERROR
        if note not in mark.notes:
            mark.notes.append(note)

    for f in findings:
        if not (f.sheet and f.cell):
            continue
        add(f.sheet, f.cell, f.level, f"【{f.level.label}】{f.message}")
        for other in f.related:
            add(f.sheet, other, f.level, f"【{f.level.label}】（见 {f.cell}）{f.message}")
    return marks


class _Copy:
    """One township workbook being turned into its feedback copy."""

    def __init__(self, pkg: WorkbookPackage) -> None:
        self.pkg = pkg
        self.parts: dict[str, str] = {}
        for name, part in pkg.sheets():  # of two namesakes, the one the reader read: the first
            self.parts.setdefault(name, part)
        styles = pkg.workbook_part(REL_STYLES)
        if styles is None:
            raise NotMarkable("缺少 styles.xml")
        self.styles = StyleBook(pkg.tree(styles))
        pkg.touch(styles)
        self._cells: dict[str, SheetCells] = {}
        self._notes: dict[str, list[Note]] = {}

    def cells(self, sheet: str) -> SheetCells:
        if sheet not in self._cells:
            part = self.parts[sheet]
            self._cells[sheet] = SheetCells(self.pkg.tree(part))
            self.pkg.touch(part)
        return self._cells[sheet]

    def notes(self, sheet: str) -> list[Note]:
        if sheet not in self._notes:
            self._notes[sheet] = read_notes(self.pkg, self.parts[sheet])
        return self._notes[sheet]

    def write(self, source: Path, report: Findings) -> bytes:
        if FEEDBACK_SHEET in self.parts:
            self._unmark()
        self._recount_cover()
        originals = self._apply(_marks(report.findings, self._anchor))
        for sheet, notes in self._notes.items():
            self.cells(sheet)  # the sheet's tree is edited (its legacy drawing) and saved
            block = _SHAPE_BLOCK + list(self.parts).index(sheet)
            set_comments(
                self.pkg, self.parts[sheet], self.pkg.tree(self.parts[sheet]), notes, block
            )
        _add_list(self.pkg, self.styles, source, report, originals, "", set(self.parts))
        return self.pkg.save()

    def _anchor(self, sheet: str, ref: str) -> str | None:
        if sheet not in self.parts or sheet == FEEDBACK_SHEET:
            return None
        try:
            row, col = parse_a1(ref)
        except (ValueError, KeyError, IndexError):
            return None
        if not (0 <= row < _MAX_MARK_ROW and 0 <= col < _MAX_MARK_COL):
            return None  # a returned copy's list may name anything (A0, XFD1048576): ignored
        return self.cells(sheet).anchor(ref)

    def _recount_cover(self) -> None:
        """An earlier template's cover says what the list says (:mod:`.feedback_cover`)."""
        if FORM.summary[0] in self.parts and recount_cover(self._peek, self._shared_strings()):
            self.cells(FORM.summary[0])  # the cover was edited: saved with the copy

    def _peek(self, sheet: str, ref: str) -> etree._Element | None:
        """A cell as it is (None: no such sheet or cell), read without marking it edited."""
        if sheet not in self.parts:
            return None
        cells = self._cells.get(sheet) or SheetCells(self.pkg.tree(self.parts[sheet]))
        return cells.cells.get(ref)

    def _apply(self, marks: dict[tuple[str, str], _Mark]) -> list[tuple[str, str, str]]:
        """Fill and annotate each marked cell; return (sheet, cell, original fill) per cell."""
        originals = []
        for (sheet, ref), mark in marks.items():
            c = self.cells(sheet).cell(ref)
            style = int(c.get("s", "0"))
            originals.append((sheet, ref, self.styles.fill_code(style)))
            c.set("s", str(self.styles.with_fill(style, f"solid:FF{FILLS[mark.level]}")))
            lines = sum(len(note) // 24 + 1 for note in mark.notes)
            note = Note(ref, AUTHOR, "\n".join(mark.notes), 300, min(40 + 18 * lines, 400))
            self._notes[sheet] = [n for n in self.notes(sheet) if n.ref != ref] + [note]
        return originals

    def _unmark(self) -> None:
        """Undo an earlier feedback copy: restore fills, drop our notes and the old list."""
        old = SheetCells(self.pkg.tree(self.parts[FEEDBACK_SHEET]))
        shared = self._shared_strings()
        columns = range(MARK_FIRST_COL - 1, MARK_FIRST_COL + 2)
        row = FIRST_ROW - 1
        while any(a1(row, col) in old.cells for col in columns):
            sheet, ref, code = (
                value_text(old.cells[a1(row, col)], shared) if a1(row, col) in old.cells else ""
                for col in columns
            )
            row += 1
            if self._anchor(sheet, ref) is None:
                continue
            c = self.cells(sheet).cell(ref)
            fill = code if code.startswith("solid:") else ""
            c.set("s", str(self.styles.with_fill(int(c.get("s", "0")), fill)))
        self.pkg.remove_sheet(FEEDBACK_SHEET)
        del self.parts[FEEDBACK_SHEET]
        for sheet in self.parts:
            notes = self.notes(sheet)
            if any(n.author == AUTHOR for n in notes):
                self._notes[sheet] = [n for n in notes if n.author != AUTHOR]
            else:
                del self._notes[sheet]  # untouched: its notes stay as they are

    def _shared_strings(self) -> list[str]:
        part = self.pkg.workbook_part(REL_SHARED_STRINGS)
        if part is None:
            return []
        return [cell_text(si) for si in self.pkg.tree(part)]


def _add_list(pkg: WorkbookPackage, styles: StyleBook, source: Path, report: Findings,
              originals: Sequence[tuple[str, str, str]], note: str, sheets: set[str]) -> None:  # fmt: skip
    """The 校验结果 sheet, first and selected, with its print titles and area."""
    who = " ".join(x for x in (report.org, f"{report.year}年" if report.year else "") if x)
    title = f"校验结果：{source.name}" + (f"（{who}）" if who else "")
    errors, warnings = len(report.errors), len(report.warnings)
    verdict = "未通过" if errors else "通过"
    live = counted_on_cover(report.findings)
    cover = f"其中 {live} 项在表格的“校验”格显示 ✗，封面的“未通过项数”只计这一类；"
    summary = (
        f"{verdict}：错误 {errors} 项，提醒 {warnings} 项。{cover if live != errors else ''}红色格子是错误，必须改正；黄色格子是"
        "提醒，请核对。把鼠标停在标色格子上可看到说明；点“单元格”列可跳到该格。改好后保存，照常报送本文件。"
    )
    rows = []
    for f in report.findings:
        link = f"{_quote(f.sheet)}!{f.cell or 'A1'}" if f.sheet in sheets and f.sheet else ""
        related = f"（相关单元格：{'、'.join(f.related)}）" if f.related else ""
        rows.append(Row(f.level, f.sheet, f.cell, f.message + related, f.name, link))
    xml, last = list_sheet(styles, title, f"{note}{summary}", rows, originals)
    pkg.add_first_sheet(FEEDBACK_SHEET, xml)
    name = _quote(FEEDBACK_SHEET)
    pkg.add_defined_name("_xlnm.Print_Titles", 0, f"{name}!${FIRST_ROW - 1}:${FIRST_ROW - 1}")
    pkg.add_defined_name("_xlnm.Print_Area", 0, f"{name}!$A$1:$E${last}")


def _list_only(source: Path, report: Findings, note: str) -> bytes:
    """A workbook holding only the 校验结果 list (for a source that cannot be marked)."""
    pkg = WorkbookPackage(_EMPTY_WORKBOOK)
    styles = StyleBook(pkg.tree("xl/styles.xml"))
    pkg.touch("xl/styles.xml")
    _add_list(pkg, styles, source, report, [], note, set())
    return pkg.save()


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _empty_workbook() -> bytes:
    """The smallest package the list sheet is added to (a workbook without sheets yet)."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg_rel = "http://schemas.openxmlformats.org/package/2006/relationships"
    decl = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{pkg_rel}"><Relationship Id="rId1" '
            f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets/></workbook>',
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{pkg_rel}"><Relationship Id="rId1" '
            f'Type="{rel}/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/styles.xml": (
            f'<styleSheet xmlns="{main}"><fonts count="1"><font><sz val="11"/><name val="宋体"/>'
            '<charset val="134"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/>'
            '</fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1">'
            "<border><left/><right/><top/><bottom/><diagonal/></border></borders>"
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, xml in parts.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), decl + xml)
    return out.getvalue()


_EMPTY_WORKBOOK = _empty_workbook()
