"""Sending one recorded message: the step shared by send, reply and remind.

Before the SMTP transaction the message is recorded ``pending`` with its Message-ID (a pending
row left by a killed run is reused, so the same message goes out under the same Message-ID).
A definite refusal of the message (the server said no to all its recipients or to its content:
mailbox full, address unknown, content refused) means it did not go out, so the row is removed
and a rerun tries again; the refusal is that message's outcome (:attr:`Delivery.failure`) and
the next message goes out over the same session.  A refusal of the session itself (the sender
refused, the connection closed) stops the run with its one sentence.  When the outcome is
unknown (connection lost or timed out during the transaction, Ctrl-C), the row stays
``pending`` and the rerun re-sends it under the same Message-ID, which mail clients show once.

A message to several addresses that the server takes for some and refuses for others (one
mailbox full) did go out: it is marked sent to the addresses that took it, with the refused ones
and the server's reason kept on the row (:class:`Delivery`, shown as ``已发给 …；… 被拒收：…``).
:func:`owed_addresses` is the one rule for what a later run still owes such a unit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from typing import TypeVar

from xl2report.errors import FatalError, os_error_text
from xl2report.form.characters import one_line
from xl2report.log import logger
from xl2report.mail.compose import Attachment, compose, flatten, new_message_id
from xl2report.mail.errors import MailboxFullError, MailProtocolError, MessageRefusedError
from xl2report.mail.mail_ledger import MailKind, MailLedger
from xl2report.mail.settings import MailSettings, Secret
from xl2report.mail.transport import SmtpSession, smtp_session
from xl2report.mail.wording import delivery_note

T = TypeVar("T")


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


@dataclass(frozen=True)
class Delivery:
    """What became of one message: who took it, who refused it and why."""

    message_id: str  # empty when it did not go out
    accepted: list[str]
    refused: dict[str, str] = field(default_factory=dict)
    failure: str = ""  # why nobody got it (the server refused it), one sentence; empty if sent

    @property
    def sent(self) -> bool:
        """Some address took the message."""
        return not self.failure

    @property
    def note(self) -> str:
        """The failure when nobody got it; ``已发给 a@x；b@x 被拒收：…`` when some addresses
        refused it; else empty."""
        return self.failure or delivery_note(self.accepted, self.refused)


def owed_addresses(
    book: MailLedger, kind: MailKind, topic: str, addresses: Sequence[str], resend: bool = False
) -> list[str]:
    """The addresses a message about ``topic`` should (still) go to; empty: nothing to send.

    Never sent: all of ``addresses``.  Last sent to all its addresses: nothing, or all again
    with ``resend``.  Last sent partly (some addresses refused it): never again to an address
    that took it; an address new on the roster (the clerk fixed a wrong or full mailbox) gets
    it, and a refused one only with ``resend``.
    """
    last = book.sent(kind, topic)
    if last is None:
        return list(addresses)
    if not last.refused:
        return list(addresses) if resend else []
    delivered = book.delivered_to(kind, topic)
    refused = last.refused_reasons
    return [a for a in addresses if a not in delivered and (resend or a not in refused)]


def unsendable(exc: BaseException) -> str:
    """Why one unit's message could not be made or sent for a reason of its own (its template
    unreadable, a text the mail cannot carry), in one sentence; the details go to the log."""
    if isinstance(exc, FatalError):
        return str(exc)
    if isinstance(exc, OSError):
        return f"邮件没有发出：需要附上的文件无法读取（{os_error_text(exc)}）。"
    return f"邮件没有发出：生成这封邮件时出错（{type(exc).__name__}），详见日志。"


def build_one(build: Callable[[], Outgoing]) -> Outgoing | str:
    """The message ``build`` makes, or why it could not be made (one sentence; the details go
    to the log): one unit's unreadable template or feedback workbook is that unit's failure,
    the others are still sent."""
    try:
        return build()
    except Exception as exc:  # the unit's own boundary, as in send_recorded
        logger.exception("邮件无法生成")
        return unsendable(exc)


def send_recorded(smtp: SmtpSession, book: MailLedger, sender: Address, item: Outgoing) -> Delivery:
    """Record, send and mark ``item`` sent (to the addresses that took it).

    When the server refused this message (every recipient, or its content) the row is forgotten
    and the delivery says why (:attr:`Delivery.failure`); the session can send the next one.
    Raises the transport's :class:`~xl2report.mail.errors.MailError` when the session cannot go
    on (sender refused, connection lost) or the outcome is unknown.
    """
    pending = book.pending(item.kind, item.topic)
    message_id = pending.message_id if pending is not None else new_message_id(sender)
    try:  # written out here, before anything is recorded or sent: it cannot fail half way
        msg = compose(sender=sender, to_name=item.org, to_addresses=item.addresses,
                      subject=item.subject, body=item.body, message_id=message_id,
                      attachments=item.attachments, in_reply_to=item.in_reply_to)  # fmt: skip
        flatten(msg)
    except Exception as exc:  # the unit's own boundary: its message, not the run, fails
        logger.exception("{} 的邮件无法生成", item.org)
        return Delivery("", [], failure=unsendable(exc))
    if pending is not None:
        row_id = pending.id
    else:
        first = item.attachments[0] if item.attachments else None
        row_id = book.prepare(
            kind=item.kind, topic=item.topic, org=item.org, year=item.year,
            address="; ".join(item.addresses), message_id=message_id,
            subject=one_line(item.subject),
            attachment=first.filename if first else "",
            attachment_sha256=hashlib.sha256(first.data).hexdigest() if first else "",
        )  # fmt: skip
    try:
        refused = smtp.send(msg, item.addresses)
    except MessageRefusedError as exc:  # it did not go out: a rerun sends it again
        book.forget(row_id)
        return Delivery("", [], exc.refused, failure=str(exc))
    except (MailboxFullError, MailProtocolError):
        book.forget(row_id)
        raise
    accepted = [a for a in item.addresses if a not in refused]
    book.mark_sent(row_id, accepted, refused)
    return Delivery(message_id, accepted, refused)


def send_planned(
    settings: MailSettings,
    password: Callable[[], Secret],
    book: MailLedger,
    sender: Address,
    planned: Sequence[tuple[T, Outgoing]],
) -> Iterator[tuple[T, Delivery]]:
    """Send every planned message over one SMTP session, each through :func:`send_recorded`;
    yields each plan entry with its delivery as it goes (the session closes when done).  A
    message the server refused is yielded with its failure and the next one still goes."""
    with smtp_session(settings, password()) as smtp:
        for entry, item in planned:
            yield entry, send_recorded(smtp, book, sender, item)
