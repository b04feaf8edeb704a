"""The words of a published report: 机关名称, year, 前言, the six sections, 落款 and fees.

Headings are found by their numeral and key words (published wording varies: "五、存在问题及
改进情况", "六、其他事项"), in order; what lies between two headings is that section's text,
its paragraphs joined with line breaks (as the workbook holds them).  Section 一's parts open
with （一）…（五）; their headings are the form's fields too.  The form's own headings
(:data:`SECTION_HEADINGS`, :data:`S1_PARTS`) are the reference; nothing is retyped here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

from xl2report.form.national import (
    FEE_BILLED,
    FEE_COLLECTED,
    FEE_NOTICES,
    FORM_TITLE,
    OTHER_MATTERS,
    PREFACE,
    PUBLISH_DATE,
    S1_PARTS,
    SECTION_HEADINGS,
    Value,
)
from xl2report.published.document import Document

NUMERALS = tuple(SECTION_HEADINGS)  # 一 … 六
# Words that identify each section's heading besides its numeral (published variants included).
_KEYWORDS = {
    "一": ("总体情况", "概述", "总体"),
    "二": ("主动公开",),
    "三": ("申请", "依申请"),
    "四": ("复议", "诉讼"),
    "五": ("问题", "改进"),
    "六": ("其他", "事项"),
}
_HEADING = re.compile(r"^\s*([一二三四五六])\s*[、.．,，]\s*(.*)$")
_PART = re.compile(r"^\s*[（(]\s*([一二三四五六七八九十]+)\s*[）)]\s*(.*)$")
_YEAR = r"((?:19|20)\d{2})"
_TITLE = re.compile(rf"^(?P<pre>.*?){_YEAR}\s*年度?\s*(?P<post>.*?){re.escape(FORM_TITLE)}")
_TITLE_SHORT = re.compile(r"政府信息公开(工作)?年度报告")
_PERIOD = re.compile(rf"统计(期限|时限|时间|区间)[^。]{{0,12}}?{_YEAR}\s*年\s*1\s*月\s*1\s*日")
_DATE = re.compile(r"^((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
# Page furniture after the report on a web page.
_CHROME = re.compile(r"(打印本页|关闭窗口|【打印】|【关闭】|扫一扫|网站标识码|ICP备|主办单位|版权所有|"
                     r"相关附件|附件下载|分享到|上一篇|下一篇|相关链接)")  # fmt: skip
_HEADING_MAX = 40  # a heading line is short; a longer first paragraph holds text too
_NUMBER = r"(\d+(?:\.\d+)?)"
_FEES = (
    (FEE_NOTICES.key, re.compile(rf"(?:发出|下发|送达)?收费通知(?:书)?\s*{_NUMBER}\s*件")),
    (FEE_BILLED.key, re.compile(rf"(?:总金额|通知金额|应收|金额为|金额共计)\s*{_NUMBER}\s*元")),
    (
        FEE_COLLECTED.key,
        re.compile(rf"实际收取(?:信息处理费)?(?:共计|合计|金额)?\s*{_NUMBER}\s*元"),
    ),
)
_NO_FEES = re.compile(r"(未|没有|无)(收取|收费|发出收费)")


@dataclass
class TextRead:
    values: dict[str, Value] = field(default_factory=dict)
    org: str = ""  # from the title
    year: int | None = None  # from the title, else the statistical period
    missing: list[str] = field(default_factory=list)  # section headings not found


def read_sections(doc: Document) -> TextRead:
    """Identity, 前言, section texts, 落款 date and the 信息处理费 figures of ``doc``."""
    out = TextRead()
    paras = [unicodedata.normalize("NFC", p) for p in doc.paragraphs]
    starts = _headings(paras)
    title_at = _title(paras, starts.get("一", len(paras)), doc.title, out)
    first = min(starts.values(), default=len(paras))
    preface = [p for p in paras[title_at + 1 : first] if _prose(p)]
    out.values[PREFACE.key] = "\n".join(preface)
    if out.year is None:
        found = _PERIOD.search("".join(preface))
        out.year = int(found.group(2)) if found else None
    order = [n for n in NUMERALS if n in starts]
    for n in NUMERALS:
        if n not in starts:
            out.missing.append(SECTION_HEADINGS[n])
    for i, n in enumerate(order):
        begin = starts[n]
        end = starts[order[i + 1]] if i + 1 < len(order) else len(paras)
        rest = _inline(paras[begin])
        body = ([rest] if rest else []) + paras[begin + 1 : end]
        if n == "一":
            _section1(body, out)
        elif n == "五":
            out.values["s5.text"] = "\n".join(body)
        elif n == "六":
            _section6(body, out)
    return out


def _headings(paras: list[str]) -> dict[str, int]:
    """Paragraph index of each section heading, in order (a later one must follow)."""
    found: dict[str, int] = {}
    at = 0
    for n in NUMERALS:
        for i in range(at, len(paras)):
            m = _HEADING.match(paras[i])
            head = m.group(2)[:_HEADING_MAX] if m else ""
            if m and m.group(1) == n and any(k in head for k in _KEYWORDS[n]):
                found[n] = i
                at = i + 1
                break
    return found


def _inline(heading: str) -> str:
    """Text after a heading on its own line ("一、总体情况。2024年，…"), if any."""
    m = _HEADING.match(heading)
    rest = m.group(2) if m else ""
    cut = re.search(r"[。：:]", rest)
    return rest[cut.end():].strip() if cut and len(rest) > _HEADING_MAX else ""  # fmt: skip


def _title(paras: list[str], limit: int, page_title: str, out: TextRead) -> int:
    """Index of the title paragraph; sets ``out.org`` and ``out.year`` from it."""
    for i in range(min(limit, len(paras))):
        text = paras[i]
        if not _TITLE_SHORT.search(text) or len(text) > 80:
            continue
        if _parse_title(text, out) and not out.org and i > 0 and _short(paras[i - 1]):
            _parse_title(paras[i - 1] + text, out)  # the name on the line above the year
        return i
    if page_title:
        _parse_title(page_title.split("_")[0].split("-")[0], out)
    return -1


def _parse_title(text: str, out: TextRead) -> bool:
    m = _TITLE.search(re.sub(r"\s+", "", text))
    if not m:
        return False
    out.year = int(m.group(2))
    org = (m.group("pre") or m.group("post")).strip('《》“”"（）() ')
    out.org = org.removeprefix("关于").removesuffix("关于")
    return True


def _short(text: str) -> bool:
    return len(text) <= 40 and "。" not in text


def _prose(text: str) -> bool:
    """A paragraph of the 前言 (not "发布时间：… 字号：大 中 小" page furniture)."""
    return "。" in text or len(text) >= 30


def _section1(body: list[str], out: TextRead) -> None:
    """（一）…（五）: each part's heading and text; text before （一） opens part one."""
    parts: list[tuple[str, list[str]]] = []
    intro: list[str] = []
    for para in body:
        m = _PART.match(para)
        if m:
            heading, text = _part_heading(para)
            parts.append((heading, [text] if text else []))
        elif parts:
            parts[-1][1].append(para)
        else:
            intro.append(para)
    if not parts:
        parts = [(S1_PARTS[0][1], [])]
    parts[0] = (parts[0][0], intro + parts[0][1])
    extra = parts[len(S1_PARTS) :]
    parts = parts[: len(S1_PARTS)]
    for heading, lines in extra:  # a sixth part: kept, under the last
        parts[-1][1].extend([heading, *lines])
    for (key, _, _), (heading, lines) in zip(S1_PARTS, parts, strict=False):
        out.values[f"s1.{key}.heading"] = heading
        out.values[f"s1.{key}.text"] = "\n".join(lines)


