"""Connections to the mail servers (smtplib, imaplib), with every failure turned into one
Chinese sentence (:mod:`xl2report.mail.errors`).

Only this module talks to sockets.  It never logs or shows the password: the login calls get it
from :class:`~xl2report.mail.settings.Secret` at the last moment, and server replies quoted in
an error pass through :func:`~xl2report.mail.errors.redact`.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import smtplib
import socket
import ssl
from collections.abc import Iterator, Sequence
from email.message import EmailMessage

from xl2report.mail.errors import (
    MailAuthError,
    MailboxFullError,
    MailConnectError,
    MailError,
    MailProtocolError,
    MailTimeoutError,
    redact,
)
from xl2report.mail.settings import MailSettings, Secret, Security

# SMTP reply codes meaning "no room": 452 insufficient storage, 552 exceeded storage allocation.
FULL_CODES = (452, 552)
QUOTA_WORDS = ("OVERQUOTA", "QUOTA", "MAILBOX FULL", "MAILBOX IS FULL", "OVER QUOTA")


def _network_error(
    exc: BaseException, what: str, host: str, port: int, timeout: float
) -> MailError:
    """A socket-level failure as one sentence."""
    where = f"{what} {host}:{port}"
    if isinstance(exc.__context__, TimeoutError):  # smtplib re-raises a timeout as "disconnected"
        exc = exc.__context__
    if isinstance(exc, TimeoutError | socket.timeout):
        return MailTimeoutError(f"{where} 在 {timeout:g} 秒内没有响应，请检查网络或稍后再试。")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailConnectError(
            f"{where} 的证书无法验证（{exc.verify_message}）；请确认服务器地址是否正确。"
        )
    if isinstance(exc, ssl.SSLError):
        return MailConnectError(
            f"与 {where} 建立加密连接失败；加密方式可能不对，请换用 --security ssl 或 starttls，"
            "并核对端口（SSL：465/993，STARTTLS：587/143）。"
        )
    if isinstance(exc, socket.gaierror):
        return MailConnectError(f"找不到{what} {host}：请检查服务器地址和网络。")
    if isinstance(exc, ConnectionRefusedError):
        return MailConnectError(f"{where} 拒绝连接：请检查服务器地址和端口。")
    if isinstance(exc, smtplib.SMTPServerDisconnected | imaplib.IMAP4.abort | ConnectionError):
        return MailConnectError(f"{where} 中途断开了连接，请稍后再试。")
    reason = getattr(exc, "strerror", None) or type(exc).__name__
    return MailConnectError(f"无法连接{where}：{reason}。")


_NETWORK = (OSError, smtplib.SMTPServerDisconnected, imaplib.IMAP4.abort)


class SmtpSession:
    """An open, logged-in SMTP connection; :meth:`send` sends one message."""

    def __init__(self, client: smtplib.SMTP, settings: MailSettings, password: Secret) -> None:
        self.client = client
        self.settings = settings
        self._password = password

    def send(self, msg: EmailMessage, recipients: Sequence[str]) -> None:
        """Send ``msg`` to ``recipients``; raises a :class:`MailError` if it was not accepted."""
        s = self.settings
        try:
            refused = self.client.send_message(msg, to_addrs=list(recipients))
        except smtplib.SMTPRecipientsRefused as exc:
            raise _refused(exc.recipients, self._password) from None
        except smtplib.SMTPSenderRefused as exc:
            raise _reply_error("发信服务器拒绝了发件人", exc.smtp_code, exc.smtp_error,
                               self._password) from None  # fmt: skip
        except smtplib.SMTPDataError as exc:
            raise _reply_error("发信服务器拒收了邮件", exc.smtp_code, exc.smtp_error,
                               self._password) from None  # fmt: skip
        except smtplib.SMTPException as exc:
            if isinstance(exc, smtplib.SMTPServerDisconnected):
                raise _network_error(exc, "发信服务器", s.smtp_host, s.smtp_port_used,
                                     s.timeout) from None  # fmt: skip
            raise MailProtocolError(
                f"发信失败：{redact(str(exc), self._password.reveal())}"
            ) from None
        except OSError as exc:
            raise _network_error(exc, "发信服务器", s.smtp_host, s.smtp_port_used,
                                 s.timeout) from None  # fmt: skip
        if refused:
            raise _refused(refused, self._password)


def _refused(recipients: dict[str, tuple[int, bytes]], password: Secret) -> MailError:
    address, (code, reply) = next(iter(recipients.items()))
    text = redact(reply.decode("utf-8", "replace"), password.reveal())
    if code in FULL_CODES or any(w in text.upper() for w in QUOTA_WORDS):
        return MailboxFullError(f"收件人 {address} 的邮箱已满，服务器拒收（{code} {text}）。")
    return MailProtocolError(f"发信服务器拒绝了收件人 {address}（{code} {text}）。")


def _reply_error(what: str, code: int, reply: bytes | str, password: Secret) -> MailError:
    raw = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    text = redact(raw, password.reveal())
    if code in FULL_CODES or any(w in text.upper() for w in QUOTA_WORDS):
        return MailboxFullError(f"{what}：邮箱已满（{code} {text}）。")
    return MailProtocolError(f"{what}（{code} {text}）。")


@contextlib.contextmanager
def smtp_session(settings: MailSettings, password: Secret) -> Iterator[SmtpSession]:
    """Connect, secure and log in to the SMTP server; close it afterwards."""
    settings.need_smtp()
    host, port, timeout = settings.smtp_host, settings.smtp_port_used, settings.timeout
    client: smtplib.SMTP | None = None
    try:
        if settings.security is Security.SSL:
            client = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                      context=ssl.create_default_context())  # fmt: skip
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
            if settings.security is Security.STARTTLS:
                client.starttls(context=ssl.create_default_context())
        client.ehlo_or_helo_if_needed()
        if client.has_extn("auth") or settings.security is not Security.NONE:
            client.login(settings.user, password.reveal())
    except smtplib.SMTPAuthenticationError:
        _quietly_close(client)
        raise MailAuthError(
            f"发信服务器 {host} 拒绝了用户名 {settings.user} 或密码；"
            "政务邮箱常需使用“客户端授权码”而不是登录密码。"
        ) from None
    except smtplib.SMTPNotSupportedError:
        _quietly_close(client)
        raise MailConnectError(
            f"发信服务器 {host}:{port} 不支持所选的加密方式或登录方式；请核对 --security 和端口。"
        ) from None
    except _NETWORK as exc:
        _quietly_close(client)
        raise _network_error(exc, "发信服务器", host, port, timeout) from None
    except smtplib.SMTPException as exc:
        _quietly_close(client)
        raise MailProtocolError(
            f"发信服务器 {host} 拒绝了连接：{redact(str(exc), password.reveal())}"
        ) from None
    try:
        yield SmtpSession(client, settings, password)
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            client.quit()
        _quietly_close(client)


def _quietly_close(client: smtplib.SMTP | imaplib.IMAP4 | None) -> None:
    if client is None:
        return
    with contextlib.suppress(OSError, smtplib.SMTPException, imaplib.IMAP4.error):
        if isinstance(client, imaplib.IMAP4):
            client.shutdown()
        else:
            client.close()


class ImapSession:
    """An open, logged-in IMAP connection with checked commands."""

    def __init__(self, client: imaplib.IMAP4, settings: MailSettings, password: Secret) -> None:
        self.client = client
        self.settings = settings
        self._password = password

    def call(self, what: str, name: str, *args: object) -> list:  # type: ignore[type-arg]
        """Run ``client.<name>(*args)``; returns its data or raises one sentence (``what`` failed)."""
        s = self.settings
        try:
            typ, data = getattr(self.client, name)(*args)
        except imaplib.IMAP4.abort as exc:
            raise _network_error(exc, "收信服务器", s.imap_host, s.imap_port_used,
                                 s.timeout) from None  # fmt: skip
        except imaplib.IMAP4.error as exc:
            raise self._refusal(what, str(exc)) from None
        except OSError as exc:
            raise _network_error(exc, "收信服务器", s.imap_host, s.imap_port_used,
                                 s.timeout) from None  # fmt: skip
        if typ != "OK":
            raise self._refusal(what, _text(data))
        return data

    def _refusal(self, what: str, reply: str) -> MailError:
        text = redact(reply, self._password.reveal())
        if any(w in text.upper() for w in QUOTA_WORDS):
            return MailboxFullError(f"{what}失败：邮箱已满（{text}）。")
        return MailProtocolError(f"{what}失败：收信服务器回复“{text}”。")

    @property
    def capabilities(self) -> tuple[str, ...]:
        """The server's capabilities as upper-case words."""
        return tuple(str(c).upper() for c in self.client.capabilities)


