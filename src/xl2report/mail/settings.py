"""Mail settings: servers, user and sender from options or ``[mail]`` in ``xl2report.toml``;
the password only from ``XL2REPORT_MAIL_PASSWORD`` or the OS keyring.

A password is never accepted from the command line or the settings file (the file is refused
if it has one), and it travels as a :class:`Secret`, whose ``str``/``repr`` hide it, so it cannot
slip into a log line or an error message by accident.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, fields, replace
from email.headerregistry import Address
from email.utils import getaddresses
from pathlib import Path

from xl2report.compat import SETTINGS_FILE, StrEnum, TOMLDecodeError, load_toml
from xl2report.log import logger
from xl2report.mail.errors import MailSettingsError

PASSWORD_ENV = "XL2REPORT_MAIL_PASSWORD"
KEYRING_SERVICE = "xl2report-mail"
DEFAULT_TIMEOUT = 30.0


class Security(StrEnum):
    """How the connection is protected."""

    SSL = "ssl"
    STARTTLS = "starttls"
    NONE = "none"

    @property
    def label(self) -> str:
        """Chinese name, as a clerk's mail settings page words it."""
        return {
            Security.SSL: "SSL/TLS 加密（发信 465，收信 993）",
            Security.STARTTLS: "STARTTLS 加密（发信 587，收信 143）",
            Security.NONE: "不加密（仅限本机测试）",
        }[self]

    @property
    def smtp_port(self) -> int:
        """The usual SMTP port for this kind of connection."""
        return {Security.SSL: 465, Security.STARTTLS: 587, Security.NONE: 25}[self]

    @property
    def imap_port(self) -> int:
        """The usual IMAP port for this kind of connection."""
        return {Security.SSL: 993, Security.STARTTLS: 143, Security.NONE: 143}[self]


class Secret:
    """A password that does not show itself: ``str``/``repr``/f-strings print ``******``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The password itself, for the login call only."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('******')"

    def __str__(self) -> str:
        return "******"

    def __format__(self, spec: str) -> str:
        return "******"

    def __reduce__(self) -> object:  # never pickled into a worker or a file
        raise TypeError("a Secret is not picklable")


@dataclass(frozen=True)
class MailSettings:
    """Where and as whom to send and fetch mail (no password: see :func:`get_password`)."""

    smtp_host: str = ""
    smtp_port: int | None = None
    imap_host: str = ""
    imap_port: int | None = None
    user: str = ""
    sender: str = ""  # the From: header, e.g. "县政务公开办 <office@county.gov.cn>"
    security: Security = Security.SSL
    timeout: float = DEFAULT_TIMEOUT
    ca_file: str = ""  # a root certificate to trust as well (政务外网 servers often use their own)

    @property
    def smtp_port_used(self) -> int:
        """The SMTP port given, or the usual one for the security chosen."""
        return self.smtp_port or self.security.smtp_port

    @property
    def imap_port_used(self) -> int:
        """The IMAP port given, or the usual one for the security chosen."""
        return self.imap_port or self.security.imap_port

    @property
    def from_address(self) -> Address:
        """The sender as an address (``--from``, else the user name when it is an address)."""
        text = self.sender or self.user
        parsed = getaddresses([text])
        name, addr = parsed[0] if parsed else ("", "")
        if "@" not in addr:
            raise MailSettingsError(
                f"发件人“{text}”不是邮箱地址；请用 --from 或设置文件的 from 给出，"
                "如 县政务公开办 <office@county.gov.cn>。"
            )
        local, _, domain = addr.rpartition("@")
        return Address(display_name=name, username=local, domain=domain)

    def need_smtp(self) -> None:
        """Raise unless sending is configured and allowed."""
        if not self.smtp_host:
            raise MailSettingsError(
                "没有发信服务器：请用 --smtp-host 或 xl2report.toml 的 [mail] smtp_host 给出。"
            )
        self._need_common(self.smtp_host)
        self.from_address  # noqa: B018 - validates --from early, before connecting

    def need_imap(self) -> None:
        """Raise unless fetching is configured and allowed."""
        if not self.imap_host:
            raise MailSettingsError(
                "没有收信服务器：请用 --imap-host 或 xl2report.toml 的 [mail] imap_host 给出。"
            )
        self._need_common(self.imap_host)

    def _need_common(self, host: str) -> None:
        if not self.user:
            raise MailSettingsError("没有邮箱用户名：请用 --user 或设置文件的 user 给出。")
        if self.security is Security.NONE and not is_loopback(host):
            raise MailSettingsError(
                f"不加密的连接（--security none）只允许连本机，{host} 不是本机；"
                "密码和报表会以明文经过网络。请改用 --security ssl 或 starttls。"
            )


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1); no name lookup."""
    text = host.strip().strip("[]").lower()
    if text == "localhost":
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


