"""``mail send`` against a real SMTP server (aiosmtpd on loopback)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from mail_helpers import (
    ROSTER,
    SUBMIT_TO,
    attachment_org,
    body_text,
    grep_tree,
    mail_cli,
    smtp_args,
    write_roster,
    write_templates,
)
from mail_servers import PASSWORD, Smtp

# aiosmtpd warns that AUTH without TLS is unsafe: on loopback in a test that is the point.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def _sent_rows(outbox: Path) -> list[dict]:
    with sqlite3.connect(outbox / ".xl2report" / "ledger.sqlite") as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM mail_sent ORDER BY id")]


def _swap_names(a: Path, b: Path) -> None:
    """Give each template the other's file name: matching must go by the locked 机关名称."""
    tmp = a.with_suffix(".swap")
    a.rename(tmp)
    b.rename(a)
    tmp.rename(b)


def test_each_unit_gets_its_own_template_once(tmp_path: Path, smtp: Smtp) -> None:
    roster, templates, outbox = (
        write_roster(tmp_path / "名单.csv"),
        tmp_path / "模板",
        tmp_path / "outbox",
    )
    paths = write_templates(templates)
    _swap_names(paths[0], paths[1])
    args = ["mail", "send", "--roster", str(roster), "--templates", str(templates),
            "--deadline", "2025-01-15", "--outbox", str(outbox), *smtp_args(smtp.port)]  # fmt: skip
    done = mail_cli(*args)
    assert done.returncode == 1, done.stderr  # 五龙口镇 has no email: a person must act
    assert "名单中没有邮箱" in done.stdout and "已发送" in done.stdout
    got = smtp.messages()
    for _, raw in smtp.received:  # as it went over the wire: both name forms
        assert b"filename*=utf-8''" in raw and b'name="=?utf-8?b?' in raw
    assert sorted(to[0] for to, _ in got) == ["baisha@town.test", "kejing@town.test"]
    by_address = {e.email: e for e in ROSTER}
    for to, msg in got:
        unit = by_address[to[0]]
        name, org = attachment_org(msg)
        assert org == unit.name  # its own template, whatever the file was called
        assert "2024年" in msg["Subject"] and unit.name in msg["Subject"]
        text = body_text(msg)
        assert SUBMIT_TO in text and "2025年1月15日" in text and unit.contact in text
        assert name.endswith(".xlsx") and "人民政府" in name
        assert msg["Message-ID"]
    rows = _sent_rows(outbox)
    assert {(r["org"], r["address"], r["state"]) for r in rows} == {
        ("克井镇人民政府", "kejing@town.test", "sent"),
        ("白沙乡人民政府", "baisha@town.test", "sent"),
    }
    assert {r["message_id"] for r in rows} == {m["Message-ID"] for _, m in got}
    assert all(r["sent_at"] for r in rows)

    again = mail_cli(*args)
    assert again.returncode == 1 and "已发过" in again.stdout
    assert len(smtp.received) == 2  # nothing sent twice
    resent = mail_cli(*args, "--resend")
    assert resent.returncode == 1 and len(smtp.received) == 4
    assert len(_sent_rows(outbox)) == 4

    log = (outbox / ".xl2report" / "logs" / "mail.log").read_text(encoding="utf-8")
    assert log.count("xl2report mail send") == 3 and "克井镇人民政府" in log  # one log, appended
    for text in (done.stdout, done.stderr, again.stdout, resent.stderr):
        assert PASSWORD not in text
    assert grep_tree(outbox, PASSWORD) == []


