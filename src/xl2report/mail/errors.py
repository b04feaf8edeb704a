"""Why a mail command stopped: one Chinese sentence each, never the password.

Every class derives from :class:`~xl2report.errors.FatalError`, so the CLI prints the message
and exits with code 2; only :class:`MessageRefusedError` never gets that far: the senders catch
it, since one unit's refused message is that unit's outcome, not the end of the command.  Messages name the server and the user but never a secret; text that
comes from a server passes through :func:`redact` first.
"""

from __future__ import annotations

from xl2report.errors import FatalError


class MailError(FatalError):
    """Base of every mail failure."""


class MailSettingsError(MailError):
    """The settings are incomplete or unsafe (no host, no password, plain text off loopback)."""


class MailConnectError(MailError):
    """The server could not be reached, refused the connection or dropped it."""


class MailAuthError(MailError):
    """The server refused the user name or the password."""


class MailTimeoutError(MailError):
    """The server did not answer in time."""


class MailboxFullError(MailError):
    """The office's own mailbox is over its quota (a township's full mailbox refuses only its
    message: :class:`MessageRefusedError`)."""


class MailProtocolError(MailError):
    """The server refused a command for another reason (its reply is quoted, redacted)."""


class MessageRefusedError(MailError):
    """The server refused one message (every recipient, or its content) and kept the session
    open: that message did not go out, the others can still be sent over the same session.

    ``refused`` maps each refused address to the reason in one phrase (``邮箱已满（552 …）``);
    empty when the server refused the content rather than the recipients.
    """

    def __init__(self, message: str, refused: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.refused = dict(refused or {})


class MailBusyError(MailError):
    """Another mail command is working on the same ledger."""


def redact(text: str, *secrets: str | None) -> str:
    """``text`` with every non-empty secret replaced by ``***`` (for server replies in messages)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
