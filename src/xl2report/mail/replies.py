"""What an SMTP server's refusal means, in one Chinese phrase or sentence.

Every server text quoted passes through :func:`~xl2report.mail.errors.redact` (the password
never shows).  A refusal of one message (:class:`~xl2report.mail.errors.MessageRefusedError`)
is told apart from one that ends the run (the sender refused, :func:`reply_error`).
"""

from __future__ import annotations

from collections.abc import Sequence

from xl2report.mail.errors import (
    MailboxFullError,
    MailError,
    MailProtocolError,
    MessageRefusedError,
    redact,
)
from xl2report.mail.settings import Secret

# SMTP reply codes meaning "no room": 452 insufficient storage, 552 exceeded storage allocation.
FULL_CODES = (452, 552)
QUOTA_WORDS = ("OVERQUOTA", "QUOTA", "MAILBOX FULL", "MAILBOX IS FULL", "OVER QUOTA")


def server_reply(code: int, reply: bytes | str, password: Secret) -> tuple[str, bool]:
    """A server's refusal as text safe to show (the password redacted), and whether it says
    the mailbox is full."""
    raw = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    text = redact(raw, password.reveal())
    return text, code in FULL_CODES or any(w in text.upper() for w in QUOTA_WORDS)


def refusal_reason(code: int, reply: bytes | str, password: Secret) -> str:
    """Why one recipient was refused, as a phrase: ``邮箱已满（552 …）`` or ``服务器拒收（550 …）``."""
    text, full = server_reply(code, reply, password)
    return f"邮箱已满（{code} {text}）" if full else f"服务器拒收（{code} {text}）"


def recipients_refused(recipients: dict[str, tuple[int, bytes]], password: Secret) -> MailError:
    """Every recipient of one message refused: that message did not go out."""
    reasons = {address: refusal_reason(code, reply, password)
               for address, (code, reply) in recipients.items()}  # fmt: skip
    if len(recipients) > 1:
        why = "；".join(f"{address} {reason}" for address, reason in reasons.items())
        return MessageRefusedError(f"发信服务器拒收了这封邮件的全部收件人：{why}。", reasons)
    address, (code, reply) = next(iter(recipients.items()))
    text, full = server_reply(code, reply, password)
    if full:
        return MessageRefusedError(
            f"收件人 {address} 的邮箱已满，服务器拒收（{code} {text}）。", reasons
        )
    return MessageRefusedError(f"发信服务器拒绝了收件人 {address}（{code} {text}）。", reasons)


def content_refused(
    code: int, reply: bytes | str, recipients: Sequence[str], password: Secret
) -> MailError:
    """The server refused the message itself after its content (DATA), for every recipient."""
    reason = refusal_reason(code, reply, password)
    return MessageRefusedError(f"发信服务器拒收了这封邮件：{reason}。",
                               dict.fromkeys(recipients, reason))  # fmt: skip


def reply_error(what: str, code: int, reply: bytes | str, password: Secret) -> MailError:
    """A refusal that ends the run (``what`` was refused, e.g. the sender), as one sentence."""
    text, full = server_reply(code, reply, password)
    if full:
        return MailboxFullError(f"{what}：邮箱已满（{code} {text}）。")
    return MailProtocolError(f"{what}（{code} {text}）。")
