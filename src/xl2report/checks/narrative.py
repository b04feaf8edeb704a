"""Checks on the narrative text: placeholders, copied years, numbers that contradict the tables.

Pure: values in, findings out.  The patterns are deliberately narrow (what real reports say) so
that a finding means something.  Every number the text states is read by
:mod:`xl2report.checks.stated` against the table in :mod:`xl2report.checks.statements`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal

from xl2report.checks.catalogue import Finding
from xl2report.checks.stated import check_stated_numbers
from xl2report.form.national import FORM, Field, Form, ValueType
from xl2report.form.types import format_number

PLACEHOLDER = re.compile(
    r"20[XxＸｘ×]{2}|[XＸ]{2,}|×{2,}|【[^】\n]{0,30}】|请填写|此处填写|在此填写|待补充|〔填写〕"
)
YEAR = re.compile(r"(?<!\d)(20\d{2})(?=\s*年(?!度报告格式))")
NO_REQUESTS = re.compile(
    r"(?:未|没有|无)(?:收到|受理|接到|接收)[^。；;]{0,20}?申请|申请[^。；;]{0,6}?为\s*0\s*件"
)
NO_FEES = re.compile(
    r"(?:未|没有|不曾|暂未)(?:收取|收缴)[^。；;]{0,12}?(?:信息处理费|费用)|"
    r"(?:未|没有)(?:发生|产生)[^。；;]{0,8}?信息处理费|暂未开展信息处理费收取"
)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def text_fields(form: Form = FORM) -> list[Field]:
    """Narrative fields: long texts (not headings, not the cover's short entries)."""
    return [f for f in form.fields if f.type is ValueType.TEXT and f.multiline]


def check_narrative(
    values: Mapping[str, object], year: int | None, form: Form = FORM
) -> list[Finding]:
    findings: list[Finding] = []
    texts = [(f, str(values.get(f.key) or "")) for f in form.fields if f.type is ValueType.TEXT]
    for f, text in texts:
        findings.extend(_placeholders(f, text))
        if CONTROL.search(text):
            n = len(CONTROL.findall(text))
            findings.append(
                Finding("control-characters",
                        f"{f.label}含有 {n} 个不可见的控制字符（多为从其他软件粘贴带入），生成报告时会删除。",
                        **_at(f))
            )  # fmt: skip
    narrative = [(f, t) for f, t in texts if f.multiline]
    if year:
        findings.extend(_years(narrative, year))
    findings.extend(check_stated_numbers(values, year, form))
    findings.extend(_says_none(values, form))
    findings.extend(_fees(narrative, values))
    return findings


def _at(f: Field) -> dict[str, str]:
    return {"sheet": f.sheet, "cell": f.cell, "key": f.key}


def _placeholders(f: Field, text: str) -> Iterator[Finding]:
    hits = sorted({m.group(0) for m in PLACEHOLDER.finditer(text)})
    if hits:
        yield Finding(
            "placeholder-left",
            f"{f.label}中留有占位内容：{'、'.join(hits[:5])}，请替换为实际内容。",
            actual="、".join(hits), **_at(f),
        )  # fmt: skip


def _years(narrative: list[tuple[Field, str]], year: int) -> Iterator[Finding]:
    mentioned = {int(y) for _, t in narrative for y in YEAR.findall(t)}
    if not mentioned or year in mentioned:
        return
    first = next(f for f, t in narrative if YEAR.search(t))
    others = "、".join(f"{y}年" for y in sorted(mentioned))
    yield Finding(
        "year-not-mentioned",
        f"报告年度为 {year} 年，但文字中只出现了 {others}；是否照抄了其他年度的报告？",
        expected=year, actual=others, **_at(first),
    )  # fmt: skip


def _says_none(values: Mapping[str, object], form: Form) -> Iterator[Finding]:
    new = _int(values.get("s3.new.total"))
    for f in text_fields(form):
        text = str(values.get(f.key) or "")
        if f.key.startswith("s1.") and new > 0 and NO_REQUESTS.search(text):
            yield Finding(
                "narrative-says-none",
                f"{f.label}说未收到申请，但三表“一、本年新收”为 {new} 件。",
                expected=new, actual=0, **_at(f),
            )  # fmt: skip


def _fees(narrative: list[tuple[Field, str]], values: Mapping[str, object]) -> Iterator[Finding]:
    billed, collected = values.get("s6.fee_billed"), values.get("s6.fee_collected")
    notices = _int(values.get("s6.fee_notices"))
    if not (notices > 0 or _positive(billed) or _positive(collected)):
        return
    for f, text in narrative:
        if NO_FEES.search(text):
            yield Finding(
                "narrative-fee-contradiction",
                f"{f.label}说未收取信息处理费，但六部分填有收费通知 {notices} 件、"
                f"通知金额 {format_number(billed)} 元、实收 {format_number(collected)} 元。",
                **_at(f),
            )  # fmt: skip


def _int(v: object) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def _positive(v: object) -> bool:
    return isinstance(v, int | Decimal) and not isinstance(v, bool) and v > 0
