"""One unit's message refused by the server does not stop the others.

Three units; the SMTP server (a real aiosmtpd on loopback, :mod:`mail_servers`) refuses the
middle one's only address (mailbox full, unknown user) or its content.  The first and the
third get their message over the same session, the middle one is reported with the server's
reason, the exit code is 1 (a person must act), and a rerun once the server takes it sends the
middle one only.  A refusal of the session itself (the sender refused, the server closing or
hanging up after a refusal) still stops the run, with the units already sent recorded and nothing
left "unconfirmed" that certainly did not go out.
"""

from __future__ import annotations

import json
import sqlite3
import warnings
from pathlib import Path

import pytest

from inbox_helpers import write_valid
from mail_helpers import ROSTER, mail_cli, smtp_args, write_roster, write_templates
from mail_servers import PASSWORD, Smtp
from web_helpers import csrf_of, make_config
from xl2report.batch.ledger import Ledger, RosterEntry

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from xl2report.web.app import create_app

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

KEJING, BAISHA, WULONGKOU = "kejing@town.test", "baisha@town.test", "wulongkou@town.test"
UNITS = [*ROSTER[:2], RosterEntry("五龙口镇人民政府", "003", "王五", WULONGKOU)]
MIDDLE = UNITS[1].name
ORIGIN = {"Origin": "http://127.0.0.1:8765"}


def _rows(outbox: Path, kind: str) -> list[dict]:
    with sqlite3.connect(outbox / ".xl2report" / "ledger.sqlite") as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(
            "SELECT * FROM mail_sent WHERE kind = ? ORDER BY id", (kind,))]  # fmt: skip


def _to(smtp: Smtp) -> list[str]:
    return [";".join(sorted(to)) for to, _ in smtp.received]


def _flat(text: str) -> str:
    """Output with the table's line wrapping and padding taken out."""
    return "".join(text.split())


def _send_args(tmp_path: Path, smtp: Smtp) -> list[str]:
    roster = write_roster(tmp_path / "名单.csv", UNITS)
    write_templates(tmp_path / "模板", UNITS)
    return ["mail", "send", "--roster", str(roster), "--templates", str(tmp_path / "模板"),
            "--outbox", str(tmp_path / "outbox"), *smtp_args(smtp.port)]  # fmt: skip


def test_send_a_full_mailbox_in_the_middle_does_not_stop_the_others(
    tmp_path: Path, smtp: Smtp
) -> None:
    send = _send_args(tmp_path, smtp)
    outbox = tmp_path / "outbox"
    smtp.full.add(BAISHA)

    done = mail_cli(*send)
    assert done.returncode == 1, done.stdout + done.stderr  # a person must act, nothing fatal
    assert _to(smtp) == [KEJING, WULONGKOU]  # the third unit went out after the refusal
    assert "Traceback" not in done.stderr and PASSWORD not in done.stdout + done.stderr
    out = _flat(done.stdout)
    assert "被拒收，未发出（见表下）" in out  # the unit's row in the table
    reason = f"{MIDDLE}：被拒收，未发出：收件人{BAISHA}的邮箱已满，服务器拒收（5525.2.2Mailboxfull）。"
    assert reason in out  # told in full under the table
    assert "只补发这些单位" in out
    assert f"被拒收：{MIDDLE}：收件人 {BAISHA} 的邮箱已满" in done.stderr  # the progress line
    sent = _rows(outbox, "template")
    assert [(r["org"], r["state"]) for r in sent] == [
        (UNITS[0].name, "sent"), (UNITS[2].name, "sent")]  # fmt: skip  # refused: not recorded

    again = mail_cli(*send, "--json")  # still full: only the middle one is tried, and refused
    assert again.returncode == 1, again.stderr
    assert _to(smtp) == [KEJING, WULONGKOU]
    units = {u["org"]: u for u in json.loads(again.stdout)["units"]}
    assert units[MIDDLE]["outcome"] == "failed" and units[MIDDLE]["label"] == "被拒收，未发出"
    assert "邮箱已满" in units[MIDDLE]["detail"] and "552" in units[MIDDLE]["detail"]
    assert units[UNITS[0].name]["outcome"] == units[UNITS[2].name]["outcome"] == "already"

    smtp.full.clear()  # the township emptied its mailbox
    fixed = mail_cli(*send)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert _to(smtp) == [KEJING, WULONGKOU, BAISHA]  # the middle one only, once
    assert [r["org"] for r in _rows(outbox, "template")][-1] == MIDDLE


