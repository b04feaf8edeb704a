"""Safe, single-pass reading of an .xlsx file's cells (lxml), its parts found and parsed by
:mod:`xl2report.xlsx.opc` as Excel finds them (through relationships, names in any case).

Returns what is stored, exactly: every cell's stored value (as text, so 194.3525 stays exact),
its formula, whether it is locked, each sheet's protection, merges, data validations and the
workbook's defined names.  It judges nothing, except refusing files that are not safe or not
workbooks, which it signals with :class:`UnreadableError` carrying a finding code (the checks
on the file itself, before it is unzipped, are :func:`~xl2report.xlsx.sniff.sniff`).

Why not openpyxl here: a returned workbook needs formulas *and* cached values *and* cell
protection; openpyxl needs two full loads for that (~150–250 ms each for our 23 KB workbook,
most of it re-styling merged cells), this needs one pass (~5–8 ms; ``benchmarks/``).  Cells are
read by walking each element's children: lxml's ``find()`` goes through its Python ElementPath
layer and once cost most of the reading time.
``tests/test_xlsx_equivalence.py`` proves both read the same, apart from three deliberate
differences where we follow Excel rather than openpyxl: ``_xHHHH_`` escapes in strings are
decoded, the Chinese-locale built-in date formats (ids 27–36, 50–58) count as dates, and a date
cell keeps its serial number (flagged ``is_date``) instead of becoming a ``datetime``.

Hostile input: the package caps and the safe parser are :mod:`~xl2report.xlsx.opc`'s; here a
sheet is capped in cells, and a part in a namespace nobody knows is refused, not read as empty.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from lxml import etree

from xl2report.form.national import a1, parse_a1
from xl2report.xlsx.number_formats import shows_date
from xl2report.xlsx.opc import NS_MAIN, NS_REL, OTHER_DOCUMENTS, Package, open_zip
from xl2report.xlsx.sniff import UnreadableError, sniff

if TYPE_CHECKING:
    from openpyxl.formula.translate import Translator

__all__ = ["RawCell", "RawSheet", "RawWorkbook", "UnreadableError", "read_workbook", "sniff"]
__all__ += ["NS_MAIN", "NS_REL"]  # re-exported for the editors of a workbook's parts

# A bound far above anything the template (or Excel, WPS, LibreOffice re-saving it) produces: its
# sheets hold a few hundred cells.  A sheet beyond it is refused while it is read, so the worst
# file under the size limits stays fast and small.
MAX_SHEET_CELLS = 20_000

M = f"{{{NS_MAIN}}}"
_SHEET_DATA, _ROW, _C, _F, _V, _IS, _T, _R = (
    M + n for n in ("sheetData", "row", "c", "f", "v", "is", "t", "r")
)
_SHEET_PROTECTION, _MERGE_CELL, _DATA_VALIDATION, _FORMULA1, _DEFINED_NAME = (
    M + n for n in ("sheetProtection", "mergeCell", "dataValidation", "formula1", "definedName")
)
_R_ID = f"{{{NS_REL}}}id"


class RawCell(NamedTuple):
    """One stored cell.  A named tuple, not a dataclass: a workbook has hundreds of cells and
    building frozen dataclasses was a visible share of reading time."""

    value: str | None  # stored text of the value (number as written, string, bool '1'/'0')
    # 'n' number, 's' string (shared, inline or a formula's string result), 'b' bool,
    # 'e' error such as '#VALUE!', 'd' ISO 8601 date text, '' empty
    type: str
    formula: str | None  # without the leading '='; None when the cell has no formula
    locked: bool
    is_date: bool = False  # a number shown as a date or time (its value is the serial number)


@dataclass
class RawSheet:
    name: str
    state: str  # visible / hidden / veryHidden
    cells: dict[tuple[int, int], RawCell] = field(default_factory=dict)
    protected: bool = False
    merges: list[str] = field(default_factory=list)
    validations: list[dict[str, str]] = field(default_factory=list)

    def cell(self, row: int, col: int) -> RawCell | None:
        return self.cells.get((row, col))

    def text(self, row: int, col: int) -> str:
        c = self.cells.get((row, col))
        return "" if c is None or c.value is None else c.value


@dataclass
class RawWorkbook:
    sheets: dict[str, RawSheet]
    date1904: bool = False  # serial numbers count from 1904-01-01 (old Mac Excel)
    workbook_xml: etree._Element | None = field(default=None, repr=False, compare=False)
    # Sheets named like an earlier one (Excel compares names ignoring case): only the first of
    # each name is read, and the checks refuse the workbook.
    duplicate_sheets: list[str] = field(default_factory=list)

    @cached_property
    def defined_names(self) -> dict[str, str]:
        """Defined names (name -> reference), read from workbook.xml on first use: no check
        needs them, and the template defines one per field (a tenth of a workbook's reading)."""
        if self.workbook_xml is None:
            return {}
        return {dn.get("name", ""): dn.text or "" for dn in self.workbook_xml.iter(_DEFINED_NAME)}

    @property
    def sheet_names(self) -> list[str]:
        return list(self.sheets)


def read_workbook(path: Path) -> RawWorkbook:
    """Read every sheet of ``path``.  Raises :class:`UnreadableError`."""
    sniff(path)
    with open_zip(path) as zf:
        try:
            return _Reader(Package(zf)).read()
        except UnreadableError:
            raise
        except (zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError, IndexError) as exc:
            raise UnreadableError("corrupt-workbook", str(exc)) from exc
        except etree.XMLSyntaxError as exc:
            raise UnreadableError("corrupt-workbook", str(exc)) from exc


def worksheet_trees(zf: zipfile.ZipFile) -> dict[str, tuple[str, etree._Element]]:
    """Each worksheet's zip member and parsed XML, by sheet name (parsed as safely as here).

    For callers that rewrite parts before handing a workbook to another library.  Raises
    :class:`UnreadableError` (or the parser's errors) for a part that cannot be parsed.
    """
    pkg = Package(zf)
    part = pkg.workbook_part()
    targets = {r.id: r.target for r in pkg.relationships(part)}
    out = {}
    for el in pkg.xml(part).iter(M + "sheet"):
        member = pkg.member(targets.get(el.get(_R_ID, ""), ""))
        if member is not None:
            out[el.get("name", "")] = (member, pkg.xml(member))
    return out


def string_text(si: etree._Element) -> str:
    """The text of a shared or inline string element (``<si>`` / ``<is>``), as the reader reads it."""
    return _si_text(si)


class _Reader:
    def __init__(self, pkg: Package) -> None:
        self.pkg = pkg

    def xml(self, part: str, kind: str) -> etree._Element:
        """Part ``part`` parsed; its root must be in the main namespace (Strict is read as
        Transitional): a part in another one would read as empty, so it is refused."""
        root = self.pkg.xml(part)
        name = etree.QName(root)
        if name.namespace != NS_MAIN:
            if kind == "workbook" and name.localname in OTHER_DOCUMENTS:  # a .docx, say
                raise UnreadableError("zip-without-workbook", OTHER_DOCUMENTS[name.localname])
            raise UnreadableError("unknown-namespace", f"{part}：{name.namespace or '（无）'}")
        return root

    def read(self) -> RawWorkbook:
        part = self.pkg.workbook_part()
        wb = self.xml(part, "workbook")
        rels = {r.id: r for r in self.pkg.relationships(part)}
        shared = self._shared_strings(part)
        styles = self._styles(part)
        pr = wb.find(M + "workbookPr")
        date1904 = pr is not None and _truthy(pr.get("date1904", "0"))
        sheets: dict[str, RawSheet] = {}
        seen: set[str] = set()
        duplicates: list[str] = []
        for el in wb.iter(M + "sheet"):
            name, rid = el.get("name", ""), el.get(_R_ID, "")
            if not rid:  # Excel's entry for an old macro sheet it did not keep: no content
                continue
            rel = rels.get(rid)
            if rel is None or not self.pkg.has(rel.target):
                raise UnreadableError("corrupt-workbook", f"工作表“{name}”的内容缺失")
            if name.casefold() in seen:
                duplicates.append(name)
                continue
            seen.add(name.casefold())
            sheet = RawSheet(name, el.get("state", "visible"))
            # Only worksheets must be in the main namespace; a chart or macro sheet reads empty.
            root = (
                self.xml(rel.target, rel.kind)
                if rel.kind == "worksheet"
                else self.pkg.xml(rel.target)
            )
            self._read_sheet(root, sheet, shared, styles)
            sheets[name] = sheet
        return RawWorkbook(sheets, date1904, wb, duplicates)

    def _shared_strings(self, workbook: str) -> list[str]:
        target = self.pkg.related(workbook, "sharedStrings")
        if target is None:
            return []
        return [_si_text(si) for si in self.xml(target, "sharedStrings").iterchildren(M + "si")]

    def _styles(self, workbook: str) -> list[tuple[bool, bool]]:
        """(locked, is_date) for each cell format index."""
        target = self.pkg.related(workbook, "styles")
        if target is None:
            return []
        root = self.xml(target, "styles")
        custom = {}
        numfmts = root.find(M + "numFmts")
        for nf in [] if numfmts is None else numfmts.iterfind(M + "numFmt"):
            custom[nf.get("numFmtId", "")] = nf.get("formatCode", "")
        xfs = root.find(M + "cellXfs")
        out = []
        for xf in [] if xfs is None else xfs.iterfind(M + "xf"):
            prot = xf.find(M + "protection")
            locked = prot is None or _truthy(prot.get("locked", "1"))
            fmt_id = xf.get("numFmtId", "0")
            out.append((locked, shows_date(fmt_id, custom)))
        return out

    def _read_sheet(
        self,
        root: etree._Element,
        sheet: RawSheet,
        shared: list[str],
        styles: list[tuple[bool, bool]],
    ) -> None:
        masters: dict[str, _SharedFormula] = {}  # shared formula id -> its master
        cells = sheet.cells
        data = _first(root, _SHEET_DATA)
        row_idx = -1
        # Children are walked with iterchildren/for-loops, never find(): lxml's find() goes
        # through its Python ElementPath layer and cost most of the reading time per cell.
        for row_el in () if data is None else data.iterchildren(_ROW):
            # Some writers omit r on rows or cells: the position follows the previous one.
            r_attr = row_el.get("r")
            row_idx = int(r_attr) - 1 if r_attr else row_idx + 1
            col_cursor = 0
            if len(cells) > MAX_SHEET_CELLS:
                raise UnreadableError(
                    "content-too-large", f"的工作表“{sheet.name}”有超过 {MAX_SHEET_CELLS} 个单元格"
                )
            for c in row_el.iterchildren(_C):
                ref = c.get("r")
                r, col = _position(ref) if ref else (row_idx, col_cursor)
                col_cursor = col + 1
                cells[(r, col)] = self._cell(c, r, col, shared, styles, masters)
        prot = _first(root, _SHEET_PROTECTION)
        sheet.protected = prot is not None and _truthy(prot.get("sheet", "0"))
        for mc in root.iter(_MERGE_CELL):
            sheet.merges.append(mc.get("ref", ""))
        for dv in root.iter(_DATA_VALIDATION):
            f1 = _first(dv, _FORMULA1)
            sheet.validations.append(
                {
                    "type": dv.get("type", ""),
                    "operator": dv.get("operator", "between"),
                    "sqref": dv.get("sqref", ""),
                    "formula1": f1.text if f1 is not None and f1.text else "",
                }
            )

    def _cell(
        self,
        c: etree._Element,
        row: int,
        col: int,
        shared: list[str],
        styles: list[tuple[bool, bool]],
        masters: dict[str, _SharedFormula],
    ) -> RawCell:
        ctype = c.get("t", "n")
        s = c.get("s")
        style = int(s) if s else 0  # s="" (some writers) is the default style, as in Excel
        is_locked, is_date = styles[style] if style < len(styles) else (True, False)
        if len(c) == 0 and ctype in ("n", "str"):
            # A styled empty cell (a third of a template's cells): the same few over and over.
            return _BLANK_LOCKED if is_locked else _BLANK_UNLOCKED
        f = v = is_el = None
        for child in c:  # the first <f>, <v> and <is>, in one walk
            tag = child.tag
            if tag == _V:
                v = child if v is None else v
            elif tag == _F:
                f = child if f is None else f
            elif tag == _IS:
                is_el = child if is_el is None else is_el
        formula = None
        if f is not None:
            text = f.text or ""
            if f.get("t") == "shared":
                si = f.get("si", "")
                if text:
                    masters[si] = _SharedFormula(text, a1(row, col))
                elif si in masters:
                    text = masters[si].at(a1(row, col))
            formula = text
        value: str | None = v.text if v is not None and v.text else None
        if ctype == "s" and value is not None:
            value = shared[int(value)]
        elif ctype == "inlineStr":
            value = _si_text(is_el) if is_el is not None else ""
            ctype = "s"
        elif ctype == "str":  # a formula's string result
            ctype = "s" if value is not None else ""
        elif ctype == "n" and value is None:
            ctype = ""
        return RawCell(value, ctype, formula, is_locked, is_date and ctype == "n")


_BLANK_LOCKED = RawCell(None, "", None, True)
_BLANK_UNLOCKED = RawCell(None, "", None, False)


class _SharedFormula:
    """A shared formula's master, moved to the other cells of its range.  Its tokens are parsed
    once, at the first cell that needs them (parsing it again for every cell of a 13,000-cell
    range cost three times what openpyxl takes)."""

    __slots__ = ("_translator", "anchor", "formula")

    def __init__(self, formula: str, anchor: str) -> None:
        self.formula = formula
        self.anchor = anchor
        self._translator: Translator | None = None

    def at(self, target: str) -> str:
        """The formula's text at cell ``target``."""
        if self._translator is None:
            # Imported here: openpyxl costs ~0.2 s to import and only Excel writes shared formulas.
            from openpyxl.formula.translate import Translator

            self._translator = Translator("=" + self.formula, origin=self.anchor)
        return self._translator.translate_formula(target)[1:]


def _si_text(si: etree._Element) -> str:
    """Text of a shared/inline string: plain <t> and rich-text runs; phonetic runs ignored."""
    plain: list[str] = []
    runs: list[str] = []
    for child in si:
        tag = child.tag
        if tag == _T:
            plain.append(child.text or "")
        elif tag == _R:
            runs.extend(t.text or "" for t in child.iterchildren(_T))
    return _unescape("".join(plain + runs))


def _first(el: etree._Element, tag: str) -> etree._Element | None:
    """The first child with ``tag`` (what ``el.find(tag)`` returns, without ElementPath)."""
    return next(el.iterchildren(tag), None)


@lru_cache(maxsize=8192)
def _position(ref: str) -> tuple[int, int]:
    """(row, col) of an A1 reference; the same few hundred references recur in every file."""
    return parse_a1(ref)


_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """OOXML escapes control characters as _xHHHH_ (openpyxl decodes them the same way)."""
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _truthy(value: str) -> bool:
    return value.lower() in ("1", "true")
