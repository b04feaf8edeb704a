"""The audit of a folder of published reports, as a sheet of the county summary.

``summary --audit DIR``: every published report under DIR (.pdf .docx .doc .wps .html .mhtml
.txt) is read and audited exactly as ``check`` audits one (the import's own findings and the
whole check catalogue, :func:`~xl2report.published.reader.audit_findings`), and the summary
gets the sheet 已发布报告审核: one row per report — file, 机关名称 and year as the report
prints them, the roster unit it stands for (by name or 别名), errors, warnings and every
finding in Chinese with its sheet and cell — then one row per roster unit with no report in
DIR.  So a county office audits last year's published reports of all its units in one
command.  Nothing under DIR is changed; a file that cannot be read is a row saying why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xl2report.batch.ledger import RosterEntry
from xl2report.batch.roster import RosterIndex, normalize_org
from xl2report.checks.catalogue import FileReport, Finding
from xl2report.county.status import display_width
from xl2report.errors import FatalError
from xl2report.published.extract import SUFFIXES
from xl2report.published.reader import audit_findings, read_published
from xl2report.published.workbook import report_files
from xl2report.xlsx.style import BORDER, FONT

AUDIT_SHEET = "已发布报告审核"
AUDIT_COLUMNS = (
    ("序号", 5), ("文件", 26), ("报告中的机关名称", 20), ("年度", 6), ("名单中的单位", 20),
    ("结论", 8), ("错误", 6), ("提醒", 6), ("发现的问题（逐条）", 72),
)  # fmt: skip
SHOWN_FINDINGS = 20  # per report; the rest are counted (``check FILE`` lists them all)
MAX_ROW_HEIGHT = 409  # points: Excel's limit
NO_REPORT = "未找到报告"


@dataclass
class AuditedReport:
    """One published report file and what auditing it found."""

    file: str  # relative to the audited folder
    report: FileReport
    unit: str | None  # the roster's name for its 机关名称, None when not on the roster

    @property
    def verdict(self) -> str:
        """无法读取 / 未通过 (an error) / 通过 (warnings at most)."""
        if not self.report.readable:
            return "无法读取"
        return "通过" if self.report.valid else "未通过"


@dataclass
class Audit:
    """The audit of one folder: its reports in roster order, and the units without one."""

    folder: Path
    reports: list[AuditedReport] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # roster units with no report there

    def counts_line(self) -> str:
        """'共 3 份报告：通过 1 份，未通过 2 份；名单中 1 个单位没有找到报告。'"""
        verdicts = [r.verdict for r in self.reports]
        parts = [f"{v} {verdicts.count(v)} 份" for v in ("通过", "未通过", "无法读取")
                 if v in verdicts]  # fmt: skip
        line = f"共 {len(self.reports)} 份报告：" + "，".join(parts)
        if self.missing:
            line += f"；名单中 {len(self.missing)} 个单位没有找到报告"
        return line + "。"


def audit_folder(folder: Path, roster: Sequence[RosterEntry] = ()) -> Audit:
    """Audit every published report under ``folder``; FatalError when there is none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FatalError(f"要审核的已发布报告目录不存在：{folder}")
    paths = report_files(folder)
    if not paths:
        raise FatalError(f"{folder} 中没有已发布的报告（{' '.join(SUFFIXES)}），没有可审核的文件。")
    index = RosterIndex(roster)
    audit = Audit(folder)
    for path in paths:
        imported = read_published(path)
        report = imported.report(audit_findings(imported))
        unit = index.official(report.org) if report.org else None
        audit.reports.append(AuditedReport(str(path.relative_to(folder)), report, unit))
    position = {normalize_org(e.name): i for i, e in enumerate(roster)}
    audit.reports.sort(key=lambda r: (position.get(normalize_org(r.unit or ""), len(position)),
                                      r.file))  # fmt: skip
    found = {r.unit for r in audit.reports}
    audit.missing = [e.name for e in roster if e.name not in found]
    return audit


def finding_line(finding: Finding) -> str:
    """'【错误】四、复议诉讼 E6：行政复议总计应等于各分项之和……'"""
    level = "错误" if finding.is_error else "提醒"
    where = " ".join(x for x in (finding.sheet, finding.cell) if x)
    return f"【{level}】{where}{'：' if where else ''}{finding.message}"


