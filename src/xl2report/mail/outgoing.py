"""Sending one recorded message: the step shared by send, reply and remind.

The row is already in the ledger as ``pending``.  A definite refusal (the server said no:
mailbox full, recipient or content refused) means the message did not go out, so the row is
removed and a rerun tries again.  When the outcome is unknown (connection lost or timed out
during the transaction, Ctrl-C), the row stays ``pending``: the rerun sends the same message
under the same Message-ID, which mail clients show once.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.message import Message

from xl2report.mail.errors import MailboxFullError, MailProtocolError
from xl2report.mail.mail_ledger import MailLedger
from xl2report.mail.transport import SmtpSession


def deliver(
    smtp: SmtpSession, book: MailLedger, row_id: int, msg: Message, recipients: Sequence[str]
) -> None:
    """Send ``msg`` and mark its ledger row sent; forget the row if the server refused it."""
    try:
        smtp.send(msg, recipients)
    except (MailboxFullError, MailProtocolError):
        book.forget(row_id)
        raise
    book.mark_sent(row_id)
