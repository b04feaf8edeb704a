"""``mail fetch`` against a real IMAP server (Dovecot on loopback) with messages as townships
send them: every naming style, forwards, zips, messages without a workbook."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from inbox_helpers import digest, write_invalid, write_valid
from mail_helpers import grep_tree, imap_args, mail_cli
from mail_servers import PASSWORD, Dovecot
from township_mail import gbk_zip, message


def _rows(outbox: Path, table: str) -> list[dict]:
    with sqlite3.connect(outbox / ".xl2report" / "ledger.sqlite") as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY id")]


@pytest.fixture
def workbooks(tmp_path: Path) -> dict[str, bytes]:
    src = tmp_path / "src"
    return {
        "克井镇": write_valid(src / "a.xlsx", "克井镇人民政府", seed=1).read_bytes(),
        "白沙乡": write_invalid(src / "b.xlsx", "白沙乡人民政府", seed=2).read_bytes(),
        "五龙口镇": write_valid(src / "c.xlsx", "五龙口镇人民政府", seed=3).read_bytes(),
        "承留镇": write_valid(src / "d.xlsx", "承留镇人民政府", seed=4).read_bytes(),
        "沁园街道": write_valid(src / "e.xlsx", "沁园街道办事处", seed=5).read_bytes(),
    }


def township_messages(wb: dict[str, bytes]) -> list[bytes]:
    inner = message("chengliu@town.test", "承留镇年报", "请查收",
                    [("承留镇人民政府2024年报表.xlsx", wb["承留镇"], "gbk")],
                    message_id="<inner-1@town.test>")  # fmt: skip
    return [
        message("克井镇 <kejing@town.test>", "克井镇2024年报表", "已填好，请查收。",
                [("克井镇人民政府2024年报表.xlsx", wb["克井镇"], "rfc2231")],
                message_id="<m1@town.test>"),
        message("baisha@town.test", "白沙乡报表", "请审核",
                [("白沙乡2024年报表.xlsx", wb["白沙乡"], "gb18030")], message_id="<m2@town.test>"),
        message("wulongkou@town.test", "五龙口镇", "附件",
                [("五龙口镇报表.xlsx", wb["五龙口镇"], "raw-gbk")], message_id="<m3@town.test>",
                reply_to="wlk-office@town.test"),
        message("forward@town.test", "转发：承留镇年报", "转给你们",
                [("", inner, "rfc822")], message_id="<m4@town.test>"),
        message("nobody@town.test", "收到", "收到，马上报。", message_id="<m5@town.test>"),
        message("pdf@town.test", "情况说明", "见附件", [("情况说明.pdf", b"%PDF-1.4 x", "gbk")],
                message_id="<m6@town.test>", content_type="application/pdf"),
        message("qinyuan@town.test", "沁园街道", "压缩包",
                [("沁园街道.zip", gbk_zip({"沁园街道2024年报表.xlsx": wb["沁园街道"],
                                           "填报说明.txt": b"x"}), "gb2312")],
                message_id="<m7@town.test>", content_type="application/octet-stream"),
    ]  # fmt: skip


def test_fetch_saves_exactly_the_workbooks_and_leaves_the_mail(
    tmp_path: Path, dovecot: Dovecot, workbooks: dict[str, bytes]
) -> None:
    user = dovecot.new_user()
    for raw in township_messages(workbooks):
        dovecot.append(user, raw)
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    args = ["mail", "fetch", "--inbox", str(inbox), "--outbox", str(outbox),
            *imap_args(dovecot.port, user)]  # fmt: skip
    done = mail_cli(*args)
    assert done.returncode == 0, done.stderr
    saved = {p.name: p.read_bytes() for p in inbox.iterdir()}
    assert saved == {
        "克井镇人民政府2024年报表.xlsx": workbooks["克井镇"],
        "白沙乡2024年报表.xlsx": workbooks["白沙乡"],
        "五龙口镇报表.xlsx": workbooks["五龙口镇"],
        "承留镇人民政府2024年报表.xlsx": workbooks["承留镇"],
        "沁园街道2024年报表.xlsx": workbooks["沁园街道"],
    }
    # Nothing changed on the server: all seven messages there, none marked read.
    on_server = dovecot.messages(user)
    assert len(on_server) == 7 and all("\\Seen" not in flags for _, flags in on_server)
    # Messages without a workbook are listed for a person, not lost.
    assert "没有工作簿" in done.stdout and "nobody@town.test" in done.stdout
    assert "情况说明.pdf" in done.stdout
    fetched = _rows(outbox, "mail_fetched")
    assert [r["message_id"] for r in fetched] == [f"<m{i}@town.test>" for i in range(1, 8)]
    assert [r["workbooks"] for r in fetched] == [1, 1, 1, 1, 0, 0, 1]
    assert fetched[2]["sender"] == "wlk-office@town.test"  # Reply-To wins over From
    attachments = _rows(outbox, "mail_attachments")
    assert {a["sha256"] for a in attachments} == {digest(inbox / n) for n in saved}

    again = mail_cli(*args)
    assert (
        again.returncode == 0 and "新邮件 0 封" in again.stdout and "7 封未重复收取" in again.stdout
    )
    assert {p.name for p in inbox.iterdir()} == set(saved)
    assert len(_rows(outbox, "mail_fetched")) == 7

    for text in (done.stdout, done.stderr, again.stdout, again.stderr):
        assert PASSWORD not in text
    assert grep_tree(outbox, PASSWORD) == [] and grep_tree(inbox, PASSWORD) == []


def test_same_content_again_and_name_collisions(
    tmp_path: Path, dovecot: Dovecot, workbooks: dict[str, bytes]
) -> None:
    user = dovecot.new_user()
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    (inbox / "报表.xlsx").write_bytes(b"someone else's file")  # already there: never overwritten
    dovecot.append(user, message("a@town.test", "一", "x", [("报表.xlsx", workbooks["克井镇"], "gbk")],
                                 message_id="<c1@town.test>"))  # fmt: skip
    dovecot.append(user, message("b@town.test", "二", "x", [("报表.xlsx", workbooks["白沙乡"], "gbk")],
                                 message_id="<c2@town.test>"))  # fmt: skip
    dovecot.append(user, message("a@town.test", "再发一次", "x",
                                 [("克井镇.xlsx", workbooks["克井镇"], "rfc2231")],
                                 message_id="<c3@town.test>"))  # fmt: skip
    done = mail_cli("mail", "fetch", "--inbox", str(inbox), "--outbox", str(outbox), "--json",
                    *imap_args(dovecot.port, user))  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (inbox / "报表.xlsx").read_bytes() == b"someone else's file"
    assert (inbox / "报表（2）.xlsx").read_bytes() == workbooks["克井镇"]
    assert (inbox / "报表（3）.xlsx").read_bytes() == workbooks["白沙乡"]
    assert len(list(inbox.iterdir())) == 3  # the third message's content was saved already
    assert "内容相同" in data["messages"][2]["note"]


def test_move_to_moves_only_when_asked(
    tmp_path: Path, dovecot: Dovecot, workbooks: dict[str, bytes]
) -> None:
    user = dovecot.new_user()
    dovecot.append(user, message("a@town.test", "一", "x", [("甲.xlsx", workbooks["克井镇"], "gbk")],
                                 message_id="<v1@town.test>"))  # fmt: skip
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    base = ["mail", "fetch", "--inbox", str(inbox), "--outbox", str(outbox),
            *imap_args(dovecot.port, user)]  # fmt: skip
    assert mail_cli(*base).returncode == 0
    assert len(dovecot.messages(user)) == 1
    dovecot.append(user, message("b@town.test", "二", "x", [("乙.xlsx", workbooks["白沙乡"], "gbk")],
                                 message_id="<v2@town.test>"))  # fmt: skip
    moved = mail_cli(*base, "--move-to", "已收报表")
    assert moved.returncode == 0, moved.stderr
    assert dovecot.messages(user) == []  # both moved: the new one and the one fetched before
    assert len(dovecot.messages(user, "&XfJlNmKliGg-")) == 2  # 已收报表 in modified UTF-7
    assert sorted(p.name for p in inbox.iterdir()) == ["乙.xlsx", "甲.xlsx"]


def test_bad_password_and_wrong_folder(tmp_path: Path, dovecot: Dovecot) -> None:
    user = dovecot.new_user()
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    base = ["mail", "fetch", "--inbox", str(inbox), "--outbox", str(outbox),
            *imap_args(dovecot.port, user)]  # fmt: skip
    wrong = mail_cli(*base, password="wrong-pass")
    assert wrong.returncode == 2 and "拒绝了用户名" in wrong.stderr
    assert "wrong-pass" not in wrong.stderr and "Traceback" not in wrong.stderr
    folder = mail_cli(*base, "--folder", "没有这个")
    assert folder.returncode == 2 and "打开邮件夹“没有这个”失败" in folder.stderr
    assert not inbox.exists() or not list(inbox.iterdir())
