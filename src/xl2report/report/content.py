"""What the Word template is filled with: checked values -> a nested, escaped Jinja context.

Owns the placeholder contract between the renderer and any Word template: which field keys a
report prints (:data:`KNOWN_PLACEHOLDERS`), which of them a template must use
(:data:`REQUIRED_PLACEHOLDERS`), and how each value is shown: numbers as plain digits
(``values.format_number``), narrative text split into paragraphs, section 六 completed from the
fee figures and the 前言 from the cover when left empty, XML-illegal control characters removed (with a warning).

Every string handed to the template is already escaped (:func:`literal`), including ``{`` and
``}``, so user text is never template code and survives docxtpl's post-processing unchanged.
This module builds data only; it reads and writes no files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape

from xl2report.form.national import (
    FEE_BILLED,
    FEE_COLLECTED,
    FEE_NOTICES,
    FORM,
    FORM_TITLE,
    ORG,
    OTHER_MATTERS,
    PREFACE,
    PUBLISH_DATE,
    YEAR,
    Field,
    Value,
    ValueType,
    nest,
    number_or_zero,
)
from xl2report.form.preface import standard_preface
from xl2report.form.types import format_number
from xl2report.form.wording import says_nothing, states_fee_figures

DRAFT = "draft"  # context flag: the workbook did not pass the checks (render --force)
DRAFT_MARK = "草稿（未通过校验）"

# Characters XML 1.0 cannot hold (Excel users paste \x0b from other programs), plus lone
# surrogates and the two non-characters, which lxml also refuses.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# A short line such as "（一）主要问题" inside a text becomes a level-2 heading.
_SUBHEADING = re.compile(r"^[（(][一二三四五六七八九十]{1,3}[）)]")
SUBHEADING_MAX_CHARS = 30
_WHERE = "{f.sheet}!{f.cell}（{f.label}）"  # a field as the renderer's notes name it


def _printed(f: Field) -> bool:
    """Whether a field appears in the report: sections 一–五, section 六's text, the title."""
    section = FORM.sheet(f.sheet).section
    if section in ("一", "二", "三", "四", "五"):
        return True
    if section == "六":
        return f.type is ValueType.TEXT
    return f in (ORG, YEAR, PUBLISH_DATE)


REPORT_FIELDS: tuple[Field, ...] = tuple(f for f in FORM.fields if _printed(f))
PARAGRAPH_FIELDS: tuple[Field, ...] = tuple(
    f for f in REPORT_FIELDS if f.type is ValueType.TEXT and f.multiline
)
TABLE_FIELDS: tuple[Field, ...] = tuple(
    f for f in REPORT_FIELDS if FORM.sheet(f.sheet).section in ("二", "三", "四")
)
KNOWN_PLACEHOLDERS: frozenset[str] = frozenset({f.key for f in REPORT_FIELDS} | {DRAFT})
# The signature block (机关署名 + date) is printed only when a date is given; a restyled
# template may drop it.  Everything else must be in the template.
OPTIONAL_PLACEHOLDERS: frozenset[str] = frozenset({PUBLISH_DATE.key, PREFACE.key})
REQUIRED_PLACEHOLDERS: frozenset[str] = KNOWN_PLACEHOLDERS - OPTIONAL_PLACEHOLDERS
# By key: testing a Field's membership in a tuple compares whole dataclasses, field by field.
_PARAGRAPH_KEYS: frozenset[str] = frozenset(f.key for f in PARAGRAPH_FIELDS)


def literal(text: str) -> Markup:
    """``text`` escaped for WordprocessingML, braces included, marked safe for autoescape.

    Braces become character references so that nothing a user typed can look like a Jinja tag
    or like docxtpl's ``{_{`` escapes, which it rewrites after rendering.
    """
    return Markup(str(escape(text)).replace("{", "&#123;").replace("}", "&#125;"))


@dataclass(frozen=True)
class Para:
    """One paragraph of a narrative text, as the template's loop sees it."""

    text: Markup
    heading: bool = False  # a short "（一）…" line: set as a level-2 heading


class Paragraphs(list[Para]):
    """A narrative text as paragraphs; printed whole (``{{ s5.text }}``) they join with breaks."""

    def __html__(self) -> str:
        return Markup("\n").join(p.text for p in self)


def clean_text(text: str) -> tuple[str, int]:
    """``text`` without XML-illegal characters, and how many were removed."""
    cleaned, removed = XML_ILLEGAL.subn("", text)
    return cleaned, removed


