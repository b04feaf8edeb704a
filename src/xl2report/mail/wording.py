"""The Chinese words of every message xl2report sends: subjects and bodies.

An office may supply its own subject or body with placeholders such as ``{机关名称}``; they are
replaced by plain string substitution, never by a template engine, so nothing a user or a
township typed can run as code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

PLACEHOLDERS = ("机关名称", "年度", "联系人", "报送要求", "截止日期", "发件人")


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each ``{名称}`` of :data:`PLACEHOLDERS` replaced literally, in one pass
    (a value that itself contains ``{…}`` is not replaced again)."""
    return _substitute(text, values, PLACEHOLDERS)


def _substitute(text: str, values: Mapping[str, str], names: tuple[str, ...]) -> str:
    pattern = re.compile("|".join(re.escape("{" + n + "}") for n in names))
    return pattern.sub(lambda m: values.get(m.group(0)[1:-1], ""), text)


def date_text(day: date | None) -> str:
    """2025-01-15 -> 2025年1月15日."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def greeting(org: str, contact: str) -> str:
    """How a message opens: the contact person if known, else the unit."""
    return f"{contact}同志：" if contact else f"{org}："


TEMPLATE_SUBJECT = "{年度}年政府信息公开工作年度报告填报表（{机关名称}）"

TEMPLATE_BODY = """{称呼}

您好！现将{年度}年度政府信息公开工作年度报告填报表发给你们（{机关名称}专用，机关名称和年度已预填并锁定），请按附件填写后报回。
{报送要求行}{截止日期行}
填写说明：
1. 请用 Excel 或 WPS 打开附件，只填写白色格子；合计自动计算，各表校验格显示“✓”即为通过，封面显示“全部通过”后再报回。
2. 请不要改动表格结构、机关名称和年度，也不要另存为其他格式。
3. 填好后直接回复本邮件，把工作簿作为附件发回即可（文件名可以改，不必压缩）。收到后会自动校验，并回复校验结果。

{发件人}
"""


def template_body(
    *, org: str, contact: str, year: int, submit_note: str, deadline: date | None, sender: str
) -> str:
    """The default body of the message that hands out a template."""
    note_line = f"\n报送要求：{submit_note}\n" if submit_note else ""
    deadline_line = f"截止日期：{date_text(deadline)}\n" if deadline else ""
    values = {
        "称呼": greeting(org, contact),
        "年度": str(year),
        "机关名称": org,
        "报送要求行": note_line,
        "截止日期行": deadline_line,
        "发件人": sender,
    }
    return _substitute(TEMPLATE_BODY, values, tuple(values))


REJECTED_SUBJECT = "【退回修改】{年度}年政府信息公开工作年度报告填报表（{机关名称}）"
ACCEPTED_SUBJECT = "【已通过】{年度}年政府信息公开工作年度报告填报表（{机关名称}）"
REMIND_SUBJECT = "【催报】{年度}年政府信息公开工作年度报告填报表（{机关名称}）"


def numbered_lines(lines: list[str]) -> str:
    """'1. …' one per line."""
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, 1))


def finding_line(sheet: str, cell: str, message: str) -> str:
    """One finding as a township reads it: 【三、依申请公开】D6：… ."""
    where = f"【{sheet}】" if sheet else ""
    where += f"{cell}：" if cell else ("：" if where else "")
    return where + message


def rejected_body(
    *,
    org: str,
    contact: str,
    year: int | None,
    received: str,
    file: str,
    errors: list[str],
    warnings: list[str],
    feedback: str,
    deadline: date | None,
    sender: str,
) -> str:
    """The reply to a rejected submission: every error with its sheet and cell."""
    parts = [
        greeting(org, contact),
        "",
        f"你单位于{received}报送的{year or ''}年度政府信息公开工作年度报告填报表（{file}）"
        f"未通过校验，共 {len(errors)} 处错误，请修改后重新报送：",
        "",
        numbered_lines(errors),
        "",
    ]
    if feedback:
        parts += [
            f"附件“{feedback}”是标出问题单元格的校验反馈表：红色格子是错误，黄色格子是提醒，"
            "鼠标停在格子上可看到说明，第一张表“校验结果”列出全部问题。可以直接在这份反馈表上修改，"
            "改好后回复本邮件，把工作簿作为附件报回。",
            "",
        ]
    if warnings:
        parts += [f"另有 {len(warnings)} 处提醒，请一并核对：", numbered_lines(warnings), ""]
    if deadline:
        parts += [f"报送截止日期：{date_text(deadline)}。", ""]
    return "\n".join([*parts, sender, ""])


def accepted_body(
    *,
    org: str,
    contact: str,
    year: int | None,
    received: str,
    file: str,
    version: int | None,
    warnings: list[str],
    sender: str,
) -> str:
    """The reply to an accepted submission: a confirmation, and the warnings to check."""
    which = f"（第 {version} 版）" if version and version > 1 else ""
    parts = [
        greeting(org, contact),
        "",
        f"你单位于{received}报送的{year or ''}年度政府信息公开工作年度报告填报表（{file}）{which}"
        "已通过校验，年度报告已生成。",
        "",
    ]
    if warnings:
        parts += [
            f"以下 {len(warnings)} 处提醒请核对；如确有错误，请改正后重新报送，无误则无需处理：",
            numbered_lines(warnings),
            "",
        ]
    else:
        parts += ["没有需要核对的问题，无需再报送。", ""]
    return "\n".join([*parts, sender, ""])


def remind_body(message: str, attached: str, sender: str) -> str:
    """A reminder: the campaign's message for the unit, the attached template, the signature."""
    parts = [message, ""]
    if attached:
        parts += [f"附件“{attached}”是你单位的填报表，填好后回复本邮件报回即可。", ""]
    return "\n".join([*parts, sender, ""])


def delivery_note(accepted: Sequence[str], refused: Mapping[str, str]) -> str:
    """``已发给 a@x；b@x 被拒收：邮箱已满（552 …）`` for a message some recipients refused;
    empty when every recipient took it."""
    if not refused:
        return ""
    why = "；".join(f"{address} 被拒收：{reason}" for address, reason in refused.items())
    return f"已发给 {'、'.join(accepted)}；{why}"
