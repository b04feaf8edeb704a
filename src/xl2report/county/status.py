"""Who has reported: the current state of every organisation for one year, from the ledger.

States: 未报送 (on the roster, nothing received), 已退回（N 个错误） (the latest submission was
rejected), 已通过 (one accepted version), 已更新 (a newer accepted version replaced an older
one).  Files that could not be read at all carry no org and are listed separately as 无法读取.
Reads the ledger only; ``write_status_xlsx`` writes the same table as a workbook to email round.
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from xl2report.atomic import write_bytes_atomic
from xl2report.batch.ledger import Ledger, RosterEntry, Row
from xl2report.batch.records import FileStatus
from xl2report.batch.roster import normalize_org
from xl2report.form.national import FORM_TITLE
from xl2report.xlsx.style import literal_workbook

MISSING, REJECTED, ACCEPTED, UPDATED, UNREADABLE = (
    "missing",
    "rejected",
    "accepted",
    "updated",
    "unreadable",
)


@dataclass
class OrgStatus:
    """One organisation's state for the year."""

    org: str
    state: str  # one of the constants above
    label: str  # 未报送 / 已退回（N 个错误） / 已通过 / 已更新 / 无法读取
    code: str = ""
    contact: str = ""
    email: str = ""
    in_roster: bool | None = None
    errors: int = 0
    received: str = ""  # received time of the submission the state is about
    file: str = ""  # that submission's path in the inbox
    output: str = ""  # its report or feedback workbook (relative to the outbox)
    versions: int = 0  # accepted versions received
    note: str = ""


@dataclass
class StatusReport:
    """Every organisation's state for one year."""

    year: int | None
    orgs: list[OrgStatus]
    roster_source: str = ""

    def counts(self) -> dict[str, int]:
        """Number of organisations per state."""
        return dict(Counter(s.state for s in self.orgs))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (``status --json``)."""
        return {
            "year": self.year,
            "roster": self.roster_source,
            "counts": self.counts(),
            "orgs": [asdict(s) for s in self.orgs],
        }


def received_text(row: Row) -> str:
    """A row's received time as shown to people (local time, minutes)."""
    return datetime.fromtimestamp(row.received_ns / 1e9).strftime("%Y-%m-%d %H:%M")


def compute_status(ledger: Ledger, year: int | None = None) -> StatusReport:
    """Per org, the state for ``year`` (default: the latest year in the ledger)."""
    if year is None:
        years = ledger.years()
        year = years[-1] if years else None
    roster = ledger.roster()
    rows = [
        r
        for r in ledger.rows()
        if r.duplicate_of is None and (year is None or r.year in (year, None))
    ]
    by_org: dict[str, list[Row]] = {}
    unreadable: list[Row] = []
    for r in rows:
        if r.org:
            by_org.setdefault(normalize_org(r.org), []).append(r)
        elif r.status in (FileStatus.UNREADABLE, FileStatus.REJECTED):
            unreadable.append(r)

    out: list[OrgStatus] = []
    listed: set[str] = set()
    for entry in roster:
        key = normalize_org(entry.name)
        listed.add(key)
        out.append(_org_status(entry.name, by_org.get(key, []), entry, bool(roster)))
    for key in sorted(set(by_org) - listed, key=lambda k: by_org[k][0].org):
        org_rows = by_org[key]
        status = _org_status(org_rows[-1].org, org_rows, None, bool(roster))
        if roster:
            status.note = _join(status.note, "不在登记的名单中")
        out.append(status)
    for r in unreadable:
        out.append(
            OrgStatus(
                org="（无法识别）",
                state=UNREADABLE if r.status is FileStatus.UNREADABLE else REJECTED,
                label="无法读取"
                if r.status is FileStatus.UNREADABLE
                else f"已退回（{r.errors} 个错误）",
                errors=r.errors,
                received=received_text(r),
                file=r.path,
                output=r.feedback or "",
                note=r.message,
            )
        )
    return StatusReport(year, out, ledger.roster_source())


