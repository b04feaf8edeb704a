"""A message to a unit with two addresses, one of which the server refuses (mailbox full): it is
recorded as sent to the address that took it, with the refusal kept, and never sent there twice.

The SMTP server is a real aiosmtpd on loopback whose RCPT handler answers 552 for the addresses
in ``smtp.full``; smtplib then delivers to the others and reports the refused one.
"""

from __future__ import annotations

import json
import sqlite3
import warnings
from pathlib import Path

import pytest

from mail_helpers import ROSTER, mail_cli, smtp_args, write_roster, write_templates
from mail_servers import Smtp
from web_helpers import make_config
from xl2report.batch.ledger import RosterEntry

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from xl2report.web.app import create_app

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

KEJING, KEJING_FULL = "kejing@town.test", "kejing.office@town.test"
TWO_ADDRESSES = [RosterEntry("克井镇人民政府", "001", "张三", f"{KEJING}；{KEJING_FULL}"), *ROSTER[1:]]


def _rows(outbox: Path, kind: str) -> list[dict]:
    with sqlite3.connect(outbox / ".xl2report" / "ledger.sqlite") as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(
            "SELECT * FROM mail_sent WHERE kind = ? ORDER BY id", (kind,))]  # fmt: skip


def _to(smtp: Smtp) -> list[list[str]]:
    return [sorted(to) for to, _ in smtp.received]


def test_partly_refused_message_is_recorded_and_not_sent_twice(tmp_path: Path, smtp: Smtp) -> None:
    roster = write_roster(tmp_path / "名单.csv", TWO_ADDRESSES)
    templates = tmp_path / "模板"
    config = make_config(tmp_path, templates=templates)
    outbox = config.outbox
    write_templates(templates, TWO_ADDRESSES)
    smtp.full.add(KEJING_FULL)
    send = ["mail", "send", "--roster", str(roster), "--templates", str(templates),
            "--deadline", "2025-01-15", "--outbox", str(outbox), *smtp_args(smtp.port)]  # fmt: skip

    done = mail_cli(*send)
    assert done.returncode == 1, done.stderr  # 五龙口镇 has no email
    assert sorted(_to(smtp)) == [["baisha@town.test"], [KEJING]]  # the full mailbox got nothing
    out = " ".join(done.stdout.split())
    assert f"已发给 {KEJING}" in out and f"{KEJING_FULL} 被拒收" in out and "邮箱已满" in out
    [kejing] = [r for r in _rows(outbox, "template") if r["org"] == "克井镇人民政府"]
    assert kejing["state"] == "sent" and kejing["address"] == KEJING
    assert KEJING_FULL in kejing["refused"] and "552" in kejing["refused"]

    again = mail_cli(*send)  # a rerun sends nothing, least of all to the address that has it
    assert again.returncode == 1, again.stderr
    assert len(smtp.received) == 2
    assert f"{KEJING_FULL} 被拒收" in " ".join(again.stdout.split())

    status = mail_cli("mail", "status", "--outbox", str(outbox))
    assert status.returncode == 0, status.stderr
    assert f"{KEJING_FULL} 被拒收" in " ".join(status.stdout.split())
    data = json.loads(mail_cli("mail", "status", "--outbox", str(outbox), "--json").stdout)
    [entry] = [t for t in data["templates"] if t["org"] == "克井镇人民政府"]
    assert entry["address"] == KEJING and list(entry["refused"]) == [KEJING_FULL]

    with TestClient(create_app(config), base_url="http://127.0.0.1:8765") as client:
        page = client.get("/mail")
        plan = client.get("/mail/send?year=2024")  # the board's 发送模板 says what 再发一次 does
    assert page.status_code == 200 and plan.status_code == 200
    assert f"已发给 {KEJING}；{KEJING_FULL} 被拒收：" in page.text
    assert f"{KEJING_FULL} 被拒收：" in plan.text and "只重发给被拒收的地址" in plan.text

    remind = ["mail", "remind", "--outbox", str(outbox), *smtp_args(smtp.port)]
    reminded = mail_cli(*remind)  # the same shared path: reminders go out partly refused too
    assert reminded.returncode == 1, reminded.stderr  # 五龙口镇 has no email
    assert sorted(_to(smtp)[2:]) == [["baisha@town.test"], [KEJING]]
    assert f"{KEJING_FULL} 被拒收" in " ".join(reminded.stdout.split())
    [kejing_reminder] = [r for r in _rows(outbox, "remind") if r["org"] == "克井镇人民政府"]
    assert kejing_reminder["state"] == "sent" and kejing_reminder["address"] == KEJING
    assert mail_cli(*remind).returncode == 1 and len(smtp.received) == 4  # once a day

    smtp.full.clear()  # the mailbox was emptied: --resend sends to the refused address only
    resent = mail_cli(*send, "--resend")
    assert resent.returncode == 1, resent.stderr
    new = _to(smtp)[4:]
    assert [KEJING] not in new and [KEJING_FULL] in new
    assert sum(1 for to in _to(smtp) if KEJING in to) == 2  # the template once, a reminder once


