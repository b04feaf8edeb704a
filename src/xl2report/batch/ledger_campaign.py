"""Ledger tables of the campaign: the roster with its aliases, held files, each year's deadline
and the warnings a person marked 已核对.  A mixin of :class:`xl2report.batch.ledger.Ledger`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from xl2report.batch.ledger_schema import ALIAS_SEPARATOR, connect_readonly, transaction


@dataclass(frozen=True)
class RosterEntry:
    """One organisation of the registered roster; ``aliases`` are other names it may use
    (a workbook under an alias is processed under ``name``)."""

    name: str
    code: str = ""
    contact: str = ""
    email: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Review:
    """A warning a person marked 已核对 (checked and accepted as it is)."""

    sha256: str
    code: str
    sheet: str
    cell: str
    reviewed_at: str  # ISO time with offset
    note: str = ""


class CampaignTables:
    """Roster, aliases, held rows, deadlines and reviews (needs ``conn``, ``_set``, ``_get``)."""

    conn: sqlite3.Connection

    def _set(self, key: str, value: str) -> None:
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _get(self, key: str) -> str:
        hit = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return hit[0] if hit else ""

    # --- roster -----------------------------------------------------------------------------

    def set_roster(self, entries: Sequence[RosterEntry], source: str) -> None:
        """Replace the registered roster; ``source`` is remembered for display.

        Aliases confirmed earlier (:meth:`add_alias`) for a name still on the roster are kept.
        """
        with transaction(self.conn):
            confirmed = {
                r[0]: [a for a in r[1].split(ALIAS_SEPARATOR) if a]
                for r in self.conn.execute("SELECT name, aliases FROM roster")
            }
            entries = [_with_aliases(e, confirmed.get(e.name, [])) for e in entries]
            self.conn.execute("DELETE FROM roster")
            self.conn.executemany(
                "INSERT INTO roster (position, name, code, contact, email, aliases) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (i, e.name, e.code, e.contact, e.email, ALIAS_SEPARATOR.join(e.aliases))
                    for i, e in enumerate(entries)
                ],
            )
            self._set("roster_source", source)

    def roster(self) -> list[RosterEntry]:
        """The registered roster in file order ([] when none is registered)."""
        return [
            RosterEntry(
                r["name"],
                r["code"],
                r["contact"],
                r["email"],
                tuple(a for a in r["aliases"].split(ALIAS_SEPARATOR) if a),
            )
            for r in self.conn.execute("SELECT * FROM roster ORDER BY position")
        ]

    def add_alias(self, name: str, alias: str) -> bool:
        """Record ``alias`` as another name of the roster's ``name`` (确认为名单中的单位).

        Returns False when ``name`` is not on the roster; adding a known alias changes nothing.
        The next run processes files held under the alias as ``name``.
        """
        alias = alias.strip()
        with transaction(self.conn):
            hit = self.conn.execute("SELECT aliases FROM roster WHERE name = ?", (name,)).fetchone()
            if hit is None:
                return False
            known = [a for a in hit[0].split(ALIAS_SEPARATOR) if a]
            if alias and alias != name and alias not in known:
                known.append(alias)
                self.conn.execute(
                    "UPDATE roster SET aliases = ? WHERE name = ?",
                    (ALIAS_SEPARATOR.join(known), name),
                )
        return True

    def roster_source(self) -> str:
        """Which file the roster was registered from."""
        return self._get("roster_source")

    # --- held files -------------------------------------------------------------------------

    def release(self, row_id: int) -> None:
        """Forget a held row (and the duplicates pointing at it) so the next plan processes the
        file again, e.g. after its name became a roster alias or its sender was confirmed.
        Held rows have no outputs."""
        with transaction(self.conn):
            status = self.conn.execute(
                "SELECT status FROM files WHERE id = ?", (row_id,)
            ).fetchone()
            if status is None or status[0] not in ("held", "sender-held"):
                raise ValueError(f"row {row_id} is not held")
            self.conn.execute("DELETE FROM files WHERE duplicate_of = ?", (row_id,))
            self.conn.execute("DELETE FROM files WHERE id = ?", (row_id,))

    # --- deadlines and reviewed warnings ----------------------------------------------------

    def set_deadline(self, year: int, deadline: date | None) -> None:
        """Remember (or, with None, forget) the year's deadline for returns."""
        with transaction(self.conn):
            if deadline is None:
                self.conn.execute("DELETE FROM settings WHERE key = ?", (f"deadline:{year}",))
            else:
                self._set(f"deadline:{year}", deadline.isoformat())

    def deadline(self, year: int | None) -> date | None:
        """The year's deadline, if one was set."""
        if year is None:
            return None
        text = self._get(f"deadline:{year}")
        return date.fromisoformat(text) if text else None

    def deadline_years(self) -> list[int]:
        """Every year a deadline was set for, in order (a campaign begun before any returns)."""
        years = []
        for (key,) in self.conn.execute("SELECT key FROM settings WHERE key LIKE 'deadline:%'"):
            tail = key.split(":", 1)[1]
            if tail.isdigit():
                years.append(int(tail))
        return sorted(years)

    def mark_reviewed(
        self, sha256: str, code: str, sheet: str = "", cell: str = "", note: str = ""
    ) -> Review:
        """Record that a person checked one warning of a submission (已核对), with the time."""
        when = datetime.now().astimezone().isoformat(timespec="seconds")
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO reviews (sha256, code, sheet, cell, reviewed_at, note) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256, code, sheet, cell) "
                "DO UPDATE SET reviewed_at = excluded.reviewed_at, note = excluded.note",
                (sha256, code, sheet, cell, when, note),
            )
        return Review(sha256, code, sheet, cell, when, note)

    def unmark_reviewed(self, sha256: str, code: str, sheet: str = "", cell: str = "") -> None:
        """Take a 已核对 mark back."""
        with transaction(self.conn):
            self.conn.execute(
                "DELETE FROM reviews WHERE sha256 = ? AND code = ? AND sheet = ? AND cell = ?",
                (sha256, code, sheet, cell),
            )

    def reviews(self, sha256: str | None = None) -> list[Review]:
        """Reviewed warnings, of one submission or all."""
        sql, params = "SELECT * FROM reviews", ()
        if sha256 is not None:
            sql, params = sql + " WHERE sha256 = ?", (sha256,)
        return [Review(**dict(r)) for r in self.conn.execute(sql + " ORDER BY reviewed_at", params)]


def _with_aliases(entry: RosterEntry, extra: Sequence[str]) -> RosterEntry:
    """``entry`` with ``extra`` aliases added after its own (no repeats, never its own name)."""
    merged = list(entry.aliases)
    merged += [a for a in extra if a not in merged and a != entry.name]
    return RosterEntry(entry.name, entry.code, entry.contact, entry.email, tuple(merged))


def registered_roster(ledger_path: Path) -> list[RosterEntry]:
    """The roster registered in the ledger at ``ledger_path``, read-only (for worker processes,
    which must not hold a writable connection); [] when there is none."""
    try:
        conn = connect_readonly(Path(ledger_path).absolute())
    except sqlite3.Error:
        return []
    try:
        rows = conn.execute(
            "SELECT name, code, contact, email, aliases FROM roster ORDER BY position"
        ).fetchall()
    except sqlite3.Error:
        return []
    finally:
        conn.close()
    return [
        RosterEntry(n, c, ct, em, tuple(a for a in al.split(ALIAS_SEPARATOR) if a))
        for n, c, ct, em, al in rows
    ]
