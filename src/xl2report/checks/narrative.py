"""Checks on the narrative text: placeholders, copied years, numbers that contradict the tables.

Pure: values in, findings out.  The patterns are deliberately narrow (what real reports say) so
that a finding means something.  Every number the text states is read by
:mod:`xl2report.checks.stated` against the table in :mod:`xl2report.checks.statements`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from xl2report.checks.catalogue import Finding
from xl2report.checks.periods import check_periods
from xl2report.checks.stated import check_stated_numbers
from xl2report.form.national import (
    FEE_BILLED,
    FEE_COLLECTED,
    FEE_NOTICES,
    FORM,
    NEW_TOTAL,
    PROBLEMS,
    S3_ROW_SHORT,
    Field,
    Form,
    ValueType,
    number_or_zero,
)
from xl2report.form.types import format_number
from xl2report.form.wording import content_of, says_nothing

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
# Fewer characters than this (digits, spaces and punctuation not counted) cannot name a problem
# and a measure: "存在不足，将改进。" is 7.
MIN_SUBSTANCE = 20
_DIGITS = re.compile(r"\d")


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
            count = len(CONTROL.findall(text))
            findings.append(Finding.at(f, "control-characters", count=count))
    narrative = [(f, t) for f, t in texts if f.multiline]
    if year:
        unmentioned = list(_years(narrative, year))
        findings.extend(unmentioned)
        # The year never named: that one finding already says the texts are another year's.
        findings.extend(check_periods(narrative, year, later=not unmentioned))
    findings.extend(_substance(str(values.get(PROBLEMS.key) or "")))
    findings.extend(check_stated_numbers(values, year, form))
    findings.extend(_says_none(values, form))
    findings.extend(_fees(narrative, values))
    return findings


def _placeholders(f: Field, text: str) -> Iterator[Finding]:
    hits = sorted({m.group(0) for m in PLACEHOLDER.finditer(text)})
    if hits:
        yield Finding.at(f, "placeholder-left", actual="、".join(hits), hits=hits[:5])


def _years(narrative: list[tuple[Field, str]], year: int) -> Iterator[Finding]:
    mentioned = {int(y) for _, t in narrative for y in YEAR.findall(t)}
    if not mentioned or year in mentioned:
        return
    first = next(f for f, t in narrative if YEAR.search(t))
    others = "、".join(f"{y}年" for y in sorted(mentioned))
    yield Finding.at(first, "year-not-mentioned", expected=year, actual=others,
                     year=year, others=others)  # fmt: skip


def _substance(text: str) -> Iterator[Finding]:
    """五 must name problems and measures: "无" is no answer, a few words hardly one."""
    if not text.strip():
        return  # empty: required-text-missing says so
    shown = text.strip()
    if says_nothing(text):
        yield Finding.at(PROBLEMS, "text-says-nothing", text=shown, actual=shown)
        return
    length = len(_DIGITS.sub("", content_of(text)))
    if length < MIN_SUBSTANCE:
        yield Finding.at(PROBLEMS, "text-too-short", length=length, text=shown,
                         expected=MIN_SUBSTANCE, actual=length)  # fmt: skip


def _says_none(values: Mapping[str, object], form: Form) -> Iterator[Finding]:
    new = number_or_zero(values.get(NEW_TOTAL.key))
    for f in text_fields(form):
        text = str(values.get(f.key) or "")
        if f.key.startswith("s1.") and new > 0 and NO_REQUESTS.search(text):
            yield Finding.at(f, "narrative-says-none", expected=new, actual=0,
                             new_row=S3_ROW_SHORT["new"], new=new)  # fmt: skip


def _fees(narrative: list[tuple[Field, str]], values: Mapping[str, object]) -> Iterator[Finding]:
    billed, collected = values.get(FEE_BILLED.key), values.get(FEE_COLLECTED.key)
    notices = number_or_zero(values.get(FEE_NOTICES.key))
    if not (notices > 0 or number_or_zero(billed) > 0 or number_or_zero(collected) > 0):
        return
    for f, text in narrative:
        if NO_FEES.search(text):
            yield Finding.at(f, "narrative-fee-contradiction", notices=notices,
                             billed=format_number(billed), collected=format_number(collected))  # fmt: skip