def _part_heading(para: str) -> tuple[str, str]:
    """ "（一）主动公开情况" alone, or "（一）主动公开情况：2024年…" with its text."""
    if len(para) <= _HEADING_MAX and "。" not in para:
        return para, ""
    cut = re.search(r"[。：:]", para)
    if cut is None or cut.start() > _HEADING_MAX:
        m = _PART.match(para)
        assert m is not None
        return para[: m.start(2)].strip(), m.group(2).strip()
    return para[: cut.start()].strip(), para[cut.end() :].strip()


def _section6(body: list[str], out: TextRead) -> None:
    """六's text up to the 落款 (机关名称 and date) or the web page's furniture."""
    lines: list[str] = []
    for para in body:
        date = _DATE.match(para.replace(" ", ""))
        if date:
            y, mo, d = date.groups()
            out.values[PUBLISH_DATE.key] = f"{int(y)}年{int(mo)}月{int(d)}日"
            break
        if _CHROME.search(para) and len(para) < 80:
            break
        lines.append(para)
    if lines and out.org and lines[-1].replace(" ", "") == out.org:
        lines.pop()  # the signature's name line
    text = "\n".join(lines)
    out.values[OTHER_MATTERS.key] = text
    for key, pattern in _FEES:
        m = pattern.search(text)
        if m:
            number = Decimal(m.group(1))
            out.values[key] = int(number) if key == FEE_NOTICES.key else _plain(number)
        elif _NO_FEES.search(text):
            out.values[key] = 0


def _plain(number: Decimal) -> int | Decimal:
    return int(number) if number == number.to_integral_value() else number.normalize()
