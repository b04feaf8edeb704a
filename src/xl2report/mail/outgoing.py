"""Sending one recorded message: the step shared by send, reply and remind.

Before the SMTP transaction the message is recorded ``pending`` with its Message-ID (a pending
row left by a killed run is reused, so the same message goes out under the same Message-ID).
A definite refusal (the server said no: mailbox full, recipient or content refused) means the
message did not go out, so the row is removed and a rerun tries again.  When the outcome is
unknown (connection lost or timed out during the transaction, Ctrl-C), the row stays
``pending`` and the rerun re-sends it under the same Message-ID, which mail clients show once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address

from xl2report.mail.compose import Attachment, compose, new_message_id
from xl2report.mail.errors import MailboxFullError, MailProtocolError
from xl2report.mail.mail_ledger import MailKind, MailLedger
from xl2report.mail.transport import SmtpSession


@dataclass(frozen=True)
class Outgoing:
    """One message to send and record: what it is about, to whom, and its words."""

    kind: MailKind
    topic: str  # with kind, what makes it "already sent" (e.g. 2024/克井镇人民政府)
    org: str
    year: int | None
    addresses: Sequence[str]
    subject: str
    body: str
    attachments: Sequence[Attachment] = field(default_factory=tuple)
    in_reply_to: str | None = None


def send_recorded(smtp: SmtpSession, book: MailLedger, sender: Address, item: Outgoing) -> str:
    """Record, send and mark ``item`` sent; returns its Message-ID.

    Raises the transport's :class:`~xl2report.mail.errors.MailError` when it was not sent.
    """
    pending = book.pending(item.kind, item.topic)
    if pending is not None:
        row_id, message_id = pending.id, pending.message_id
    else:
        message_id = new_message_id(sender)
        first = item.attachments[0] if item.attachments else None
        row_id = book.prepare(
            kind=item.kind, topic=item.topic, org=item.org, year=item.year,
            address="; ".join(item.addresses), message_id=message_id, subject=item.subject,
            attachment=first.filename if first else "",
            attachment_sha256=hashlib.sha256(first.data).hexdigest() if first else "",
        )  # fmt: skip
    msg = compose(sender=sender, to_name=item.org, to_addresses=item.addresses,
                  subject=item.subject, body=item.body, message_id=message_id,
                  attachments=item.attachments, in_reply_to=item.in_reply_to)  # fmt: skip
    try:
        smtp.send(msg, item.addresses)
    except (MailboxFullError, MailProtocolError):
        book.forget(row_id)
        raise
    book.mark_sent(row_id)
    return message_id
