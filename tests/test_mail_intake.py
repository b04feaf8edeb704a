"""Issue #22 item 4: ``mail fetch``'s limits, against a real IMAP server (Dovecot on loopback).

Attachments named like temporary files (``.x.xlsx``, ``~x.xlsx``, ``.xlsx``) used to be reported
saved and then skipped by ``run``; a second message reusing a Message-ID was dropped whatever it
carried; one message could put any number of files into the inbox.
"""

from __future__ import annotations

import json
from pathlib import Path

from inbox_helpers import write_valid
from mail_helpers import imap_args, mail_cli
from mail_servers import Dovecot
from township_mail import message
from xl2report.mail.attachments import MAX_WORKBOOKS


def _fetch(tmp_path: Path, dovecot: Dovecot, user: str) -> dict:
    done = mail_cli("mail", "fetch", "--inbox", str(tmp_path / "inbox"), "--outbox",
                    str(tmp_path / "outbox"), "--json", *imap_args(dovecot.port, user))  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_names_of_temporary_files_are_saved_as_names_run_takes(
    tmp_path: Path, dovecot: Dovecot
) -> None:
    user = dovecot.new_user()
    books = [write_valid(tmp_path / "src" / f"{i}.xlsx", f"{name}人民政府", seed=i).read_bytes()
             for i, name in enumerate(("甲镇", "乙镇", "丙镇"))]  # fmt: skip
    names = [".甲镇报表.xlsx", "~乙镇报表.xlsx", ".xlsx"]
    dovecot.append(user, message("a@town.test", "报表", "见附件",
                                 [(n, b, "rfc2231") for n, b in zip(names, books, strict=True)],
                                 message_id="<dots@town.test>"))  # fmt: skip
    fetched = _fetch(tmp_path, dovecot, user)
    [msg] = fetched["messages"]
    saved = sorted(s["file"] for s in msg["saved"])
    assert saved == ["乙镇报表.xlsx", "甲镇报表.xlsx", "邮件附件.xlsx"]
    assert "“.甲镇报表.xlsx”存为“甲镇报表.xlsx”" in msg["note"]  # the report says so
    run = mail_cli("run", "--inbox", str(tmp_path / "inbox"), "--outbox", str(tmp_path / "outbox"),
                   "--json")  # fmt: skip
    statuses = {f["file"]: f["status"] for f in json.loads(run.stdout)["files"]}
    assert statuses == dict.fromkeys(saved, "accepted"), run.stdout  # none skipped


def test_a_reused_message_id_with_other_content_is_saved(tmp_path: Path, dovecot: Dovecot) -> None:
    user = dovecot.new_user()
    for n in (1, 2):
        dovecot.append(user, message("a@town.test", f"第 {n} 次", "x",
                                     [(f"报表{n}.xlsx", b"PK\x03\x04 content %d" % n, "rfc2231")],
                                     message_id="<same@town.test>"))  # fmt: skip
    dovecot.append(user, message("a@town.test", "原样再来", "x",
                                 [("报表1.xlsx", b"PK\x03\x04 content 1", "rfc2231")],
                                 message_id="<same@town.test>"))  # fmt: skip
    outcomes = [m["outcome"] for m in _fetch(tmp_path, dovecot, user)["messages"]]
    assert outcomes == ["saved", "saved", "seen_before"]
    assert sorted(p.name for p in (tmp_path / "inbox").iterdir()) == ["报表1.xlsx", "报表2.xlsx"]


def test_one_message_brings_at_most_50_workbooks_and_says_what_it_left(
    tmp_path: Path, dovecot: Dovecot
) -> None:
    user = dovecot.new_user()
    many = [(f"表{i:03d}.xlsx", b"PK\x03\x04 %d" % i, "rfc2231") for i in range(MAX_WORKBOOKS + 12)]
    dovecot.append(user, message("a@town.test", "很多", "x", many, message_id="<many@town.test>"))
    [msg] = _fetch(tmp_path, dovecot, user)["messages"]
    assert len(msg["saved"]) == MAX_WORKBOOKS == 50
    assert len(list((tmp_path / "inbox").iterdir())) == 50
    assert "另有 12 个未保存" in msg["note"] and "表050.xlsx" in msg["note"]
