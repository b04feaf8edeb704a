"""The board's 邮件 page over real mail servers: what was sent and fetched, and its buttons."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from inbox_helpers import write_invalid, write_valid
from mail_servers import PASSWORD, Dovecot, Smtp
from township_mail import message
from web_helpers import HOSTILE, csrf_of, make_config
from xl2report.batch.ledger import Ledger, RosterEntry

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from xl2report.web.app import create_app

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
BASE = "http://127.0.0.1:8765"
ORIGIN = {"Origin": BASE}


def _settings(folder: Path, dovecot: Dovecot, smtp: Smtp, user: str) -> None:
    (folder / "xl2report.toml").write_text(
        f'[mail]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp.port}\nimap_host = "127.0.0.1"\n'
        f'imap_port = {dovecot.port}\nuser = "{user}"\nfrom = "县政务公开办 <{user}>"\n'
        'security = "none"\n',
        encoding="utf-8",
    )


def test_the_settings_sample_the_board_shows_is_a_valid_settings_file(tmp_path: Path) -> None:
    from xl2report.mail.settings import load_settings
    from xl2report.web.mail_setup import SETTINGS_SAMPLE, setup_missing

    path = tmp_path / "xl2report.toml"
    path.write_text(SETTINGS_SAMPLE, encoding="utf-8")
    settings = load_settings(path)
    assert settings.smtp_host and settings.imap_host and settings.user and settings.from_address
    missing, sample = setup_missing(settings, fetching=True)  # only the password is left
    assert "keyring set" in missing and sample == ""


def test_mail_page_fetches_replies_and_shows_it(
    tmp_path: Path, dovecot: Dovecot, smtp: Smtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = dovecot.new_user()
    smtp.user = user
    monkeypatch.chdir(tmp_path)
    config = make_config(tmp_path, wait_seconds=30)
    roster = [RosterEntry("克井镇人民政府", contact="张三", email="kejing@town.test"),
              RosterEntry("白沙乡人民政府", contact="李四", email="baisha@town.test")]  # fmt: skip
    with Ledger.open(config.ledger_path) as ledger:
        ledger.set_roster(roster, "名单.csv")
    good = write_valid(tmp_path / "src" / "a.xlsx", roster[0].name, seed=1).read_bytes()
    bad = write_invalid(tmp_path / "src" / "b.xlsx", roster[1].name, seed=2).read_bytes()
    dovecot.append(user, message("kejing@town.test", HOSTILE, "x",
                                 [("克井镇报表.xlsx", good, "rfc2231")], message_id="<w1@t.test>"))  # fmt: skip
    dovecot.append(user, message("baisha@town.test", "白沙乡", "x",
                                 [("白沙乡报表.xlsx", bad, "gbk")], message_id="<w2@t.test>"))  # fmt: skip
    with TestClient(create_app(config), base_url=BASE, follow_redirects=False) as client:
        page = client.get("/mail")
        assert page.status_code == 200 and "设置文件" not in page.text
        # Not set up yet: said in words, with the file to write and a sample of it (no options).
        assert "未设置" in page.text and 'id="settings-sample"' in page.text
        assert str(tmp_path) in page.text and "--smtp-host" not in page.text
        token = csrf_of(page.text)
        assert client.post("/mail/fetch", data={}, headers=ORIGIN).status_code == 403  # no token

        monkeypatch.setenv("XL2REPORT_MAIL_PASSWORD", PASSWORD)
        _settings(tmp_path, dovecot, smtp, user)
        page = client.get("/mail")
        assert "127.0.0.1:" in page.text and "已设置" in page.text and PASSWORD not in page.text
        done = client.post("/mail/fetch", data={"csrf": token}, headers=ORIGIN)
        assert done.status_code == 303
        shown = client.get(done.headers["location"]).text
        assert "保存工作簿 2 个" in shown and "克井镇报表.xlsx" in shown
        assert HOSTILE not in shown and "&lt;script&gt;" in shown  # a subject is text, escaped
        board = client.get("/").text  # processed like an upload
        assert "已退回" in board and "已通过" in board

        done = client.post("/mail/reply", data={"csrf": token}, headers=ORIGIN)
        shown = client.get(done.headers["location"]).text
        assert "回复 2 封" in shown
        assert sorted(to[0] for to, _ in smtp.received) == ["baisha@town.test", "kejing@town.test"]
        assert "退回修改" in shown and "白沙乡人民政府_校验反馈.xlsx" in shown  # the replies table

        smtp.full.add("baisha@town.test")
        done = client.post("/mail/remind", data={"csrf": token}, headers=ORIGIN)
        shown = client.get(done.headers["location"]).text
        assert "催报 0 封" in shown  # 白沙乡 got its feedback today; 克井镇 is done
    assert len(dovecot.messages(user)) == 2  # the mail stays on the server
