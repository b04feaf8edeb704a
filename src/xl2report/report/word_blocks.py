"""WordprocessingML building blocks of the default template: paragraphs and the three tables.

Every table label, merge and placeholder comes from :mod:`xl2report.form.national`; widths and
where a table may break across pages are decided here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from xl2report.form.national import FORM, LabelRole
from xl2report.report.typography import (
    CELL_MARGIN,
    NSMAP,
    ROW_MIN_HEIGHT,
    STYLE_TABLE,
    STYLE_TABLE_LABEL,
    STYLE_TABLE_LABEL_SMALL,
    STYLE_TABLE_SMALL,
    TEXT_WIDTH,
    W,
    mm,
)

# Where a table may break across pages.  Word and LibreOffice keep rows together when their
# paragraphs are "keep with next"; a row that is not kept with the next is a break point.
#   二: only between its 第二十条 blocks, and only where at least two blocks stay on each side
#       (no lone 第二十条第（八）项 block at the top of a page);
#   四: never (three header rows and one data row);
#   三: anywhere in the body, but its header and the first FEW_ROWS body rows start together
#       and the last FEW_ROWS rows end together (the header repeats on each page).
FEW_ROWS = 3
# Column widths (mm) of the three tables, in sheet column order; each sums to the 156 mm 版心.
# Table 三 is set in 小五 so that 自然人, "三、本年度/办理结果" and "（三）不予公开" do not break
# inside a word and most 1./2./3. labels fit on one line.
TABLE_COLUMNS_MM: dict[str, tuple[float, ...]] = {
    "二": (45.0, 37.0, 37.0, 37.0),
    "三": (19.5, 24.5, 47.8, 12.0) + (8.7,) * 6,
    "四": (10.4,) * 15,
}
SMALL_TABLES = ("三",)


def element(
    tag: str, attrs: dict[str, str] | None = None, *children: etree._Element
) -> etree._Element:
    el = etree.Element(W + tag, {W + k: v for k, v in (attrs or {}).items()}, nsmap=NSMAP)
    el.extend(children)
    return el


def paragraph(style: str, *texts: str, keep_next: bool = False) -> etree._Element:
    """A paragraph; several ``texts`` are separated by line breaks (one run each)."""
    ppr = element("pPr", None, element("pStyle", {"val": style}))
    if keep_next:
        ppr.append(element("keepNext"))
    p = element("p", None, ppr)
    for i, text in enumerate(texts):
        if i:
            p.append(element("r", None, element("br")))
        if text:
            t = element("t")
            t.text = text
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            p.append(element("r", None, t))
    return p


def placeholder(key: str) -> str:
    return "{{ " + key + " }}"


@dataclass(frozen=True)
class Cell:
    text: str
    style: str
    cols: int = 1
    rows: int = 1
    bold: bool = False


def table_grid(sheet: str, small: bool = False) -> tuple[int, list[dict[int, Cell]], int]:
    """The table of a sheet as Word needs it: (first sheet row, rows of anchored cells, ncols).

    Labels (captions, headers, row labels) and fields come from the form with their merges;
    the sheet's title, notes and check rows are not part of the printed table.
    """
    roles = {LabelRole.CAPTION, LabelRole.HEADER, LabelRole.ROW}
    anchors: dict[tuple[int, int], Cell] = {}
    for lab in FORM.labels_on(sheet):
        if lab.role in roles:
            style = STYLE_TABLE_LABEL if lab.role is LabelRole.ROW else STYLE_TABLE
            if small:
                style = STYLE_TABLE_LABEL_SMALL if lab.role is LabelRole.ROW else STYLE_TABLE_SMALL
            anchors[(lab.row, lab.col)] = Cell(
                lab.text, style,
                cols=(lab.last_col or lab.col) - lab.col + 1,
                rows=(lab.last_row or lab.row) - lab.row + 1,
                bold=lab.role is LabelRole.CAPTION,
            )  # fmt: skip
    for f in FORM.fields_on(sheet):
        anchors[(f.row, f.col)] = Cell(
            placeholder(f.key), STYLE_TABLE_SMALL if small else STYLE_TABLE,
            cols=(f.last_col or f.col) - f.col + 1,
        )  # fmt: skip
    first = min(r for r, _ in anchors)
    last = max(r + cell.rows - 1 for (r, _), cell in anchors.items())
    ncols = max(c + cell.cols for (_, c), cell in anchors.items())
    rows: list[dict[int, Cell]] = [{} for _ in range(last - first + 1)]
    for (r, c), cell in anchors.items():
        rows[r - first][c] = cell
    return first, rows, ncols


def table(section: str, sheet: str, header_rows: tuple[int, int] | None) -> etree._Element:
    """A fixed-layout table with explicit widths, vertical (vMerge) and horizontal merges."""
    first, rows, ncols = table_grid(sheet, small=section in SMALL_TABLES)
    widths_mm = TABLE_COLUMNS_MM[section]
    if len(widths_mm) != ncols:
        raise ValueError(f"table {section}: {len(widths_mm)} widths for {ncols} columns")
    widths = [mm(w) for w in widths_mm]
    widths[-1] += TEXT_WIDTH - sum(widths)  # rounding remainder: exactly the 版心 width
    border = {"val": "single", "sz": "4", "space": "0", "color": "000000"}
    tbl = element(
        "tbl", None,
        element("tblPr", None,
            element("tblW", {"w": str(TEXT_WIDTH), "type": "dxa"}),
            element("jc", {"val": "center"}),
            element("tblBorders", None, *(element(side, border) for side in
                                      ("top", "left", "bottom", "right", "insideH", "insideV"))),
            element("tblLayout", {"type": "fixed"}),
            element("tblCellMar", None, element("left", {"w": str(CELL_MARGIN), "type": "dxa"}),
                element("right", {"w": str(CELL_MARGIN), "type": "dxa"})),
            element("tblLook", {"val": "0000", "firstRow": "0", "lastRow": "0", "firstColumn": "0",
                            "lastColumn": "0", "noHBand": "1", "noVBand": "1"})),
        element("tblGrid", None, *(element("gridCol", {"w": str(w)}) for w in widths)),
    )  # fmt: skip
    # Cells continuing a vertical merge: (row index, col) -> the anchor cell above.
    continuing: dict[tuple[int, int], Cell] = {}
    covered: set[tuple[int, int]] = set()
    for i, row in enumerate(rows):
        for c, cell in row.items():
            for dr in range(cell.rows):
                for dc in range(cell.cols):
                    if (dr, dc) != (0, 0):
                        covered.add((i + dr, c + dc))
                if dr:
                    continuing[(i + dr, c)] = cell
    breaks = break_points(section, rows, first, header_rows)
    for i, row in enumerate(rows):
        trpr = element("trPr", None, element("cantSplit"),
                   element("trHeight", {"val": str(ROW_MIN_HEIGHT), "hRule": "atLeast"}))  # fmt: skip
        if header_rows and header_rows[0] <= first + i <= header_rows[1]:
            trpr.append(element("tblHeader"))
        tr = element("tr", None, trpr)
        keep = i not in breaks
        c = 0
        while c < ncols:
            if (i, c) in continuing:
                cell = continuing[(i, c)]
                tr.append(_cell(widths, c, cell, merge="continue", keep=keep))
                c += cell.cols
            elif c in row:
                cell = row[c]
                merge = "restart" if cell.rows > 1 else None
                tr.append(_cell(widths, c, cell, merge=merge, keep=keep))
                c += cell.cols
            elif (i, c) in covered:
                c += 1
            else:
                raise ValueError(f"table {section}: no cell at row {first + i}, column {c}")
        tbl.append(tr)
    return tbl


def break_points(
    section: str, rows: Sequence[dict[int, Cell]], first: int, header_rows: tuple[int, int] | None
) -> set[int]:
    """Indexes of the rows after which the table may continue on the next page."""
    last = len(rows) - 1
    if section == "二":
        captions = [i for i, row in enumerate(rows) if any(c.bold for c in row.values())]
        inner = captions[2:-1]  # before a block with at least two blocks on each side
        return {i - 1 for i in inner} or {captions[len(captions) // 2] - 1}
    if section == "三":
        body_start = header_rows[1] - first + 1 if header_rows else 0
        return set(range(body_start + FEW_ROWS - 1, last - FEW_ROWS + 1))
    return set()


def _cell(
    widths: Sequence[int], col: int, cell: Cell, merge: str | None, keep: bool
) -> etree._Element:
    tcpr = element("tcPr", None, element("tcW", {"w": str(sum(widths[col : col + cell.cols])),
                                         "type": "dxa"}))  # fmt: skip
    if cell.cols > 1:
        tcpr.append(element("gridSpan", {"val": str(cell.cols)}))
    if merge == "restart":
        tcpr.append(element("vMerge", {"val": "restart"}))
    elif merge == "continue":
        tcpr.append(element("vMerge"))
    tcpr.append(element("vAlign", {"val": "center"}))
    p = paragraph(cell.style, cell.text if merge != "continue" else "", keep_next=keep)
    if cell.bold and merge != "continue":
        for run in p.iter(W + "r"):
            run.insert(0, element("rPr", None, element("b"), element("bCs")))
    return element("tc", None, tcpr, p)
