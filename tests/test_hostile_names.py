"""Issue #22 item 1: a name cannot break the mail round trip.

A line break (or NUL, or a bidi override) in a roster name or in a returned workbook's
机关名称 used to stop ``mail send``/``remind``/``reply`` at that unit with ``HeaderParseError``
(exit 2): units after it got no mail, every rerun stopped at the same place.  Now the roster
refuses such names (test_roster), a workbook's name is a finding, every header built from user
text is one line, and one unit's message that cannot be made is that unit's note.  Real
servers on loopback: aiosmtpd (SMTP) and Dovecot (IMAP), :mod:`mail_servers`.
"""

from __future__ import annotations

import json
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from inbox_helpers import write_valid
from mail_helpers import imap_args, mail_cli, smtp_args
from mail_servers import PASSWORD, Dovecot, Smtp
from township_mail import message
from xl2report.batch.ledger import Ledger, RosterEntry
from xl2report.checks.check import check_file
from xl2report.form.national import ORG
from xl2report.mail import compose as outgoing_mail
from xl2report.mail.settings import MailSettings

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

HOSTILE_NAMES = [
    "Yishui Town\r\nBcc: evil@x.test",  # ASCII: the email package refused to write it
    "乙水镇人民政府\nBcc: evil@x.test",
    "丙镇\x00人民政府",
    "丁镇\u202e人民政府",
    "戊镇\u2028人民政府",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_every_header_built_from_user_text_is_one_line(name: str) -> None:
    sender = MailSettings(sender="县政务公开办 <office@county.test>").from_address
    msg = outgoing_mail.compose(sender=sender, to_name=name, to_addresses=["a@town.test"],
                  subject=f"【催报】填报表（{name}）", body="正文", message_id="<1@county.test>",
                  attachments=[outgoing_mail.Attachment(f"{name}.xlsx", b"PK")],
                  in_reply_to="<x\r\nBcc: evil@x.test>")  # fmt: skip
    raw = outgoing_mail.flatten(msg)
    headers = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    assert "In-Reply-To" not in headers  # a Message-ID that is not one is dropped
    lines = [line for line in headers.split("\r\n") if line and not line[0].isspace()]
    assert {line.split(":", 1)[0] for line in lines} <= {
        "Content-Type", "MIME-Version", "From", "To", "Subject", "Date", "Message-ID", "X-Mailer",
    }  # fmt: skip  # no Bcc of its own: the text stays inside the name
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Bcc"] is None and "\n" not in str(parsed["To"]) + str(parsed["Subject"])
    [part] = list(parsed.iter_attachments())  # type: ignore[attr-defined]
    assert part.get_filename().endswith(".xlsx") and "\n" not in part.get_filename()


def _register(outbox: Path, entries: list[RosterEntry]) -> None:
    """A roster registered as an older version (or another tool) would have left it: the names
    never went through the roster file's checks."""
    with Ledger.open(outbox / ".xl2report" / "ledger.sqlite") as ledger:
        ledger.set_roster(entries, "旧名单.csv")
        ledger.set_deadline(2024, __import__("datetime").date(2025, 1, 15))


def test_remind_reaches_every_unit_whatever_names_the_registered_roster_holds(
    tmp_path: Path, smtp: Smtp
) -> None:
    outbox = tmp_path / "outbox"
    units = [RosterEntry("甲镇人民政府", contact="张三", email="jia@town.test")]
    units += [RosterEntry(name, contact="李\n四", email=f"u{i}@town.test")
              for i, name in enumerate(HOSTILE_NAMES)]  # fmt: skip
    units.append(RosterEntry("己镇人民政府", email="ji@town.test"))
    _register(outbox, units)
    remind = ["mail", "remind", "--outbox", str(outbox), *smtp_args(smtp.port)]

    done = mail_cli(*remind, "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    got = sorted(to[0] for to, _ in smtp.received)
    assert got == sorted(e.email for e in units)  # everyone, once, and nobody else
    for _to, msg in smtp.messages():
        assert msg.get_all("Bcc") is None and "\n" not in str(msg["To"]) + str(msg["Subject"])
    sent = {u["org"]: u["outcome"] for u in json.loads(done.stdout)["units"]}
    assert set(sent.values()) == {"sent"} and len(sent) == len(units)

    status = mail_cli("mail", "status", "--outbox", str(outbox), "--json")
    reminders = json.loads(status.stdout)["reminders"]
    assert len(reminders) == len(units) and all(r["sent_at"] for r in reminders)
    again = mail_cli(*remind)  # nothing left "unconfirmed", nothing sent twice
    assert again.returncode == 0 and len(smtp.received) == len(units)


def test_a_line_break_in_a_returned_name_is_a_finding_at_its_cell(tmp_path: Path) -> None:
    path = write_valid(tmp_path / "a.xlsx", "Yishui Town\r\nBcc: evil@x.test", seed=1)
    report = check_file(path).report
    assert [(f.code, f.sheet, f.cell) for f in report.errors] == [
        ("org-not-one-line", ORG.sheet, "B4")
    ]
    assert report.org == "Yishui Town Bcc: evil@x.test"  # read as one line everywhere after


def _recipients(smtp: Smtp) -> list[str]:
    return sorted(a for to, _ in smtp.received for a in to)


def test_reply_answers_jia_although_a_hostile_name_came_first(
    tmp_path: Path, dovecot: Dovecot, smtp: Smtp
) -> None:
    """No roster: the first message carries a workbook whose 机关名称 holds a line break and a
    Bcc line; 甲's good return comes second.  Reply answers both senders and nobody else."""
    user = dovecot.new_user()
    smtp.user = user
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    hostile = write_valid(tmp_path / "src" / "h.xlsx", "Yishui Town\r\nBcc: evil@x.test", seed=2)
    good = write_valid(tmp_path / "src" / "g.xlsx", "甲镇人民政府", seed=1)
    dovecot.append(user, message("stranger@other.test", "报表", "见附件",
                                 [("报表.xlsx", hostile.read_bytes(), "rfc2231")],
                                 message_id="<h-1@other.test>"))  # fmt: skip
    dovecot.append(user, message("甲镇 <jia@town.test>", "甲镇报表", "见附件",
                                 [("甲镇报表.xlsx", good.read_bytes(), "rfc2231")],
                                 message_id="<jia-1@town.test>"))  # fmt: skip
    fetch = mail_cli("mail", "fetch", "--inbox", str(inbox), "--outbox", str(outbox),
                     *imap_args(dovecot.port, user))  # fmt: skip
    assert fetch.returncode == 0, fetch.stderr
    run = mail_cli("run", "--inbox", str(inbox), "--outbox", str(outbox))
    assert run.returncode == 1, run.stdout + run.stderr  # the hostile one is rejected

    reply = mail_cli("mail", "reply", "--outbox", str(outbox), *smtp_args(smtp.port, user))
    assert reply.returncode in (0, 1) and "Traceback" not in reply.stderr, reply.stderr
    assert _recipients(smtp) == ["jia@town.test", "stranger@other.test"]  # nobody else
    answers: dict[str, EmailMessage] = {to[0]: m for to, m in smtp.messages()}
    assert "已通过" in answers["jia@town.test"]["Subject"]
    assert "退回修改" in answers["stranger@other.test"]["Subject"]
    assert all(m.get_all("Bcc") is None for m in answers.values())


def test_the_boards_remind_button_reaches_every_unit_whatever_their_names(
    tmp_path: Path, smtp: Smtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """催报 on the board with the same roster: a page in Chinese saying every unit was
    reminded, never a bare English 500."""
    import warnings

    from web_helpers import csrf_of, make_config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from xl2report.web.app import create_app

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XL2REPORT_MAIL_PASSWORD", PASSWORD)
    (tmp_path / "xl2report.toml").write_text(
        f'[mail]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp.port}\nuser = "{smtp.user}"\n'
        f'from = "县政务公开办 <{smtp.user}>"\nsecurity = "none"\n', encoding="utf-8")  # fmt: skip
    config = make_config(tmp_path, wait_seconds=20)
    units = [RosterEntry(name, email=f"u{i}@town.test") for i, name in enumerate(HOSTILE_NAMES)]
    _register(config.outbox, units)
    base = "http://127.0.0.1:8765"
    with TestClient(create_app(config), base_url=base, follow_redirects=False) as client:
        token = csrf_of(client.get("/mail").text)
        done = client.post("/mail/remind", data={"csrf": token}, headers={"Origin": base})
        assert done.status_code == 303
        shown = client.get(done.headers["location"])
    assert shown.status_code == 200 and f"催报 {len(units)} 封" in shown.text
    assert sorted(to[0] for to, _ in smtp.received) == sorted(u.email for u in units)


def test_the_boards_roster_upload_refuses_a_line_break_before_keeping_anything(
    tmp_path: Path,
) -> None:
    import warnings

    from web_helpers import csrf_of, make_config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    from xl2report.web.app import create_app

    config = make_config(tmp_path)
    roster = '机关名称,邮箱\n甲镇人民政府,a@town.test\n"乙镇人民政府\nBcc: x@y",b@town.test\n'
    base = "http://127.0.0.1:8765"
    with TestClient(create_app(config), base_url=base, follow_redirects=False) as client:
        token = csrf_of(client.get("/handout").text)
        answer = client.post("/handout/roster", data={"csrf": token}, headers={"Origin": base},
                             files=[("roster", ("名单.csv", roster.encode(), "text/csv"))])  # fmt: skip
    assert (
        answer.status_code == 400
        and "第 3 行“机关名称”" in answer.text
        and "含有换行" in answer.text
    )
    with Ledger.open(config.ledger_path) as ledger:
        assert ledger.roster() == []  # nothing registered
    assert not (config.outbox / ".xl2report" / "web").exists()  # nor kept
