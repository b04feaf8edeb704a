"""What the board shows, from the campaign model (:mod:`xl2report.county.campaign`).

The single adapter between the web pages and the county views: pages and tests use only
:func:`load_board` and :func:`load_unit`.  Units, states, findings and held files are the
campaign's own records; this module only adds what a page needs on top (the years to switch
between, the filter, each submission's findings for the unit page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from markupsafe import Markup, escape

from xl2report.batch.ledger import Ledger
from xl2report.batch.records import FileStatus
from xl2report.batch.reference import compared_with
from xl2report.batch.roster import normalize_org
from xl2report.checks.likeness import Likeness, likeness
from xl2report.county.campaign import (
    Campaign,
    HeldFile,
    Note,
    Submission,
    Unit,
    campaign_years,
    load_campaign,
)
from xl2report.county.units import UnitState, org_words
from xl2report.form.types import Level

#: Order of the filter buttons: what needs the clerk first.
STATE_ORDER = (
    UnitState.REJECTED,
    UnitState.HELD,
    UnitState.SENDER_HELD,
    UnitState.MISSING,
    UnitState.ACCEPTED,
    UnitState.UPDATED,
)


@dataclass
class Board:
    """One year's campaign plus what the page header needs."""

    campaign: Campaign
    years: list[int]

    @property
    def year(self) -> int | None:
        """The year shown."""
        return self.campaign.year

    @property
    def units(self) -> list[Unit]:
        """Every unit, in roster order."""
        return self.campaign.units

    def counts(self) -> dict[UnitState, int]:
        """Units per state."""
        out = dict.fromkeys(UnitState, 0)
        for u in self.campaign.units:
            out[u.state] += 1
        return out

    @property
    def done(self) -> int:
        """Units whose current submission passed."""
        return sum(1 for u in self.campaign.units if u.state.done)

    @property
    def unfinished(self) -> int:
        """Units without an accepted submission: missing, rejected, or held for a name."""
        return len(self.campaign.units) - self.done

    @property
    def overdue_count(self) -> int:
        """Units past the deadline without an accepted submission."""
        return sum(1 for u in self.campaign.units if u.overdue)

    @property
    def days_left(self) -> int | None:
        """Days until the deadline (negative once past); None without a deadline."""
        deadline = self.campaign.deadline
        return (deadline - self.campaign.today).days if deadline else None


PAGE_SIZE = 200  # units per page of the board: a county fits on one, a province pages