def test_fixed_roster_address_gets_the_message(tmp_path: Path, smtp: Smtp) -> None:
    roster = write_roster(tmp_path / "名单.csv", TWO_ADDRESSES)
    templates, outbox = tmp_path / "模板", tmp_path / "outbox"
    write_templates(templates, TWO_ADDRESSES)
    smtp.full.add(KEJING_FULL)
    send = ["mail", "send", "--roster", str(roster), "--templates", str(templates),
            "--outbox", str(outbox), *smtp_args(smtp.port)]  # fmt: skip
    assert mail_cli(*send).returncode == 1
    fixed = "kejing.new@town.test"  # the clerk puts the unit's new mailbox in the roster
    write_roster(roster, [RosterEntry("克井镇人民政府", "001", "张三", f"{KEJING}；{fixed}"),
                          *ROSTER[1:]])  # fmt: skip
    again = mail_cli(*send)
    assert again.returncode == 1, again.stderr
    assert _to(smtp)[2:] == [[fixed]]  # only the new address; nothing again to the others


def test_ledger_from_before_keeps_its_rows(tmp_path: Path) -> None:
    """A ledger written before refusals were kept gains the column; its rows read as full sends."""
    from xl2report.batch.ledger import Ledger
    from xl2report.mail.mail_ledger import MailKind, MailLedger

    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as ledger:
        ledger.conn.execute(
            "CREATE TABLE mail_sent (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, topic TEXT NOT "
            "NULL, org TEXT NOT NULL, year INTEGER, address TEXT NOT NULL, message_id TEXT NOT "
            "NULL UNIQUE, subject TEXT NOT NULL, attachment TEXT NOT NULL DEFAULT '', "
            "attachment_sha256 TEXT NOT NULL DEFAULT '', state TEXT NOT NULL, created_at TEXT "
            "NOT NULL, sent_at TEXT)"
        )
        ledger.conn.execute(
            "INSERT INTO mail_sent (kind, topic, org, year, address, message_id, subject, state, "
            "created_at, sent_at) VALUES ('template', '2024/克井镇人民政府', '克井镇人民政府', "
            "2024, 'a@x.test; b@x.test', '<m1@x>', 's', 'sent', 't', 't')"
        )
        ledger.conn.commit()
    with MailLedger.open(path) as book:
        row = book.sent(MailKind.TEMPLATE, "2024/克井镇人民政府")
        assert row is not None and row.accepted == ["a@x.test", "b@x.test"] and row.note == ""
        assert book.delivered_to(MailKind.TEMPLATE, row.topic) == {"a@x.test", "b@x.test"}
        new = book.prepare(kind=MailKind.REMIND, topic="t", org="o", year=2024,
                           address="a@x.test; b@x.test", message_id="<m2@x>", subject="s")  # fmt: skip
        book.mark_sent(new, ["a@x.test"], {"b@x.test": "邮箱已满（552 full）"})
        again = book.sent(MailKind.REMIND, "t")
        assert again is not None and again.note == "已发给 a@x.test；b@x.test 被拒收：邮箱已满（552 full）"
