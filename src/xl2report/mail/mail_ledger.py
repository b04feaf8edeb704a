"""The mail tables of the ledger: what was sent, what was fetched, which attachment came from
which message.  They live in the batch ledger's SQLite file (one file to back up) but are owned
here; the batch ledger knows nothing of them.

- ``mail_sent``: one row per outgoing message (templates, replies, reminders): what it is about
  (``kind`` + ``topic``, e.g. ``template`` + ``2024/克井镇人民政府``), unit, address, Message-ID,
  subject, attachment name and hash, and when.  ``address`` holds the addresses that took the
  message; ``refused`` (JSON, address -> reason) those the server refused while taking it for
  the others (a full mailbox), so a rerun never sends it again where it already arrived.  A row is written as ``pending`` with its
  Message-ID *before* the SMTP transaction and marked ``sent`` right after it, so a run killed in
  between re-sends the same message (same Message-ID) instead of a second, different one.
- ``mail_fetched``: one row per message looked at on the IMAP server (account, folder,
  UIDVALIDITY, UID, Message-ID, sender, subject, how many workbooks, why none).
- ``mail_attachments``: one row per workbook saved (or recognised as already saved) from a
  message: the decoded name, SHA-256, and where it went in the inbox.

No password, no message body, no attachment bytes are stored.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from xl2report.batch.ledger import Ledger
from xl2report.batch.ledger_schema import transaction
from xl2report.compat import StrEnum
from xl2report.mail.wording import delivery_note

_SCHEMA = """
CREATE TABLE IF NOT EXISTS mail_sent (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    topic TEXT NOT NULL,
    org TEXT NOT NULL,
    year INTEGER,
    address TEXT NOT NULL,
    message_id TEXT NOT NULL UNIQUE,
    subject TEXT NOT NULL,
    attachment TEXT NOT NULL DEFAULT '',
    attachment_sha256 TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent')),
    created_at TEXT NOT NULL,
    sent_at TEXT,
    refused TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS mail_sent_topic ON mail_sent (kind, topic, state);
CREATE TABLE IF NOT EXISTS mail_fetched (
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL,
    folder TEXT NOT NULL,
    uidvalidity INTEGER NOT NULL,
    uid INTEGER NOT NULL,
    message_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    subject TEXT NOT NULL,
    received TEXT NOT NULL,
    workbooks INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    fetched_at TEXT NOT NULL,
    moved_to TEXT,
    UNIQUE (account, folder, uidvalidity, uid)
);
CREATE INDEX IF NOT EXISTS mail_fetched_mid ON mail_fetched (message_id);
CREATE TABLE IF NOT EXISTS mail_attachments (
    id INTEGER PRIMARY KEY,
    fetched_id INTEGER NOT NULL REFERENCES mail_fetched(id),
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    saved TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS mail_attachments_sha ON mail_attachments (sha256);
"""


class MailKind(StrEnum):
    """What an outgoing message is."""

    TEMPLATE = "template"
    REPLY = "reply"
    REMIND = "remind"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {"template": "下发模板", "reply": "回复", "remind": "催报"}[self.value]


@dataclass(frozen=True)
class SentRow:
    """One outgoing message as recorded."""

    id: int
    kind: MailKind
    topic: str
    org: str
    year: int | None
    address: str
    message_id: str
    subject: str
    attachment: str
    attachment_sha256: str
    state: str
    created_at: str
    sent_at: str | None
    refused: str = ""  # JSON {address: reason}; see :attr:`refused_reasons`

    @property
    def accepted(self) -> list[str]:
        """The addresses that took the message (all of them when none refused)."""
        return [a for a in self.address.split("; ") if a]

    @property
    def refused_reasons(self) -> dict[str, str]:
        """Addresses the server refused while taking the message for the others, with why."""
        return dict(json.loads(self.refused)) if self.refused else {}

    @property
    def note(self) -> str:
        """``已发给 a@x；b@x 被拒收：…`` for a partly refused message, else empty."""
        return delivery_note(self.accepted, self.refused_reasons)


@dataclass(frozen=True)
class FetchedRow:
    """One message looked at on the server."""

    id: int
    account: str
    folder: str
    uidvalidity: int
    uid: int
    message_id: str
    sender: str
    subject: str
    received: str
    workbooks: int
    note: str
    fetched_at: str
    moved_to: str | None


@dataclass(frozen=True)
class SavedAttachment:
    """A workbook taken from a message: decoded name, hash, size, path relative to the inbox."""

    name: str
    sha256: str
    size: int
    saved: str


def now_text() -> str:
    """Local time, to the second, as the ledger stores times."""
    return datetime.now().isoformat(timespec="seconds")


class MailLedger:
    """The mail tables on an open :class:`~xl2report.batch.ledger.Ledger` (same connection)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.conn = ledger.conn
        with transaction(self.conn):
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    self.conn.execute(statement)
            columns = {r[1] for r in self.conn.execute("PRAGMA table_info(mail_sent)")}
            if "refused" not in columns:  # a ledger from before partial deliveries were kept
                self.conn.execute("ALTER TABLE mail_sent ADD COLUMN refused TEXT NOT NULL DEFAULT ''")

    @classmethod
    @contextmanager
    def open(cls, path: Path) -> Iterator[MailLedger]:
        """Open the ledger file at ``path`` (creating it) with its mail tables."""
        with Ledger.open(path) as ledger:
            yield cls(ledger)

    # --- sent -------------------------------------------------------------------------------

    def sent(self, kind: MailKind, topic: str) -> SentRow | None:
        """The latest message of this kind about this topic that went out, if any."""
        return self._one_sent(
            "SELECT * FROM mail_sent WHERE kind = ? AND topic = ? AND state = 'sent' "
            "ORDER BY id DESC LIMIT 1",
            (kind.value, topic),
        )

    def pending(self, kind: MailKind, topic: str) -> SentRow | None:
        """A message prepared but not confirmed sent (the run was killed in between)."""
        return self._one_sent(
            "SELECT * FROM mail_sent WHERE kind = ? AND topic = ? AND state = 'pending' "
            "ORDER BY id DESC LIMIT 1",
            (kind.value, topic),
        )

    def sent_rows(self, kind: MailKind | None = None) -> list[SentRow]:
        """Every message recorded (pending ones too), oldest first."""
        sql, params = "SELECT * FROM mail_sent", ()
        if kind is not None:
            sql, params = sql + " WHERE kind = ?", (kind.value,)
        return [_sent_row(r) for r in self.conn.execute(sql + " ORDER BY id", params)]

    def prepare(
        self,
        *,
        kind: MailKind,
        topic: str,
        org: str,
        year: int | None,
        address: str,
        message_id: str,
        subject: str,
        attachment: str = "",
        attachment_sha256: str = "",
    ) -> int:
        """Record a message about to be sent (state ``pending``); returns its row id."""
        with transaction(self.conn):
            return self.conn.execute(
                "INSERT INTO mail_sent (kind, topic, org, year, address, message_id, subject, "
                "attachment, attachment_sha256, state, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
                (kind.value, topic, org, year, address, message_id, subject, attachment,
                 attachment_sha256, now_text()),
            ).lastrowid  # fmt: skip

    def mark_sent(
        self, row_id: int, accepted: Sequence[str] = (), refused: Mapping[str, str] | None = None
    ) -> None:
        """The server took the message; with ``refused``, only for the ``accepted`` addresses
        (the row then names those, and keeps the refused ones with the server's reason)."""
        with transaction(self.conn):
            if refused:
                self.conn.execute(
                    "UPDATE mail_sent SET state = 'sent', sent_at = ?, address = ?, refused = ? "
                    "WHERE id = ?",
                    (now_text(), "; ".join(accepted), json.dumps(dict(refused), ensure_ascii=False),
                     row_id),
                )  # fmt: skip
            else:
                self.conn.execute(
                    "UPDATE mail_sent SET state = 'sent', sent_at = ? WHERE id = ?",
                    (now_text(), row_id),
                )

    def delivered_to(self, kind: MailKind, topic: str) -> set[str]:
        """Every address that took a message of this kind about this topic."""
        rows = self.conn.execute(
            "SELECT address FROM mail_sent WHERE kind = ? AND topic = ? AND state = 'sent'",
            (kind.value, topic),
        )
        return {a for (address,) in rows for a in address.split("; ") if a}

    def forget(self, row_id: int) -> None:
        """The server refused the message: it was not sent, so nothing stays recorded."""
        with transaction(self.conn):
            self.conn.execute("DELETE FROM mail_sent WHERE id = ? AND state = 'pending'", (row_id,))

    def _one_sent(self, sql: str, params: Sequence[object]) -> SentRow | None:
        hit = self.conn.execute(sql, params).fetchone()
        return _sent_row(hit) if hit else None

    # --- fetched ----------------------------------------------------------------------------

    def fetched_uids(self, account: str, folder: str, uidvalidity: int) -> dict[int, FetchedRow]:
        """Messages of this folder already looked at, by UID."""
        rows = self.conn.execute(
            "SELECT * FROM mail_fetched WHERE account = ? AND folder = ? AND uidvalidity = ?",
            (account, folder, uidvalidity),
        )
        return {r["uid"]: FetchedRow(**dict(r)) for r in rows}

    def fetched_by_message_id(self, message_id: str) -> FetchedRow | None:
        """The first time a message with this Message-ID was fetched (any folder), if ever."""
        hit = self.conn.execute(
            "SELECT * FROM mail_fetched WHERE message_id = ? ORDER BY id LIMIT 1", (message_id,)
        ).fetchone()
        return FetchedRow(**dict(hit)) if hit else None

    def fetched_rows(self) -> list[FetchedRow]:
        """Every message looked at, oldest first."""
        return [
            FetchedRow(**dict(r))
            for r in self.conn.execute("SELECT * FROM mail_fetched ORDER BY id")
        ]

    def saved_attachment(self, sha256: str) -> SavedAttachment | None:
        """Where a workbook with this content was saved before, if it was."""
        hit = self.conn.execute(
            "SELECT name, sha256, size, saved FROM mail_attachments WHERE sha256 = ? "
            "ORDER BY id LIMIT 1",
            (sha256,),
        ).fetchone()
        return SavedAttachment(**dict(hit)) if hit else None

    def attachments_of(self, fetched_id: int) -> list[SavedAttachment]:
        """The workbooks taken from one message."""
        return [
            SavedAttachment(**dict(r))
            for r in self.conn.execute(
                "SELECT name, sha256, size, saved FROM mail_attachments WHERE fetched_id = ? "
                "ORDER BY id",
                (fetched_id,),
            )
        ]

    def sender_of(self, sha256: str) -> tuple[str, str] | None:
        """(sender address, Message-ID) of the message a workbook with this content came in."""
        hit = self.conn.execute(
            "SELECT f.sender, f.message_id FROM mail_attachments a "
            "JOIN mail_fetched f ON f.id = a.fetched_id WHERE a.sha256 = ? ORDER BY a.id LIMIT 1",
            (sha256,),
        ).fetchone()
        return (hit[0], hit[1]) if hit else None

    def record_fetch(
        self,
        *,
        account: str,
        folder: str,
        uidvalidity: int,
        uid: int,
        message_id: str,
        sender: str,
        subject: str,
        received: str,
        note: str,
        attachments: Sequence[SavedAttachment],
    ) -> int:
        """One message and its workbooks, in one transaction; returns the message's row id."""
        with transaction(self.conn):
            row_id = self.conn.execute(
                "INSERT INTO mail_fetched (account, folder, uidvalidity, uid, message_id, sender, "
                "subject, received, workbooks, note, fetched_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (account, folder, uidvalidity, uid, message_id, sender, subject, received,
                 len(attachments), note, now_text()),
            ).lastrowid  # fmt: skip
            self.conn.executemany(
                "INSERT INTO mail_attachments (fetched_id, name, sha256, size, saved) "
                "VALUES (?, ?, ?, ?, ?)",
                [(row_id, a.name, a.sha256, a.size, a.saved) for a in attachments],
            )
        return row_id

    def mark_moved(self, row_id: int, folder: str) -> None:
        """The message was moved to ``folder`` on the server."""
        with transaction(self.conn):
            self.conn.execute("UPDATE mail_fetched SET moved_to = ? WHERE id = ?", (folder, row_id))


def _sent_row(r: sqlite3.Row) -> SentRow:
    data = dict(r)
    data["kind"] = MailKind(data["kind"])
    return SentRow(**data)