def test_dry_run_sends_and_creates_nothing(tmp_path: Path) -> None:
    roster, templates, outbox = (
        write_roster(tmp_path / "名单.csv"),
        tmp_path / "模板",
        tmp_path / "outbox",
    )
    write_templates(templates)
    done = mail_cli("mail", "send", "--roster", str(roster), "--templates", str(templates),
                    "--outbox", str(outbox), "--dry-run", "--json", password=None)  # fmt: skip
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert [(u["org"], u["outcome"]) for u in data["units"]] == [
        ("克井镇人民政府", "would_send"), ("白沙乡人民政府", "would_send"), ("五龙口镇人民政府", "no_email"),
    ]  # fmt: skip
    assert data["units"][0]["subject"] == "2024年政府信息公开工作年度报告填报表（克井镇人民政府）"
    assert not outbox.exists()


def test_unit_without_template_and_custom_words(tmp_path: Path, smtp: Smtp) -> None:
    roster, templates, outbox = (
        write_roster(tmp_path / "名单.csv"),
        tmp_path / "模板",
        tmp_path / "outbox",
    )
    write_templates(templates, ROSTER[:1])  # only 克井镇 has a template
    body = tmp_path / "正文.txt"
    body.write_text(
        "{联系人}您好：\n请填写{年度}年报表，{截止日期}前报回。{报送要求}\n｛{机关名称}｝",
        encoding="utf-8",
    )
    done = mail_cli("mail", "send", "--roster", str(roster), "--templates", str(templates),
                    "--outbox", str(outbox), "--deadline", "2025-01-20", "--body-file", str(body),
                    "--subject", "请填报：{机关名称}{年度}", *smtp_args(smtp.port))  # fmt: skip
    assert done.returncode == 1
    assert "没有该单位的模板" in done.stdout
    [(to, msg)] = smtp.messages()
    assert to == ["kejing@town.test"] and msg["Subject"] == "请填报：克井镇人民政府2024"
    text = body_text(msg)
    assert text.startswith("张三您好：\n请填写2024年报表，2025年1月20日前报回。" + SUBMIT_TO)
    assert "｛克井镇人民政府｝" in text  # full-width braces are text (a lone "{" is refused)


def test_wrong_password_is_one_sentence(tmp_path: Path, smtp: Smtp) -> None:
    roster, templates, outbox = (
        write_roster(tmp_path / "名单.csv"),
        tmp_path / "模板",
        tmp_path / "outbox",
    )
    write_templates(templates)
    done = mail_cli("mail", "send", "--roster", str(roster), "--templates", str(templates),
                    "--outbox", str(outbox), *smtp_args(smtp.port), password="not-the-one")  # fmt: skip
    assert done.returncode == 2
    assert (
        done.stderr.startswith("错误：发信服务器 127.0.0.1 拒绝了用户名")
        and "授权码" in done.stderr
    )
    assert "not-the-one" not in done.stderr + done.stdout
    assert smtp.received == [] and _sent_rows(outbox) == []


def test_no_password_and_no_server(tmp_path: Path) -> None:
    roster, templates, outbox = (
        write_roster(tmp_path / "名单.csv"),
        tmp_path / "模板",
        tmp_path / "outbox",
    )
    write_templates(templates)
    base = ["mail", "send", "--roster", str(roster), "--templates", str(templates),
            "--outbox", str(outbox)]  # fmt: skip
    from mail_servers import free_port

    port = free_port()  # nothing listens there
    missing = mail_cli(*base, *smtp_args(port), password=None)
    assert missing.returncode == 2 and "XL2REPORT_MAIL_PASSWORD" in missing.stderr
    refused = mail_cli(*base, *smtp_args(port))
    assert refused.returncode == 2 and f"127.0.0.1:{port} 拒绝连接" in refused.stderr
    plain = mail_cli(*base, "--smtp-host", "smtp.county.test", "--security", "none",
                     "--user", "office@county.test")  # fmt: skip
    assert plain.returncode == 2 and "只允许连本机" in plain.stderr
    for done in (missing, refused, plain):
        assert "Traceback" not in done.stderr and PASSWORD not in done.stderr
    assert not (outbox / ".xl2report" / "ledger.sqlite").exists() or _sent_rows(outbox) == []
