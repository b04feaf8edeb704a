"""The summary's 明细 sheet: one row per figure of the form, one column per accepted unit.

Laid out to print: A4 portrait, the item labels and the 合计 column repeated at the left of
every page, the unit names repeated at the top of every page, at most :data:`UNITS_PER_PAGE`
units across a page.  Item labels come from the form's own row and column labels (nothing is
retyped); the national tables of the summary refer to this sheet's 合计 column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from xlsxwriter.worksheet import Worksheet

from xl2report.county.units import org_words
from xl2report.form.national import FORM, FORM_TITLE, Field, Form, Label, LabelRole, Value, a1
from xl2report.form.types import ValueType, col_letter
from xl2report.xlsx.style import BORDER, FormStyles

DETAIL = "明细"
UNITS_PER_PAGE = 8
HEADER_ROW = 3  # 0 title, 1 note, 2 who has not reported, 3 项目 / 分项 / 合计 / unit names
LABEL_COLS = ("项目", "分项", "合计")
TOTAL_COL = 2
LABEL_WIDTH, PART_WIDTH = 46, 18
FIRST_UNIT_COL = 3
# A unit's column: its name fits in lines of NAME_CHARS characters in Excel, WPS and LibreOffice.
UNIT_WIDTH, NAME_CHARS = 10, 6


@dataclass(frozen=True)
class DetailUnit:
    """One accepted unit's column."""

    org: str
    values: Mapping[str, Value]


def item_labels(f: Field, form: Form = FORM) -> tuple[str, str]:
    """(row part, column part) of a figure as the form labels it, e.g. ('（三）不予公开
    1.属于国家秘密', '自然人') or ('规章', '本年制发件数'); the field's own label as a fallback."""
    labels = form.labels_on(f.sheet)
    rows = [lab for lab in labels if lab.role is LabelRole.ROW and _covers_row(lab, f.row)]
    rows.sort(key=lambda lab: lab.col)
    if len(rows) > 1 and rows[0].col == 0 and rows[0].last_row not in (None, rows[0].row):
        rows = rows[1:]  # a group label spanning many rows (三、本年度办理结果) says little
    row_part = " ".join(lab.text for lab in rows)
    col_part = "·".join(_shortest_unique(_header_chain(f, form), f, form))
    if not row_part:  # a table of columns only (四): the column's headers name the figure
        return (col_part or f.label), ""
    return row_part, col_part


def _shortest_unique(chain: list[str], f: Field, form: Form) -> list[str]:
    """The shortest tail of a header chain that no other column of the sheet shares:
    法人或其他组织·商业企业 -> 商业企业, but 行政诉讼·复议后起诉·结果维持 stays whole."""
    others = {tuple(_header_chain(g, form)) for g in form.fields_on(f.sheet) if g.col != f.col}
    for n in range(1, len(chain) + 1):
        tail = chain[-n:]
        if not any(tuple(o[-n:]) == tuple(tail) for o in others if len(o) >= n):
            return tail
    return chain


def _header_chain(f: Field, form: Form) -> list[str]:
    labels = form.labels_on(f.sheet)
    captions = [lab.row for lab in labels if lab.role is LabelRole.CAPTION and lab.row < f.row]
    band = max(captions, default=-1)
    heads = [
        lab for lab in labels
        if lab.role is LabelRole.HEADER and band < lab.row < f.row and _covers_col(lab, f.col)
    ]  # fmt: skip
    return [lab.text for lab in sorted(heads, key=lambda lab: lab.row)]


def _covers_row(lab: Label, row: int) -> bool:
    return lab.row <= row <= (lab.last_row if lab.last_row is not None else lab.row)


def _covers_col(lab: Label, col: int) -> bool:
    return lab.col <= col <= (lab.last_col if lab.last_col is not None else lab.col)


def detail_rows(fields: Sequence[Field]) -> dict[str, int]:
    """The sheet row of each field (0-based): after the header, one section row per sheet."""
    out: dict[str, int] = {}
    row, sheet = HEADER_ROW + 1, None
    for f in fields:
        if f.sheet != sheet:
            sheet, row = f.sheet, row + 1  # the section row
        out[f.key] = row
        row += 1
    return out


def total_ref(row: int) -> str:
    """The absolute reference of a figure's 合计 in 明细 (for the national tables)."""
    return a1(row, TOTAL_COL, absolute=True)


