"""The cover of a feedback copy: its 未通过项数 and 校验结果 say what the 校验结果 list says.

A template handed out before the cover's count left out table 三's 总计 column counted one
mistake in a column twice (the column's check and the 总计 column's).  The feedback copy gives
such a cover today's formula (:func:`~xl2report.form.national.cover_count_formula`) and the
count it makes of the check cells' stored results; and the list says how many of its findings
the cover counts (:func:`counted_on_cover`).  Used by :mod:`xl2report.xlsx.feedback`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from lxml import etree

from xl2report.form.national import (
    CHECK_OK,
    FORM,
    a1,
    counted_checks,
    cover_count_formula,
    summary_shown,
)
from xl2report.xlsx.package_edit import M
from xl2report.xlsx.text import value_text

# A cell of a sheet of the workbook being edited: (sheet, A1 reference) -> its <c>, or None.
CellAt = Callable[[str, str], "etree._Element | None"]


class Placed(Protocol):
    """What is needed of a finding: its code and where it is."""

    code: str
    sheet: str
    cell: str


def recount_cover(cell_at: CellAt, shared: list[str]) -> bool:
    """Give an earlier template's cover today's count formula and count (edited in place);
    False when there is nothing to do (not our cover, or already today's).  A file saved
    without stored results keeps none, so the spreadsheet computes them when it opens."""
    sheet, row, col = FORM.summary
    count = cell_at(sheet, a1(row, col))
    formula = None if count is None else count.find(M + "f")
    if count is None or formula is None or f"={formula.text}" == cover_count_formula(FORM):
        return False
    shown = []
    for rule in counted_checks(FORM):
        check_sheet, check_row, check_col = rule.check  # type: ignore[misc]
        c = cell_at(check_sheet, a1(check_row, check_col))
        shown.append(None if c is None or c.find(M + "v") is None else value_text(c, shared))
    known = None not in shown and count.find(M + "v") is not None
    failed = sum(s != CHECK_OK for s in shown) if known else None
    formula.text = cover_count_formula(FORM)[1:]
    _set_result(count, None if failed is None else str(failed))
    text_sheet, text_row, text_col = FORM.summary_text
    text = cell_at(text_sheet, a1(text_row, text_col)) if text_sheet == sheet else None
    if text is not None and text.find(M + "f") is not None:
        _set_result(text, None if failed is None else summary_shown(failed), "str")
    return True


def counted_on_cover(findings: Iterable[Placed]) -> int:
    """How many findings the template's cover counts too: each is a live check's own (code and
    cell of a :func:`~xl2report.form.national.counted_checks` rule)."""
    live = set()
    for rule in counted_checks(FORM):
        at = FORM.field(rule.report_at[0])
        live.add((rule.code, at.sheet, at.cell))
    return sum((f.code, f.sheet, f.cell) in live for f in findings)


def _set_result(c: etree._Element, value: str | None, kind: str = "") -> None:
    """Set a formula cell's stored result (``kind`` "str" for text); None: no result stored."""
    v = c.find(M + "v")
    if kind and value is not None:
        c.set("t", kind)
    else:
        c.attrib.pop("t", None)
    if value is None:
        if v is not None:
            c.remove(v)
        return
    if v is None:
        v = etree.SubElement(c, M + "v")
    v.text = value
