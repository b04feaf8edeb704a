"""The county 汇总表: every accepted organisation's numbers for one year, summed (xlsxwriter).

Sheets: tables 二, 三 and 四 in the national layout (labels and merges taken from
:data:`~xl2report.form.national.FORM`) holding the county totals, then 明细 with one row per
figure and one column per accepted organisation (:mod:`xl2report.county.detail`, laid out to
print), then 报送情况 with every roster unit and its state, 未报送 included, and — with ``--audit
DIR`` — 已发布报告审核, the audit of a folder of published reports
(:mod:`xl2report.county.audit`; then a summary can be made before any report is accepted,
holding that sheet only).  Each input cell of
the national tables refers to its figure's 合计; each total cell keeps the form's own formula, so the 勾稽 relations can be
seen holding in Excel (format-spec.md X7: summed values = Σ of the bodies' values).  Cached
results are written too, so viewers that do not recalculate still show the right numbers.
Text from submissions is only ever written as a literal string.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from xl2report.batch.ledger import Ledger, Row
from xl2report.batch.records import FileStatus
from xl2report.batch.roster import normalize_org
from xl2report.county.audit import Audit, add_audit_sheet
from xl2report.county.campaign import load_campaign
from xl2report.county.detail import DETAIL, DetailUnit, detail_rows, total_ref, write_detail
from xl2report.county.status import UNITS_SHEET, add_units_sheet
from xl2report.errors import FatalError
from xl2report.form.national import (
    FORM,
    FORM_TITLE,
    ORG,
    S2,
    S3,
    S4,
    YEAR,
    Field,
    Form,
    Kind,
    LabelRole,
    RuleKind,
    Value,
    ValueType,
    check_display,
    compute_formulas,
    number_or_zero,
    quote_sheet,
    rule_holds,
)
from xl2report.xlsx.derived import mark_derived, write_derived
from xl2report.xlsx.style import BORDER, FormStyles, literal_workbook

TABLE_SHEETS = (S2, S3, S4)


@dataclass
class SummaryResult:
    """What ``summary`` wrote, and whether the sums hold every rule."""

    path: Path
    year: int
    orgs: list[str]
    totals: dict[str, Value]  # summed values by field key (totals recomputed)
    failed_rules: list[str]  # rule ids that do not hold for the sums (should be none)


def numeric_fields(form: Form = FORM) -> list[Field]:
    """Every numeric field except the year: the columns of 明细."""
    return [f for f in form.fields if f.type is not ValueType.TEXT and f.key != YEAR.key]


def accepted_rows(ledger: Ledger, year: int) -> list[Row]:
    """The current accepted submission of each org, in roster order (then by name)."""
    rows = [r for r in ledger.rows(year=year, statuses=(FileStatus.ACCEPTED,)) if r.vals]
    position = {normalize_org(e.name): i for i, e in enumerate(ledger.roster())}
    return sorted(rows, key=lambda r: (position.get(normalize_org(r.org), len(position)), r.org))


def sum_values(all_values: Sequence[Mapping[str, Value]], form: Form = FORM) -> dict[str, Value]:
    """Σ of every numeric input over the orgs, with the totals recomputed from the sums."""
    sums: dict[str, Value] = {}
    for f in numeric_fields(form):
        if f.kind is Kind.INPUT:
            sums[f.key] = sum((number_or_zero(v.get(f.key)) for v in all_values), start=0)
    return compute_formulas(sums, form)


def summed_rule_failures(sums: Mapping[str, Value], form: Form = FORM) -> list[str]:
    """Ids of the arithmetic rules of tables 二/三/四 that the sums break."""
    on_tables = {f.key for f in form.fields if f.sheet in TABLE_SHEETS}
    failed = []
    for rule in form.rules:
        if rule.kind not in (RuleKind.SUM, RuleKind.BALANCE) or not set(rule.keys) <= on_tables:
            continue
        if not rule_holds(rule, dict(sums)):
            failed.append(rule.id)
    return failed


def build_summary(
    ledger: Ledger | None, year: int, form: Form = FORM, county: str = "",
    audit: Audit | None = None,
) -> tuple[bytes, list[str], dict[str, Value]]:  # fmt: skip
    """(workbook bytes, org names, summed values); raises FatalError when nothing is accepted
    and there is no ``audit`` of published reports to write instead (no ledger: none yet).

    ``county``: the county's name for the titles (某某县2024年……).
    """
    rows = accepted_rows(ledger, year) if ledger is not None else []
    if not rows:
        if audit is None:
            raise FatalError(f"{year} 年还没有通过校验的报告，无法汇总（先运行 xl2report run）。")
        return _audit_only(audit, year, county), [], {}
    org_values = [r.values() for r in rows]
    for r, values in zip(rows, org_values, strict=True):
        # Each org's totals are recomputed, never trusted from storage.
        values.update(compute_formulas(values, form))
        values.setdefault(ORG.key, r.org)
    sums = sum_values(org_values, form)
    fields = numeric_fields(form)
    campaign = load_campaign(ledger, year)
    missing = [u.org for u in campaign.units if not u.state.done]
    title = f"{county}{year}年{FORM_TITLE}"

    buffer = io.BytesIO()
    wb = literal_workbook(buffer)  # a name like "=1+1" or "@x" stays literal text
    wb.set_properties({"title": f"{title}汇总表", "created": datetime(year + 1, 1, 1)})
    mark_derived(wb, "summary")
    styles = _Styles(wb)
    # Sheets are added in display order: national tables first, then 明细 and 报送情况; the
    # tables refer to 明细's 合计 column, whose rows are known before anything is written.
    where = detail_rows(fields)
    note = f"{title}汇总：{len(rows)} 个单位" + (
        f"（另有 {len(missing)} 个单位未报送或未通过，见“{UNITS_SHEET}”表）" if missing else ""
    )
    for sheet in TABLE_SHEETS:
        _table_sheet(wb.add_worksheet(sheet), sheet, form, sums, where, note, styles)
    write_detail(
        wb.add_worksheet(DETAIL), styles, title=title, fields=fields, sums=sums, missing=missing,
        units=[DetailUnit(r.org, v) for r, v in zip(rows, org_values, strict=True)],
    )  # fmt: skip
    add_units_sheet(wb, campaign, county)
    if audit is not None:
        add_audit_sheet(wb, audit, county)
    wb.close()
    return buffer.getvalue(), [r.org for r in rows], sums


def _audit_only(audit: Audit, year: int, county: str) -> bytes:
    """A summary before any report is accepted: the audit of the published reports only."""
    buffer = io.BytesIO()
    wb = literal_workbook(buffer)
    wb.set_properties({"title": f"{county}{year}年{FORM_TITLE}汇总表",
                       "created": datetime(year + 1, 1, 1)})  # fmt: skip
    mark_derived(wb, "summary")
    add_audit_sheet(wb, audit, county)
    wb.close()
    return buffer.getvalue()


def write_summary(
    ledger: Ledger | None, year: int, path: Path, force: bool = False, county: str = "",
    audit: Audit | None = None,
) -> SummaryResult:  # fmt: skip
    """Build the summary for ``year`` and write it to ``path``, replacing an earlier summary
    there (see :func:`~xl2report.xlsx.derived.write_derived`)."""
    form = FORM
    data, orgs, sums = build_summary(ledger, year, form, county, audit)
    write_derived(Path(path), data, force=force)
    failed = summed_rule_failures(sums, form) if orgs else []
    return SummaryResult(Path(path), year, orgs, sums, failed)


# --- sheets -----------------------------------------------------------------------------------


class _Styles(FormStyles):
    """The summary's formats: the form's shared ones plus the 明细 sheet's own."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        super().__init__(wb)
        fmt = self.fmt
        self.note = fmt(font_color="#595959", font_size=10)
        self.total = self.formula
        self.key = fmt(font_size=8, font_color="#808080", text_wrap=True, **BORDER)
        self.sum_label = fmt(bold=True, bg_color="#FFF2CC", **BORDER)


