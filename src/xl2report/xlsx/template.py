"""Form -> locked, self-checking .xlsx (xlsxwriter).

Writes exactly what :mod:`xl2report.form.national` says: labels and merges, input cells (unlocked, with
data validation and input messages), formula cells (locked, with correct cached values), live
check cells, defined names, print setup, and the metadata sheet.  The same function also writes
*filled* workbooks (``values=``), which is how the bundled example, test fixtures and benchmark
inputs are made: one writer, so fixtures can never drift from the real template.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from xl2report import __version__
from xl2report.atomic import write_bytes_atomic
from xl2report.form.national import (
    CHECK_OK,
    CONTACT,
    DEFAULT_SUBMIT_NOTE,
    FORM,
    FORM_ID,
    FORM_TITLE,
    FORM_VERSION,
    ISSUE_META,
    ORG,
    PHONE,
    YEAR,
    Field,
    Form,
    Kind,
    LabelRole,
    Value,
    ValueType,
    a1,
    blank_values,
    check_display,
    compute_formulas,
    counted_checks,
    cover_count_formula,
    cover_text_formula,
    quote_sheet,
    rule_holds,
    summary_shown,
)
from xl2report.form.preface import PREFACE_KEY, standard_preface
from xl2report.xlsx.prefill import (
    LastYearFill,
    LastYearFormats,
    LastYearPlan,
    plan_last_year,
    write_last_year,
)
from xl2report.xlsx.style import BORDER, FormStyles, literal_workbook
from xl2report.xlsx.validations import write_validations

# A fixed creation date keeps the file byte-identical for the same arguments.
FIXED_CREATED = datetime(2021, 9, 29, 0, 0, 0)


@dataclass(frozen=True)
class TemplateOptions:
    org: str | None = None  # prefilled and locked when given
    year: int | None = None  # prefilled and locked when given
    password: str | None = None  # sheet protection password (weak; keeps honest people honest)
    contact: str | None = None
    phone: str | None = None
    submit_to: str | None = None  # where and by when to send it back, shown on the cover
    last_year: LastYearFill | None = None  # last year's figures to start from (issue #16)
    issue: str | None = None  # 下发编号: which handed-out template this is (batch/issued.py)


def build_workbook(
    options: TemplateOptions = TemplateOptions(),
    values: Mapping[str, Value] | None = None,
    form: Form = FORM,
) -> bytes:
    """Return the .xlsx bytes of a template (``values=None``) or of a filled workbook."""
    resolved = resolve(options, values, form)
    plan, computed, locked_keys = resolved.plan, resolved.computed, resolved.locked

    buffer = io.BytesIO()
    wb = literal_workbook(buffer)
    styles = _Styles(wb)
    wb.set_properties(
        {
            "title": f"{options.org or ''}{form_title(options.year)}",
            "subject": FORM_ID,
            "keywords": f"{FORM_ID} {FORM_VERSION}",
            "comments": "由 xl2report 生成。只在白色格子里填写。",
            "created": FIXED_CREATED,
        }
    )
    wb.set_custom_property("xl2report_form_id", FORM_ID)
    wb.set_custom_property("xl2report_form_version", FORM_VERSION)

    sheets: dict[str, Worksheet] = {}
    for spec in form.sheets:
        ws = wb.add_worksheet(spec.name)
        sheets[spec.name] = ws
        _setup_sheet(ws, spec, form)
    _fit_label_rows(sheets, form)
    for label in form.labels:
        ws = sheets[label.sheet]
        fmt = styles.label(label.role)
        if label.merged:
            ws.merge_range(
                label.row, label.col, label.last_row or label.row, label.last_col or label.col,
                label.text, fmt,
            )  # fmt: skip
        else:
            ws.write_string(label.row, label.col, label.text, fmt)
    for f in form.fields:
        _write_field(sheets[f.sheet], f, computed, styles, locked=f.key in locked_keys)
        wb.define_name(f.defined_name, f"={quote_sheet(f.sheet)}!{a1(f.row, f.col, True)}")
    write_validations(sheets, form, locked_keys)
    for rule in form.rules:
        if not rule.check:
            continue
        sheet, row, col = rule.check
        shown = check_display(rule, computed)
        ws = sheets[sheet]
        ws.write_formula(row, col, rule.check_formula, styles.check, shown)
        _check_colours(ws, row, col, styles)
    _write_summary(sheets, form, styles, failed_checks(computed, form))
    _write_submit_note(
        sheets, form, styles, (options.submit_to or "").strip() or DEFAULT_SUBMIT_NOTE
    )
    assert form.last_year is not None
    write_last_year(sheets, form.last_year, plan, computed, styles.last_year(form))
    _write_meta(wb, form, options, plan)

    for spec in form.sheets:
        sheets[spec.name].protect(
            options.password or "",
            {"format_rows": True, "format_columns": True},  # resizing only; never insert/delete
        )
    first = sheets[form.sheets[0].name]
    first.activate()
    cover_first_input = form.fields_on(form.sheets[0].name)
    if cover_first_input:
        first.set_selection(cover_first_input[0].cell)
    wb.close()
    return buffer.getvalue()


@dataclass(frozen=True)
class Resolved:
    """What a template's cells hold, before anything is written."""

    plan: LastYearPlan  # last year's part
    computed: dict[str, Value]  # every field's value, totals computed
    locked: frozenset[str]  # input keys written locked


