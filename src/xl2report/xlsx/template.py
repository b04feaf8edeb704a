"""Form -> locked, self-checking .xlsx (xlsxwriter).

Writes exactly what :mod:`xl2report.form.national` says: labels and merges, input cells (unlocked, with
data validation and input messages), formula cells (locked, with correct cached values), live
check cells, defined names, print setup, and the metadata sheet.  The same function also writes
*filled* workbooks (``values=``), which is how the bundled example, test fixtures and benchmark
inputs are made: one writer, so fixtures can never drift from the real template.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from xl2report import __version__
from xl2report.atomic import write_bytes_atomic
from xl2report.form.national import (
    CHECK_OK,
    DEFAULT_SUBMIT_NOTE,
    FORM,
    FORM_ID,
    FORM_VERSION,
    YEAR_MAX,
    YEAR_MIN,
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
    quote_sheet,
    rule_holds,
)
from xl2report.form.preface import PREFACE_KEY, standard_preface
from xl2report.xlsx.package import PackageWriter
from xl2report.xlsx.style import BORDER, FormStyles, literal_workbook


class _Worksheet(Worksheet):
    """xlsxwriter worksheet that skips the dynamic-array rewrite for our plain formulas.

    xlsxwriter runs ~30 regular expressions over every formula to add ``_xlfn.`` prefixes to
    newer functions; the form (and its conditional formats) use only SUM, IF, LEN, LEFT, TRIM, AND and NOT, which need none.  Skipping
    it cuts a third off building a template (the golden test proves the output is identical).
    """

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if _PLAIN_FORMULA.fullmatch(formula):
            return formula[1:] if formula.startswith("=") else formula
        return super()._prepare_formula(formula, expand_future_functions)


# Formulas made only of these function names (and references, operators, strings) are plain.
_PLAIN_FORMULA = re.compile(
    r'=?(?:"[^"]*"|(?:SUM|IF|LEN|LEFT|TRIM|AND|NOT)\(|\$?[A-Z]{1,3}\$?\d|[^"A-Za-z])*'
)

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


def build_workbook(
    options: TemplateOptions = TemplateOptions(),
    values: Mapping[str, Value] | None = None,
    form: Form = FORM,
) -> bytes:
    """Return the .xlsx bytes of a template (``values=None``) or of a filled workbook."""
    inputs = blank_values(form)
    if values:
        inputs.update(values)
    for key, given in (
        ("info.org", options.org),
        ("info.year", options.year),
        ("info.contact", options.contact),
        ("info.phone", options.phone),
    ):
        if given is not None:
            inputs[key] = given
    if options.org and options.year and not str(inputs.get(PREFACE_KEY) or "").strip():
        inputs[PREFACE_KEY] = standard_preface(inputs)  # prefilled, editable
    computed = compute_formulas(inputs, form)
    locked_keys = {k for k, v in (("info.org", options.org), ("info.year", options.year)) if v}

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
        ws = wb.add_worksheet(spec.name, worksheet_class=_Worksheet)
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
    _write_validations(sheets, form, locked_keys)
    failed = 0
    for rule in form.rules:
        if not rule.check:
            continue
        sheet, row, col = rule.check
        shown = check_display(rule, computed)
        failed += 0 if rule_holds(rule, computed) else 1
        ws = sheets[sheet]
        ws.write_formula(row, col, rule.check_formula, styles.check, shown)
        _check_colours(ws, row, col, styles)
    _write_summary(sheets, form, styles, failed)
    _write_submit_note(
        sheets, form, styles, (options.submit_to or "").strip() or DEFAULT_SUBMIT_NOTE
    )
    _write_meta(wb, form, options)

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


class TemplateFactory:
    """Personalised templates for many organisations of one year (``template --roster``).

    Of a template's parts only two depend on the organisation: the shared strings (its name,
    and the contact when the roster gives one) and the document title.  The factory builds the
    workbook once with marker names and, per organisation, swaps the real names into those two
    parts and reuses every other part's compressed bytes
    (:class:`~xl2report.xlsx.package.PackageWriter`): about 1 ms instead of ~20.  The bytes are
    exactly :func:`build_workbook`'s (a test proves it).  A name xlsxwriter would escape
    specially, or that equals another text of the workbook, is built the ordinary way.
    """

    _ORG = "\ue000xl2report-org\ue001"  # private-use characters: no real name or label
    _CONTACT = "\ue000xl2report-contact\ue001"
    _STRINGS, _CORE = "xl/sharedStrings.xml", "docProps/core.xml"

    def __init__(
        self, year: int | None, password: str | None = None, submit_to: str | None = None
    ) -> None:
        self.year = year
        self.password = password
        self.submit_to = submit_to
        self._bases: dict[bool, tuple[PackageWriter, str, str] | None] = {}

    def build(self, org: str, contact: str | None = None) -> bytes:
        """The .xlsx bytes of ``org``'s template (as ``build_workbook`` would make them)."""
        options = TemplateOptions(
            org=org, year=self.year, password=self.password, contact=contact,
            submit_to=self.submit_to,
        )  # fmt: skip
        names = [org] if contact is None else [org, contact]
        base = self._base(contact is not None) if all(map(_plain_text, names)) else None
        if base is None or org == contact:
            return build_workbook(options)
        writer, strings, core = base
        entries = [f"<si><t>{_xml_escape(name)}</t></si>" for name in names]
        if any(entry in strings for entry in entries):  # would share another text's entry
            return build_workbook(options)
        strings = strings.replace(f"<si><t>{self._ORG}</t></si>", entries[0])
        strings = strings.replace(self._ORG, _xml_escape(org))  # inside the prefilled 前言
        if contact is not None:
            strings = strings.replace(f"<si><t>{self._CONTACT}</t></si>", entries[1])
        return writer.write(
            {
                self._STRINGS: strings.encode("utf-8"),
                self._CORE: core.replace(self._ORG, _xml_escape(org)).encode("utf-8"),
            }
        )

    def _base(self, with_contact: bool) -> tuple[PackageWriter, str, str] | None:
        if with_contact not in self._bases:
            contact = self._CONTACT if with_contact else None
            options = TemplateOptions(org=self._ORG, year=self.year, password=self.password,
                                      submit_to=self.submit_to,
                                      contact=contact)  # fmt: skip
            data = build_workbook(options)
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                strings = zf.read(self._STRINGS).decode("utf-8")
                core = zf.read(self._CORE).decode("utf-8")
            markers = [self._ORG] + ([self._CONTACT] if with_contact else [])
            usable = all(strings.count(f"<si><t>{m}</t></si>") == 1 for m in markers)
            usable = usable and core.count(self._ORG) == 1
            writer = PackageWriter(data, (self._STRINGS, self._CORE))
            self._bases[with_contact] = (writer, strings, core) if usable else None
        return self._bases[with_contact]