def test_reply_refused_content_in_the_middle_does_not_stop_the_others(
    tmp_path: Path, smtp: Smtp
) -> None:
    roster = write_roster(tmp_path / "名单.csv", UNITS)
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    for n, unit in enumerate(UNITS):
        write_valid(inbox / f"{n}.xlsx", unit.name, seed=n)
    run = mail_cli("run", "--inbox", str(inbox), "--outbox", str(outbox), "--roster", str(roster))
    assert run.returncode == 0, run.stderr
    reply = ["mail", "reply", "--outbox", str(outbox), *smtp_args(smtp.port)]
    smtp.bad_content.add(BAISHA)

    done = mail_cli(*reply)
    assert done.returncode == 1, done.stdout + done.stderr
    assert _to(smtp) == [KEJING, WULONGKOU]
    out = _flat(done.stdout)
    assert "被拒收，未回复（见表下）" in out
    assert f"{MIDDLE}：被拒收，未回复：发信服务器拒收了这封邮件：服务器拒收（5545.6.0Messagecontentrejected）。" in out
    assert [r["org"] for r in _rows(outbox, "reply")] == [UNITS[0].name, UNITS[2].name]

    smtp.bad_content.clear()
    again = mail_cli(*reply, "--json")
    assert again.returncode == 0, again.stdout + again.stderr
    assert _to(smtp) == [KEJING, WULONGKOU, BAISHA]  # each answered once
    outcomes = {r["org"]: r["outcome"] for r in json.loads(again.stdout)["replies"]}
    assert outcomes == {UNITS[0].name: "already", MIDDLE: "sent", UNITS[2].name: "already"}


def test_remind_unknown_address_in_the_middle_does_not_stop_the_others(
    tmp_path: Path, smtp: Smtp
) -> None:
    send = _send_args(tmp_path, smtp)
    assert mail_cli(*send).returncode == 0  # registers the roster: all three are missing
    smtp.received.clear()
    remind = ["mail", "remind", "--outbox", str(tmp_path / "outbox"), *smtp_args(smtp.port)]
    smtp.unknown.add(BAISHA)

    done = mail_cli(*remind, "--json")
    assert done.returncode == 1, done.stdout + done.stderr
    assert _to(smtp) == [KEJING, WULONGKOU]
    units = {u["org"]: u for u in json.loads(done.stdout)["units"]}
    assert units[MIDDLE]["outcome"] == "failed" and units[MIDDLE]["message_id"] == ""
    assert units[MIDDLE]["detail"] == f"发信服务器拒绝了收件人 {BAISHA}（550 5.1.1 User unknown）。"

    smtp.unknown.clear()  # the same day: the others were reminded today, the middle one not yet
    again = mail_cli(*remind)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _to(smtp) == [KEJING, WULONGKOU, BAISHA]
    assert _flat(again.stdout).count("今天已催报过") == 2


def test_a_refused_sender_or_a_closing_server_still_stops_the_run(
    tmp_path: Path, smtp: Smtp
) -> None:
    send = _send_args(tmp_path, smtp)
    outbox = tmp_path / "outbox"
    smtp.refuse_sender = True  # every message would be refused: one sentence, exit 2
    done = mail_cli(*send)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "发信服务器拒绝了发件人（553 5.7.1" in done.stderr and "Traceback" not in done.stderr
    assert smtp.received == [] and _rows(outbox, "template") == []

    smtp.refuse_sender = False
    smtp.closing.add(BAISHA)  # the server goes away at the middle unit
    stopped = mail_cli(*send)
    assert stopped.returncode == 2, stopped.stdout + stopped.stderr
    assert "关闭了连接（421 4.3.2 Service shutting down）" in stopped.stderr
    assert _to(smtp) == [KEJING]  # nothing after the session ended
    assert [(r["org"], r["state"]) for r in _rows(outbox, "template")] == [(UNITS[0].name, "sent")]

    smtp.closing.clear()
    rest = mail_cli(*send)
    assert rest.returncode == 0, rest.stdout + rest.stderr
    assert _to(smtp) == [KEJING, BAISHA, WULONGKOU]  # the rest, nothing twice


