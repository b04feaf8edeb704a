"""The office's own subject and body: placeholders filled literally, mistakes refused in Chinese.

:func:`xl2report.mail.wording.fill` is the one way a template message is worded (the CLI's
``mail send --subject/--body-file`` and the board's 发送模板 page both go through it), so the
mistakes a clerk can make are checked here once: an unknown placeholder, a lone brace, an
attempt at ``str.format`` attribute access, a line break in the subject, too long a text; and
through ``mail send --dry-run`` that the CLI refuses them before anything is sent.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from mail_helpers import ROSTER, SUBMIT_TO, mail_cli, write_roster, write_templates
from xl2report.mail.wording import (
    BODY_MAX,
    PLACEHOLDERS,
    SUBJECT_MAX,
    TEMPLATE_BODY,
    TEMPLATE_SUBJECT,
    WordingError,
    check_body,
    check_subject,
    fill,
    one_line,
    template_values,
)

VALUES = template_values(org="克井镇人民政府", contact="张三", year=2024, submit_note="",
                         deadline=date(2025, 1, 20), sender="县政务公开办")  # fmt: skip


def test_placeholders_are_filled_literally_in_one_pass() -> None:
    text = fill("{称呼}请于{截止日期}前报回{ 年度 }年报表。{发件人}", VALUES, "正文")
    assert text == "张三同志：请于2025年1月20日前报回2024年报表。县政务公开办"
    hostile = template_values(org="{年度}{0.__class__}<b>", contact="", year=2024,
                              submit_note="", deadline=None, sender="")  # fmt: skip
    assert fill("{机关名称}", hostile) == "{年度}{0.__class__}<b>"  # a value is never re-read
    assert set(VALUES) == set(PLACEHOLDERS)  # every documented placeholder has a value


def test_the_default_texts_use_only_documented_placeholders() -> None:
    check_subject(TEMPLATE_SUBJECT)
    check_body(TEMPLATE_BODY)
    body = fill(TEMPLATE_BODY, template_values(
        org="克井镇人民政府", contact="", year=2024, submit_note=SUBMIT_TO, deadline=None,
        sender="县政务公开办"))  # fmt: skip
    assert body.startswith("克井镇人民政府：\n\n您好！现将2024年度")
    assert f"\n报送要求：{SUBMIT_TO}\n" in body and "截止日期" not in body
    assert "{" not in body and body.rstrip().endswith("县政务公开办")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("请{未知}填写", "“{未知}”不是可用的占位符"),
        ("第一行\n请于{截止日期前报回", "正文第 2 行有一个不成对的“{”"),
        ("报回}", "不成对的“}”"),
        ("{0.__class__.__mro__}", "“{0.__class__.__mro__}”不是可用的占位符"),
        ("{机关名称.__class__}", "不是可用的占位符"),
        ("{机关名称!r}{年度:>10}", "“{机关名称!r}”不是可用的占位符；正文中的“{年度:>10}”"),
        ("{}", "“{}”不是可用的占位符"),
        ("{{机关名称}}", "不成对的“{”"),
    ],
)
def test_bad_placeholders_are_refused_with_where_and_what(text: str, says: str) -> None:
    with pytest.raises(WordingError) as caught:
        fill(text, VALUES, "正文")
    message = str(caught.value)
    assert message.startswith("邮件正文无法使用：") and says in message
    assert "{机关名称} {年度}" in message and "全角的｛｝" in message  # what to write instead
    with pytest.raises(WordingError):
        check_body(text)


def test_many_problems_are_counted_not_all_listed() -> None:
    with pytest.raises(WordingError) as caught:
        check_body("{a}{b}{c}{d}{e}{f}{g}")
    assert "“{e}”" in str(caught.value) and "“{f}”" not in str(caught.value)
    assert "等 7 处" in str(caught.value)


@pytest.mark.parametrize(
    ("subject", "says"),
    [
        ("年报\r\nBcc: victim@example.com", "只能有一行"),
        ("年报\nX-Injected: 1", "只能有一行"),
        ("年报\r", "只能有一行"),
        ("年报\x00", "控制字符"),
        ("   ", "不能为空"),
        ("长" * (SUBJECT_MAX + 1), f"请控制在 {SUBJECT_MAX} 字以内"),
        ("{机关名称}{单位}", "主题中的“{单位}”不是可用的占位符"),
    ],
)
def test_subject_is_one_short_line(subject: str, says: str) -> None:
    with pytest.raises(WordingError, match=says):
        check_subject(subject)


def test_body_limits() -> None:
    check_body("请报回。\r\n谢谢！\t")  # Windows line ends and tabs are fine
    with pytest.raises(WordingError, match=f"请控制在 {BODY_MAX} 字以内"):
        check_body("字" * (BODY_MAX + 1))
    with pytest.raises(WordingError, match="不能为空"):
        check_body("\n \n")
    with pytest.raises(WordingError, match="控制字符"):
        check_body("报回\x1b[31m")


def test_a_value_with_line_breaks_stays_out_of_the_subject() -> None:
    values = dict(VALUES, 报送要求="报送方式：邮件\r\n联系电话：123")
    assert one_line(fill("{年度}年报表（{报送要求}）", values, "主题")) == (
        "2024年报表（报送方式：邮件 联系电话：123）"
    )


def _dry_run(tmp_path: Path, *args: str):  # type: ignore[no-untyped-def]
    roster, templates = write_roster(tmp_path / "名单.csv"), tmp_path / "模板"
    if not templates.exists():
        write_templates(templates, ROSTER[:1])
    return mail_cli("mail", "send", "--roster", str(roster), "--templates", str(templates),
                    "--outbox", str(tmp_path / "outbox"), "--dry-run", *args,
                    password=None)  # fmt: skip


def test_cli_refuses_bad_words_before_sending(tmp_path: Path) -> None:
    body = tmp_path / "正文.txt"
    body.write_text("{联系人}您好：\n请于{截止时间}前报回。{0.__class__}\n", encoding="utf-8")
    done = _dry_run(tmp_path, "--body-file", str(body))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "正文第 2 行的“{截止时间}”不是可用的占位符" in done.stderr
    assert "“{0.__class__}”不是可用的占位符" in done.stderr
    done = _dry_run(tmp_path, "--subject", "年报\nBcc: x@example.com")
    assert done.returncode == 2 and "邮件主题只能有一行" in done.stderr
    body.write_text("请于{截止日期}前报回。", encoding="utf-8")  # and no deadline anywhere
    done = _dry_run(tmp_path, "--body-file", str(body))
    assert done.returncode == 2 and "用了 {截止日期}，但没有截止日期" in done.stderr
    assert not (tmp_path / "outbox").exists()


def test_cli_dry_run_shows_the_filled_words(tmp_path: Path) -> None:
    body = tmp_path / "正文.txt"
    body.write_text("{称呼}\r\n请于{截止日期}前报回。\r\n{报送要求}", encoding="utf-8")
    done = _dry_run(tmp_path, "--json", "--deadline", "2025-01-20", "--body-file", str(body),
                    "--subject", "【请填报】{机关名称}{年度}年报")  # fmt: skip
    unit = json.loads(done.stdout)["units"][0]
    assert unit["subject"] == "【请填报】克井镇人民政府2024年报"
    assert unit["body"] == f"张三同志：\n请于2025年1月20日前报回。\n{SUBMIT_TO}"
