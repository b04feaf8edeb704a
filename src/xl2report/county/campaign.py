"""The January campaign of one year: every unit's current state, what needs a human, what to send.

:func:`load_campaign` reads the ledger (files, roster with aliases, deadline, reviewed warnings)
and gives a :class:`Campaign`: one :class:`Unit` per roster organisation (or, without a roster,
per organisation seen), each with one :class:`UnitState` taken from its latest submission, plus
the files held because their 机关名称 is not on the roster and the files that could not be read.
``Campaign.to_dict()`` is the public ``status --json`` contract; the CLI, the web board and mail
all read this one model.  Pure reading: the only changes made here are the human decisions
(:func:`confirm_held`, :func:`confirm_sender`; a reviewed warning goes straight to the ledger).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from xl2report.batch.ledger import KnownSender, Ledger, Row
from xl2report.batch.records import FileStatus
from xl2report.batch.rerun import retry_can_help
from xl2report.batch.roster import RosterIndex, normalize_org
from xl2report.county.units import HeldFile, Note, Submission, Unit, UnitState
from xl2report.form.types import Level

__all__ = [
    "Campaign",
    "HeldFile",
    "Note",
    "Submission",
    "Unit",
    "UnitState",
    "campaign_needs_attention",
    "confirm_held",
    "confirm_sender",
    "load_campaign",
]


@dataclass
class Campaign:
    """One year's campaign: units in roster order, held files, unreadable files."""

    year: int | None
    deadline: date | None
    today: date
    units: list[Unit]
    unmatched: list[HeldFile] = field(default_factory=list)  # held, or outside the roster
    unreadable: list[Submission] = field(default_factory=list)  # no 机关名称 could be read
    roster_source: str = ""

    def counts(self) -> dict[str, int]:
        """Units per state (by enum value, 已更新 separate from 已通过)."""
        counted = Counter(u.state.value for u in self.units)
        return {s.value: counted[s.value] for s in UnitState if counted[s.value]}

    @property
    def held(self) -> list[HeldFile]:
        """Files waiting for a person to confirm their name."""
        return [h for h in self.unmatched if h.submission.status == "held"]

    @property
    def needs_attention(self) -> bool:
        """True when some unit's current submission is rejected or held, or a file is held
        (this decides ``run``'s exit code, together with unreadable files in the inbox)."""
        return bool(self.held) or any(
            u.state in (UnitState.REJECTED, UnitState.HELD, UnitState.SENDER_HELD)
            for u in self.units
        )

    def unit(self, org: str) -> Unit | None:
        """The unit of this name (official name or alias)."""
        key = normalize_org(org)
        for u in self.units:
            if normalize_org(u.org) == key or key in {normalize_org(a) for a in u.aliases}:
                return u
        return None

    @property
    def retryable(self) -> list[Submission]:
        """Unreadable files that 重新处理 (``run --retry``) may help: those 无法处理."""
        return [s for s in self.unreadable if s.retryable]

    def to_dict(self) -> dict[str, object]:
        """The ``status --json`` contract."""
        return {
            "year": self.year,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "today": self.today.isoformat(),
            "roster": self.roster_source,
            "counts": self.counts(),
            "orgs": [u.to_dict() for u in self.units],
            "unmatched": [h.to_dict() for h in self.unmatched],
            "unreadable": [s.to_dict() for s in self.unreadable],
        }


def load_campaign(ledger: Ledger, year: int | None = None, today: date | None = None) -> Campaign:
    """The campaign of ``year`` as of ``today``.

    Default: the latest year with a submission or a deadline (templates sent with
    ``mail send --deadline``, ``status --deadline``): a campaign begins when its deadline is set,
    so who is missing and who is late are known from its first day, also while last year's
    returns are the only ones in the ledger.
    """
    if year is None:
        years = campaign_years(ledger)
        year = years[-1] if years else None
    today = today or date.today()
    roster = RosterIndex(ledger.roster())
    reviewed = {(r.sha256, r.code, r.sheet, r.cell): r.reviewed_at for r in ledger.reviews()}
    senders = ledger.first_senders()
    rows = [
        r
        for r in ledger.rows(values=False)  # states only: the values are not needed here
        if r.duplicate_of is None and (r.year == year or (r.year is None and not r.org))
    ]
    units: dict[str, Unit] = {}
    for entry in roster.entries:
        units[entry.name] = Unit(
            entry.name, code=entry.code, contact=entry.contact, email=entry.email,
            aliases=entry.aliases, in_roster=True,
        )  # fmt: skip
    campaign = Campaign(
        year, ledger.deadline(year), today, [], roster_source=ledger.roster_source()
    )
    own: dict[str, list[Row]] = {}
    for row in rows:
        if not row.org:
            campaign.unreadable.append(_submission(row, senders))
            continue
        official = roster.official(row.org) if roster else row.org
        if official is None or row.status == "held":
            suggestion = roster.suggest(row.org) if roster else None
            held = HeldFile(_submission(row, senders), suggestion)
            campaign.unmatched.append(held)
            if row.status == "held" and suggestion in units:
                units[suggestion].held.append(held)
            continue
        if official not in units:  # no roster: every organisation seen is a unit
            units[official] = Unit(official, in_roster=None)
        own.setdefault(official, []).append(row)
    for name, unit in units.items():
        _judge(unit, own.get(name, []), reviewed, senders)
        if (
            campaign.deadline
            and today > campaign.deadline
            and unit.state
            in (
                UnitState.MISSING,
                UnitState.REJECTED,
            )
        ):
            unit.overdue_days = (today - campaign.deadline).days
    campaign.units = list(units.values())
    return campaign