def split_paragraphs(text: str) -> list[tuple[str, bool]]:
    """A cell's text as (paragraph, is_heading) pairs: one per non-empty line, trimmed.

    Leading spaces (often 　　 typed for indentation) are dropped: the style indents.
    """
    out = []
    for line in _LINE_BREAK.split(text):
        line = line.strip()
        if not line:
            continue
        heading = (
            bool(_SUBHEADING.match(line)) and "。" not in line and len(line) <= SUBHEADING_MAX_CHARS
        )
        out.append((line, heading))
    return out


def report_title(org: str, year: object) -> str:
    """'克井镇人民政府2024年政府信息公开工作年度报告'."""
    return f"{org}{format_number(year) if year not in (None, '') else ''}年{FORM_TITLE}"  # type: ignore[arg-type]


def _fees(values: Mapping[str, Value]) -> tuple[Value, Value, Value]:
    return (number_or_zero(values.get(FEE_NOTICES.key)), number_or_zero(values.get(FEE_BILLED.key)),
            number_or_zero(values.get(FEE_COLLECTED.key)))  # fmt: skip


def fee_sentence(values: Mapping[str, Value]) -> str:
    """Section 六's sentence on the 信息处理费 figures (what an empty 六 reads)."""
    notices, billed, collected = _fees(values)
    if not any(v > 0 for v in (notices, billed, collected)):
        return "本年度未收取信息处理费。"
    return (
        f"本年度共发出收费通知{format_number(notices)}件，总金额{format_number(billed)}元，"
        f"实际收取{format_number(collected)}元。"
    )


@dataclass
class ReportContent:
    """The report's content in plain text (what the document must show) and its warnings."""

    scalars: dict[str, str]  # key -> text of a heading, number, name or date
    paragraphs: dict[str, list[tuple[str, bool]]]  # narrative key -> (paragraph, is_heading)
    draft: bool
    warnings: list[str]


def report_content(values: Mapping[str, Value], draft: bool = False) -> ReportContent:
    """Decide what every placeholder shows, from ``CheckResult.values``."""
    scalars: dict[str, str] = {}
    paragraphs: dict[str, list[tuple[str, bool]]] = {}
    warnings: list[str] = []
    for f in REPORT_FIELDS:
        raw = values.get(f.key)
        if f.type is not ValueType.TEXT:
            if raw is None or raw == "":
                warnings.append(_WHERE.format(f=f) + "没有可用的数值，报告中留空。")
                text = ""
            else:
                text = format_number(raw)
        else:
            text = "" if raw is None else str(raw)
        text, removed = clean_text(text)
        if removed:
            warnings.append(
                _WHERE.format(f=f)
                + f"含有 {removed} 个不可见的控制字符（多为从其他软件粘贴带入），已删除。"
            )
        if f.key in _PARAGRAPH_KEYS:
            split = split_paragraphs(text)
            if f is OTHER_MATTERS:
                split = _other_matters(text, split, values, warnings)
            elif f is PREFACE and not split:
                split = [(standard_preface(values), False)]
            paragraphs[f.key] = split
        else:
            # One line break form: XML parsers turn a stored \r into \n anyway.
            scalars[f.key] = (
                _LINE_BREAK.sub("\n", text.strip()) if f.type is ValueType.TEXT else text
            )
    return ReportContent(scalars, paragraphs, draft, warnings)


def _other_matters(text: str, split: list[tuple[str, bool]], values: Mapping[str, Value],
                   warnings: list[str]) -> list[tuple[str, bool]]:  # fmt: skip
    """Section 六 with the 信息处理费 figures stated: a 六 that says nothing ("无。") reads the
    generated sentence, as an empty one does; one that gives no fee figure while the workbook
    records fees gets the sentence as its last paragraph (and the clerk is told)."""
    sentence = fee_sentence(values)
    where = _WHERE.format(f=OTHER_MATTERS)
    if says_nothing(text):
        if text.strip() and any(v > 0 for v in _fees(values)):
            warnings.append(
                f"{where}只写了“{text.strip()}”，报告按填写的信息处理费数字写成：{sentence}"
            )
        return [(sentence, False)]
    if any(v > 0 for v in _fees(values)) and not states_fee_figures(text):
        warnings.append(f"{where}没有写信息处理费的数字，报告按填写的数字在末尾补写：{sentence}")
        return [*split, (sentence, False)]
    return split


def template_context(content: ReportContent) -> dict[str, object]:
    """The nested Jinja context (``{{ s3.new.natural }}``), every string escaped."""
    flat: dict[str, object] = {k: literal(v) for k, v in content.scalars.items()}
    for key, paras in content.paragraphs.items():
        flat[key] = Paragraphs(Para(literal(text), heading) for text, heading in paras)
    context = nest(flat)  # type: ignore[arg-type]
    context[DRAFT] = content.draft
    return context