def findings_text(report: FileReport) -> str:
    """Every finding, errors first, one per line (the first :data:`SHOWN_FINDINGS`)."""
    ordered = report.errors + report.warnings
    lines = [finding_line(f) for f in ordered[:SHOWN_FINDINGS]]
    if len(ordered) > SHOWN_FINDINGS:
        lines.append(f"……另有 {len(ordered) - SHOWN_FINDINGS} 条（xl2report check 该文件可看全部）")
    return "\n".join(lines)


def add_audit_sheet(wb: Workbook, audit: Audit, county: str = "") -> Worksheet:
    """The 已发布报告审核 sheet (see the module docstring); texts are written as literal text."""
    f = _Formats(wb)
    ws = wb.add_worksheet(AUDIT_SHEET)
    when = datetime.now().strftime("%Y-%m-%d %H:%M")
    ws.merge_range(0, 0, 0, len(AUDIT_COLUMNS) - 1, "", f.title)
    ws.write_string(0, 0, f"{county}已发布的政府信息公开工作年度报告审核（{when}）", f.title)
    ws.set_row(0, 24)
    ws.write_string(1, 0, f"审核目录：{audit.folder}　{audit.counts_line()}"
                    "每份报告按国家格式读出后做与报回工作簿相同的全部校验（xl2report check）。",
                    f.note)  # fmt: skip
    for col, (name, width) in enumerate(AUDIT_COLUMNS):
        ws.write_string(2, col, name, f.head)
        ws.set_column(col, col, width)
    row = 3
    for i, item in enumerate(audit.reports):
        r = item.report
        ws.write_number(row, 0, i + 1, f.centre)
        _text(ws, row, 1, item.file, f.cell)
        _text(ws, row, 2, r.org, f.cell)
        _text(ws, row, 3, str(r.year) if r.year else "", f.centre)
        _text(ws, row, 4, item.unit or ("不在名单中" if r.org else ""), f.cell)
        ws.write_string(row, 5, item.verdict, f.verdicts[item.verdict])
        ws.write_number(row, 6, len(r.errors), f.centre)
        ws.write_number(row, 7, len(r.warnings), f.centre)
        text = findings_text(r)
        _text(ws, row, 8, text, f.cell)
        _fit(ws, row, [(item.file, 26), (text, AUDIT_COLUMNS[8][1])])
        row += 1
    for unit in audit.missing:
        ws.write_number(row, 0, row - 2, f.centre)
        for col in (1, 2, 3, 6, 7, 8):
            ws.write_blank(row, col, None, f.cell)
        ws.write_string(row, 4, unit, f.cell)
        ws.write_string(row, 5, NO_REPORT, f.verdicts[NO_REPORT])
        row += 1
    ws.freeze_panes(3, 2)
    ws.autofilter(2, 0, max(row - 1, 2), len(AUDIT_COLUMNS) - 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(2)
    ws.set_footer("&C第 &P 页，共 &N 页")
    return ws


def _text(ws: Worksheet, row: int, col: int, text: str, fmt: object) -> None:
    """A literal text cell, or a blank (with its border) when there is no text."""
    if text:
        ws.write_string(row, col, text, fmt)
    else:
        ws.write_blank(row, col, None, fmt)


def _fit(ws: Worksheet, row: int, cells: list[tuple[str, int]], line: float = 14.5) -> None:
    """A row tall enough for its wrapped texts, within Excel's limit."""
    lines = max(sum(max(1, -(-display_width(p) // max(1, w))) for p in t.split("\n"))
                for t, w in cells)  # fmt: skip
    if lines > 1:
        ws.set_row(row, min(MAX_ROW_HEIGHT, line * lines))


class _Formats:
    def __init__(self, wb: Workbook) -> None:
        def fmt(**kw: object):  # type: ignore[no-untyped-def]
            return wb.add_format({"font_name": FONT, "font_size": 10, "valign": "top", **kw})

        self.title = fmt(bold=True, font_size=14, valign="vcenter")
        self.note = fmt(font_color="#404040", valign="vcenter")
        self.head = fmt(bold=True, bg_color="#D9D9D9", text_wrap=True, align="center",
                        valign="vcenter", **BORDER)  # fmt: skip
        self.cell = fmt(text_wrap=True, **BORDER)
        self.centre = fmt(align="center", **BORDER)
        colours = {"通过": "#C6EFCE", "未通过": "#FFC7CE", "无法读取": "#FFEB9C",
                   NO_REPORT: "#FCE4D6"}  # fmt: skip
        self.verdicts = {v: fmt(bg_color=c, align="center", **BORDER) for v, c in colours.items()}
