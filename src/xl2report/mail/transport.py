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
from pathlib import Path

from xl2report.mail.errors import (
    MailAuthError,
    MailboxFullError,
    MailConnectError,
    MailError,
    MailProtocolError,
    MailSettingsError,
    MailTimeoutError,
    redact,
)
from xl2report.mail.replies import (
    QUOTA_WORDS,
    content_refused,
    recipients_refused,
    refusal_reason,
    reply_error,
    server_reply,
)
from xl2report.mail.settings import MailSettings, Secret, Security

# OpenSSL's verify codes a clerk is likely to meet, in words (others keep OpenSSL's text).
_VERIFY_REASONS = {
    9: "证书尚未生效，请核对本机的日期和时间",
    10: "证书已过期",
    18: "服务器用的是自签名证书",
    19: "证书由不受信任的内部根证书签发",
    20: "签发证书的机构不在受信任的根证书中",
    21: "签发证书的机构不在受信任的根证书中",
    62: "证书上的名称与服务器地址不符",
}


def tls_context(settings: MailSettings) -> ssl.SSLContext:
    """The system's trusted roots plus ``ca_file`` (PEM or DER), with certificate and host name
    checks on; a missing or unusable ``ca_file`` is one sentence naming the setting."""
    context = ssl.create_default_context()
    if not settings.ca_file:
        return context
    path = Path(settings.ca_file)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise MailSettingsError(
            f"根证书文件 {path} 不存在：请核对 xl2report.toml 的 [mail] ca_file（或 --ca-file）。"
        ) from None
    except OSError as exc:
        raise MailSettingsError(f"根证书文件 {path} 无法读取：{exc.strerror or exc}。") from None
    try:
        if b"-----BEGIN" in data:
            context.load_verify_locations(cadata=data.decode("ascii", "replace"))
        else:  # a .cer exported on Windows is often DER
            context.load_verify_locations(cadata=data)
    except (ssl.SSLError, ValueError):
        raise MailSettingsError(
            f"根证书文件 {path} 不是可用的证书（应为 .pem、.crt 或 .cer 格式的根证书）；"
            "请向信息中心索取邮件服务器的根证书。"
        ) from None
    return context


def _certificate_error(exc: ssl.SSLCertVerificationError, where: str, ca_file: str) -> MailError:
    reason = _VERIFY_REASONS.get(exc.verify_code or 0) or exc.verify_message or str(exc)
    if ca_file:
        advice = (f"设置的根证书 {ca_file} 也不能验证它；请核对 ca_file 是不是这台服务器的根证书，"
                  "以及服务器地址是否与证书上的一致。")  # fmt: skip
    else:
        advice = ("如果单位的邮件服务器使用内部（自建）证书，请向信息中心索取根证书文件，"
                  '在 xl2report.toml 的 [mail] 中设置 ca_file = "根证书文件路径"（或用 --ca-file）。')  # fmt: skip
    return MailConnectError(f"{where} 的证书无法验证（{reason}），已停止连接，没有发送密码；{advice}")


