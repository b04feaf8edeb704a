"""Data validation for a template's input cells: what Excel/WPS accept while a clerk types.

Whole numbers ≥ 0 for counts, numbers ≥ 0 for money, the year's range, and input messages for
texts, each as few rules as possible (one per run of alike cells).  Only the template writer
uses this; the reader re-validates everything, since validation is bypassed by paste.
"""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

from xl2report.form.national import YEAR, YEAR_MAX, YEAR_MIN, Field, Form, Kind, ValueType, a1


def write_validations(sheets: dict[str, Worksheet], form: Form, locked: set[str]) -> None:
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
    if f.key == YEAR.key:
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
