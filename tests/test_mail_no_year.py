"""``mail remind`` / ``reply`` when only a roster is registered: no workbook came back yet, so
no year is known; the table's title must not read ``年 催报`` nor a reminder's subject
``【催报】年政府…`` (an empty year): the year is left out."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from inbox_helpers import write_valid
from mail_helpers import ROSTER, mail_cli, smtp_args, write_roster
from mail_servers import Smtp
from xl2report.form.national import FORM_TITLE

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
FORM = FORM_TITLE  # 政府信息公开工作年度报告


def _title(stdout: str) -> str:
    """The first printed line: the table's title (rich centres it)."""
    return next(line.strip() for line in stdout.splitlines() if line.strip())


def _roster_only(tmp_path: Path) -> Path:
    outbox = tmp_path / "outbox"
    roster = write_roster(tmp_path / "名单.csv", ROSTER)
    done = mail_cli("status", "--roster", str(roster), "--outbox", str(outbox))
    assert done.returncode == 0, done.stdout + done.stderr
    return outbox


def test_remind_and_reply_titles_leave_out_an_unknown_year(tmp_path: Path, smtp: Smtp) -> None:
    outbox = _roster_only(tmp_path)
    today = date.today().isoformat()

    dry = mail_cli("mail", "remind", "--outbox", str(outbox), "--dry-run")
    assert dry.returncode == 1, dry.stdout + dry.stderr  # 五龙口镇 has no address: a person acts
    assert _title(dry.stdout) == f"催报（{today}）（试运行，未发送）"
    assert "将催报" in dry.stdout and "没有邮箱" in dry.stdout  # the table under it
    planned = json.loads(mail_cli("mail", "remind", "--outbox", str(outbox), "--dry-run",
                                  "--json").stdout)  # fmt: skip
    assert planned["year"] is None
    assert planned["units"][0]["subject"] == f"【催报】{FORM}填报表（{ROSTER[0].name}）"

    sent = mail_cli("mail", "remind", "--outbox", str(outbox), *smtp_args(smtp.port))
    assert sent.returncode == 1, sent.stdout + sent.stderr
    assert _title(sent.stdout) == f"催报（{today}）"
    assert sorted(to[0] for to, _ in smtp.received) == [ROSTER[1].email, ROSTER[0].email]
    assert sorted(str(m["Subject"]) for _, m in smtp.messages()) == sorted(
        f"【催报】{FORM}填报表（{e.name}）" for e in ROSTER[:2])  # fmt: skip

    given = mail_cli("mail", "remind", "--outbox", str(outbox), "--year", "2024", "--dry-run")
    assert _title(given.stdout) == f"2024年 催报（{today}）（试运行，未发送）"
    assert f"【催报】2024年{FORM}填报表（{ROSTER[0].name}）" in mail_cli(
        "mail", "remind", "--outbox", str(outbox), "--year", "2024", "--dry-run", "--json").stdout

    reply = mail_cli("mail", "reply", "--outbox", str(outbox), "--dry-run")
    assert reply.returncode == 0, reply.stdout + reply.stderr
    assert _title(reply.stdout) == "回复（试运行，未发送）"


def test_a_deadline_set_before_any_return_gives_the_campaign_its_year(tmp_path: Path) -> None:
    """Templates sent with a deadline, nothing back yet: status, remind (--overdue-only) and a
    later deadline change all know the year, so who is late is known from the first day."""
    outbox = tmp_path / "outbox"
    roster = write_roster(tmp_path / "名单.csv", ROSTER)
    done = mail_cli("status", "--roster", str(roster), "--outbox", str(outbox), "--year", "2024",
                    "--deadline", "2025-01-20")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr

    status = json.loads(mail_cli("status", "--outbox", str(outbox), "--json").stdout)
    assert (status["year"], status["deadline"]) == (2024, "2025-01-20")
    assert [u["overdue"] for u in status["orgs"]] == [True] * len(ROSTER)

    planned = json.loads(mail_cli("mail", "remind", "--outbox", str(outbox), "--overdue-only",
                                  "--dry-run", "--json").stdout)  # fmt: skip
    assert planned["year"] == 2024
    subjects = [u["subject"] for u in planned["units"] if u["outcome"] == "would_send"]
    assert subjects == [f"【催报】2024年{FORM}填报表（{e.name}）" for e in ROSTER if e.email]

    moved = mail_cli("status", "--outbox", str(outbox), "--deadline", "2025-01-25", "--json")
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert json.loads(moved.stdout)["deadline"] == "2025-01-25"


def test_a_new_campaign_begins_when_its_deadline_is_set(tmp_path: Path) -> None:
    """Last year's returns are in the ledger; the deadline for the next year is set: status
    (and so the board and remind) show the new year, every unit still to send."""
    outbox, inbox = tmp_path / "outbox", tmp_path / "inbox"
    roster = write_roster(tmp_path / "名单.csv", ROSTER)
    write_valid(inbox / "克井镇.xlsx", ROSTER[0].name, seed=5, year=2024)
    ran = mail_cli("run", "--inbox", str(inbox), "--outbox", str(outbox), "--roster", str(roster))
    assert ran.returncode in (0, 1), ran.stdout + ran.stderr
    assert json.loads(mail_cli("status", "--outbox", str(outbox), "--json").stdout)["year"] == 2024

    mail_cli("status", "--outbox", str(outbox), "--year", "2025", "--deadline", "2026-01-20")
    status = json.loads(mail_cli("status", "--outbox", str(outbox), "--json").stdout)
    assert (status["year"], status["deadline"]) == (2025, "2026-01-20")
    assert {u["state"] for u in status["orgs"]} == {"missing"}
    last = json.loads(mail_cli("status", "--outbox", str(outbox), "--year", "2024", "--json").stdout)
    assert {u["org"]: u["state"] for u in last["orgs"]}[ROSTER[0].name] == "accepted"