def _network_error(
    exc: BaseException, what: str, host: str, port: int, settings: MailSettings
) -> MailError:
    """A socket-level failure as one sentence."""
    where = f"{what} {host}:{port}"
    timeout = settings.timeout
    if isinstance(exc.__context__, TimeoutError):  # smtplib re-raises a timeout as "disconnected"
        exc = exc.__context__
    if isinstance(exc, TimeoutError | socket.timeout):
        return MailTimeoutError(f"{where} 在 {timeout:g} 秒内没有响应，请检查网络或稍后再试。")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _certificate_error(exc, where, settings.ca_file)
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

    def send(self, msg: EmailMessage, recipients: Sequence[str]) -> dict[str, str]:
        """Send ``msg`` to ``recipients``; raises a :class:`MailError` if nobody got it.

        Returns the recipients the server refused while taking the message for the others
        (address -> the refusal in one Chinese phrase, e.g. ``邮箱已满（552 …）``); empty when
        every recipient took it.  When the server refused this message only (every recipient,
        or its content) the error is a :class:`~xl2report.mail.errors.MessageRefusedError` and
        the session stays usable (smtplib has reset the transaction with RSET); any other error
        (sender refused, connection closed or lost, timeout) stops the run.
        """
        s = self.settings
        if self.client.sock is None:  # the server hung up after refusing the message before
            raise MailProtocolError(  # a refusal: this message certainly did not go out
                f"发信服务器 {s.smtp_host}:{s.smtp_port_used} 断开了连接，这封及以后的邮件没有发出；"
                "请稍后再运行一次（只发剩下的）。"
            )
        try:
            refused = self.client.send_message(msg, to_addrs=list(recipients))
        except smtplib.SMTPRecipientsRefused as exc:
            closing = [(code, reply) for code, reply in exc.recipients.values() if code == 421]
            if closing:  # smtplib has closed the connection
                raise self._closing(*closing[0]) from None
            raise recipients_refused(exc.recipients, self._password) from None
        except smtplib.SMTPSenderRefused as exc:
            raise reply_error("发信服务器拒绝了发件人", exc.smtp_code, exc.smtp_error,
                              self._password) from None  # fmt: skip
        except smtplib.SMTPDataError as exc:
            if exc.smtp_code == 421:
                raise self._closing(exc.smtp_code, exc.smtp_error) from None
            raise content_refused(exc.smtp_code, exc.smtp_error, recipients,
                                  self._password) from None  # fmt: skip
        except smtplib.SMTPException as exc:
            if isinstance(exc, smtplib.SMTPServerDisconnected):
                raise _network_error(exc, "发信服务器", s.smtp_host, s.smtp_port_used,
                                     s) from None  # fmt: skip
            raise MailProtocolError(
                f"发信失败：{redact(str(exc), self._password.reveal())}"
            ) from None
        except OSError as exc:
            raise _network_error(exc, "发信服务器", s.smtp_host, s.smtp_port_used,
                                 s) from None  # fmt: skip
        return {address: refusal_reason(code, reply, self._password)
                for address, (code, reply) in refused.items()}  # fmt: skip

    def _closing(self, code: int, reply: bytes | str) -> MailError:
        """The server ended the session (421): this message did not go out (a refusal, so it
        is not left "unconfirmed") and nothing more can be sent over the session."""
        text, _ = server_reply(code, reply, self._password)
        where = f"{self.settings.smtp_host}:{self.settings.smtp_port_used}"
        return MailProtocolError(f"发信服务器 {where} 关闭了连接（{code} {text}），请稍后再试。")


@contextlib.contextmanager
def smtp_session(settings: MailSettings, password: Secret) -> Iterator[SmtpSession]:
    """Connect, secure and log in to the SMTP server; close it afterwards."""
    settings.need_smtp()
    host, port, timeout = settings.smtp_host, settings.smtp_port_used, settings.timeout
    client: smtplib.SMTP | None = None
    context = tls_context(settings) if settings.security is not Security.NONE else None
    try:
        if settings.security is Security.SSL:
            client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
            if settings.security is Security.STARTTLS:
                client.ehlo()
                if not client.has_extn("starttls"):  # never go on in plain text
                    raise MailConnectError(_no_starttls("发信服务器", host, port))
                client.starttls(context=context)
        client.ehlo_or_helo_if_needed()
        if client.has_extn("auth") or settings.security is not Security.NONE:
            client.login(settings.user, password.reveal())
    except MailError:
        _quietly_close(client)
        raise
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
        raise _network_error(exc, "发信服务器", host, port, settings) from None
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


def _no_starttls(what: str, host: str, port: int) -> str:
    return (f"{what} {host}:{port} 不提供 STARTTLS 加密，已停止连接（不会改用不加密的连接发送密码）；"
            '请向邮件管理员确认加密方式和端口，或改用 security = "ssl"（发信 465，收信 993）。')  # fmt: skip


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
                                 s) from None  # fmt: skip
        except imaplib.IMAP4.error as exc:
            raise self._refusal(what, str(exc)) from None
        except OSError as exc:
            raise _network_error(exc, "收信服务器", s.imap_host, s.imap_port_used,
                                 s) from None  # fmt: skip
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
    context = tls_context(settings) if settings.security is not Security.NONE else None
    try:
        if settings.security is Security.SSL:
            client = imaplib.IMAP4_SSL(host, port, ssl_context=context, timeout=timeout)
        else:
            client = imaplib.IMAP4(host, port, timeout=timeout)
            if settings.security is Security.STARTTLS:
                if "STARTTLS" not in client.capabilities:  # never log in in plain text
                    raise MailConnectError(_no_starttls("收信服务器", host, port))
                client.starttls(ssl_context=context)
        client.login(settings.user, password.reveal())
        # Servers announce MOVE, UIDPLUS … only after login; imaplib keeps the pre-login list.
        typ, data = client.capability()
        if typ == "OK" and data and isinstance(data[-1], bytes):
            client.capabilities = tuple(data[-1].decode("ascii", "replace").upper().split())
    except MailError:
        _quietly_close(client)
        raise
    except imaplib.IMAP4.abort as exc:
        _quietly_close(client)
        raise _network_error(exc, "收信服务器", host, port, settings) from None
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
        raise _network_error(exc, "收信服务器", host, port, settings) from None
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
