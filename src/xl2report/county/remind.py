"""Whom to chase and for what: the reminder list (催报清单) of a campaign.

Every unit that is missing, rejected or held, with its contact, email, state, days overdue and
what to do in plain Chinese, plus a message ready to paste into a chat or a mail merge.
``Reminders.to_dict()`` is the public ``remind --json`` contract; mail sends from it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from xl2report.county.campaign import Campaign, Unit, UnitState
from xl2report.county.status import STATE_COLOURS, campaign_title, fit_row
from xl2report.form.national import FORM_TITLE
from xl2report.xlsx.derived import mark_derived, write_derived
from xl2report.xlsx.style import BORDER, FONT, literal_workbook


@dataclass(frozen=True)
class Reminder:
    """One unit to chase."""

    unit: Unit
    message: str  # the whole reminder, ready to paste

    @property
    def todo(self) -> list[str]:
        return self.unit.todo()

    def to_dict(self) -> dict[str, object]:
        u = self.unit
        return {
            "org": u.org,
            "state": u.state.contract,
            "label": u.label,
            "headline": u.headline,
            "contact": u.contact,
            "email": u.email,
            "overdue": u.overdue,
            "overdue_days": u.overdue_days,
            "todo": self.todo,
            "feedback": u.current.feedback if u.current else "",
            "message": self.message,
        }


@dataclass(frozen=True)
class Reminders:
    """The reminder list of one year."""

    year: int | None
    deadline: date | None
    units: list[Reminder]

    def to_dict(self) -> dict[str, object]:
        """The ``remind --json`` contract."""
        return {
            "year": self.year,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "units": [r.to_dict() for r in self.units],
        }


def build_reminders(campaign: Campaign) -> Reminders:
    """Missing, rejected and held units in that order, most overdue first within each.  A unit
    whose newest return waits for its sender to be confirmed is the office's to decide, not
    chased (it may well have sent nothing)."""
    order = {UnitState.REJECTED: 0, UnitState.MISSING: 1, UnitState.HELD: 2}
    chase = [u for u in campaign.units if u.state in order]
    chase.sort(key=lambda u: (order[u.state], -u.overdue_days))
    return Reminders(
        campaign.year, campaign.deadline, [Reminder(u, _message(campaign, u)) for u in chase]
    )


def _message(campaign: Campaign, unit: Unit) -> str:
    title = campaign_title(campaign)
    lines = [f"{unit.contact or unit.org}：" if unit.contact else f"{unit.org}："]
    if unit.state is UnitState.MISSING:
        lines.append(f"贵单位的《{title}》填报表尚未收到。")
    elif unit.state is UnitState.REJECTED:
        lines.append(f"贵单位报送的《{title}》填报表未通过校验，需要改正以下问题：")
    else:
        lines.append(f"已收到《{title}》填报表，机关名称与名单不一致，正在核对：")
    todo = unit.todo()
    if unit.state is UnitState.REJECTED:
        lines += [f"{i}. {t}" for i, t in enumerate(todo[:-1], start=1)] + todo[-1:]
    elif unit.state is UnitState.HELD:
        lines += todo
    if unit.overdue:
        lines.append(
            f"报送截止日期 {campaign.deadline.isoformat()} 已过 {unit.overdue_days} 天，请尽快报送。"  # type: ignore[union-attr]
        )
    elif campaign.deadline and unit.state is not UnitState.HELD:
        lines.append(f"请于 {campaign.deadline.isoformat()} 前报送。")
    return "\n".join(lines)


COLUMNS = (
    ("序号", 5), ("机关名称", 22), ("状态", 14), ("逾期天数", 7), ("联系人", 9),
    ("邮箱", 22), ("需要做的事", 52), ("提醒消息（可直接复制发送）", 52),
)  # fmt: skip


def build_reminders_xlsx(reminders: Reminders, county: str = "") -> bytes:
    """The reminder list as a workbook (one row per unit; columns fit a mail merge)."""
    buffer = io.BytesIO()
    wb = literal_workbook(buffer)
    mark_derived(wb, "reminders")
    ws = wb.add_worksheet("催报清单")

    def fmt(**kw: object):  # type: ignore[no-untyped-def]
        return wb.add_format({"font_name": FONT, "font_size": 10, "valign": "top", **kw})

    title, head = fmt(bold=True, font_size=14), fmt(bold=True, bg_color="#D9D9D9", **BORDER)
    cell, centre = fmt(text_wrap=True, **BORDER), fmt(align="center", **BORDER)
    states = {s: fmt(bg_color=c, text_wrap=True, **BORDER) for s, c in STATE_COLOURS.items()}
    year = f"{reminders.year}年" if reminders.year else ""
    deadline = f"（报送截止 {reminders.deadline.isoformat()}）" if reminders.deadline else ""
    ws.write_string(0, 0, f"{county}{year}{FORM_TITLE}催报清单{deadline}", title)
    if not reminders.units:
        ws.write_string(1, 0, "所有单位均已通过，无需催报。")
    for col, (name, width) in enumerate(COLUMNS):
        ws.write_string(2, col, name, head)
        ws.set_column(col, col, width)
    for i, r in enumerate(reminders.units):
        row, u = 3 + i, r.unit
        ws.write_number(row, 0, i + 1, centre)
        ws.write_string(row, 1, u.org, cell)
        ws.write_string(row, 2, u.headline, states[u.state])
        ws.write_string(row, 3, str(u.overdue_days) if u.overdue else "", centre)
        ws.write_string(row, 4, u.contact, cell)
        ws.write_string(row, 5, u.email, cell)
        ws.write_string(row, 6, "\n".join(r.todo), cell)
        ws.write_string(row, 7, r.message, cell)
        fit_row(ws, row, [("\n".join(r.todo), COLUMNS[6][1]), (r.message, COLUMNS[7][1])])
    ws.freeze_panes(3, 2)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(2)
    ws.set_footer("&C第 &P 页，共 &N 页")
    wb.close()
    return buffer.getvalue()


def write_reminders_xlsx(
    reminders: Reminders, path: Path, force: bool = False, county: str = ""
) -> Path:
    """Write :func:`build_reminders_xlsx` to ``path``, replacing last round's list (see
    :func:`~xl2report.xlsx.derived.write_derived`)."""
    return write_derived(Path(path), build_reminders_xlsx(reminders, county), force=force)
