"""Safe, single-pass reading of an .xlsx file's parts (zipfile + lxml).

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

Hostile input: parts that declare a DTD or entity are refused before and after parsing (the
parser never loads a DTD nor resolves entities), the declared uncompressed size and the number
of parts are capped before anything is decompressed, and so is the file size.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from lxml import etree

from xl2report.form.national import a1, parse_a1
from xl2report.xlsx.number_formats import shows_date
from xl2report.xlsx.sniff import UnreadableError, sniff

__all__ = ["RawCell", "RawSheet", "RawWorkbook", "UnreadableError", "read_workbook", "sniff"]

MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
MAX_MEMBERS = 2000
# Bounds far above anything the template (or Excel, WPS, LibreOffice re-saving it) produces: its
# largest part is ~40 KB and its sheets hold a few hundred cells.  A part or sheet beyond them is
# refused before it is parsed, so the worst file under the size limits stays fast and small.
MAX_PART_BYTES = 4 * 1024 * 1024
MAX_SHEET_CELLS = 20_000

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
M = f"{{{NS_MAIN}}}"
_SHEET_DATA, _ROW, _C, _F, _V, _IS, _T, _R = (
    M + n for n in ("sheetData", "row", "c", "f", "v", "is", "t", "r")
)
_SHEET_PROTECTION, _MERGE_CELL, _DATA_VALIDATION, _FORMULA1, _DEFINED_NAME = (
    M + n for n in ("sheetProtection", "mergeCell", "dataValidation", "formula1", "definedName")
)

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
# ISO/IEC 29500 Strict namespaces (Excel: "Strict Open XML 电子表格") mapped to Transitional ones,
# so a Strict file reads like any other.
_STRICT = (
    (b"http://purl.oclc.org/ooxml/spreadsheetml/main", NS_MAIN.encode()),
    (b"http://purl.oclc.org/ooxml/officeDocument/relationships", NS_REL.encode()),
)


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
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise UnreadableError("corrupt-workbook", str(exc)) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise UnreadableError("zip-bomb", f"{len(infos)} 个部件")
        total = sum(i.file_size for i in infos)
        if total > MAX_UNZIPPED_BYTES:
            raise UnreadableError("zip-bomb", f"解压后 {total / 1e6:.0f} MB")
        names = {i.filename for i in infos}
        if "xl/workbook.xml" not in names:
            raise UnreadableError("not-a-workbook", "缺少 xl/workbook.xml")
        try:
            return _Reader(zf, names).read()
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
    reader = _Reader(zf, set(zf.namelist()))
    wb = reader.xml("xl/workbook.xml")
    rels = reader._rels("xl/_rels/workbook.xml.rels")
    out = {}
    for el in wb.iter(M + "sheet"):
        target = rels.get(el.get(f"{{{NS_REL}}}id", ""), "")
        if target in reader.names:
            out[el.get("name", "")] = (target, reader.xml(target))
    return out


def parse_part(zf: zipfile.ZipFile, name: str) -> etree._Element:
    """One part of ``zf`` parsed as safely as the reader parses it (no DTD, no entities).

    For callers that edit a package's parts (the feedback copy).  Raises
    :class:`UnreadableError` for a DTD, ``KeyError`` for a missing part, lxml's errors for bad XML.
    """
    return _Reader(zf, set()).xml(name)


def string_text(si: etree._Element) -> str:
    """The text of a shared or inline string element (``<si>`` / ``<is>``), as the reader reads it."""
    return _si_text(si)


class _Reader:
    def __init__(self, zf: zipfile.ZipFile, names: set[str]) -> None:
        self.zf = zf
        self.names = names

    def xml(self, name: str) -> etree._Element:
        size = self.zf.getinfo(name).file_size  # the declared size bounds what read() returns
        if size > MAX_PART_BYTES:
            raise UnreadableError(
                "content-too-large", f"的部件 {name} 解压后有 {size / 1e6:.1f} MB"
            )
        data = self.zf.read(name)
        if _DTD.search(data):
            raise UnreadableError("xml-dtd-forbidden", name)
        for strict, transitional in _STRICT:
            data = data.replace(strict, transitional)
        root = etree.fromstring(data, _PARSER)
        # The byte search misses a DTD in a UTF-16 part; the parsed tree does not.
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:
            raise UnreadableError("xml-dtd-forbidden", name)
        return root

    def read(self) -> RawWorkbook:
        wb = self.xml("xl/workbook.xml")
        rels = self._rels("xl/_rels/workbook.xml.rels")
        shared = self._shared_strings(rels)
        styles = self._styles(rels)
        pr = wb.find(M + "workbookPr")
        date1904 = pr is not None and _truthy(pr.get("date1904", "0"))
        sheets: dict[str, RawSheet] = {}
        for el in wb.iter(M + "sheet"):
            name = el.get("name", "")
            target = rels.get(el.get(f"{{{NS_REL}}}id", ""), "")
            if target not in self.names:
                raise UnreadableError("corrupt-workbook", f"工作表“{name}”的内容缺失")
            sheet = RawSheet(name, el.get("state", "visible"))
            self._read_sheet(target, sheet, shared, styles)
            sheets[name] = sheet
        return RawWorkbook(sheets, date1904, wb)

    def _rels(self, name: str) -> dict[str, str]:
        if name not in self.names:
            return {}
        base = PurePosixPath(name).parent.parent
        out = {}
        for rel in self.xml(name).iter(f"{{{NS_PKG_REL}}}Relationship"):
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else _normalise(base / target)
            out[rel.get("Id", "")] = path
        return out

    def _shared_strings(self, rels: dict[str, str]) -> list[str]:
        target = next((t for t in rels.values() if t.endswith("sharedStrings.xml")), None)
        if target is None or target not in self.names:
            return []
        return [_si_text(si) for si in self.xml(target).iterchildren(M + "si")]

    def _styles(self, rels: dict[str, str]) -> list[tuple[bool, bool]]:
        """(locked, is_date) for each cell format index."""
        target = next((t for t in rels.values() if t.endswith("styles.xml")), None)
        if target is None or target not in self.names:
            return []
        root = self.xml(target)
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
        self, name: str, sheet: RawSheet, shared: list[str], styles: list[tuple[bool, bool]]
    ) -> None:
        root = self.xml(name)
        masters: dict[str, tuple[str, str]] = {}  # shared formula id -> (formula, anchor)
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
        masters: dict[str, tuple[str, str]],
    ) -> RawCell:
        ctype = c.get("t", "n")
        style = int(c.get("s", "0"))
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
                    masters[si] = (text, a1(row, col))
                elif si in masters:
                    text = _translate(*masters[si], a1(row, col))
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


def _translate(master: str, anchor: str, target: str) -> str:
    """A shared formula's text at ``target``, moved from the master cell ``anchor``."""
    # Imported here: openpyxl costs ~0.2 s to import and only Excel writes shared formulas.
    from openpyxl.formula.translate import Translator

    return Translator("=" + master, origin=anchor).translate_formula(target)[1:]


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


def _normalise(path: PurePosixPath) -> str:
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part not in (".", ""):
            parts.append(part)
    return "/".join(parts)
