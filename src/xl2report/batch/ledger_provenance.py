"""Ledger tables of where workbooks came from: the sender of each mailed workbook (written by
``mail fetch``, keyed by the file's content) and the senders known for each unit (confirmed by
the clerk with 确认采用, or the first one a unit's returns came from when the roster has no
address for it).  A mixin of :class:`xl2report.batch.ledger.Ledger`; facts only — what they
mean for a file is :mod:`xl2report.batch.provenance`'s business.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from xl2report.batch.ledger_schema import transaction


@dataclass(frozen=True)
class KnownSender:
    """A sender the returns of one unit may come from besides its roster addresses."""

    org: str
    sender: str
    how: str  # "confirmed" (确认采用 by the clerk) or "first" (the first sender, no roster address)
    confirmed_at: str  # ISO time with offset


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


class ProvenanceTables:
    """Senders of mailed workbooks and the senders known per unit (needs ``conn``)."""

    conn: sqlite3.Connection

    def record_sender(
        self, sha256: str, sender: str, message_id: str = "", received: str = ""
    ) -> None:
        """A workbook with this content arrived by mail from ``sender`` (kept once per sender)."""
        with transaction(self.conn):
            self.conn.execute(
                "INSERT OR IGNORE INTO provenance (sha256, sender, message_id, received, "
                "recorded_at) VALUES (?, ?, ?, ?, ?)",
                (sha256, sender.strip().lower(), message_id, received, _now()),
            )

    def senders_of(self, sha256: str) -> list[str]:
        """Every address a workbook with this content came from by mail, first one first
        ([] for a file the clerk put in the inbox or uploaded)."""
        rows = self.conn.execute(
            "SELECT sender FROM provenance WHERE sha256 = ? ORDER BY recorded_at, rowid", (sha256,)
        )
        return [r[0] for r in rows]

    def first_senders(self) -> dict[str, str]:
        """Content hash -> the first address it came from, for every mailed workbook."""
        out: dict[str, str] = {}
        for sha, sender in self.conn.execute(
            "SELECT sha256, sender FROM provenance ORDER BY recorded_at DESC, rowid DESC"
        ):
            out[sha] = sender
        return out

    def known_senders(self, org: str) -> dict[str, KnownSender]:
        """The senders known for ``org`` (roster name), by address."""
        rows = self.conn.execute(
            "SELECT org, sender, how, confirmed_at FROM known_senders WHERE org = ?", (org,)
        )
        return {r[1]: KnownSender(*r) for r in rows}

    def know_sender(self, org: str, sender: str, how: str = "confirmed") -> KnownSender:
        """Record ``sender`` as known for ``org`` (确认采用, with the time; ``how="first"`` for
        the first sender of a unit without a roster address).  A confirmation wins over a first
        sighting and keeps its first time."""
        sender = sender.strip().lower()
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO known_senders (org, sender, how, confirmed_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (org, sender) DO UPDATE SET how = excluded.how, "
                "confirmed_at = excluded.confirmed_at WHERE known_senders.how != excluded.how "
                "AND excluded.how = 'confirmed'",
                (org, sender, how, _now()),
            )
        return self.known_senders(org)[sender]