def resolve(
    options: TemplateOptions, values: Mapping[str, Value] | None = None, form: Form = FORM
) -> Resolved:
    """The values and locks :func:`build_workbook` writes for ``options`` and ``values``."""
    plan = plan_last_year(options.last_year, form)
    inputs = dict(_blank_inputs(form))
    inputs.update(plan.inputs)
    if values:
        inputs.update(values)
    for key, given in (
        (ORG.key, options.org),
        (YEAR.key, options.year),
        (CONTACT.key, options.contact),
        (PHONE.key, options.phone),
    ):
        if given is not None:
            inputs[key] = given
    if options.org and options.year and not str(inputs.get(PREFACE_KEY) or "").strip():
        inputs[PREFACE_KEY] = standard_preface(inputs)  # prefilled, editable
    locked = {k for k, v in ((ORG.key, options.org), (YEAR.key, options.year)) if v}
    return Resolved(plan, compute_formulas(inputs, form), frozenset(locked | plan.locked))


@lru_cache(maxsize=4)
def _blank_inputs(form: Form) -> dict[str, Value]:
    """An untouched template's input values (computed once; callers copy it)."""
    blank = blank_values(form)
    return {f.key: blank[f.key] for f in form.fields if f.kind is Kind.INPUT}


def failed_checks(values: Mapping[str, Value], form: Form = FORM) -> int:
    """The cover's 未通过项数 for these values (the live checks it counts that fail)."""
    return sum(not rule_holds(r, dict(values)) for r in counted_checks(form))