def campaign_years(ledger: Ledger) -> list[int]:
    """Years with a submission or a deadline, in order."""
    return sorted(set(ledger.years()) | set(ledger.deadline_years()))


def campaign_needs_attention(ledger: Ledger, years: set[int]) -> bool:
    """Whether some unit's current submission is rejected or held, or a file is held, in any
    of ``years`` or the ledger's latest year (``run`` exits 1 then, also when nothing is new)."""
    known = ledger.years()
    wanted = set(years) | ({known[-1]} if known else set())
    return any(load_campaign(ledger, y).needs_attention for y in sorted(wanted))


def confirm_sender(ledger: Ledger, row_id: int) -> KnownSender | None:
    """确认采用: the address a file held for its sender came from becomes known for its unit
    (recorded with the time); the next run processes the file as any other.  None when the
    row is not (or no longer) held for its sender."""
    row = ledger.get(row_id)
    if row is None or row.status != "sender-held" or not row.org:
        return None
    senders = ledger.senders_of(row.sha256)
    return ledger.know_sender(row.org, senders[0]) if senders else None


def confirm_held(ledger: Ledger, row_id: int, official: str) -> bool:
    """确认为名单中的单位: the held file's 机关名称 becomes an alias of roster name ``official``;
    the next run processes the file under ``official``.  False when either is unknown."""
    row = ledger.get(row_id)
    if row is None or row.status != "held" or not row.org:
        return False
    return ledger.add_alias(official, row.org)


def _judge(
    unit: Unit,
    rows: list[Row],
    reviewed: dict[tuple[str, str, str, str], str],
    senders: dict[str, str],
) -> None:
    """Set the unit's state from its rows and the held files that look like it."""
    made = {r.id: _submission(r, senders) for r in rows if r.status != "unreadable"}
    unit.history = list(made.values())
    unit.versions = sum(1 for r in rows if r.version is not None)
    candidates = [(r.order, made[r.id], r) for r in rows if r.id in made]
    candidates += [(h.submission.order, h.submission, None) for h in unit.held]
    if not candidates:
        return
    _, latest, latest_row = max(candidates, key=lambda c: c[0])
    accepted = [r for r in rows if r.status == "accepted"]
    if latest_row is None:
        unit.state, unit.current = UnitState.HELD, latest
        return
    if latest_row.status == "sender-held":  # the accepted version, if any, stays
        unit.state, unit.current = UnitState.SENDER_HELD, latest
        if accepted:
            unit.accepted_before = made[accepted[-1].id]
        return
    if latest_row.status == "rejected":
        unit.state, unit.current = UnitState.REJECTED, latest
        unit.errors = _notes(latest_row, Level.ERROR, reviewed)
        unit.warnings = _notes(latest_row, Level.WARNING, reviewed)
        if accepted:
            unit.accepted_before = made[accepted[-1].id]
        return
    if not accepted:  # only superseded rows: treat the newest as current
        accepted = [max(rows, key=lambda r: r.order)]
    current = max(accepted, key=lambda r: r.order)
    unit.current = made.get(current.id) or _submission(current, senders)
    unit.state = UnitState.UPDATED if unit.versions > 1 else UnitState.ACCEPTED
    unit.warnings = _notes(current, Level.WARNING, reviewed)


def _notes(row: Row, level: Level, reviewed: dict[tuple[str, str, str, str], str]) -> list[Note]:
    out = []
    for f in row.finding_dicts():
        if f.get("level") != level.value:
            continue
        code, sheet, cell = (
            str(f.get("code", "")),
            str(f.get("sheet") or ""),
            str(f.get("cell") or ""),
        )
        out.append(
            Note(
                code, level, str(f.get("message", "")), sheet, cell, str(f.get("key") or ""),
                reviewed.get((row.sha256, code, sheet, cell), ""),
            )
        )  # fmt: skip
    return out


def _submission(row: Row, senders: dict[str, str]) -> Submission:
    return Submission(
        id=row.id,
        file=row.path,
        sha256=row.sha256,
        status=row.status,
        org=row.org,
        received=datetime.fromtimestamp(row.received_ns / 1e9),
        received_ns=row.received_ns,
        version=row.version,
        report=row.report or "",
        pdf=row.pdf or "",
        feedback=row.feedback or "",
        errors=row.errors,
        warnings=row.warnings,
        message=row.message,
        retryable=row.status is FileStatus.UNREADABLE
        and retry_can_help(str(f.get("code")) for f in row.finding_dicts()),
        sender=senders.get(row.sha256, ""),
    )
