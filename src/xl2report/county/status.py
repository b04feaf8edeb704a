"""The status workbook (报送情况.xlsx): the campaign as sheets a clerk can print or send round.

Sheets: 报送情况 (every unit, its state, warnings to review, overdue days, contact, what to do),
待核对 (each warning of an accepted report, with its cell and whether it was checked),
待确认名称 (held files and the nearest roster name) and 无法读取 (files without a name), the last
three only when they have rows.  :func:`add_units_sheet` is shared with the county summary.
All user text is written as literal strings (a name starting with ``=`` stays text).
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xl2report.batch.ledger import Row
from xl2report.county.campaign import Campaign, UnitState
from xl2report.form.national import FORM_TITLE
from xl2report.xlsx.derived import mark_derived, write_derived
from xl2report.xlsx.style import BORDER, FONT, literal_workbook

STATE_COLOURS = {
    UnitState.MISSING: "#FCE4D6",
    UnitState.REJECTED: "#FFC7CE",
    UnitState.HELD: "#FFEB9C",
    UnitState.SENDER_HELD: "#FFEB9C",
    UnitState.ACCEPTED: "#C6EFCE",
    UnitState.UPDATED: "#DDEBF7",
}
UNITS_SHEET = "报送情况"
UNIT_COLUMNS = (
    ("序号", 5),
    ("机关名称", 24),
    ("状态", 16),
    ("待核对", 7),
    ("逾期天数", 7),
    ("报送时间", 16),
    ("联系人", 9),
    ("邮箱", 22),
    ("需要做的事 / 备注", 58),
)


def received_text(row: Row) -> str:
    """A row's received time as shown to people (local time, minutes)."""
    return datetime.fromtimestamp(row.received_ns / 1e9).strftime("%Y-%m-%d %H:%M")


def campaign_title(campaign: Campaign, county: str = "") -> str:
    """'某某县2024年政府信息公开工作年度报告' (county and year only when known)."""
    year = f"{campaign.year}年" if campaign.year else ""
    return f"{county}{year}{FORM_TITLE}"


def counts_line(campaign: Campaign) -> str:
    """'共 5 个单位：已通过 2，已更新 1，已退回 1，未报送 1；报送截止 2025-01-20。'"""
    counts = campaign.counts()
    parts = [f"{s.label} {counts[s.value]}" for s in UnitState if counts.get(s.value)]
    line = f"共 {len(campaign.units)} 个单位：" + "，".join(parts)
    if campaign.deadline:
        line += f"；报送截止 {campaign.deadline.isoformat()}"
    return line + "。"


class _Formats:
    def __init__(self, wb: Workbook) -> None:
        def fmt(**kw: object):  # type: ignore[no-untyped-def]
            return wb.add_format({"font_name": FONT, "font_size": 10, "valign": "vcenter", **kw})

        self.title = fmt(bold=True, font_size=14)
        self.note = fmt(font_color="#404040")
        self.head = fmt(bold=True, bg_color="#D9D9D9", text_wrap=True, align="center", **BORDER)
        self.cell = fmt(text_wrap=True, **BORDER)
        self.centre = fmt(align="center", **BORDER)
        self.late = fmt(align="center", bold=True, font_color="#C00000", **BORDER)
        self.states = {
            s: fmt(bg_color=c, text_wrap=True, **BORDER) for s, c in STATE_COLOURS.items()
        }


def _page(ws: Worksheet, header_row: int, landscape: bool = True) -> None:
    """A4, fit to the page width, header row repeated, page numbers in the footer."""
    if landscape:
        ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    ws.set_footer("&C第 &P 页，共 &N 页")