# xlsxwriter writes such a text as it is, escaping only & < >; anything else (control
# characters, _xHHHH_ look-alikes, edge spaces, very long text) goes through build_workbook.
_PLAIN = re.compile(r"[^\x00-\x1f\ufffe\uffff]{1,255}")
_SPECIAL = re.compile(r"_x[0-9A-Fa-f]{4}_|^\s|\s$|^<r>")


def _plain_text(text: str) -> bool:
    return bool(_PLAIN.fullmatch(text)) and not _SPECIAL.search(text)


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def form_title(year: int | None) -> str:
    return f"{year}年政府信息公开工作年度报告" if year else "政府信息公开工作年度报告"


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
        ws.write_formula(f.row, f.col, f.formula, styles.formula, _cell_number(value))
        return
    if locked:
        fmt = styles.fixed_text
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
        ws.write_number(f.row, f.col, _cell_number(value), fmt)
    else:
        ws.write_string(f.row, f.col, str(value), fmt)


def _cell_number(value: object) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, int | float):
        return value
    return 0


def _write_validations(sheets: dict[str, Worksheet], form: Form, locked: set[str]) -> None:
    """Whole numbers >= 0, decimals >= 0, the year's range; one rule per run of alike cells."""
    groups: dict[tuple[str, str, str], list[Field]] = {}
    for f in form.fields:
        if f.kind is Kind.INPUT and f.key not in locked:
            groups.setdefault((f.sheet, f.type, f.help), []).append(f)
    for (sheet, _vtype, hint), fields in groups.items():
        options = _validation_options(fields[0], hint)
        if options is None:
            continue
        ranges = _runs([(f.row, f.col) for f in fields])
        first = ranges[0]
        if len(ranges) > 1:
            options["multi_range"] = " ".join(_range_a1(r) for r in ranges)
        sheets[sheet].data_validation(*first, options)