def write_detail(
    ws: Worksheet,
    styles: FormStyles,
    *,
    title: str,
    units: Sequence[DetailUnit],
    fields: Sequence[Field],
    sums: Mapping[str, Value],
    missing: Sequence[str],
) -> None:
    """Fill ``ws`` as the 明细 sheet (see the module docstring)."""
    fmt = styles.fmt
    small = {"font_size": 9}
    head = fmt(bold=True, align="center", text_wrap=True, bg_color="#D9E1F2", **small, **BORDER)
    section = fmt(bold=True, bg_color="#D9E1F2", **small, **BORDER)
    label = fmt(text_wrap=True, bg_color="#F2F2F2", **small, **BORDER)
    number = fmt(align="center", num_format="0", **small, **BORDER)
    decimal = fmt(align="center", num_format="General", **small, **BORDER)
    total = fmt(bold=True, align="center", num_format="General", bg_color="#FFF2CC", **small,
                **BORDER)  # fmt: skip
    last_col = FIRST_UNIT_COL + max(len(units), 1) - 1
    page_cols = min(last_col, FIRST_UNIT_COL + UNITS_PER_PAGE - 1)
    ws.merge_range(0, 0, 0, page_cols, f"{title}汇总明细（{len(units)} 个单位）",
                   fmt(bold=True, font_size=14, align="center", text_wrap=True))  # fmt: skip
    ws.set_row(0, 22)
    ws.merge_range(1, 0, 1, page_cols, "每列一个已通过的单位；“合计”列为各单位之和（SUM 公式），"
                   "二、三、四表的数字引用本列。", fmt(font_size=9, font_color="#595959"))  # fmt: skip
    if missing:
        ws.merge_range(2, 0, 2, page_cols,
                       f"未报送或未通过 {len(missing)} 个单位：{'、'.join(missing)}（见“报送情况”表）",
                       fmt(font_size=9, font_color="#C00000", text_wrap=True))  # fmt: skip
        ws.set_row(2, 13 * (1 + len("、".join(missing)) // 60))
    for col, name in enumerate(LABEL_COLS):
        ws.write_string(HEADER_ROW, col, name, head)
    names = [name_lines(u.org) for u in units]
    for i, name in enumerate(names):
        ws.write_string(HEADER_ROW, FIRST_UNIT_COL + i, name, head)
    ws.set_row(HEADER_ROW, 13 * max([2, *(n.count("\n") + 1 for n in names)]))
    ws.set_column(0, 0, LABEL_WIDTH)
    ws.set_column(1, 1, PART_WIDTH)
    ws.set_column(TOTAL_COL, TOTAL_COL, 9)
    ws.set_column(FIRST_UNIT_COL, last_col, UNIT_WIDTH)

    rows = detail_rows(fields)
    sheet = None
    first_unit, last_unit = col_letter(FIRST_UNIT_COL), col_letter(last_col)
    for f in fields:
        row = rows[f.key]
        if f.sheet != sheet:
            sheet = f.sheet
            ws.merge_range(row - 1, 0, row - 1, 1, sheet, section)
        row_part, col_part = item_labels(f)
        ws.write_string(row, 0, row_part, label)
        unit = (
            f"（{f.unit}）"
            if f.unit and f.unit != "件" and f.unit not in row_part + col_part
            else ""
        )
        ws.write_string(row, 1, col_part + unit, label)
        cell = decimal if f.type is ValueType.DECIMAL else number
        ws.write_formula(row, TOTAL_COL, f"=SUM({first_unit}{row + 1}:{last_unit}{row + 1})",
                         total, _number(sums.get(f.key)))  # fmt: skip
        for i, unit in enumerate(units):
            ws.write_number(row, FIRST_UNIT_COL + i, _number(unit.values.get(f.key)), cell)
        lines = max(_lines(row_part, LABEL_WIDTH), _lines(col_part, PART_WIDTH))
        if lines > 1:
            ws.set_row(row, 12 * lines)
    ws.freeze_panes(HEADER_ROW + 1, FIRST_UNIT_COL)
    ws.set_paper(9)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.repeat_rows(HEADER_ROW)
    ws.repeat_columns(0, TOTAL_COL)
    ws.fit_to_pages(-(-len(units) // UNITS_PER_PAGE) or 1, 0)
    ws.set_header(f"&L&9{FORM_TITLE}汇总明细&R&9第 &P 页，共 &N 页")


def name_lines(name: str, width: int = NAME_CHARS) -> str:
    """A unit's name broken into lines of at most ``width`` characters, between its words where
    it can (五龙口镇 / 人民政府, 县市场监督 / 管理局), for a narrow column's header."""
    lines: list[str] = []
    for word in org_words(name):
        while len(word) > width:  # a word longer than a line: cut where it must
            room = width - len(lines[-1]) if lines and len(lines[-1]) < width else 0
            if room:
                lines[-1], word = lines[-1] + word[:room], word[room:]
            else:
                lines.append(word[:width])
                word = word[width:]
        if lines and len(lines[-1]) + len(word) <= width:
            lines[-1] += word
        elif word:
            lines.append(word)
    return "\n".join(lines)


def _lines(text: str, width: int) -> int:
    wide = sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
    return max(1, -(-wide // max(1, width - 1)))


def _number(value: object) -> int | float:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return 0