def _table_sheet(
    ws: Worksheet,
    sheet: str,
    form: Form,
    sums: Mapping[str, Value],
    where: Mapping[str, int],
    note: str,
    styles: _Styles,
) -> None:
    spec = form.sheet(sheet)
    for col, width in enumerate(spec.col_widths):
        ws.set_column(col, col, width)
    for row, height in spec.row_heights:
        ws.set_row(row, height)
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    if spec.landscape:
        ws.set_landscape()
    for label in form.labels_on(sheet):
        if label.role in (LabelRole.NOTE, LabelRole.ASIDE):
            continue  # notes and last year's figures speak to the person filling in a template
        fmt = styles.roles[label.role]
        if label.merged:
            ws.merge_range(label.row, label.col, label.last_row or label.row,
                           label.last_col or label.col, label.text, fmt)  # fmt: skip
        else:
            ws.write_string(label.row, label.col, label.text, fmt)
    _fit_rows(ws, sheet, form)
    ws.write_string(1, 0, f"{note}；数字来自“{DETAIL}”表的合计列。", styles.note)
    for f in form.fields_on(sheet):
        value = _cell_number(sums.get(f.key))
        if f.kind is Kind.FORMULA:
            ws.write_formula(f.row, f.col, f.formula, styles.total, value)
            continue
        fmt = styles.decimal if f.type is ValueType.DECIMAL else styles.number
        if f.last_col is not None and f.last_col != f.col:
            ws.merge_range(f.row, f.col, f.row, f.last_col, "", fmt)
        ref = f"={quote_sheet(DETAIL)}!{total_ref(where[f.key])}"
        ws.write_formula(f.row, f.col, ref, fmt, value)
    for rule in form.rules:
        if rule.check and rule.check[0] == sheet:
            _, row, col = rule.check
            ws.write_formula(row, col, rule.check_formula, styles.check,
                             check_display(rule, dict(sums)))  # fmt: skip


def _fit_rows(ws: Worksheet, sheet: str, form: Form) -> None:
    """Tall enough rows for wrapped labels (Excel does not grow rows of a generated file)."""
    widths = form.sheet(sheet).col_widths
    lines: dict[int, int] = {}
    for label in form.labels_on(sheet):
        if label.role in (LabelRole.NOTE, LabelRole.TITLE, LabelRole.ASIDE):
            continue
        last_col = label.last_col if label.last_col is not None else label.col
        last_row = label.last_row if label.last_row is not None else label.row
        room = sum(widths[label.col : last_col + 1]) - 1
        need = -(-_display_width(label.text) // max(1, int(room)))
        rows = last_row - label.row + 1
        per_row = -(-need // rows)
        for r in range(label.row, last_row + 1):
            lines[r] = max(lines.get(r, 1), per_row)
    for row, n in lines.items():
        if n > 1:
            ws.set_row(row, 15 * n)


def _display_width(text: str) -> int:
    """Column-width units: a CJK character is about two digits wide."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _cell_number(value: object) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return 0
