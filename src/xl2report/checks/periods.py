"""Years the narrative names: a 统计期限 of another year, and a later year written as the present.

Pure: texts in, findings out.  A report is about one calendar year; what a supervisor flags is a
report that says otherwise: a 前言 whose 统计期限 is "自2023年1月1日起至2023年12月31日止" in a 2024
report (carried over from last year's report), or a 2024 report written as "2025年，我镇……"
(next year's text, or a template of the wrong year).  What is not flagged: plans
("2025年将……", "2025年工作计划"), dates in the reporting season (a report is published by
31 March: "2025年1月20日"), rules that take effect later ("自2025年5月1日起施行") and years named
as targets ("到2027年").
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from xl2report.checks.catalogue import Finding
from xl2report.checks.numerals import normalize_numbers
from xl2report.checks.stated import quote
from xl2report.form.national import Field

_SENTENCE = re.compile(r"[^。；;！？!?\n]+[。；;！？!?]?")
# "自2023年1月1日起至2023年12月31日止", "从2023年1月1日到12月31日", "2023年1月1日—2023年12月31日".
_PERIOD = re.compile(
    r"(\d{4})\s*年\s*0?1\s*月\s*0?1\s*日\s*起?\s*(?:至|到|—+|－|-|~|～)\s*"
    r"(?:(\d{4})\s*年\s*)?12\s*月\s*31\s*日"
)
# Only a sentence about the report's period states it ("2023年1月1日至12月31日期间" elsewhere may
# be a comparison).
_PERIOD_CUE = re.compile(r"统计|期限|本报告|所列数据")
# "统计期限为2023年度", "统计时间：2023年".
_PERIOD_YEAR = re.compile(
    r"统计(?:期限|时间|时段|区间|范围)[^。；;\d]{0,10}(\d{4})\s*年(?!\s*0?1\s*月)"
)
_YEAR = re.compile(r"(?<!\d)(\d{4})\s*年(?!度报告格式)(?:度)?\s*(?:(\d{1,2})\s*月)?")
# Words that make a sentence about the future (a plan, a target, a rule taking effect).
_FORWARD = re.compile(
    r"将|计划|拟|力争|争取|下一步|今后|明年|来年|新的一年|工作要点|工作安排|打算|预计|目标|展望|"
    r"谋划|规划|以后|之后|未来|起施行|起实施|起执行|生效"
)
_TARGET = re.compile(r"(?:到|至|截至|截止)\s*$")  # "到2027年": a target or a cut-off date
SEASON_MONTHS = 3  # reports are published by 31 March of the following year (条例第四十九条)
LATER_YEARS = 10  # further than this is a typo, not another report's year


def check_periods(
    narrative: Sequence[tuple[Field, str]], year: int, later: bool = True
) -> Iterator[Finding]:
    """A finding per text that states another year's 统计期限 or (with ``later``) writes a later
    year as the year it reports on (the first such sentence quoted)."""
    for f, text in narrative:
        wrong_period: Finding | None = None
        later_found: list[tuple[str, int]] = []
        for sentence in _SENTENCE.findall(text):
            norm = normalize_numbers(sentence)
            found = _period_years(norm)
            other = sorted({y for y in found if y != year})
            if other:
                if wrong_period is None:
                    shown = "、".join(map(str, other))
                    wrong_period = Finding.at(f, "period-wrong-year", sentence=quote(sentence),
                                              found=shown, year=year, expected=year,
                                              actual=other[0])  # fmt: skip
                continue
            if found:  # this year's period: its dates are not a later year
                continue
            y = _later_year(norm, year) if later else None
            if y is not None:
                later_found.append((sentence, y))
        if wrong_period is not None:
            yield wrong_period
        if later_found:
            sentence, y = later_found[0]
            yield Finding.at(f, "text-later-year", sentence=quote(sentence), later=y, year=year,
                             more=len(later_found) - 1 or None, expected=year, actual=y)  # fmt: skip


def _period_years(norm: str) -> list[int]:
    """The years of a statistics period the sentence states (none unless it is about one)."""
    if not _PERIOD_CUE.search(norm):
        return []
    years = []
    for m in _PERIOD.finditer(norm):
        years.append(int(m.group(1)))
        if m.group(2):
            years.append(int(m.group(2)))
    years += [int(y) for y in _PERIOD_YEAR.findall(norm)]
    return years


def _later_year(norm: str, year: int) -> int | None:
    """The first later year the sentence writes as a fact, if any."""
    if _FORWARD.search(norm):
        return None
    for m in _YEAR.finditer(norm):
        y, month = int(m.group(1)), m.group(2)
        if not year < y <= year + LATER_YEARS:
            continue
        if _TARGET.search(norm[: m.start()]):
            continue
        if y == year + 1 and month is not None and 1 <= int(month) <= SEASON_MONTHS:
            continue  # the reporting season: publication dates, "截至2025年1月"
        return y
    return None
