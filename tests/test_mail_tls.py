"""Mail over TLS on loopback: aiosmtpd and Dovecot (``ssl = required``) with a certificate of
an internal CA made at test time, as 政务外网 mail servers often have.

- With the CA in ``[mail] ca_file``, ``mail send`` and ``mail fetch`` work over STARTTLS and over
  implicit TLS (SSL).
- Without it (or with the wrong one), the certificate is refused with one Chinese sentence that
  says what to set, and nothing goes over plain text: the servers never see a login.
- A server that does not offer STARTTLS is refused, never used in plain text.
- The password is in no output, ledger, log or server log.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from inbox_helpers import write_valid
from mail_helpers import ROSTER, attachment_org, grep_tree, mail_cli, write_roster, write_templates
from mail_servers import PASSWORD, Dovecot, Smtp
from tls_servers import HOST, Certs, TlsDovecot
from township_mail import message
from xl2report.mail.errors import MailConnectError, MailSettingsError
from xl2report.mail.settings import MailSettings, Secret, Security
from xl2report.mail.transport import imap_session, smtp_session

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def _toml(folder: Path, security: str, smtp: Smtp, imap_port: int, user: str,
          ca_file: str | None) -> None:  # fmt: skip
    lines = ["[mail]", f'smtp_host = "{HOST}"', f"smtp_port = {smtp.port}",
             f'imap_host = "{HOST}"', f"imap_port = {imap_port}", f'user = "{user}"',
             f'from = "县政务公开办 <{user}>"', f'security = "{security}"', "timeout = 10"]  # fmt: skip
    if ca_file is not None:
        lines.append(f'ca_file = "{ca_file}"')
    (folder / "xl2report.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_send_and_fetch_over_tls_with_the_internal_ca(
    security: str,
    tmp_path: Path,
    tls_certs: Certs,
    tls_dovecot: TlsDovecot,
    tls_smtp: Callable[[str], Smtp],
) -> None:
    user = tls_dovecot.new_user()
    smtp = tls_smtp(security)
    smtp.user = user
    (tmp_path / "证书").mkdir()
    shutil.copy(tls_certs.ca, tmp_path / "证书" / "信息中心根证书.pem")
    imap_port = tls_dovecot.port if security == "starttls" else tls_dovecot.ssl_port
    _toml(tmp_path, security, smtp, imap_port, user, "证书/信息中心根证书.pem")  # relative
    roster = write_roster(tmp_path / "名单.csv", ROSTER[:2])
    write_templates(tmp_path / "模板", ROSTER[:2])
    good = write_valid(tmp_path / "src" / "a.xlsx", ROSTER[0].name, seed=1).read_bytes()
    tls_dovecot.append(user, message("kejing@town.test", "克井镇年报", "见附件",
                                     [("克井镇报表.xlsx", good, "rfc2231")]), tls_certs.ca)  # fmt: skip

    sent = mail_cli("mail", "send", "--roster", str(roster), "--templates", "模板", cwd=tmp_path)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert sorted(to[0] for to, _ in smtp.received) == ["baisha@town.test", "kejing@town.test"]
    assert smtp.logins == ["ok tls=True"]  # logged in once, inside TLS
    for to, msg in smtp.messages():
        org = next(e.name for e in ROSTER if e.email == to[0])
        assert attachment_org(msg)[1] == org

    fetched = mail_cli("mail", "fetch", "--inbox", "inbox", cwd=tmp_path)
    assert fetched.returncode == 0, fetched.stdout + fetched.stderr
    assert [p.name for p in (tmp_path / "inbox").rglob("*.xlsx")] == ["克井镇报表.xlsx"]

    outputs = sent.stdout + sent.stderr + fetched.stdout + fetched.stderr
    assert PASSWORD not in outputs and PASSWORD not in tls_dovecot.log()
    assert list((tmp_path / "outbox" / ".xl2report" / "logs").glob("mail*.log"))
    assert grep_tree(tmp_path, PASSWORD) == []  # ledger, logs, inbox


@pytest.mark.parametrize("security", [Security.STARTTLS, Security.SSL])
def test_without_the_ca_the_certificate_is_refused_and_nothing_goes_in_plain_text(
    security: Security,
    tls_certs: Certs,
    tls_dovecot: TlsDovecot,
    tls_smtp: Callable[[str], Smtp],
) -> None:
    user = tls_dovecot.new_user()
    smtp = tls_smtp(security.value)
    imap_port = tls_dovecot.port if security is Security.STARTTLS else tls_dovecot.ssl_port
    settings = MailSettings(smtp_host=HOST, smtp_port=smtp.port, imap_host=HOST,
                            imap_port=imap_port, user=user, security=security, timeout=10)  # fmt: skip
    for session, what in ((smtp_session, "发信服务器"), (imap_session, "收信服务器")):
        with pytest.raises(MailConnectError) as caught, session(settings, Secret(PASSWORD)):
            pass
        text = str(caught.value)
        assert text.startswith(f"{what} {HOST}:")
        assert "证书无法验证（证书由不受信任的内部根证书签发" in text or "签发证书的机构不在" in text
        assert 'ca_file = "根证书文件路径"' in text and "--ca-file" in text
        assert PASSWORD not in text and "\n" not in text
    assert smtp.logins == [] and smtp.received == []  # never fell back to plain text
    assert f"user=<{user}>" not in tls_dovecot.log()

    wrong = MailSettings(**{**settings.__dict__, "ca_file": str(tls_certs.other_ca)})
    refused = r"设置的根证书 .*other-ca\.pem 也不能验证它"
    with pytest.raises(MailConnectError, match=refused), smtp_session(wrong, Secret(PASSWORD)):
        pass
    der = MailSettings(**{**settings.__dict__, "ca_file": str(tls_certs.ca_der)})
    with imap_session(der, Secret(PASSWORD)) as imap:  # a Windows .cer export (DER) works too
        assert imap.call("选择收件箱", "select", "INBOX", True)


def test_the_cli_says_what_to_set_when_the_certificate_is_unknown(
    tmp_path: Path, tls_dovecot: TlsDovecot, tls_smtp: Callable[[str], Smtp]
) -> None:
    user = tls_dovecot.new_user()
    smtp = tls_smtp("ssl")
    _toml(tmp_path, "ssl", smtp, tls_dovecot.ssl_port, user, None)
    write_templates(tmp_path / "模板", ROSTER[:1])
    roster = write_roster(tmp_path / "名单.csv", ROSTER[:1])
    done = mail_cli("mail", "send", "--roster", str(roster), "--templates", "模板", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    [line] = done.stderr.strip().splitlines()  # one sentence, no traceback
    assert "证书无法验证" in line and "ca_file" in line and PASSWORD not in line
    assert smtp.received == [] and smtp.logins == []

    missing = mail_cli("mail", "fetch", "--ca-file", "没有这个.pem", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        "错误：根证书文件 没有这个.pem 不存在：请核对 xl2report.toml 的 [mail] ca_file（或 --ca-file）。"
    ]


def test_a_server_without_starttls_is_refused_not_used_in_plain_text(
    dovecot: Dovecot, smtp: Smtp, tmp_path: Path
) -> None:
    """The plain loopback servers offer no STARTTLS: asked for starttls, we stop."""
    user = dovecot.new_user()
    smtp.user = user
    settings = MailSettings(smtp_host=HOST, smtp_port=smtp.port, imap_host=HOST,
                            imap_port=dovecot.port, user=user, security=Security.STARTTLS,
                            timeout=10)  # fmt: skip
    for session in (smtp_session, imap_session):
        with (
            pytest.raises(MailConnectError, match="不提供 STARTTLS 加密，已停止连接"),
            session(settings, Secret(PASSWORD)),
        ):
            pass
    assert smtp.logins == []

    bad = tmp_path / "ca.pem"
    bad.write_text("不是证书", encoding="utf-8")
    not_a_cert = MailSettings(**{**settings.__dict__, "ca_file": str(bad)})
    with (
        pytest.raises(MailSettingsError, match="不是可用的证书"),
        smtp_session(not_a_cert, Secret(PASSWORD)),
    ):
        pass


def test_password_from_the_keyring_over_starttls(
    tmp_path: Path,
    tls_certs: Certs,
    tls_dovecot: TlsDovecot,
    tls_smtp: Callable[[str], Smtp],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The clerk stored the password once with ``keyring set``; no environment variable."""
    keyring = pytest.importorskip("keyring", reason="keyring 未安装（pip install keyring）")
    from xl2report.mail.settings import KEYRING_SERVICE

    user = tls_dovecot.new_user()
    smtp = tls_smtp("starttls")
    smtp.user = user
    work, secrets = tmp_path / "work", tmp_path / "keyring"
    work.mkdir()
    secrets.mkdir()
    tests = Path(__file__).resolve().parent
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring_backend.FileKeyring")
    monkeypatch.setenv("XL2REPORT_TEST_KEYRING", str(secrets / "keyring.json"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        p for p in (os.environ.get("PYTHONPATH"), str(tests)) if p))  # fmt: skip
    monkeypatch.syspath_prepend(str(tests))
    before = keyring.get_keyring()
    keyring.set_keyring(__import__("keyring_backend").FileKeyring())
    try:
        keyring.set_password(KEYRING_SERVICE, user, PASSWORD)  # as `keyring set` would
    finally:
        keyring.set_keyring(before)  # this process keeps its own keyring

    _toml(work, "starttls", smtp, tls_dovecot.port, user, str(tls_certs.ca))
    write_templates(work / "模板", ROSTER[:1])
    roster = write_roster(work / "名单.csv", ROSTER[:1])
    done = mail_cli("mail", "send", "--roster", str(roster), "--templates", "模板", cwd=work,
                    password=None)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert [to for to, _ in smtp.received] == [["kejing@town.test"]]
    assert smtp.logins == ["ok tls=True"]
    assert PASSWORD not in done.stdout + done.stderr
    assert grep_tree(work, PASSWORD) == []  # the ledger and logs under the outbox