def test_a_server_gone_after_a_refusal_stops_before_the_next_unit(
    tmp_path: Path, smtp: Smtp
) -> None:
    send = _send_args(tmp_path, smtp)
    outbox = tmp_path / "outbox"
    smtp.full.add(BAISHA)
    smtp.drop_on_reset = True  # the server hangs up after refusing the middle unit
    done = mail_cli(*send)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"被拒收：{MIDDLE}：收件人 {BAISHA} 的邮箱已满" in done.stderr
    assert "断开了连接" in done.stderr and "Traceback" not in done.stderr
    assert _to(smtp) == [KEJING]
    # the third unit certainly did not go out: not left "unconfirmed" for a rerun to guess at
    assert [(r["org"], r["state"]) for r in _rows(outbox, "template")] == [(UNITS[0].name, "sent")]

    smtp.full.clear()
    smtp.drop_on_reset = False
    rest = mail_cli(*send)
    assert rest.returncode == 0, rest.stdout + rest.stderr
    assert _to(smtp) == [KEJING, BAISHA, WULONGKOU]


def _board(tmp_path: Path, smtp: Smtp, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A board over ``tmp_path`` whose xl2report.toml points at ``smtp``, the roster registered."""
    monkeypatch.chdir(tmp_path)  # the board reads ./xl2report.toml
    monkeypatch.setenv("XL2REPORT_MAIL_PASSWORD", PASSWORD)
    (tmp_path / "xl2report.toml").write_text(
        f'[mail]\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp.port}\nimap_host = "127.0.0.1"\n'
        f'user = "{smtp.user}"\nfrom = "县政务公开办 <{smtp.user}>"\nsecurity = "none"\n',
        encoding="utf-8",
    )  # fmt: skip
    config = make_config(tmp_path)
    with Ledger.open(config.ledger_path) as ledger:
        ledger.set_roster(UNITS, "名单.xlsx")
    return TestClient(create_app(config), base_url=ORIGIN["Origin"], follow_redirects=False)


def _board_send(client: TestClient) -> str:
    """Generate the templates, press 发送 on the plan shown; the page after it."""
    token = csrf_of(client.get("/mail/send?year=2024").text)
    done = client.post("/mail/send/prepare", data={"csrf": token, "year": 2024}, headers=ORIGIN)
    page = client.get(done.headers["location"]).text
    fingerprint = page.split('name="fingerprint" value="')[1].split('"')[0]
    done = client.post("/mail/send", data={"csrf": token, "year": 2024,
                                           "fingerprint": fingerprint}, headers=ORIGIN)  # fmt: skip
    return client.get(done.headers["location"]).text


def test_board_send_and_remind_show_the_refused_unit_and_send_the_others(
    tmp_path: Path, smtp: Smtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp.full.add(BAISHA)
    with _board(tmp_path, smtp, monkeypatch) as client:
        shown = _board_send(client)
        assert _to(smtp) == [KEJING, WULONGKOU]
        assert "已发送 2 封" in shown and "没有发出任何邮件" not in shown
        assert f"1 个单位的邮件被服务器拒收，没有发出（其他单位不受影响）：{MIDDLE}：收件人 {BAISHA} 的邮箱已满" in shown
        row = shown.split(f"<td>{MIDDLE}</td>")[1].split("</tr>")[0]  # its row in the result
        assert 'class="error-text">被拒收，未发出（收件人' in row and "552 5.2.2 Mailbox full" in row

        smtp.full.clear()
        smtp.received.clear()
        smtp.unknown.add(WULONGKOU)  # now the last unit's reminder is refused
        token = csrf_of(client.get("/mail").text)
        done = client.post("/mail/remind", data={"csrf": token}, headers=ORIGIN)
        shown = client.get(done.headers["location"]).text
    assert "催报 2 封" in shown and _to(smtp) == [KEJING, BAISHA]
    assert f"{UNITS[2].name}：发信服务器拒绝了收件人 {WULONGKOU}（550 5.1.1 User unknown）" in shown
    assert "再点“催报”，只补发这些单位" in shown and PASSWORD not in shown


def test_board_send_stopped_after_a_refusal_says_both(
    tmp_path: Path, smtp: Smtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp.full.add(KEJING)  # the first unit is refused, the second sent, the server goes away
    smtp.closing.add(WULONGKOU)
    with _board(tmp_path, smtp, monkeypatch) as client:
        shown = _board_send(client)
    assert _to(smtp) == [BAISHA]
    error = shown.split('id="error">')[1].split("</p>")[0]
    assert "关闭了连接（421 4.3.2 Service shutting down）" in error
    assert f"此前已发出 1 封（{MIDDLE}），已记录，不会重复发送" in error
    assert f"被服务器拒收、没有发出的：{UNITS[0].name}：收件人 {KEJING} 的邮箱已满" in error


def _processed_board(tmp_path: Path, smtp: Smtp, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """:func:`_board` after each of the three units returned a valid workbook, processed and
    not yet answered."""
    roster = write_roster(tmp_path / "名单.csv", UNITS)
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    for n, unit in enumerate(UNITS):
        write_valid(inbox / f"{n}.xlsx", unit.name, seed=n)
    run = mail_cli("run", "--inbox", str(inbox), "--outbox", str(outbox), "--roster", str(roster))
    assert run.returncode == 0, run.stderr
    return _board(tmp_path, smtp, monkeypatch)


def _press(client: TestClient, action: str) -> tuple[str, str]:
    """Press a button of the 邮件 page; (the message, the error) on the page after it."""
    token = csrf_of(client.get("/mail").text)
    done = client.post(f"/mail/{action}", data={"csrf": token}, headers=ORIGIN)
    shown = client.get(done.headers["location"]).text
    assert PASSWORD not in shown and "Traceback" not in shown
    parts = [shown.split(f'id="{i}">')[1].split("</p>")[0] if f'id="{i}">' in shown else ""
             for i in ("message", "error")]  # fmt: skip
    return parts[0], parts[1]


def test_board_reply_refused_in_the_middle_answers_the_others(
    tmp_path: Path, smtp: Smtp, monkeypatch: pytest.MonkeyPatch
) -> None:
    smtp.full.add(BAISHA)
    with _processed_board(tmp_path, smtp, monkeypatch) as client:
        message, error = _press(client, "reply")
        assert _to(smtp) == [KEJING, WULONGKOU]  # the third answered after the refusal
        assert message == f"回复 2 封：{UNITS[0].name}、{UNITS[2].name}。"
        assert error == (f"1 个单位的邮件被服务器拒收，没有发出（其他单位不受影响）：{MIDDLE}："
                         f"收件人 {BAISHA} 的邮箱已满，服务器拒收（552 5.2.2 Mailbox full）。"
                         "核对邮箱（或等对方清理邮箱）后再点“回复校验结果”，只补发这些单位。")  # fmt: skip
        assert [r["org"] for r in _rows(tmp_path / "outbox", "reply")] == [
            UNITS[0].name, UNITS[2].name]  # fmt: skip  # the refused one is not recorded

        smtp.full.clear()  # the township emptied its mailbox: only it is answered, once
        message, error = _press(client, "reply")
    assert message == f"回复 1 封：{MIDDLE}。" and error == ""
    assert _to(smtp) == [KEJING, WULONGKOU, BAISHA]


@pytest.mark.parametrize("action", ["reply", "remind"])
def test_board_reply_or_remind_stopped_partway_names_who_was_sent(
    tmp_path: Path, smtp: Smtp, monkeypatch: pytest.MonkeyPatch, action: str
) -> None:
    smtp.full.add(KEJING)  # the first unit is refused, the second sent, the server goes away
    smtp.closing.add(WULONGKOU)
    opened = _processed_board if action == "reply" else _board  # reminders: all three missing
    with opened(tmp_path, smtp, monkeypatch) as client:
        message, error = _press(client, action)
        assert _to(smtp) == [BAISHA] and message == ""
        assert "关闭了连接（421 4.3.2 Service shutting down）" in error
        assert error.endswith(f"此前已发出 1 封（{MIDDLE}），已记录，不会重复发送。"
                              f"被服务器拒收、没有发出的：{UNITS[0].name}：收件人 {KEJING} 的邮箱已满，"
                              "服务器拒收（552 5.2.2 Mailbox full）。")  # fmt: skip
        kind = "reply" if action == "reply" else "remind"
        assert [(r["org"], r["state"]) for r in _rows(tmp_path / "outbox", kind)] == [
            (MIDDLE, "sent")]  # fmt: skip

        smtp.full.clear()
        smtp.closing.clear()
        message, error = _press(client, action)  # the rest, nothing twice
    assert _to(smtp) == [BAISHA, KEJING, WULONGKOU] and error == ""
    said = "回复" if action == "reply" else "催报"
    assert message.startswith(f"{said} 2 封：{UNITS[0].name}、{UNITS[2].name}")