def _org_status(
    name: str, rows: list[Row], entry: RosterEntry | None, has_roster: bool
) -> OrgStatus:
    status = OrgStatus(
        org=name,
        state=MISSING,
        label="未报送",
        code=entry.code if entry else "",
        contact=entry.contact if entry else "",
        email=entry.email if entry else "",
        in_roster=(entry is not None) if has_roster else None,
    )
    judged = [
        r
        for r in rows
        if r.status in (FileStatus.ACCEPTED, FileStatus.SUPERSEDED, FileStatus.REJECTED)
    ]
    if not judged:
        unreadable = [r for r in rows if r.status is FileStatus.UNREADABLE]
        if unreadable:
            status.state, status.label = UNREADABLE, "无法读取"
            status.file, status.received = unreadable[-1].path, received_text(unreadable[-1])
            status.note = unreadable[-1].message
        return status
    latest = max(judged, key=lambda r: r.order)
    versions = [r for r in judged if r.status in (FileStatus.ACCEPTED, FileStatus.SUPERSEDED)]
    current = next((r for r in versions if r.status is FileStatus.ACCEPTED), None)
    status.versions = len(versions)
    status.file, status.received = latest.path, received_text(latest)
    if latest.status is FileStatus.REJECTED:
        status.state, status.errors = REJECTED, latest.errors
        status.label = f"已退回（{latest.errors} 个错误）"
        status.output = latest.feedback or ""
        if current is not None:
            status.note = f"此前已通过第 {current.version} 版：{current.report}"
    else:
        assert current is not None
        status.state = UPDATED if len(versions) > 1 else ACCEPTED
        status.label = "已更新" if len(versions) > 1 else "已通过"
        status.output = current.report or ""
        status.file, status.received = current.path, received_text(current)
        if len(versions) > 1:
            status.note = f"共收到 {len(versions)} 个通过的版本，现用第 {current.version} 版"
    return status


def _join(a: str, b: str) -> str:
    return f"{a}；{b}" if a else b


STATUS_COLUMNS = (
    ("序号", 6),
    ("机关名称", 28),
    ("代码", 10),
    ("状态", 18),
    ("报送时间", 17),
    ("输出文件", 48),
    ("报送文件", 30),
    ("联系人", 10),
    ("邮箱", 24),
    ("备注", 40),
)


def build_status_xlsx(report: StatusReport) -> bytes:
    """The status table as a workbook (all user text written as literal strings)."""
    buffer = io.BytesIO()
    wb = literal_workbook(buffer)
    ws = wb.add_worksheet("报送情况")
    title = wb.add_format({"bold": True, "font_size": 14, "font_name": "宋体"})
    head = wb.add_format({"bold": True, "bg_color": "#D9D9D9", "border": 1, "font_name": "宋体",
                          "text_wrap": True, "valign": "vcenter"})  # fmt: skip
    colours = {
        MISSING: "#FCE4D6",
        REJECTED: "#FFC7CE",
        UNREADABLE: "#FFC7CE",
        ACCEPTED: "#C6EFCE",
        UPDATED: "#DDEBF7",
    }
    cell = wb.add_format({"border": 1, "font_name": "宋体", "valign": "vcenter", "text_wrap": True})
    state_fmt = {
        k: wb.add_format({"border": 1, "font_name": "宋体", "bg_color": c, "valign": "vcenter"})
        for k, c in colours.items()
    }
    year = f"{report.year}年" if report.year else ""
    when = datetime.now().strftime("%Y-%m-%d %H:%M")
    ws.write_string(0, 0, f"{year}{FORM_TITLE}报送情况（截至 {when}）", title)
    counts = report.counts()
    summary = "，".join(
        f"{label} {counts.get(k, 0)} 个"
        for k, label in (
            (ACCEPTED, "已通过"),
            (UPDATED, "已更新"),
            (REJECTED, "已退回"),
            (MISSING, "未报送"),
            (UNREADABLE, "无法读取"),
        )
    )
    ws.write_string(1, 0, summary)
    for col, (name, width) in enumerate(STATUS_COLUMNS):
        ws.write_string(2, col, name, head)
        ws.set_column(col, col, width)
    for i, s in enumerate(report.orgs):
        row = 3 + i
        ws.write_number(row, 0, i + 1, cell)
        texts = (s.org, s.code, s.label, s.received, s.output, s.file, s.contact, s.email, s.note)
        for col, text in enumerate(texts, start=1):
            ws.write_string(row, col, text, state_fmt[s.state] if col == 3 else cell)
    ws.freeze_panes(3, 2)
    if report.orgs:
        ws.autofilter(2, 0, 2 + len(report.orgs), len(STATUS_COLUMNS) - 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(2)
    wb.close()
    return buffer.getvalue()


def write_status_xlsx(report: StatusReport, path: Path, overwrite: bool = False) -> Path:
    """Write :func:`build_status_xlsx` atomically to ``path``."""
    write_bytes_atomic(Path(path), build_status_xlsx(report), overwrite=overwrite)
    return Path(path)
