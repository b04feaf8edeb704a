"""Cells and cell formats of a workbook being edited (see :mod:`xl2report.xlsx.package_edit`).

:class:`SheetCells` finds a cell of a parsed worksheet by its A1 reference (making the row and
cell when the file has none), and the top-left cell of a merged range.  :class:`StyleBook`
derives cell formats in ``styles.xml``: a cell's own format with another fill (every other
aspect — font, border, number format, alignment, protection — kept), and the few formats of
the 校验结果 sheet.  Formats are appended, never changed, so no other cell's look moves.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

from lxml import etree

from xl2report.form.national import a1, parse_a1
from xl2report.xlsx.package_edit import M

_ROW, _C = M + "row", M + "c"
# styles.xml children in schema order, for creating a missing container at its place.
_STYLE_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles",
                "dxfs", "tableStyles", "colors", "extLst")  # fmt: skip
NO_FILL = ""  # fill code of a cell without a (plain solid) fill


class SheetCells:
    """The cells of one parsed worksheet, by (row, col), zero-based."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        data = root.find(M + "sheetData")
        if data is None:
            data = etree.Element(M + "sheetData")
            anchor = next((c for c in root if c.tag in (M + "cols", M + "sheetFormatPr",
                                                        M + "sheetViews", M + "dimension",
                                                        M + "sheetPr")), None)  # fmt: skip
            if anchor is None:
                root.insert(0, data)
            else:
                anchor.addnext(data)
        self.data = data
        self.rows: dict[int, etree._Element] = {}
        self.cells: dict[str, etree._Element] = {}  # by A1 reference
        row_idx = -1
        for row in data.iterchildren(_ROW):
            r_attr = row.get("r")
            if r_attr:
                row_idx = int(r_attr) - 1
            else:  # explicit from now on, so an inserted row cannot shift the ones without
                row_idx += 1
                row.set("r", str(row_idx + 1))
            self.rows[row_idx] = row
            previous = ""
            for c in row.iterchildren(_C):
                ref = c.get("r")
                if ref is None:  # follows the previous cell (refs are parsed only here)
                    col = parse_a1(previous)[1] + 1 if previous else 0
                    ref = a1(row_idx, col)
                    c.set("r", ref)
                self.cells[ref] = c
                previous = ref
        self.merges = []
        for mc in root.iter(M + "mergeCell"):
            first, _, last = mc.get("ref", "").partition(":")
            if first and last:
                self.merges.append((parse_a1(first), parse_a1(last)))

    def anchor(self, ref: str) -> str:
        """The cell that shows a merged range's content (a mark on a covered cell would not show)."""
        row, col = parse_a1(ref)
        for (r0, c0), (r1, c1) in self.merges:
            if r0 <= row <= r1 and c0 <= col <= c1:
                return a1(r0, c0)
        return ref

    def cell(self, ref: str) -> etree._Element:
        """The ``<c>`` of ``ref``, made (with the row's or column's format) when missing."""
        found = self.cells.get(ref)
        if found is not None:
            return found
        row, col = parse_a1(ref)
        row_el = self.rows.get(row)
        if row_el is None:
            row_el = etree.Element(_ROW)
            row_el.set("r", str(row + 1))
            later = [r for r in self.rows if r > row]
            if later:
                self.rows[min(later)].addprevious(row_el)
            else:
                self.data.append(row_el)
            self.rows[row] = row_el
        c = etree.Element(_C)
        c.set("r", ref)
        style = row_el.get("s") if row_el.get("customFormat") in ("1", "true") else None
        style = style or self._column_style(col)
        if style and style != "0":
            c.set("s", style)
        for other in row_el.iterchildren(_C):
            if parse_a1(other.get("r", ""))[1] > col:
                other.addprevious(c)
                break
        else:
            row_el.append(c)
        self.cells[ref] = c
        return c

    def _column_style(self, col: int) -> str | None:
        cols = self.root.find(M + "cols")
        for el in [] if cols is None else cols.iterchildren(M + "col"):
            if int(el.get("min", "0")) <= col + 1 <= int(el.get("max", "0")):
                return el.get("style")
        return None