_KEYS = {
    "smtp_host": "smtp_host",
    "smtp_port": "smtp_port",
    "imap_host": "imap_host",
    "imap_port": "imap_port",
    "user": "user",
    "from": "sender",
    "security": "security",
    "timeout": "timeout",
    "ca_file": "ca_file",
}


def load_settings(config: Path | None = None, **overrides: object) -> MailSettings:
    """Settings from ``config`` (default ``./xl2report.toml`` when present), then ``overrides``.

    Options given on the command line (not None) win over the file.  Raises
    :class:`MailSettingsError` for an unreadable file, an unknown key, a bad value or a password.
    """
    values: dict[str, object] = {}
    path = Path(config) if config is not None else Path(SETTINGS_FILE)
    if config is not None or path.is_file():
        values.update(_read_table(path))
    for key, value in overrides.items():
        if value is not None and value != "":
            values[_KEYS.get(key, key)] = value
    return _build(values, path)


def _read_table(path: Path) -> dict[str, object]:
    try:
        data, note = load_toml(path)  # Notepad's BOM, UTF-16 and GBK files too
    except FileNotFoundError:
        raise MailSettingsError(f"设置文件不存在：{path}") from None
    except UnicodeDecodeError:
        raise MailSettingsError(
            f"设置文件 {path} 无法读取：既不是 UTF-8 也不是 GBK 编码的文本；"
            "请用记事本打开并“另存为”UTF-8 编码。"
        ) from None
    except OSError as exc:
        raise MailSettingsError(f"设置文件 {path} 无法读取：{exc}") from None
    except TOMLDecodeError as exc:
        raise MailSettingsError(f"设置文件 {path} 格式有误（TOML）：{exc}") from None
    if note:
        logger.warning(note)
    table = data.get("mail", {})
    if not isinstance(table, dict):
        raise MailSettingsError(f"设置文件 {path} 中 [mail] 应是一个表。")
    secret_keys = [k for k in table if "pass" in k.lower() or k.lower() in ("secret", "token")]
    if secret_keys:
        raise MailSettingsError(
            f"设置文件 {path} 的 [mail] 中有“{secret_keys[0]}”：密码不能写在文件里。"
            f"请删去这一行，改用环境变量 {PASSWORD_ENV} 或系统钥匙串。"
        )
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise MailSettingsError(
            f"设置文件 {path} 的 [mail] 中有不认识的项：{'、'.join(unknown)}；"
            f"可用的项：{'、'.join(_KEYS)}。"
        )
    values = {_KEYS[k]: v for k, v in table.items()}
    ca_file = values.get("ca_file")
    if isinstance(ca_file, str) and ca_file.strip():  # relative to the settings file, not the cwd
        values["ca_file"] = str(path.parent / Path(ca_file.strip()).expanduser())
    return values


def _build(values: dict[str, object], path: Path) -> MailSettings:
    kinds = {f.name: f.type for f in fields(MailSettings)}
    out = MailSettings()
    for name, value in values.items():
        if name not in kinds:
            continue
        try:
            if name == "security":
                value = Security(str(value).lower())
            elif name in ("smtp_port", "imap_port"):
                value = int(value)  # type: ignore[call-overload]
                if not 0 < value < 65536:
                    raise ValueError(value)
            elif name == "timeout":
                value = float(value)  # type: ignore[arg-type]
                if value <= 0:
                    raise ValueError(value)
            else:
                value = str(value).strip()
        except ValueError:
            choices = "ssl、starttls 或 none" if name == "security" else "正数"
            raise MailSettingsError(
                f"邮件设置 {name} 的值“{value}”无效（应为{choices}；设置文件 {path}）。"
            ) from None
        out = replace(out, **{name: value})
    return out


def get_password(settings: MailSettings) -> Secret:
    """The mailbox password: ``XL2REPORT_MAIL_PASSWORD``, else the OS keyring (if installed)."""
    value = os.environ.get(PASSWORD_ENV)
    if value:
        return Secret(value)
    try:
        import keyring  # optional: Windows Credential Manager, macOS Keychain, Secret Service
    except ImportError:
        keyring = None
    if keyring is not None:
        try:
            stored = keyring.get_password(KEYRING_SERVICE, settings.user)
        except Exception:  # any backend failure means "not available", never a crash
            stored = None
        if stored:
            return Secret(stored)
    raise MailSettingsError(
        f"没有邮箱密码：请设置环境变量 {PASSWORD_ENV}（政务邮箱常用“客户端授权码”），"
        f"或存入系统钥匙串：keyring set {KEYRING_SERVICE} {settings.user or '用户名'}。"
    )
