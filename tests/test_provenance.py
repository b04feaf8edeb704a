"""Issue #22 item 2: where a return comes from counts.

``mail fetch`` records the sender (From) of every saved workbook in the ledger (the batch
layer's ``provenance`` table, by content hash).  A mailed workbook that would become a unit's
current version, sent from an address that is neither on the roster for the unit nor known for
it, is held (``sender-held``, 待确认来源): no report, no feedback, no reply, the accepted report
stays.  The clerk's 确认采用 on the unit page makes the address known (with the time) and the
file flows.  Real servers on loopback: Dovecot (IMAP), aiosmtpd (SMTP); the board through
Starlette's test client with its real processing thread.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import warnings
from pathlib import Path

import openpyxl
import pytest

from helpers import consistent_values
from inbox_helpers import digest, values_for
from mail_helpers import imap_args, mail_cli, smtp_args, write_roster
from mail_servers import Dovecot, Smtp
from township_mail import message
from web_helpers import csrf_of, make_config
from xl2report.batch import ledger_schema
from xl2report.batch.ledger import Ledger, RosterEntry
from xl2report.form.national import FORM, ORG, YEAR, Kind, Value, a1

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from xl2report.web.app import create_app

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

JIA, YI = "甲镇人民政府", "乙镇人民政府"
UNITS = [RosterEntry(JIA, "001", "张三", "jia@town.test"),
         RosterEntry(YI, "002", "李四", "yi@town.test")]  # fmt: skip
PENALTY = "s2.penalty.decisions"
BASE = "http://127.0.0.1:8765"


def _fill(template: Path, out: Path, penalty: int) -> Path:
    """甲 types its figures into the template it was issued (its 下发编号 stays)."""
    values: dict[str, Value] = consistent_values(random.Random(7))
    values[PENALTY] = penalty
    wb = openpyxl.load_workbook(template)
    for f in FORM.fields:
        if f.kind is Kind.INPUT and f.key in values and f.key not in (ORG.key, YEAR.key):
            wb[f.sheet][a1(f.row, f.col)].value = values[f.key]
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def _forged(path: Path, penalty: int) -> Path:
    """A blank template filled in as 甲 by someone else (no 下发编号: issue-missing only)."""
    from helpers import make_workbook

    values = values_for(JIA, seed=8)
    values[PENALTY] = penalty
    path.parent.mkdir(parents=True, exist_ok=True)
    return make_workbook(path, values, org=JIA, year=2024)


def _current(outbox: Path, org: str) -> tuple[Value, str]:
    """(行政处罚 of the org's current accepted report, the report's path)."""
    with Ledger.open(outbox / ".xl2report" / "ledger.sqlite") as ledger:
        row = ledger.current(org, 2024)
        assert row is not None and row.report
        return row.values()[PENALTY], row.report


def _status(outbox: Path) -> dict[str, dict]:
    done = mail_cli("status", "--outbox", str(outbox), "--json")
    return {u["org"]: u for u in json.loads(done.stdout)["orgs"]}


def test_an_outsider_cannot_replace_an_accepted_report_until_the_clerk_adopts_it(
    tmp_path: Path, dovecot: Dovecot, smtp: Smtp
) -> None:
    user = dovecot.new_user()
    smtp.user = user
    config = make_config(tmp_path, wait_seconds=30)
    inbox, outbox = config.inbox, config.outbox
    roster = write_roster(tmp_path / "名单.csv", UNITS)
    templates = tmp_path / "模板"
    made = mail_cli("template", "--roster", str(roster), "--year", "2024", "-o", str(templates),
                    "--outbox", str(outbox))  # fmt: skip
    assert made.returncode == 0, made.stderr
    issued = next(p for p in templates.iterdir() if p.name.startswith(JIA))
    fetch = ["mail", "fetch", "--inbox", str(inbox), "--outbox", str(outbox),
             *imap_args(dovecot.port, user)]  # fmt: skip
    run = ["run", "--inbox", str(inbox), "--outbox", str(outbox), "--roster", str(roster)]

    own = _fill(issued, tmp_path / "src" / "甲.xlsx", penalty=13)
    dovecot.append(user, message("甲镇 <jia@town.test>", "甲镇报表", "见附件",
                                 [("甲镇报表.xlsx", own.read_bytes(), "rfc2231")],
                                 message_id="<jia-1@town.test>"))  # fmt: skip
    assert mail_cli(*fetch).returncode == 0
    first = mail_cli(*run)
    assert first.returncode == 0, first.stdout + first.stderr  # from its own address: accepted
    penalty, report = _current(outbox, JIA)
    assert penalty == 13
    before = digest(outbox / report)

    forged = _forged(tmp_path / "src" / "forged.xlsx", penalty=99)
    dovecot.append(user, message("attacker@evil.test", "甲镇报表（更正）", "以此为准",
                                 [("甲镇人民政府2024年报表.xlsx", forged.read_bytes(), "rfc2231")],
                                 message_id="<evil-1@evil.test>"))  # fmt: skip
    assert mail_cli(*fetch).returncode == 0
    second = mail_cli(*run, "--json")
    assert second.returncode == 1, second.stderr  # the clerk has something to decide
    listed = {f["file"]: f for f in json.loads(second.stdout)["files"]}
    held = listed["甲镇人民政府2024年报表.xlsx"]
    assert held["status"] == "sender-held" and "attacker@evil.test" in held["message"]
    assert _current(outbox, JIA) == (13, report) and digest(outbox / report) == before
    unit = _status(outbox)[JIA]
    assert unit["state"] == "sender-held" and unit["label"] == "待确认来源"
    assert unit["sender"] == "attacker@evil.test"

    reply = mail_cli("mail", "reply", "--outbox", str(outbox), *smtp_args(smtp.port, user))
    assert reply.returncode == 1, reply.stdout + reply.stderr  # held: a person must decide
    assert "attacker@evil.test" not in [a for to, _ in smtp.received for a in to]

    # 确认采用 on the board: the address becomes 甲's, the file flows and becomes version 2.
    with TestClient(create_app(config), base_url=BASE, follow_redirects=False) as client:
        page = client.get("/unit", params={"org": JIA, "year": "2024"})
        assert "待确认来源" in page.text and "attacker@evil.test" in page.text
        row = re.search(r'action="/unit/adopt".*?name="row" value="(\d+)"', page.text, re.S)
        assert row is not None
        done = client.post("/unit/adopt", data={"csrf": csrf_of(page.text), "row": row.group(1)},
                           headers={"Origin": BASE})  # fmt: skip
        assert done.status_code == 303, done.text
        assert client.get("/").status_code == 200
    assert _current(outbox, JIA)[0] == 99
    assert _status(outbox)[JIA]["state"] == "accepted"
    with Ledger.open(outbox / ".xl2report" / "ledger.sqlite") as ledger:
        known = ledger.known_senders(JIA)["attacker@evil.test"]
    assert known.how == "confirmed" and known.confirmed_at  # recorded with the time


def test_without_a_roster_the_first_sender_is_the_units_and_another_is_held(
    tmp_path: Path, dovecot: Dovecot
) -> None:
    user = dovecot.new_user()
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    first = _forged(tmp_path / "src" / "a.xlsx", penalty=5)
    second = _forged(tmp_path / "src" / "b.xlsx", penalty=6)
    for sender, data, mid in (
        ("jia@town.test", first, "<a@x>"),
        ("other@evil.test", second, "<b@x>"),
    ):
        dovecot.append(user, message(sender, "报表", "见附件", [("报表.xlsx", data.read_bytes(),
                                                            "rfc2231")], message_id=mid))  # fmt: skip
    assert mail_cli("mail", "fetch", "--inbox", str(inbox), "--outbox", str(outbox),
                    *imap_args(dovecot.port, user)).returncode == 0  # fmt: skip
    run = mail_cli("run", "--inbox", str(inbox), "--outbox", str(outbox), "--json")
    statuses = sorted(f["status"] for f in json.loads(run.stdout)["files"])
    assert statuses == ["accepted", "sender-held"], run.stdout
    assert _current(outbox, JIA)[0] == 5
    # The clerk's own copy of the same unit's return (put in the inbox by hand) flows as ever.
    _forged(inbox / "手工放入.xlsx", penalty=7)
    again = mail_cli("run", "--inbox", str(inbox), "--outbox", str(outbox))
    assert again.returncode == 1 and _current(outbox, JIA)[0] == 7  # 1: the held one waits


def test_a_version_2_ledger_is_upgraded_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path) as ledger:
        ledger.set_roster([RosterEntry(JIA)], "名单")
    conn = sqlite3.connect(path)  # back to version 2: no provenance, no sender-held status
    conn.executescript(
        "DROP TABLE provenance; DROP TABLE known_senders; DROP TABLE files;"
        + ledger_schema._FILES_TABLE.replace(", 'sender-held'", "")
        + ";"
        "INSERT INTO files (path, sha256, size, mtime_ns, received_ns, seen_at, status, org, year)"
        " VALUES ('a.xlsx', 's1', 1, 1, 1, 't', 'accepted', '甲镇人民政府', 2024);"
        "PRAGMA user_version=2;"
    )
    conn.close()
    with Ledger.open(path) as ledger:
        assert ledger.conn.execute("PRAGMA user_version").fetchone()[0] == 3
        assert [r.path for r in ledger.rows()] == ["a.xlsx"] and ledger.roster()[0].name == JIA
        ledger.record_sender("s2", "A@Town.test")
        assert ledger.senders_of("s2") == ["a@town.test"]
        ledger.conn.execute(
            "INSERT INTO files (path, sha256, size, mtime_ns, received_ns, seen_at, status)"
            " VALUES ('b.xlsx', 's2', 1, 1, 1, 't', 'sender-held')"
        )  # the new status is allowed
