"""The whole January by mail on real servers: send → fetch → run → reply → remind, and each
command rerun sends or fetches nothing twice.  The password is then looked for everywhere."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from inbox_helpers import write_invalid, write_valid
from mail_helpers import (
    ROSTER,
    attachment_org,
    body_text,
    grep_tree,
    imap_args,
    mail_cli,
    smtp_args,
    write_roster,
)
from mail_servers import PASSWORD, Dovecot, Smtp
from township_mail import message
from xl2report.batch.ledger import RosterEntry

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def _sent(outbox: Path, kind: str) -> list[dict]:
    with sqlite3.connect(outbox / ".xl2report" / "ledger.sqlite") as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM mail_sent WHERE kind = ?", (kind,))]


def test_january_by_mail(tmp_path: Path, dovecot: Dovecot, smtp: Smtp) -> None:
    user = dovecot.new_user()
    smtp.user = user
    units = [*ROSTER[:2], RosterEntry("五龙口镇人民政府", "003", "王五", "wulongkou@town.test")]
    roster = write_roster(tmp_path / "名单.csv", units)
    templates, inbox, outbox = tmp_path / "模板", tmp_path / "inbox", tmp_path / "outbox"
    outputs: list[str] = []

    def cli(*args: str, code: int) -> str:
        done = mail_cli(*args)
        assert done.returncode == code, done.stdout + done.stderr
        outputs.extend([done.stdout, done.stderr])
        return done.stdout

    assert mail_cli("template", "--roster", str(roster), "--year", "2024", "-o", str(templates),
                    "--submit-to", "请于2025年1月15日前报回", "--outbox", str(outbox)
                    ).returncode == 0  # fmt: skip
    send = ["mail", "send", "--roster", str(roster), "--templates", str(templates),
            "--outbox", str(outbox), "--deadline", "2025-01-15", *smtp_args(smtp.port, user)]  # fmt: skip
    cli(*send, code=0)
    assert sorted(to[0] for to, _ in smtp.received) == [
        "baisha@town.test", "kejing@town.test", "wulongkou@town.test",
    ]  # fmt: skip

    # The townships answer: 克井镇 right (RFC 2231 name), 白沙乡 wrong (GB18030 name).
    good = write_valid(tmp_path / "src" / "a.xlsx", "克井镇人民政府", seed=1).read_bytes()
    bad = write_invalid(tmp_path / "src" / "b.xlsx", "白沙乡人民政府", seed=2).read_bytes()
    dovecot.append(user, message("克井镇 <kejing@town.test>", "回复：报表", "已填好",
                                 [("克井镇报表.xlsx", good, "rfc2231")],
                                 message_id="<kj-1@town.test>"))  # fmt: skip
    dovecot.append(user, message("baisha@town.test", "白沙乡报表", "请审核",
                                 [("白沙乡报表.xlsx", bad, "gb18030")],
                                 message_id="<bs-1@town.test>",
                                 reply_to="baisha-clerk@town.test"))  # fmt: skip
    fetch = ["mail", "fetch", "--inbox", str(inbox), "--outbox", str(outbox),
             *imap_args(dovecot.port, user)]  # fmt: skip
    cli(*fetch, code=0)
    assert sorted(p.name for p in inbox.iterdir()) == ["克井镇报表.xlsx", "白沙乡报表.xlsx"]

    run = mail_cli("run", "--inbox", str(inbox), "--outbox", str(outbox), "--roster", str(roster))
    assert run.returncode == 1, run.stderr  # 白沙乡 rejected

    smtp.received.clear()
    reply = ["mail", "reply", "--outbox", str(outbox), *smtp_args(smtp.port, user)]
    cli(*reply, code=0)
    got = {to[0]: msg for to, msg in smtp.messages()}
    assert set(got) == {"kejing@town.test", "baisha-clerk@town.test"}  # Reply-To, else From
    rejected, accepted = got["baisha-clerk@town.test"], got["kejing@town.test"]
    assert "退回修改" in rejected["Subject"] and rejected["In-Reply-To"] == "<bs-1@town.test>"
    text = body_text(rejected)
    assert "未通过校验" in text and "【三、依申请公开】D6：" in text  # sheet, cell, message
    [feedback] = list(rejected.iter_attachments())
    assert feedback.get_filename().endswith("_校验反馈.xlsx")
    feedback_file = next((outbox / "2024" / "退回").glob("*.xlsx"))
    assert feedback.get_content() == feedback_file.read_bytes()
    assert "已通过" in accepted["Subject"] and "已通过校验" in body_text(accepted)
    assert list(accepted.iter_attachments()) == []
    cli(*reply, code=0)
    assert len(smtp.received) == 2  # each submission answered once

    smtp.received.clear()
    remind = ["mail", "remind", "--outbox", str(outbox), "--templates", str(templates),
              *smtp_args(smtp.port, user)]  # fmt: skip
    stdout = cli(*remind, code=0)
    assert "今天已回复退回意见" in stdout  # 白沙乡 got its feedback today: no second message
    [(to, reminder)] = smtp.messages()  # the missing unit, with its own template again
    assert to == ["wulongkou@town.test"] and "催报" in reminder["Subject"]
    assert "尚未收到" in body_text(reminder) and "2025-01-15" in body_text(reminder)
    assert attachment_org(reminder)[1] == "五龙口镇人民政府"
    again = cli(*remind, code=0)
    assert "今天已催报过" in again and len(smtp.received) == 1  # at most once a day per unit

    cli(*send, code=0)
    cli(*fetch, code=0)
    assert len(smtp.received) == 1 and len(list(inbox.iterdir())) == 2  # nothing twice
    assert len(_sent(outbox, "template")) == 3 and len(_sent(outbox, "reply")) == 2
    assert len(_sent(outbox, "remind")) == 1

    status = json.loads(cli("mail", "status", "--outbox", str(outbox), "--json", code=0))
    assert [len(status[k]) for k in ("templates", "fetched", "replies", "reminders")] == [3, 2, 2, 1]
    assert status["fetched"][0]["files"] == ["白沙乡报表.xlsx"]  # newest first

    assert all(PASSWORD not in text for text in outputs)
    assert grep_tree(outbox, PASSWORD) == [] and grep_tree(inbox, PASSWORD) == []
    assert grep_tree(templates, PASSWORD) == []
    assert ROSTER[0].name in "".join(p.read_text(encoding="utf-8")
                                     for p in (outbox / ".xl2report" / "logs").glob("mail*.log"))  # fmt: skip