@dataclass
class BoardPage:
    """The units one page of the board shows: filtered by state and name, one page of them."""

    rows: list[tuple[int, Unit]]  # (roster position, unit)
    total: int  # units that match the filter, on every page
    page: int  # 1-based
    pages: int
    query: str = ""

    @property
    def size(self) -> int:
        """Units per page."""
        return PAGE_SIZE

    @property
    def first(self) -> int:
        """The number (in the filtered list) of the first unit shown, 1-based; 0 when none."""
        return (self.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        """The number of the last unit shown."""
        return self.first + len(self.rows) - 1 if self.rows else 0

    def links(self) -> list[int | None]:
        """Page numbers to link to: the first, the last and those near this one; None marks a
        gap (shown as …)."""
        near = {1, self.pages, *range(self.page - 2, self.page + 3)}
        out: list[int | None] = []
        for n in sorted(p for p in near if 1 <= p <= self.pages):
            if out and out[-1] is not None and n - out[-1] > 1:  # type: ignore[operator]
                out.append(None)
            out.append(n)
        return out


def board_page(
    board: Board, state: UnitState | None, query: str = "", page: int = 1
) -> BoardPage:
    """The units of ``board`` in ``state`` (all when None) whose name or alias contains
    ``query`` (spaces and full-width forms ignored), page ``page`` of them."""
    key = normalize_org(query)
    matching = [
        (pos, u)
        for pos, u in enumerate(board.units, start=1)
        if (state is None or u.state is state)
        and (not key or any(key in normalize_org(n) for n in (u.org, *u.aliases)))
    ]
    pages = max(1, -(-len(matching) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    start = (page - 1) * PAGE_SIZE
    return BoardPage(matching[start : start + PAGE_SIZE], len(matching), page, pages, query)


@dataclass
class SubmissionView:
    """One file a unit sent, with its findings, for the unit page."""

    submission: Submission
    notes: list[Note]
    current: bool  # the submission the unit's state is about (its warnings can be reviewed)

    @property
    def status_label(self) -> str:
        """The file's status in Chinese."""
        return file_status_label(self.submission.status)


@dataclass
class UnitPage:
    """Everything the unit page shows."""

    unit: Unit
    year: int | None
    submissions: list[SubmissionView]
    held: list[HeldFile] = field(default_factory=list)
    roster: list[str] = field(default_factory=list)
    # The current submission against last year's, section by section (None: nothing to compare);
    # ``warned`` holds the sections that earned a copied-text or same-table warning.
    similarity: list[Likeness] | None = None
    warned: set[str] = field(default_factory=set)

    def is_warned(self, m: Likeness) -> bool:
        """Whether this section earned a warning (copied text, a table the same as last year)."""
        return m.key in self.warned or (m.is_table and m.sheet in self.warned)


def load_board(ledger: Ledger, year: int | None = None, today: date | None = None) -> Board:
    """The board for ``year`` (default: the latest year with a submission or a deadline)."""
    return Board(load_campaign(ledger, year, today), campaign_years(ledger))


def load_unit(ledger: Ledger, org: str, year: int | None) -> UnitPage | None:
    """The unit page of ``org`` (official name or alias), or None when there is no such unit."""
    campaign = load_campaign(ledger, year)
    unit = campaign.unit(org)
    if unit is None:
        return None
    current_id = unit.current.id if unit.current else None
    # A file held for its sender is not "当前": the version still in effect is.
    in_effect = unit.accepted_before if unit.state is UnitState.SENDER_HELD else unit.current
    effect_id = in_effect.id if in_effect else None
    views = []
    for s in sorted(unit.history, key=lambda s: s.order, reverse=True):
        if s.id == current_id and unit.state is not UnitState.SENDER_HELD:
            notes = [*unit.errors, *unit.warnings]
        else:
            row = ledger.get(s.id)
            notes = _notes(row.finding_dicts(), _reviewed(ledger, row.sha256)) if row else []
        views.append(SubmissionView(s, notes, s.id == effect_id))
    held = list(unit.held)
    if unit.in_roster is None:  # no roster: nothing to confirm names against
        held = []
    roster = [e.name for e in ledger.roster()]
    page = UnitPage(unit, campaign.year, views, held, roster)
    if current_id is not None:
        page.similarity = _similarity(ledger, current_id)
        page.warned = {n.key or n.sheet for n in unit.warnings if n.code in _SAMENESS}
    return page


_SAMENESS = ("text-copied-from-last-year", "table-same-as-last-year")


def _similarity(ledger: Ledger, row_id: int) -> list[Likeness] | None:
    """The current submission's sections against last year's (from its stored values, so only
    for a submission that passed: a returned one is not stored)."""
    row = ledger.get(row_id)
    if row is None or not row.vals or not row.org or row.year is None:
        return None
    previous = compared_with(ledger, row.org, row.year)
    return None if previous is None else likeness(row.values(), previous)


def _reviewed(ledger: Ledger, sha256: str) -> dict[tuple[str, str, str], str]:
    return {(r.code, r.sheet, r.cell): r.reviewed_at for r in ledger.reviews(sha256)}


def _notes(
    findings: list[dict[str, object]], reviewed: dict[tuple[str, str, str], str]
) -> list[Note]:
    """Findings of another submission as notes (errors first, as the campaign orders them)."""
    notes = []
    for f in findings:
        if f.get("level") not in Level._value2member_map_:
            continue
        code, sheet, cell = str(f.get("code", "")), str(f.get("sheet") or ""), str(f.get("cell") or "")
        notes.append(Note(code, Level(str(f.get("level"))), str(f.get("message", "")), sheet, cell,
                          str(f.get("key") or ""), reviewed.get((code, sheet, cell), "")))  # fmt: skip
    return sorted(notes, key=lambda n: n.level is not Level.ERROR)


def same_unit(a: str, b: str) -> bool:
    """Whether two names are the same organisation as the roster compares them."""
    return normalize_org(a) == normalize_org(b)


def file_status_label(status: str) -> str:
    """A ledger row's status in Chinese (the value itself when this version does not know it)."""
    known = FileStatus._value2member_map_.get(status)
    return known.label if isinstance(known, FileStatus) else status


def org_html(org: str) -> Markup:
    """A unit's name for a narrow table cell: escaped, breakable only between its words
    (``<wbr>``; the cell's CSS keeps the characters of a word together)."""
    return Markup("<wbr>").join(escape(w) for w in org_words(org)) or Markup("")


def now_text() -> str:
    """The time the page was made, as shown in its header."""
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")
