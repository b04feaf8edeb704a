"""The first sheet of a feedback copy, 校验结果: every finding in a row, with a link to its cell.

Written as worksheet XML directly (every value an inline string: text, never a formula, whatever
it starts with), in the formats :class:`~xl2report.xlsx.sheet_edit.StyleBook` adds to the
township's workbook.  Hidden columns H:J list each marked cell and its original fill, so a copy
that comes back can be un-marked (:mod:`xl2report.xlsx.feedback`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from xl2report.form.national import a1
from xl2report.form.types import Level
from xl2report.xlsx.sheet_edit import StyleBook
from xl2report.xlsx.style import FONT  # as the template; LibreOffice maps it to Noto CJK SC
from xl2report.xlsx.text import escape, ooxml_escape, quoteattr

FILLS = {Level.ERROR: "FFC7CE", Level.WARNING: "FFEB9C"}  # Excel's own bad / neutral tints
HEADERS = ("级别", "工作表", "单元格", "问题", "类别")
WIDTHS = (8, 18, 9, 90, 18)
FIRST_ROW = 4  # title, summary, header, then one row per finding
# Hidden columns keep each marked cell's original fill, so a returned copy can be un-marked.
MARK_COLS = ("标注工作表", "标注单元格", "原底色")
MARK_FIRST_COL = 8  # H
_NS = (
    'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)


@dataclass(frozen=True)
class Row:
    """One finding as listed."""

    level: Level
    sheet: str  # '' for the whole file
    cell: str
    text: str  # message (and related cells)
    name: str  # the finding's short Chinese name (the code stays in --json and the ledger)
    link: str  # '' or a location such as "'三、依申请公开'!D6"


class _Formats:
    """The list's cell formats, added to the workbook's styles once."""

    def __init__(self, styles: StyleBook) -> None:
        plain = styles.font(FONT)
        border = styles.border("thin", "FFA6A6A6")
        wrap = {"vertical": "top", "wrapText": "1"}
        centre = {"horizontal": "center", "vertical": "top", "wrapText": "1"}
        self.title = styles.format(styles.font(FONT, 14, bold=True))
        self.summary = styles.format(plain, alignment=wrap)
        self.header = styles.format(
            styles.font(FONT, bold=True), styles.fill("solid:FFD9E1F2"), border,
            {"horizontal": "center", "vertical": "center"},
        )  # fmt: skip
        self.level = {
            level: styles.format(
                styles.font(
                    FONT, bold=True, color="FF9C0006" if level is Level.ERROR else "FF7F6000"
                ),
                styles.fill(f"solid:FF{FILLS[level]}"),
                border,
                centre,
            )
            for level in Level
        }
        self.text = styles.format(plain, 0, border, wrap)
        self.cell = styles.format(plain, 0, border, centre)
        self.link = styles.format(
            styles.font(FONT, color="FF0563C1", underline=True), 0, border, centre
        )
        self.code = styles.format(styles.font(FONT, color="FF808080"), 0, border, wrap)
        self.none_found = styles.format(plain)


def list_sheet(styles: StyleBook, title: str, summary: str, rows: Sequence[Row],
               marks: Sequence[tuple[str, str, str]]) -> tuple[bytes, int]:  # fmt: skip
    """The 校验结果 worksheet and its last used row (1-based)."""
    fmt = _Formats(styles)
    data: dict[int, list[str]] = {}
    heights: dict[int, float] = {2: 36}

    def put(row: int, col: int, text: str, style: int | None = None) -> None:
        s = f' s="{style}"' if style else ""
        data.setdefault(row, []).append(
            f'<c r="{a1(row - 1, col - 1)}"{s} t="inlineStr"><is><t xml:space="preserve">'
            f"{escape(ooxml_escape(text))}</t></is></c>"
        )

    put(1, 1, title, fmt.title)
    put(2, 1, summary, fmt.summary)
    for col, header in enumerate(HEADERS, start=1):
        put(FIRST_ROW - 1, col, header, fmt.header)
    for col, header in enumerate(MARK_COLS, start=MARK_FIRST_COL):
        put(FIRST_ROW - 1, col, header)
    links = []
    for i, r in enumerate(rows):
        row = FIRST_ROW + i
        put(row, 1, r.level.label, fmt.level[r.level])
        put(row, 2, r.sheet or "（整个文件）", fmt.text)
        shown = r.cell or ("转到该表" if r.link else "")
        put(row, 3, shown, fmt.link if r.link else fmt.cell)
        put(row, 4, r.text, fmt.text)
        put(row, 5, r.name, fmt.code)
        if r.link:
            links.append(f'<hyperlink ref="C{row}" location={quoteattr(r.link)}/>')
        # Rows are given a height (the text is not measured): a line of the 问题 column holds
        # about its width in half-width characters, a Chinese character counting two.
        width = sum(2 if ord(ch) > 0x2E80 else 1 for ch in r.text)
        heights[row] = 16 * (width // (WIDTHS[3] + 4) + 1) + 4
    if not rows:
        put(FIRST_ROW, 4, "没有发现问题。", fmt.none_found)
    for i, mark in enumerate(marks):
        for col, text in enumerate(mark, start=MARK_FIRST_COL):
            if text:
                put(FIRST_ROW + i, col, text)

    last = max([*data, FIRST_ROW])
    out = [
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}>'
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:{a1(last - 1, MARK_FIRST_COL + len(MARK_COLS) - 2)}"/>'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
        f'<pane ySplit="{FIRST_ROW - 1}" topLeftCell="A{FIRST_ROW}" activePane="bottomLeft" state="frozen"/>'
        f'<selection pane="bottomLeft" activeCell="A{FIRST_ROW}" sqref="A{FIRST_ROW}"/>'
        '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>'
    ]
    for col, width in enumerate(WIDTHS, start=1):
        out.append(f'<col min="{col}" max="{col}" width="{width}" customWidth="1"/>')
    last_mark = MARK_FIRST_COL + len(MARK_COLS) - 1
    out.append(
        f'<col min="{MARK_FIRST_COL}" max="{last_mark}" width="13" hidden="1" customWidth="1"/>'
    )
    out.append("</cols><sheetData>")
    for row in sorted(data):
        height = f' ht="{heights[row]}" customHeight="1"' if row in heights else ""
        out.append(f'<row r="{row}"{height}>{"".join(data[row])}</row>')
    out.append(
        f'</sheetData><mergeCells count="1"><mergeCell ref="A2:{a1(1, len(HEADERS) - 1)}"/></mergeCells>'
    )
    if links:
        out.append(f"<hyperlinks>{''.join(links)}</hyperlinks>")
    out.append(
        '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
        '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        "</worksheet>"
    )
    return "".join(out).encode("utf-8"), last
