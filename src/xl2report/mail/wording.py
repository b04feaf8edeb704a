"""The Chinese words of every message xl2report sends: subjects and bodies.

An office may supply its own subject or body with placeholders such as ``{机关名称}``; they are
replaced by plain string substitution, never by a template engine, so nothing a user or a
township typed can run as code.  :func:`fill` refuses a text with an unknown placeholder or a
brace that is not part of one (``{0.__class__}``, ``{未知}``, a lone ``{``) with one Chinese
sentence naming where it is, rather than sending a message with the braces in it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

from xl2report.errors import FatalError

PLACEHOLDERS: dict[str, str] = {
    "机关名称": "单位名称",
    "年度": "如 2024",
    "联系人": "名单中的联系人，可能为空",
    "称呼": "有联系人时为“张三同志：”，否则为“单位名称：”",
    "截止日期": "如 2025年1月20日",
    "截止日期行": "有截止日期时为“截止日期：…”一行，否则为空",
    "报送要求": "模板封面上的报送要求",
    "报送要求行": "有报送要求时为“报送要求：…”一行，否则为空",
    "发件人": "邮件设置中的发件人名称",
}
"""Every placeholder an office may use in a subject or body, with what it becomes."""

SUBJECT_MAX = 200  # characters of the subject as written (before filling)
BODY_MAX = 20_000  # characters of the body as written
_SHOWN_PROBLEMS = 5
_TOKEN = re.compile(r"\{([^{}\r\n]*)\}|[{}]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # C0 controls except tab and LF


class WordingError(FatalError):
    """An office's subject or body cannot be used as written (the message says where and why)."""


def placeholder_list() -> str:
    """``{机关名称} {年度} …``: the placeholders one may use, for hints and messages."""
    return " ".join("{" + name + "}" for name in PLACEHOLDERS)


def _name(inside: str) -> str:
    return inside.strip(" \t\u3000")


def _where(text: str, at: int, what: str) -> str:
    if "\n" not in text:
        return f"{what}中"
    return f"{what}第 {text.count(chr(10), 0, at) + 1} 行"


def placeholder_problems(text: str, what: str) -> list[str]:
    """What is wrong with the placeholders of ``text`` (``what`` is 主题 or 正文), one phrase
    each, in order: unknown names and braces that are not part of a ``{名称}``."""
    problems = []
    for match in _TOKEN.finditer(text):
        where = _where(text, match.start(), what)
        if match.group(1) is None:
            problems.append(f"{where}有一个不成对的“{match.group(0)}”")
        elif _name(match.group(1)) not in PLACEHOLDERS:
            problems.append(f"{where}的“{match.group(0)}”不是可用的占位符")
    return problems


def _raise_for(problems: list[str], what: str) -> None:
    if not problems:
        return
    shown = "；".join(problems[:_SHOWN_PROBLEMS])
    more = f"等 {len(problems)} 处" if len(problems) > _SHOWN_PROBLEMS else ""
    raise WordingError(
        f"邮件{what}无法使用：{shown}{more}。占位符要写成一对半角花括号括起的名称，"
        f"可用的有 {placeholder_list()}；如要写花括号本身，请用全角的｛｝。"
    )


def fill(text: str, values: Mapping[str, str], what: str = "文字") -> str:
    """``text`` with each ``{名称}`` of :data:`PLACEHOLDERS` replaced literally, in one pass
    (a value that itself contains ``{…}`` is not replaced again; a missing value is empty).

    Raises :class:`WordingError` for an unknown placeholder or a stray brace, so a text never
    goes out with them; ``what`` (主题, 正文) names the text in that message.
    """
    _raise_for(placeholder_problems(text, what), what)
    return _TOKEN.sub(lambda m: values.get(_name(m.group(1)), ""), text)


def uses(text: str, name: str) -> bool:
    """Whether ``text`` has the placeholder ``{name}`` (spaces inside the braces allowed)."""
    return any(
        m.group(1) is not None and _name(m.group(1)) == name for m in _TOKEN.finditer(text)
    )


def check_subject(text: str) -> None:
    """Refuse a subject that is empty, too long, not one line, or has a bad placeholder."""
    if not text.strip():
        raise WordingError("邮件主题不能为空。")
    if "\r" in text or "\n" in text:
        raise WordingError("邮件主题只能有一行：请去掉其中的换行。")
    if _CONTROL.search(text):
        raise WordingError("邮件主题中有不可见的控制字符，请重新输入主题。")
    if len(text) > SUBJECT_MAX:
        raise WordingError(f"邮件主题太长（{len(text)} 字），请控制在 {SUBJECT_MAX} 字以内。")
    _raise_for(placeholder_problems(text, "主题"), "主题")


def check_body(text: str) -> None:
    """Refuse a body that is empty, too long, has control characters or a bad placeholder."""
    if not text.strip():
        raise WordingError("邮件正文不能为空。")
    if len(text) > BODY_MAX:
        raise WordingError(f"邮件正文太长（{len(text)} 字），请控制在 {BODY_MAX} 字以内。")
    if _CONTROL.search(text.replace("\r\n", "\n")):
        raise WordingError("邮件正文中有不可见的控制字符，请删去后再试。")
    _raise_for(placeholder_problems(text, "正文"), "正文")


def one_line(text: str) -> str:
    """A filled subject as one line: line breaks a value brought in become spaces."""
    return re.sub(r"\s*[\r\n]+\s*", " ", text).strip()


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


def template_values(
    *, org: str, contact: str, year: int | None, submit_note: str, deadline: date | None,
    sender: str,
) -> dict[str, str]:
    """The value of every :data:`PLACEHOLDERS` name in the message handing ``org`` its template."""
    return {
        "机关名称": org,
        "年度": str(year or ""),
        "联系人": contact,
        "称呼": greeting(org, contact),
        "截止日期": date_text(deadline),
        "截止日期行": f"截止日期：{date_text(deadline)}\n" if deadline else "",
        "报送要求": submit_note,
        "报送要求行": f"\n报送要求：{submit_note}\n" if submit_note else "",
        "发件人": sender,
    }


REJECTED_SUBJECT = "【退回修改】{年度}年政府信息公开工作年度报告填报表（{机关名称}）"
ACCEPTED_SUBJECT = "【已通过】{年度}年政府信息公开工作年度报告填报表（{机关名称}）"
REMIND_SUBJECT = "【催报】{年度}年政府信息公开工作年度报告填报表（{机关名称}）"


def unit_subject(subject: str, year: int | None, org: str) -> str:
    """A reply's or reminder's ``subject`` for ``org``; with no year known (only a roster
    registered) its ``{年度}年`` is left out rather than sent as ``【催报】年政府…``."""
    if not year:
        subject = subject.replace("{年度}年", "")
    return fill(subject, {"年度": str(year or ""), "机关名称": org}, "主题")


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