def _text(data: object) -> str:
    if isinstance(data, list | tuple):
        return " ".join(_text(d) for d in data if d is not None)
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return str(data)


@contextlib.contextmanager
def imap_session(settings: MailSettings, password: Secret) -> Iterator[ImapSession]:
    """Connect, secure and log in to the IMAP server; log out afterwards."""
    settings.need_imap()
    host, port, timeout = settings.imap_host, settings.imap_port_used, settings.timeout
    client: imaplib.IMAP4 | None = None
    try:
        if settings.security is Security.SSL:
            client = imaplib.IMAP4_SSL(host, port, ssl_context=ssl.create_default_context(),
                                       timeout=timeout)  # fmt: skip
        else:
            client = imaplib.IMAP4(host, port, timeout=timeout)
            if settings.security is Security.STARTTLS:
                client.starttls(ssl_context=ssl.create_default_context())
        client.login(settings.user, password.reveal())
        # Servers announce MOVE, UIDPLUS … only after login; imaplib keeps the pre-login list.
        typ, data = client.capability()
        if typ == "OK" and data and isinstance(data[-1], bytes):
            client.capabilities = tuple(data[-1].decode("ascii", "replace").upper().split())
    except imaplib.IMAP4.abort as exc:
        _quietly_close(client)
        raise _network_error(exc, "收信服务器", host, port, timeout) from None
    except imaplib.IMAP4.error as exc:
        _quietly_close(client)
        if client is not None and client.state == "NONAUTH":
            raise MailAuthError(
                f"收信服务器 {host} 拒绝了用户名 {settings.user} 或密码；"
                "政务邮箱常需使用“客户端授权码”，并在网页邮箱中开启 IMAP。"
            ) from None
        raise MailProtocolError(
            f"收信服务器 {host} 拒绝了连接：{redact(str(exc), password.reveal())}"
        ) from None
    except OSError as exc:
        _quietly_close(client)
        raise _network_error(exc, "收信服务器", host, port, timeout) from None
    try:
        yield ImapSession(client, settings, password)
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()
        _quietly_close(client)


def imap_utf7(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 §5.1.3), quoted for a command."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            out.append(
                "&" + base64.b64encode(data).decode("ascii").rstrip("=").replace("/", ",") + "-"
            )
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    encoded = "".join(out)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'