def _validation_options(f: Field, hint: str) -> dict[str, object] | None:
    if f.type is ValueType.TEXT:
        if not hint:
            return None
        return {"validate": "any", "input_title": f.label[:32], "input_message": hint}
    if f.key == "info.year":
        return {
            "validate": "integer",
            "criteria": "between",
            "minimum": YEAR_MIN,
            "maximum": YEAR_MAX,
            "input_title": "年度",
            "input_message": hint,
            "error_title": "年度有误",
            "error_message": f"请输入 {YEAR_MIN}—{YEAR_MAX} 之间的四位年份。",
        }
    if f.type is ValueType.DECIMAL:
        return {
            "validate": "decimal",
            "criteria": ">=",
            "value": 0,
            "input_title": "金额",
            "input_message": hint or "不小于 0 的数，可带小数。",
            "error_title": "金额有误",
            "error_message": "请输入不小于 0 的数字，不要带单位或文字。",
        }
    return {
        "validate": "integer",
        "criteria": ">=",
        "value": 0,
        "input_title": "件数",
        "input_message": hint or "填不小于 0 的整数；没有就填 0。",
        "error_title": "件数有误",
        "error_message": "请输入不小于 0 的整数（没有就填 0），不要写文字或单位。",
    }


def _runs(cells: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Group cells into rectangles: horizontal runs per row, then stack equal runs vertically."""
    by_row: dict[int, list[int]] = {}
    for r, c in sorted(cells):
        by_row.setdefault(r, []).append(c)
    row_runs: list[tuple[int, int, int]] = []
    for r, cols in by_row.items():
        start = prev = cols[0]
        for c in cols[1:]:
            if c != prev + 1:
                row_runs.append((r, start, prev))
                start = c
            prev = c
        row_runs.append((r, start, prev))
    rects: list[tuple[int, int, int, int]] = []
    for r, c1, c2 in row_runs:
        if rects and rects[-1][2] == r - 1 and rects[-1][1] == c1 and rects[-1][3] == c2:
            rects[-1] = (rects[-1][0], c1, r, c2)
        else:
            rects.append((r, c1, r, c2))
    return rects


def _range_a1(rect: tuple[int, int, int, int]) -> str:
    r1, c1, r2, c2 = rect
    return a1(r1, c1) if (r1, c1) == (r2, c2) else f"{a1(r1, c1)}:{a1(r2, c2)}"


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
    """Cover: how many live checks fail, and 全部通过 / N 项未通过."""
    refs = []
    count_sheet, count_row, count_col = form.summary
    for rule in form.rules:
        if rule.check:
            sheet, row, col = rule.check
            ref = a1(row, col) if sheet == count_sheet else f"{quote_sheet(sheet)}!{a1(row, col)}"
            refs.append(f'({ref}<>"{CHECK_OK}")')
    ws = sheets[count_sheet]
    ws.write_formula(count_row, count_col, "=" + "+".join(refs), styles.summary, failed)
    count_ref = a1(count_row, count_col)
    text_sheet, text_row, text_col = form.summary_text
    shown = f"{CHECK_OK} 全部通过" if failed == 0 else f"✗ {failed} 项未通过，请按各表 ✗ 提示修改"
    sheets[text_sheet].write_formula(
        text_row, text_col,
        f'=IF({count_ref}=0,"{CHECK_OK} 全部通过","✗ "&{count_ref}&" 项未通过，请按各表 ✗ 提示修改")',
        styles.summary, shown,
    )  # fmt: skip
    _check_colours(sheets[text_sheet], text_row, text_col, styles)


def _write_meta(wb: xlsxwriter.Workbook, form: Form, options: TemplateOptions) -> None:
    ws = wb.add_worksheet(form.meta_sheet)
    values = {
        "form_id": FORM_ID,
        "form_version": FORM_VERSION,
        "fingerprint": form.fingerprint,
        "org": options.org or "",
        "year": str(options.year or ""),
        "generator": f"xl2report {__version__}",
    }
    for meta in form.meta_rows:
        ws.write_string(meta.row, 0, meta.name)
        ws.write_string(meta.row, 1, values[meta.name])
        ws.write_string(meta.row, 2, meta.label)
    ws.protect(options.password or "")
    ws.very_hidden()
