"""How much of this year's report is last year's: each narrative section and each table.

Supervisors' comparison tools show a 重复率 for every section, high or not; the warnings
(``text-copied-from-last-year``, ``table-same-as-last-year``) come only at their threshold.  This
module measures; :mod:`xl2report.checks.copied` and :mod:`xl2report.checks.yoy` decide what is a
finding.  Pure: two years' values in, measurements out.

Texts are compared without numbers, years, spaces and punctuation (a copied paragraph with this
year's figures typed in is still a copy); the 前言 is standard wording, the same every year by
design, and is not compared.  Tables are compared figure by figure over their input cells.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher

from xl2report.checks.numerals import normalize_numbers
from xl2report.form.national import FORM, SECTION_HEADINGS, Field, Form, Kind, ValueType
from xl2report.form.preface import PREFACE_KEY

_NOISE = re.compile(r"\d+(?:\.\d+)?|[\s\W_]", re.UNICODE)
_PART = re.compile(r"（[一二三四五六七八九十]+）")
TABLE_SECTIONS = ("二", "三", "四")
# Characters left after stripping below which texts are not warned about as copied: a short
# standard sentence ("本年度无其他需要报告的事项。") is legitimately the same every year.
MIN_COMPARED = 60


def comparable(text: str) -> str:
    """The words of ``text`` without numbers, years, spaces or punctuation."""
    return _NOISE.sub("", normalize_numbers(text))


def similarity(a: str, b: str) -> float:
    """Share of the two texts that is the same, 0–1 (difflib's ratio, no junk heuristic)."""
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


@dataclass(frozen=True)
class Likeness:
    """One section of the report against the same section last year."""

    key: str  # the text's field key, or the table's section numeral ("二")
    label: str  # "一、总体情况（一）主动公开", "五、存在的主要问题及改进情况", "二、主动公开政府信息情况"
    short: str  # "一（一）", "五", "二表"
    sheet: str
    ratio: float | None = None  # texts: share the same, 0–1; None when either year's is empty
    length: int = 0  # texts: characters compared (the shorter year's, without numbers)
    cells: int = 0  # tables: figures compared
    changed: int = 0  # tables: figures that differ from last year's
    nonzero: int = 0  # tables: this year's figures that are not 0 (现行有效 stocks not counted)

    @property
    def is_table(self) -> bool:
        return self.cells > 0

    @property
    def percent(self) -> int | None:
        """Texts: the share the same in whole percent (rounded down); tables: None."""
        return None if self.ratio is None else int(self.ratio * 100)

    @property
    def brief(self) -> str:
        """The measurement: "45%", "与上年相同", "3 个数字不同", "—" (a text empty in a year)."""
        if self.is_table:
            return f"{self.changed} 个数字不同" if self.changed else "与上年相同"
        return "—" if self.percent is None else f"{self.percent}%"

    @property
    def note(self) -> str:
        """Why a measurement earns no warning however high it is ('' when it may)."""
        if self.is_table:
            return "" if self.changed or self.nonzero else "全为 0"
        return "文字很短，不提醒" if self.percent is not None and self.length < MIN_COMPARED else ""

    @property
    def shown(self) -> str:
        """As a person reads it: "45%", "与上年相同（全为 0）", "100%（文字很短，不提醒）"."""
        return self.brief + (f"（{self.note}）" if self.note else "")

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: texts give ``percent``, tables ``cells``/``changed``/``nonzero``."""
        out: dict[str, object] = {"key": self.key, "label": self.label, "sheet": self.sheet}
        if self.is_table:
            out |= {"cells": self.cells, "changed": self.changed, "nonzero": self.nonzero}
        else:
            out["percent"] = self.percent
        return out


def likeness(
    values: Mapping[str, object], previous: Mapping[str, object], form: Form = FORM
) -> list[Likeness]:
    """Every narrative section, then tables 二, 三 and 四, against last year's ``previous``."""
    return text_likeness(values, previous, form) + table_likeness(values, previous, form)


def text_likeness(
    values: Mapping[str, object], previous: Mapping[str, object], form: Form = FORM
) -> list[Likeness]:
    """Each narrative text (the 前言 aside) against the same text of last year."""
    out = []
    for f in form.fields:
        if f.type is not ValueType.TEXT or not f.multiline or f.key == PREFACE_KEY:
            continue
        now = comparable(str(values.get(f.key) or ""))
        before = comparable(str(previous.get(f.key) or ""))
        ratio = similarity(now, before) if now and before else None
        section = form.sheet(f.sheet).section
        label = f"{section}、{f.label.removesuffix('正文')}"
        part = _PART.search(f.label)
        out.append(Likeness(f.key, label, section + (part.group(0) if part else ""), f.sheet,
                            ratio, min(len(now), len(before))))  # fmt: skip
    return out


def table_likeness(
    values: Mapping[str, object], previous: Mapping[str, object], form: Form = FORM
) -> list[Likeness]:
    """Tables 二, 三 and 四 figure by figure (input cells), when last year has every figure."""
    stocks = {c.stock for c in form.last_year.stock_checks} if form.last_year else set()
    out = []
    for spec in form.sheets:
        if spec.section not in TABLE_SECTIONS:
            continue
        cells = [f for f in form.fields if f.sheet == spec.name and _figure(f)]
        if not cells or any(_number(previous.get(f.key)) is None for f in cells):
            continue  # last year's table is incomplete: nothing honest to say
        now = [_number(values.get(f.key)) for f in cells]
        changed = sum(n != _number(previous.get(f.key)) for f, n in zip(cells, now, strict=True))
        nonzero = sum(bool(n) for f, n in zip(cells, now, strict=True) if f.key not in stocks)
        out.append(Likeness(spec.section, SECTION_HEADINGS[spec.section], f"{spec.section}表",
                            spec.name, cells=len(cells), changed=changed, nonzero=nonzero))  # fmt: skip
    return out


def _figure(f: Field) -> bool:
    return f.kind is Kind.INPUT and f.type in (ValueType.INTEGER, ValueType.DECIMAL)


def _number(value: object) -> object:
    """A figure as compared (None for a blank or unusable cell)."""
    if isinstance(value, bool) or value in (None, ""):
        return None
    return value
