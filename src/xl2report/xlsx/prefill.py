"""Last year's figures in this year's template (issue #16): what is prefilled, locked and shown.

A source (last year's ledger, or a folder of last year's workbooks; :mod:`xl2report.batch.lastyear`)
finds an organisation's accepted figures and hands them over as a :class:`LastYearFill`.
:func:`plan_last_year` turns them into what the form's :class:`~xl2report.form.types.LastYear`
says a template carries: 二、上年结转 prefilled from last year's 结转下年度 and locked, last year's
现行有效 in the reference cells beside table 二, editable starting points (contact, phone), the
cover line saying where the figures come from, and the JSON the very-hidden ``_meta`` sheet keeps
so that ``check`` can tell a changed prefilled figure.  :func:`write_last_year` writes the parts
that are not ordinary fields.  Pure apart from writing into the given worksheets.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xl2report.form.national import (
    FORM,
    LAST_YEAR_NOTE_FILLED,
    LAST_YEAR_NOTE_MISSING,
    LAST_YEAR_NOTE_NONE,
    MAX_EXACT,
    YEAR_MAX,
    YEAR_MIN,
    Form,
    LastYear,
    Value,
    number_or_zero,
)
from xl2report.form.preface import PREFACE_KEY, standard_preface
from xl2report.form.types import CHECK_OK, STOCK_WARN, stock_display

if TYPE_CHECKING:  # xlsxwriter only for writing; ``check`` reads the prefilled record only
    from xlsxwriter.format import Format
    from xlsxwriter.worksheet import Worksheet

NOTE_LINES_FILLED = 6  # fixed, so every prefilled template of a roster has the same row height
LINE_HEIGHT = 15.0


@dataclass(frozen=True)
class LastYearFill:
    """What was found of one organisation's last year (``values`` None: nothing was found)."""

    year: int  # last year
    values: Mapping[str, Value] | None = None  # last year's values by field key
    source: str = ""  # where they come from, e.g. 甲镇2024年报表.xlsx，2025年1月20日收到


@dataclass(frozen=True)
class LastYearPlan:
    """What the template writer puts in for last year."""

    inputs: dict[str, Value]  # this year's input values taken from last year
    locked: frozenset[str]  # of those, the keys written locked
    priors: dict[str, Value | None]  # reference cell values by PriorCell key (None: blank)
    note: str  # the cover line
    meta: str  # JSON kept in _meta ('' when nothing was prefilled)

    @property
    def filled(self) -> bool:
        return bool(self.meta)


def plan_last_year(fill: LastYearFill | None, form: Form = FORM) -> LastYearPlan:
    """The inputs, locks, reference values, cover line and metadata for ``fill``."""
    spec = form.last_year
    assert spec is not None, "the form defines no last-year part"
    if fill is None or fill.values is None:
        note = (
            LAST_YEAR_NOTE_NONE if fill is None else LAST_YEAR_NOTE_MISSING.format(year=fill.year)
        )
        return LastYearPlan({}, frozenset(), {p.key: None for p in spec.priors}, note, "")
    last = fill.values
    inputs: dict[str, Value] = {key: number_or_zero(last.get(src)) for key, src in spec.carried}
    for key in spec.starting_points:
        text = str(last.get(key) or "").strip()
        # Last year's standard 前言 is not carried: this year's is written from this year's values.
        if text and not (key == PREFACE_KEY and text == standard_preface(last)):
            inputs[key] = text
    priors: dict[str, Value | None] = {
        p.key: number_or_zero(last.get(p.source)) for p in spec.priors
    }
    recorded = {k: inputs[k] for k, _ in spec.carried} | priors
    meta = json.dumps(
        {"year": fill.year, "source": fill.source, "values": recorded},
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str,
    )  # fmt: skip
    note = LAST_YEAR_NOTE_FILLED.format(year=fill.year, source=fill.source)
    return LastYearPlan(inputs, frozenset(k for k, _ in spec.carried), priors, note, meta)


_MAX_RECORD = 10_000  # characters: the record xl2report writes is a few hundred


def read_prefilled(meta: Mapping[str, str], form: Form = FORM) -> tuple[dict[str, int], int | None]:
    """The figures a template was prefilled with, from its ``_meta`` sheet, and last year.

    ({}, None) when it was not prefilled or the record is unreadable (a township cannot edit
    the very-hidden sheet in Excel; a damaged record only loses this one check).
    """
    spec = form.last_year
    text = meta.get(spec.meta_row, "") if spec else ""
    if not text or len(text) > _MAX_RECORD:
        return {}, None
    try:
        data = json.loads(text)
        values = {
            k: int(v)
            for k, v in data["values"].items()
            if k in spec.locked_keys  # type: ignore[union-attr]
        }
        year = int(data["year"])
    # A record edited by hand can hold anything: 1e400 (inf), deep nesting, absurd numbers.
    except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError, RecursionError):
        return {}, None
    if not YEAR_MIN <= year <= YEAR_MAX or any(not 0 <= v <= MAX_EXACT for v in values.values()):
        return {}, None
    return values, year


def write_last_year(
    sheets: Mapping[str, Worksheet],
    spec: LastYear,
    plan: LastYearPlan,
    computed: Mapping[str, Value],
    formats: LastYearFormats,
) -> None:
    """Reference cells, stock checks and the cover line (prefilled fields are written as fields)."""
    for prior in spec.priors:
        value = plan.priors[prior.key]
        ws = sheets[prior.sheet]
        if value is None:
            ws.write_blank(prior.row, prior.col, None, formats.prior)
        else:
            ws.write_number(prior.row, prior.col, int(value), formats.prior)
    for check in spec.stock_checks:
        sheet, row, col = check.check
        shown = stock_display(check, computed, plan.priors[check.prior])
        ws = sheets[sheet]
        ws.write_formula(row, col, check.check_formula, formats.check, shown)
        ws.conditional_format(row, col, row, col, {
            "type": "cell", "criteria": "==", "value": f'"{CHECK_OK}"', "format": formats.ok,
        })  # fmt: skip
        ws.conditional_format(row, col, row, col, {
            "type": "text", "criteria": "begins with", "value": STOCK_WARN, "format": formats.warn,
        })  # fmt: skip
    sheet, row, col = spec.note
    if plan.filled:
        lines = NOTE_LINES_FILLED
    else:
        lines = max(
            1, -(-_display_width(plan.note) // int(sum(formats.widths[sheet][col : col + 2])))
        )
    sheets[sheet].set_row(row, lines * LINE_HEIGHT)
    sheets[sheet].merge_range(row, col, row, col + 1, plan.note, formats.note)


@dataclass(frozen=True)
class LastYearFormats:
    """The formats :func:`write_last_year` needs (made by the template writer's styles)."""

    prior: Format
    check: Format
    ok: Format
    warn: Format
    note: Format
    widths: Mapping[str, tuple[float, ...]]  # column widths by sheet


def _display_width(text: str) -> int:
    """A CJK character is about two width units wide."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
