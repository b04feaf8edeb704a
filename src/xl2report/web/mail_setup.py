"""What the board says while the office's mailbox is not set up yet, in a clerk's words.

The CLI names its options (``--smtp-host``); a clerk at the board needs to be told what to write,
in which file, in which folder, and where the password goes instead.  Shared by the 邮件 page
and the 发送模板 page.
"""

from __future__ import annotations

from pathlib import Path

from xl2report.errors import FatalError
from xl2report.mail.settings import (
    KEYRING_SERVICE,
    PASSWORD_ENV,
    SETTINGS_FILE,
    MailSettings,
    get_password,
)

# What a clerk writes into xl2report.toml (a test reads it with the settings loader).
SETTINGS_SAMPLE = """[mail]
smtp_host = "smtp.county.gov.cn"   # 发信服务器
imap_host = "imap.county.gov.cn"   # 收信服务器
user = "office@county.gov.cn"      # 本单位邮箱地址
from = "县政务公开办 <office@county.gov.cn>"
security = "ssl"                   # 加密方式：ssl（端口 465/993）或 starttls（587/143）
"""


def setup_missing(settings: MailSettings, fetching: bool) -> tuple[str, str]:
    """What is still to be set up before sending (and, with ``fetching``, fetching: the 邮件
    page, which shows the sample), in words, and the sample settings file when that is what is
    missing; ("", "") when servers, user and password are all there.  The settings file is
    read again on every page, so no restart."""
    sample_at = "见下面的样子" if fetching else "见“邮件”页"
    servers = settings.smtp_host and (settings.imap_host or not fetching)
    if not (servers and settings.user):
        return (
            f"还没有设置邮箱。请在启动工作台的文件夹（{Path.cwd()}）里新建一个文本文件，起名 "
            f"{SETTINGS_FILE}，写上本单位邮箱的发信服务器、收信服务器和邮箱地址（写法{sample_at}；"
            "服务器地址见网页邮箱的“设置 → 客户端设置”，或问县信息中心），保存后刷新本页。"
        ), SETTINGS_SAMPLE
    try:
        get_password(settings)
    except FatalError:
        return (
            "邮箱密码还没有存到这台电脑上。为安全起见，密码不在网页上输入：请县信息中心或您本人在"
            f"这台电脑上运行 keyring set {KEYRING_SERVICE} {settings.user}，按提示输入密码（政务"
            "邮箱多用“客户端授权码”），然后刷新本页；也可以设置环境变量 "
            f"{PASSWORD_ENV} 后重新启动工作台。"
        ), ""
    return "", ""
