"""What the mail round trip has done, for a person: ``mail status`` and the board's 邮件 page.

Reads the mail tables only (no server): templates sent, messages fetched with the workbooks
they brought, replies and reminders sent, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass

from xl2report.mail.mail_ledger import FetchedRow, MailKind, MailLedger, SentRow


@dataclass(frozen=True)
class FetchedMessage:
    """A fetched message and the inbox files it brought."""

    row: FetchedRow
    files: list[str]

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        r = self.row
        return {
            "received": r.received, "sender": r.sender, "subject": r.subject,
            "message_id": r.message_id, "folder": r.folder, "workbooks": r.workbooks,
            "files": self.files, "note": r.note, "fetched_at": r.fetched_at,
            "moved_to": r.moved_to,
        }  # fmt: skip


@dataclass(frozen=True)
class MailOverview:
    """Sent, fetched and answered, newest first."""

    templates: list[SentRow]
    fetched: list[FetchedMessage]
    replies: list[SentRow]
    reminders: list[SentRow]

    @property
    def unconfirmed(self) -> list[SentRow]:
        """Messages whose sending was interrupted (re-sent by the next run of their command)."""
        return [r for r in [*self.templates, *self.replies, *self.reminders] if r.state != "sent"]

    @property
    def without_workbook(self) -> list[FetchedMessage]:
        """Fetched messages that brought no workbook: a person should look at them."""
        return [m for m in self.fetched if m.row.workbooks == 0]

    def to_dict(self) -> dict[str, object]:
        """JSON form."""

        def sent(rows: list[SentRow]) -> list[dict[str, object]]:
            return [
                {"org": r.org, "year": r.year, "address": r.address, "subject": r.subject,
                 "message_id": r.message_id, "attachment": r.attachment, "state": r.state,
                 "sent_at": r.sent_at, "refused": r.refused_reasons, "note": r.note}
                for r in rows
            ]  # fmt: skip

        return {
            "templates": sent(self.templates),
            "fetched": [m.to_dict() for m in self.fetched],
            "replies": sent(self.replies),
            "reminders": sent(self.reminders),
        }


def mail_overview(book: MailLedger) -> MailOverview:
    """Everything the mail tables hold, newest first."""
    sent = list(reversed(book.sent_rows()))
    fetched = [
        FetchedMessage(row, [a.saved for a in book.attachments_of(row.id)])
        for row in reversed(book.fetched_rows())
    ]
    return MailOverview(
        templates=[r for r in sent if r.kind is MailKind.TEMPLATE],
        fetched=fetched,
        replies=[r for r in sent if r.kind is MailKind.REPLY],
        reminders=[r for r in sent if r.kind is MailKind.REMIND],
    )
