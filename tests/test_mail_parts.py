"""Mail pieces without a server: attachment names, zips, settings, the password, timeouts."""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from township_mail import gbk_zip, message
from xl2report.mail.attachments import MAX_ZIP_MEMBERS, contents
from xl2report.mail.errors import MailSettingsError, MailTimeoutError
from xl2report.mail.settings import (
    MailSettings,
    Secret,
    Security,
    get_password,
    is_loopback,
    load_settings,
)
from xl2report.mail.transport import imap_utf7, smtp_session

NAME = "朱镕基镇人民政府2024年报表.xlsx"  # 镕 is in GBK but not in GB2312


@pytest.mark.parametrize(
    "style", ["rfc2231", "gb18030", "gbk", "gb2312", "raw-gbk", "octet-name-only"]
)
def test_every_naming_style_decodes(style: str) -> None:
    raw = message("a@town.test", "主题", "正文", [(NAME, b"PK\x03\x04 data", style)])
    found = contents(message_from_bytes(raw, policy=policy.default))
    assert [(w.name, w.data) for w in found.workbooks] == [(NAME, b"PK\x03\x04 data")]


def test_zip_members_forwards_and_other_files() -> None:
    inner = message("b@town.test", "里面", "x", [("内层.xls", b"\xd0\xcf\x11\xe0old", "gbk")])
    archive = gbk_zip({"目录/甲镇报表.xlsx": b"A", "~$甲镇报表.xlsx": b"lock", "说明.doc": b"d"})
    raw = message("a@town.test", "主题", "正文", [
        ("甲.zip", archive, "gbk"), ("", inner, "rfc822"), ("照片.jpg", b"\xff\xd8", "rfc2231"),
        ("乙.rar", b"Rar!", "gbk"),
    ], content_type="application/octet-stream")  # fmt: skip
    found = contents(message_from_bytes(raw, policy=policy.default))
    assert [(w.name, w.data, w.inside) for w in found.workbooks] == [
        ("甲镇报表.xlsx", b"A", "甲.zip"),
        ("内层.xls", b"\xd0\xcf\x11\xe0old", "转发的邮件"),
    ]
    assert found.other_files == ["照片.jpg"]
    assert any("乙.rar" in p and ".zip" in p for p in found.problems)


def test_hostile_zip_is_not_unpacked() -> None:
    many = gbk_zip({f"{i}.xlsx": b"x" for i in range(MAX_ZIP_MEMBERS + 1)})
    raw = message("a@town.test", "主题", "正文", [("多.zip", many, "gbk")])
    found = contents(message_from_bytes(raw, policy=policy.default))
    assert found.workbooks == [] and "文件过多" in found.note()
    broken = message("a@town.test", "主题", "正文", [("坏.zip", b"PK\x03\x04broken", "gbk")])
    found = contents(message_from_bytes(broken, policy=policy.default))
    assert found.workbooks == [] and "已损坏" in found.note()


def test_no_attachment_is_explained() -> None:
    found = contents(message_from_bytes(message("a@t.test", "收到", "好的"), policy=policy.default))
    assert found.workbooks == [] and found.note() == "没有附件"


def test_imap_folder_names_in_modified_utf7() -> None:
    assert imap_utf7("~peter/mail/台北/日本語") == '"~peter/mail/&U,BTFw-/&ZeVnLIqe-"'  # RFC 3501
    assert imap_utf7("A&B") == '"A&-B"'


def test_settings_file_and_options(tmp_path: Path) -> None:
    config = tmp_path / "xl2report.toml"
    config.write_text(
        '[mail]\nsmtp_host = "smtp.county.gov.cn"\nuser = "office@county.gov.cn"\n'
        'from = "县政务公开办 <office@county.gov.cn>"\nsecurity = "starttls"\n',
        encoding="utf-8",
    )
    s = load_settings(config, smtp_port=2525, user=None)
    assert (s.smtp_host, s.smtp_port_used, s.imap_port_used, s.security) == (
        "smtp.county.gov.cn", 2525, 143, Security.STARTTLS,
    )  # fmt: skip
    assert (
        s.from_address.display_name == "县政务公开办" and s.from_address.domain == "county.gov.cn"
    )
    config.write_text('[mail]\nsmtp_host = "x"\npassword = "hunter2"\n', encoding="utf-8")
    with pytest.raises(MailSettingsError, match="密码不能写在文件里") as caught:
        load_settings(config)
    assert "hunter2" not in str(caught.value)
    config.write_text('[mail]\nsmtp_hots = "x"\n', encoding="utf-8")
    with pytest.raises(MailSettingsError, match="smtp_hots"):
        load_settings(config)
    with pytest.raises(MailSettingsError, match="security"):
        load_settings(None, security="tls")


def test_plain_text_only_on_loopback() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("192.168.1.10") and not is_loopback("mail.gov.cn")
    settings = MailSettings(smtp_host="10.0.0.5", user="u@x.cn", security=Security.NONE)
    with pytest.raises(MailSettingsError, match="只允许连本机"):
        settings.need_smtp()


def test_password_never_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XL2REPORT_MAIL_PASSWORD", "s3cr3t-value")
    secret = get_password(MailSettings(user="u@x.cn"))
    assert secret.reveal() == "s3cr3t-value"
    assert "s3cr3t" not in f"{secret} {secret!r} {[secret]}"
    monkeypatch.delenv("XL2REPORT_MAIL_PASSWORD")
    monkeypatch.setitem(__import__("sys").modules, "keyring", None)  # keyring not installed
    with pytest.raises(MailSettingsError, match="XL2REPORT_MAIL_PASSWORD"):
        get_password(MailSettings(user="u@x.cn"))


def test_a_server_that_never_answers_times_out() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    accepted: list[socket.socket] = []
    thread = threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True)
    thread.start()
    settings = MailSettings(smtp_host="127.0.0.1", smtp_port=listener.getsockname()[1],
                            user="u@x.test", security=Security.NONE, timeout=1)  # fmt: skip
    try:
        with (
            pytest.raises(MailTimeoutError, match="1 秒内没有响应"),
            smtp_session(settings, Secret("pw")),
        ):
            pass
    finally:
        thread.join(5)
        for conn in accepted:
            conn.close()
        listener.close()


def test_since_is_an_english_imap_date_whatever_the_locale() -> None:
    from datetime import date

    from xl2report.mail.fetch import imap_date

    assert (
        imap_date(date(2025, 1, 5)) == "05-Jan-2025"
        and imap_date(date(2024, 12, 31)) == "31-Dec-2024"
    )