def display_width(text: str) -> int:
    """Column-width units: a CJK character is about two digits wide."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def text_lines(text: str, width: int) -> int:
    """How many lines ``text`` takes wrapped in a column ``width`` units wide (10 pt; Excel and
    WPS fit a little more than ``width`` half-width characters on a line, LibreOffice more)."""
    return sum(max(1, -(-display_width(part) // max(1, width))) for part in text.split("\n"))


# A line of 10 pt text: 13.5 pt in Excel and WPS (宋体), 14.5 pt in LibreOffice (Noto CJK).
LINE_HEIGHT = 14.5


def fit_row(
    ws: Worksheet, row: int, cells: list[tuple[str, int]], line: float = LINE_HEIGHT
) -> None:
    """Give ``row`` the height its tallest wrapped text needs (xlsxwriter writes no automatic
    heights, and LibreOffice keeps what the file says): ``cells`` are (text, column width)."""
    lines = max((text_lines(text, width) for text, width in cells), default=1)
    if lines > 1:
        ws.set_row(row, line * lines)


def _table_head(ws: Worksheet, row: int, columns: tuple[tuple[str, int], ...], f: _Formats) -> None:
    for col, (name, width) in enumerate(columns):
        ws.write_string(row, col, name, f.head)
        ws.set_column(col, col, width)


def add_units_sheet(wb: Workbook, campaign: Campaign, county: str = "") -> Worksheet:
    """The 报送情况 sheet: every unit (未报送 included) with its state and what to do."""
    f = _Formats(wb)
    ws = wb.add_worksheet(UNITS_SHEET)
    when = datetime.now().strftime("%Y-%m-%d %H:%M")
    ws.merge_range(0, 0, 0, len(UNIT_COLUMNS) - 1, "", f.title)
    ws.write_string(0, 0, f"{campaign_title(campaign, county)}报送情况（截至 {when}）", f.title)
    ws.set_row(0, 24)
    ws.write_string(1, 0, counts_line(campaign), f.note)
    _table_head(ws, 2, UNIT_COLUMNS, f)
    for i, unit in enumerate(campaign.units):
        row = 3 + i
        current = unit.current
        note = "\n".join(unit.todo()) or _accepted_note(unit)
        if unit.in_roster is False:
            note = f"不在登记的名单中。{note}"
        ws.write_number(row, 0, i + 1, f.centre)
        ws.write_string(row, 1, unit.org, f.cell)
        state = unit.headline if not unit.state.done else unit.label  # 待核对 has its column
        ws.write_string(row, 2, state, f.states[unit.state])
        ws.write_string(row, 3, str(unit.to_review) if unit.to_review else "", f.centre)
        late = str(unit.overdue_days) if unit.overdue else ""
        ws.write_string(row, 4, late, f.late if late else f.centre)
        ws.write_string(row, 5, current.received_text if current else "", f.cell)
        ws.write_string(row, 6, unit.contact, f.cell)
        ws.write_string(row, 7, unit.email, f.cell)
        ws.write_string(row, 8, note, f.cell)
        fit_row(ws, row, [(unit.org, UNIT_COLUMNS[1][1]), (note, UNIT_COLUMNS[8][1])])
    ws.freeze_panes(3, 2)
    if campaign.units:
        ws.autofilter(2, 0, 2 + len(campaign.units), len(UNIT_COLUMNS) - 1)
    _page(ws, 2)
    return ws


def _accepted_note(unit) -> str:  # type: ignore[no-untyped-def]
    current = unit.current
    if current is None:
        return ""
    parts = [f"年报：{current.report}"] if current.report else []
    if unit.to_review:
        parts.append(f"有 {unit.to_review} 条提醒待核对（见“待核对”表）")
    return "；".join(parts)


REVIEW_COLUMNS = (
    ("序号", 5), ("机关名称", 22), ("工作表", 14), ("单元格", 7), ("提醒内容", 70),
    ("类别", 16), ("已核对", 16),
)  # fmt: skip
HELD_COLUMNS = (("序号", 5), ("文件", 36), ("填写的机关名称", 24), ("名单中最接近的名称", 24),
                ("收到时间", 16), ("错误", 6))  # fmt: skip


def build_status_xlsx(campaign: Campaign, county: str = "") -> bytes:
    """The status workbook (see the module docstring)."""
    buffer = io.BytesIO()
    wb = literal_workbook(buffer)
    mark_derived(wb, "status")
    add_units_sheet(wb, campaign, county)
    f = _Formats(wb)
    reviews = [(u, w) for u in campaign.units if u.state.done for w in u.warnings]
    if reviews:
        ws = wb.add_worksheet("待核对")
        ws.write_string(0, 0, "已通过的报告中需要人工核对的提醒（核对后可在工作台标记“已核对”）",
                        f.title)  # fmt: skip
        _table_head(ws, 1, REVIEW_COLUMNS, f)
        for i, (unit, w) in enumerate(reviews):
            row = 2 + i
            ws.write_number(row, 0, i + 1, f.centre)
            for col, text in enumerate((unit.org, w.sheet, w.cell, w.message, w.name,
                                        w.reviewed_at[:16].replace("T", " ")), start=1):  # fmt: skip
                ws.write_string(row, col, text, f.cell)
            fit_row(ws, row, [(w.message, REVIEW_COLUMNS[4][1])])
        ws.freeze_panes(2, 2)
        _page(ws, 1)
    if campaign.unmatched:
        ws = wb.add_worksheet("待确认名称")
        ws.write_string(0, 0, "机关名称不在名单中的报送：确认是哪个单位后，把填写的名称加入名单的“别名”列",
                        f.title)  # fmt: skip
        _table_head(ws, 1, HELD_COLUMNS, f)
        for i, held in enumerate(campaign.unmatched):
            s, row = held.submission, 2 + i
            ws.write_number(row, 0, i + 1, f.centre)
            texts = (s.file, s.org, held.suggestion or "（无相近名称）", s.received_text)
            for col, text in enumerate(texts, start=1):
                ws.write_string(row, col, text, f.cell)
            ws.write_number(row, 5, s.errors, f.centre)
        _page(ws, 1)
    if campaign.unreadable:
        ws = wb.add_worksheet("无法读取")
        _table_head(ws, 0, (("序号", 5), ("文件", 40), ("收到时间", 16), ("说明", 70)), f)
        for i, s in enumerate(campaign.unreadable):
            ws.write_number(1 + i, 0, i + 1, f.centre)
            for col, text in enumerate((s.file, s.received_text, s.message), start=1):
                ws.write_string(1 + i, col, text, f.cell)
        _page(ws, 0)
    wb.close()
    return buffer.getvalue()


def write_status_xlsx(
    campaign: Campaign, path: Path, force: bool = False, county: str = ""
) -> Path:
    """Write :func:`build_status_xlsx` to ``path``, replacing an earlier status workbook (see
    :func:`~xl2report.xlsx.derived.write_derived`)."""
    return write_derived(Path(path), build_status_xlsx(campaign, county), force=force)
