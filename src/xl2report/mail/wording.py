"""The Chinese words of every message xl2report sends: subjects and bodies.

An office may supply its own subject or body with placeholders such as ``{机关名称}``; they are
replaced by plain string substitution, never by a template engine, so nothing a user or a
township typed can run as code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
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
