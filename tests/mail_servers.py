"""Real mail servers on loopback for the mail tests: Dovecot (IMAP) and aiosmtpd (SMTP).

Dovecot runs from its own configuration in a temporary folder on a random port, started once per
test session; each test gets its own mailbox user.  aiosmtpd runs in a thread per test and keeps
every message it accepts.  Nothing listens on anything but 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import itertools
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from win_helpers import winsim

PASSWORD = "Zy8#kQ2-mailpass"  # what the tests grep for afterwards
USERS = 50  # mailboxes made at start, one per test that asks
_DOVECOT = shutil.which("dovecot") or (
    "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
{ssl}
auth_mechanisms = plain login
mail_location = maildir:{d}/mail/%u
mail_uid = nobody
mail_gid = nogroup
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/users
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
{imaps}
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


@dataclass
class Dovecot:
    """A running Dovecot; :meth:`new_user` adds a mailbox with :data:`PASSWORD`."""

    folder: Path
    port: int
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def new_user(self) -> str:
        """A fresh mailbox (users are written before start: Dovecot caches its users file)."""
        n = next(self._counter)
        assert n <= USERS, "raise USERS"
        return f"office{n}@county.test"

    def connect(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        client.login(user, PASSWORD)
        return client

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        """Put a message into the mailbox, as the township's mail would arrive."""
        client = self.connect(user)
        try:
            typ, data = client.append(folder, None, None, raw)
            assert typ == "OK", data
        finally:
            client.logout()

    def messages(self, user: str, folder: str = "INBOX") -> list[tuple[int, set[str]]]:
        """(UID, flags) of every message in a folder, read without changing anything."""
        client = self.connect(user)
        try:
            typ, _ = client.select(folder, readonly=True)
            assert typ == "OK"
            _, data = client.uid("FETCH", "1:*", "(FLAGS)")
            out = []
            for item in data:
                if not item:
                    continue
                text = item.decode() if isinstance(item, bytes) else item[0].decode()
                uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
                flags = set(text.split("FLAGS (")[1].split(")")[0].split())
                out.append((uid, flags))
            return out
        finally:
            client.logout()


PLAIN_TEXT = "ssl = no\ndisable_plaintext_auth = no"  # the [ssl] part of the plain server
NO_IMAPS = "    port = 0"


@contextlib.contextmanager
def running_dovecot(
    users: list[str], port: int, ssl: str = PLAIN_TEXT, imaps: str = NO_IMAPS,
    ports: tuple[int, ...] = (),
) -> Iterator[Path]:
    """Dovecot on loopback in a fresh folder, with a mailbox (password :data:`PASSWORD`) for
    each of ``users``; ``ssl`` and ``imaps`` fill the configuration's TLS parts.  Waits until
    ``port`` and ``ports`` listen; yields the folder (its ``dovecot.log``)."""
    if _DOVECOT is None:
        pytest.skip("dovecot 未安装（apt-get install dovecot-imapd）：真实 IMAP 测试跳过")
    if winsim.posix("geteuid")() != 0:
        pytest.skip("Dovecot 测试配置需要以 root 运行（邮箱属于 nobody 用户）：跳过")
    folder = Path(tempfile.mkdtemp(prefix="xl2r-dovecot-"))
    folder.chmod(0o755)  # the auth process runs as the dovecot user and must reach the users file
    for sub in ("run", "state", "mail"):
        (folder / sub).mkdir()
    nobody = (pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid)
    winsim.posix("chown")(folder / "mail", *nobody)  # (the Windows lane removes os.chown)
    lines = "".join(f"{user}:{{PLAIN}}{PASSWORD}\n" for user in users)
    (folder / "users").write_text(lines, encoding="utf-8")
    conf = _CONF.format(d=folder, port=port, ssl=ssl, imaps=imaps)
    (folder / "dovecot.conf").write_text(conf, encoding="utf-8")
    proc = subprocess.Popen([_DOVECOT, "-c", str(folder / "dovecot.conf"), "-F"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
    try:
        for each in (port, *ports):
            _wait_for_port(each, proc)
        yield folder
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(10)
        if proc.poll() is None:
            proc.kill()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    port = free_port()
    users = [f"office{n}@county.test" for n in range(1, USERS + 1)]
    with running_dovecot(users, port) as folder:
        yield Dovecot(folder, port)


def _wait_for_port(port: int, proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"dovecot exited: {proc.stderr.read().decode() if proc.stderr else ''}"
            )
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.1)
    raise RuntimeError("dovecot did not start listening")


@dataclass
class Smtp:
    """A running aiosmtpd that accepts mail for anyone but the addresses in ``full`` (552 at
    RCPT), ``unknown`` (550 at RCPT) and ``closing`` (421 at RCPT: the server goes away); a
    message to an address in ``bad_content`` is refused after its content (554 at DATA), and
    every message when ``refuse_sender`` (553 at MAIL FROM).  With ``drop_on_reset`` the
    server drops the connection when the client resets a refused transaction (RSET)."""

    port: int
    user: str
    received: list[tuple[list[str], bytes]] = field(default_factory=list)
    full: set[str] = field(default_factory=set)
    unknown: set[str] = field(default_factory=set)
    closing: set[str] = field(default_factory=set)
    bad_content: set[str] = field(default_factory=set)
    refuse_sender: bool = False
    drop_on_reset: bool = False
    logins: list[str] = field(default_factory=list)

    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        return [(to, message_from_bytes(raw, policy=policy.default)) for to, raw in self.received]  # type: ignore[misc]


class _Handler:
    def __init__(self, box: Smtp) -> None:
        self.box = box

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # type: ignore[no-untyped-def]
        if self.box.refuse_sender:
            return "553 5.7.1 Sender address rejected: not owned by user"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address in self.box.full:
            return "552 5.2.2 Mailbox full"
        if address in self.box.unknown:
            return "550 5.1.1 User unknown"
        if address in self.box.closing:
            return "421 4.3.2 Service shutting down"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_RSET(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.box.drop_on_reset:
            server.transport.abort()  # gone at once: the reply below is never written
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        if self.box.bad_content & set(envelope.rcpt_tos):
            return "554 5.6.0 Message content rejected"
        self.box.received.append((list(envelope.rcpt_tos), bytes(envelope.original_content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    pytest.importorskip("aiosmtpd", reason="aiosmtpd 未安装（pip install aiosmtpd）")
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    box = Smtp(port=free_port(), user="office@county.test")

    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == box.user
              and auth_data.password.decode() == PASSWORD)  # fmt: skip
        if ok:
            box.logins.append(box.user)
        return AuthResult(success=ok, handled=False)  # handled=False: it answers 535

    with warnings.catch_warnings():  # AUTH without TLS is what we want on loopback
        warnings.simplefilter("ignore")
        controller = Controller(_Handler(box), hostname="127.0.0.1", port=box.port,
                                authenticator=authenticator, auth_require_tls=False,
                                auth_required=True)  # fmt: skip
        controller.start()
    try:
        yield box
    finally:
        controller.stop()
