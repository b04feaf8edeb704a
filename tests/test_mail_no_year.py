"""``mail remind`` / ``reply`` when only a roster is registered: no workbook came back yet, so
no year is known, and the table's title must not read ``年 催报`` (an empty year)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from mail_helpers import ROSTER, mail_cli, smtp_args, write_roster
from mail_servers import Smtp

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


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
    assert json.loads(mail_cli("mail", "remind", "--outbox", str(outbox), "--dry-run",
                               "--json").stdout)["year"] is None  # fmt: skip

    sent = mail_cli("mail", "remind", "--outbox", str(outbox), *smtp_args(smtp.port))
    assert sent.returncode == 1, sent.stdout + sent.stderr
    assert _title(sent.stdout) == f"催报（{today}）"
    assert sorted(to[0] for to, _ in smtp.received) == [ROSTER[1].email, ROSTER[0].email]

    given = mail_cli("mail", "remind", "--outbox", str(outbox), "--year", "2024", "--dry-run")
    assert _title(given.stdout) == f"2024年 催报（{today}）（试运行，未发送）"

    reply = mail_cli("mail", "reply", "--outbox", str(outbox), "--dry-run")
    assert reply.returncode == 0, reply.stdout + reply.stderr
    assert _title(reply.stdout) == "回复（试运行，未发送）"