class StyleBook:
    """The cell formats of ``styles.xml``, extended without changing existing entries."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.fonts = self._container("fonts")
        self.fills = self._container("fills")
        self.borders = self._container("borders")
        self.xfs = self._container("cellXfs")
        self._added: dict[tuple[str, bytes], int] = {}
        self._refilled: dict[tuple[int, int], int] = {}

    def _container(self, tag: str) -> etree._Element:
        found = self.root.find(M + tag)
        if found is not None:
            return found
        el = etree.Element(M + tag)
        later = _STYLE_ORDER[_STYLE_ORDER.index(tag) + 1 :]
        for child in self.root:
            if child.tag in {M + t for t in later}:
                child.addprevious(el)
                return el
        self.root.append(el)
        return el

    def _add(self, container: etree._Element, el: etree._Element) -> int:
        """Append ``el`` (once: equal additions share one entry); its index."""
        key = (container.tag, etree.tostring(el))
        if key not in self._added:
            container.append(el)
            container.set("count", str(len(container)))
            self._added[key] = len(container) - 1
        return self._added[key]

    def fill_code(self, style: int) -> str:
        """The fill of format ``style`` as text to restore later: 'solid:FFD9E1F2' or ''."""
        xf = self._xf(style)
        fill_id = int(xf.get("fillId", "0"))
        fills = list(self.fills)
        if fill_id >= len(fills):
            return NO_FILL
        pattern = fills[fill_id].find(M + "patternFill")
        if pattern is None or pattern.get("patternType") != "solid":
            return NO_FILL
        fg = pattern.find(M + "fgColor")
        rgb = None if fg is None else fg.get("rgb")
        return f"solid:{rgb}" if rgb else NO_FILL

    def with_fill(self, style: int, code: str) -> int:
        """Format ``style`` with the fill ``code`` ('solid:FFRRGGBB', or '' for none)."""
        fill_id = self.fill(code)
        key = (style, fill_id)
        if key not in self._refilled:
            xf = copy.deepcopy(self._xf(style))
            xf.set("fillId", str(fill_id))
            xf.set("applyFill", "1")
            self.xfs.append(xf)
            self.xfs.set("count", str(len(self.xfs)))
            self._refilled[key] = len(self.xfs) - 1
        return self._refilled[key]

    def fill(self, code: str) -> int:
        fill = etree.Element(M + "fill")
        pattern = etree.SubElement(fill, M + "patternFill")
        if code.startswith("solid:"):
            pattern.set("patternType", "solid")
            etree.SubElement(pattern, M + "fgColor").set("rgb", code.split(":", 1)[1])
            etree.SubElement(pattern, M + "bgColor").set("indexed", "64")
        else:
            pattern.set("patternType", "none")
        return self._add(self.fills, fill)

    def font(self, name: str, size: int = 11, bold: bool = False, color: str = "",
             underline: bool = False) -> int:  # fmt: skip
        font = etree.Element(M + "font")
        if bold:
            etree.SubElement(font, M + "b")
        if underline:
            etree.SubElement(font, M + "u").set("val", "single")
        etree.SubElement(font, M + "sz").set("val", str(size))
        if color:
            etree.SubElement(font, M + "color").set("rgb", color)
        etree.SubElement(font, M + "name").set("val", name)
        etree.SubElement(font, M + "charset").set("val", "134")  # GB2312: a Chinese font
        return self._add(self.fonts, font)

    def border(self, style: str, color: str) -> int:
        border = etree.Element(M + "border")
        for side in ("left", "right", "top", "bottom"):
            edge = etree.SubElement(border, M + side)
            edge.set("style", style)
            etree.SubElement(edge, M + "color").set("rgb", color)
        etree.SubElement(border, M + "diagonal")
        return self._add(self.borders, border)

    def format(self, font: int, fill: int = 0, border: int = 0,
               alignment: Mapping[str, str] | None = None) -> int:  # fmt: skip
        """A new cell format from these parts (for cells we write ourselves)."""
        xf = etree.Element(M + "xf")
        for attr, value in (("numFmtId", 0), ("fontId", font), ("fillId", fill),
                            ("borderId", border), ("xfId", 0)):  # fmt: skip
            xf.set(attr, str(value))
        xf.set("applyFont", "1")
        if fill:
            xf.set("applyFill", "1")
        if border:
            xf.set("applyBorder", "1")
        if alignment:
            xf.set("applyAlignment", "1")
            align = etree.SubElement(xf, M + "alignment")
            for key, value in alignment.items():
                align.set(key, value)
        return self._add(self.xfs, xf)

    def _xf(self, style: int) -> etree._Element:
        xfs = self.xfs
        if 0 <= style < len(xfs):
            return xfs[style]
        default = etree.Element(M + "xf")
        for attr in ("numFmtId", "fontId", "fillId", "borderId", "xfId"):
            default.set(attr, "0")
        return default