def write_template(
    path: Path,
    options: TemplateOptions = TemplateOptions(),
    values: Mapping[str, Value] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a template (or filled workbook) atomically; refuse to overwrite unless asked."""
    data = build_workbook(options, values)
    write_bytes_atomic(path, data, overwrite=overwrite)
    return path


def form_title(year: int | None) -> str:
    return f"{year}年{FORM_TITLE}" if year else FORM_TITLE


class _Styles(FormStyles):
    """The template's formats: the form's shared ones plus input cells and check colours."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        super().__init__(wb)
        fmt = self.fmt
        self.input_number = fmt(locked=False, align="center", num_format="0", **BORDER)
        self.input_decimal = fmt(locked=False, align="center", num_format="General", **BORDER)
        self.input_text = fmt(locked=False, text_wrap=True, valign="top", **BORDER)
        self.fixed_text = fmt(bg_color="#F2F2F2", text_wrap=True, **BORDER)
        self.ok = wb.add_format({"font_color": "#006100", "bg_color": "#C6EFCE"})
        self.bad = wb.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE", "bold": True})
        self.summary = fmt(bold=True, align="center", **BORDER)
        self.fixed_number = fmt(bg_color="#F2F2F2", align="center", num_format="0", **BORDER)
        self.prior = fmt(bg_color="#FCE4D6", align="center", num_format="0", **BORDER)
        self.warn = wb.add_format({"font_color": "#9C5700", "bg_color": "#FFEB9C"})

    def last_year(self, form: Form) -> LastYearFormats:
        """Formats for the last-year part (reference cells, stock checks, cover line)."""
        widths = {spec.name: spec.col_widths for spec in form.sheets}
        return LastYearFormats(self.prior, self.check, self.ok, self.warn, self.fixed_text, widths)


def _setup_sheet(ws: Worksheet, spec, form: Form) -> None:  # type: ignore[no-untyped-def]
    for col, width in enumerate(spec.col_widths):
        ws.set_column(col, col, width)
    for row, height in spec.row_heights:
        ws.set_row(row, height)
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    if spec.landscape:
        ws.set_landscape()
    if spec.header_rows:
        first, last = spec.header_rows
        ws.repeat_rows(first, last)
        first_value_col = min(f.col for f in form.fields_on(spec.name))
        ws.freeze_panes(last + 1, first_value_col)
    ws.hide_gridlines(2)


LINE_HEIGHT = 15.0  # points per line of 11 pt text


def _fit_label_rows(sheets: dict[str, Worksheet], form: Form) -> None:
    """Give rows tall enough for their wrapped one-row labels (Excel does not grow them itself)."""
    needed: dict[tuple[str, int], int] = {}
    for label in form.labels:
        if label.role is LabelRole.TITLE or (label.last_row or label.row) != label.row:
            continue
        widths = form.sheet(label.sheet).col_widths
        span = sum(widths[label.col : (label.last_col or label.col) + 1]) or 10
        # A CJK character is about two width units wide; leave a little margin.
        text_width = sum(2 if ord(ch) > 0x2E7F else 1 for ch in label.text) + 1
        lines = -(-text_width // int(span))
        key = (label.sheet, label.row)
        needed[key] = max(needed.get(key, 1), lines)
    for (sheet, row), lines in needed.items():
        explicit = dict(form.sheet(sheet).row_heights)
        if lines > 1 and row not in explicit:
            sheets[sheet].set_row(row, lines * LINE_HEIGHT)


def _write_field(
    ws: Worksheet, f: Field, values: Mapping[str, Value], styles: _Styles, locked: bool
) -> None:
    value = values.get(f.key)
    if f.kind is Kind.FORMULA:
        ws.write_formula(f.row, f.col, f.formula, styles.formula, cell_number(value))
        return
    if locked:
        # A locked count (上年结转) looks like a count; a locked 机关名称 or 年度 like text.
        fmt = styles.fixed_number if f.unit else styles.fixed_text
    elif f.type is ValueType.TEXT:
        fmt = styles.input_text
    elif f.type is ValueType.DECIMAL:
        fmt = styles.input_decimal
    else:
        fmt = styles.input_number
    if f.last_col is not None and f.last_col != f.col:
        ws.merge_range(f.row, f.col, f.row, f.last_col, "", fmt)
    if value is None or value == "":
        ws.write_blank(f.row, f.col, None, fmt)
    elif isinstance(value, int | Decimal | float) and not isinstance(value, bool):
        ws.write_number(f.row, f.col, cell_number(value), fmt)
    else:
        ws.write_string(f.row, f.col, str(value), fmt)


def cell_number(value: object) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, int | float):
        return value
    return 0


def _check_colours(ws: Worksheet, row: int, col: int, styles: _Styles) -> None:
    ws.conditional_format(
        row, col, row, col,
        {"type": "cell", "criteria": "==", "value": f'"{CHECK_OK}"', "format": styles.ok},
    )  # fmt: skip
    ws.conditional_format(
        row, col, row, col,
        {"type": "text", "criteria": "begins with", "value": "✗", "format": styles.bad},
    )  # fmt: skip


def _write_submit_note(
    sheets: dict[str, Worksheet], form: Form, styles: _Styles, note: str
) -> None:
    """The office's words on where and by when to send the workbook back (cover, locked)."""
    sheet, row, col = form.submit_note
    widths = form.sheet(sheet).col_widths
    width = int(widths[col] + widths[col + 1])
    lines = -(-sum(2 if ord(ch) > 0x2E7F else 1 for ch in note) // width)
    sheets[sheet].set_row(row, max(1, lines) * LINE_HEIGHT)
    sheets[sheet].merge_range(row, col, row, col + 1, note, styles.fixed_text)


def _write_summary(sheets: dict[str, Worksheet], form: Form, styles: _Styles, failed: int) -> None:
    """Cover: how many live checks fail (:func:`counted_checks`), and 全部通过 / N 项未通过."""
    count_sheet, count_row, count_col = form.summary
    sheets[count_sheet].write_formula(
        count_row, count_col, cover_count_formula(form), styles.summary, failed
    )
    text_sheet, text_row, text_col = form.summary_text
    sheets[text_sheet].write_formula(
        text_row, text_col, cover_text_formula(form), styles.summary, summary_shown(failed)
    )
    _check_colours(sheets[text_sheet], text_row, text_col, styles)


def _write_meta(
    wb: xlsxwriter.Workbook, form: Form, options: TemplateOptions, plan: LastYearPlan
) -> None:
    ws = wb.add_worksheet(form.meta_sheet)
    values = {
        "form_id": FORM_ID,
        "form_version": FORM_VERSION,
        "fingerprint": form.fingerprint,
        "org": options.org or "",
        "year": str(options.year or ""),
        "generator": f"xl2report {__version__}",
        "last_year": plan.meta,
        ISSUE_META: options.issue or "",
    }
    for meta in form.meta_rows:
        if meta.optional and not values[meta.name]:
            continue
        ws.write_string(meta.row, 0, meta.name)
        if values[meta.name]:  # an empty string cell would not survive openpyxl (feedback copies)
            ws.write_string(meta.row, 1, values[meta.name])
        ws.write_string(meta.row, 2, meta.label)
    ws.protect(options.password or "")
    ws.very_hidden()
