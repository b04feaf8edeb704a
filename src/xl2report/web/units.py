"""What the board shows: one :class:`UnitView` per roster unit for a year, from the ledger.

The single adapter between the web pages and the county views: pages and tests use only
:func:`load_board` and :func:`load_unit`, so the source of the unit states can change behind it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from xl2report.batch.ledger import Ledger, Row
from xl2report.batch.records import FileStatus
from xl2report.batch.roster import normalize_org
from xl2report.county.status import compute_status, received_text


class BoardState(StrEnum):
    """A unit's state on the board; ``label`` is what the clerk reads, ``css`` its colour."""

    MISSING = "missing"
    REJECTED = "rejected"
    HELD = "held"
    ACCEPTED = "accepted"
    UPDATED = "updated"
    UNREADABLE = "unreadable"

    @property
    def label(self) -> str:
        """The state's Chinese name (filter buttons, counts)."""
        return _LABELS[self]


_LABELS = {
    BoardState.MISSING: "未报送",
    BoardState.REJECTED: "已退回",
    BoardState.HELD: "待确认名称",
    BoardState.ACCEPTED: "已通过",
    BoardState.UPDATED: "已更新",
    BoardState.UNREADABLE: "无法读取",
}
#: Order of the filter buttons and counts: what needs the clerk first.
STATE_ORDER = (
    BoardState.REJECTED,
    BoardState.HELD,
    BoardState.UNREADABLE,
    BoardState.MISSING,
    BoardState.ACCEPTED,
    BoardState.UPDATED,
)


@dataclass
class UnitView:
    """One row of the board."""

    org: str
    state: BoardState
    label: str  # e.g. 已退回（3 个错误）
    contact: str = ""
    email: str = ""
    errors: int = 0
    warnings: int = 0
    received: str = ""
    version: int = 0
    overdue: bool = False
    in_roster: bool = True
    row_id: int | None = None  # the ledger row the state is about (downloads)
    has_report: bool = False
    has_pdf: bool = False
    has_feedback: bool = False
    note: str = ""


@dataclass
class Board:
    """Every unit of one year, plus what the page header needs."""

    year: int | None
    years: list[int]
    units: list[UnitView]
    deadline: str = ""
    roster_source: str = ""
    unmatched: list[UnitView] = field(default_factory=list)

    def counts(self) -> dict[BoardState, int]:
        """Units per state."""
        return Counter(u.state for u in self.units)

    @property
    def overdue_count(self) -> int:
        """Units past the deadline without an accepted submission."""
        return sum(1 for u in self.units if u.overdue)

    @property
    def done(self) -> int:
        """Units whose current submission passed."""
        counts = self.counts()
        return counts[BoardState.ACCEPTED] + counts[BoardState.UPDATED]


@dataclass
class Submission:
    """One file a unit sent, with its findings, for the unit page."""

    row: Row
    status_label: str
    received: str
    findings: list[dict[str, object]]


@dataclass
class UnitPage:
    """Everything the unit page shows."""

    unit: UnitView | None
    org: str
    year: int | None
    submissions: list[Submission]


def load_board(ledger: Ledger, year: int | None = None) -> Board:
    """The board for ``year`` (default: the latest year the ledger knows)."""
    report = compute_status(ledger, year)
    rows = {r.path: r for r in ledger.rows(report.year)} if report.year is not None else {}
    if report.year is None:
        rows = {r.path: r for r in ledger.rows()}
    units: list[UnitView] = []
    unmatched: list[UnitView] = []
    for s in report.orgs:
        row = rows.get(s.file) if s.file else None
        current = row
        if row is not None and s.state in ("accepted", "updated"):
            current = ledger.current(row.org, row.year) or row
        view = UnitView(
            org=s.org,
            state=BoardState(s.state),
            label=s.label,
            contact=s.contact,
            email=s.email,
            errors=s.errors,
            warnings=current.warnings if current is not None else 0,
            received=s.received,
            version=s.versions,
            in_roster=s.in_roster is not False,
            row_id=current.id if current is not None else None,
            has_report=bool(current and current.report),
            has_pdf=bool(current and current.pdf),
            has_feedback=bool(current and current.feedback),
            note=s.note,
        )
        (unmatched if s.org == "（无法识别）" else units).append(view)
    return Board(report.year, ledger.years(), units, "", report.roster_source, unmatched)


def load_unit(ledger: Ledger, org: str, year: int | None) -> UnitPage:
    """The unit page of ``org``: its board row and every file it sent for ``year``."""
    board = load_board(ledger, year)
    key = normalize_org(org)
    unit = next((u for u in board.units if normalize_org(u.org) == key), None)
    submissions = [
        Submission(
            row=r,
            status_label=file_status_label(r.status),
            received=received_text(r),
            findings=r.finding_dicts(),
        )
        for r in ledger.rows(board.year)
        if r.org and normalize_org(r.org) == key
    ]
    submissions.reverse()  # newest first
    return UnitPage(unit, unit.org if unit else org, board.year, submissions)


def file_status_label(status: str) -> str:
    """A ledger row's status in Chinese (the value itself when this version does not know it)."""
    known = FileStatus._value2member_map_.get(status)
    return known.label if isinstance(known, FileStatus) else status


def now_text() -> str:
    """The time the page was made, as shown in its header."""
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")
