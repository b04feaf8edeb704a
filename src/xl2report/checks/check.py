"""Check one returned workbook end to end: read, structure, values, rules, narrative, last year.

:func:`check_file` never raises for a user's file: whatever is wrong becomes findings in the
returned :class:`CheckResult`.  The values it returns are what the Word report is rendered from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from xl2report.checks.catalogue import FileReport, Finding
from xl2report.checks.cells import Parsed, parse_cell
from xl2report.checks.copied import COPY_THRESHOLD
from xl2report.checks.layout import check_structure, formula_finding
from xl2report.checks.narrative import check_narrative
from xl2report.checks.rules import check_rules
from xl2report.checks.yoy import check_year_over_year
from xl2report.form.national import (
    FORM,
    MAX_DECIMALS,
    YEAR_MAX,
    YEAR_MIN,
    Form,
    Kind,
    Value,
    parse_a1,
)
from xl2report.form.types import format_number
from xl2report.xlsx.parts import UnreadableError
from xl2report.xlsx.submission import Submission

UNREADABLE_MESSAGES = {
    "file-empty": "文件是空的（0 字节），可能没有保存成功或没有下载完整，请重新发送。",
    "file-too-large": "文件过大（{detail}），请确认是否为年度报告填报表。",
    "file-missing": "无法读取：{detail}。",
    "lock-file": "这是 Excel/WPS 打开文件时自动生成的临时锁文件（~$ 开头），不是报送的工作簿；请找不带 ~$ 的那个文件。",
    "legacy-format": "这是旧版 .xls/.et 格式，请在 Excel 或 WPS 中“另存为” Excel 工作簿（.xlsx）后重新报送。",
    "encrypted": "工作簿设置了打开密码，无法读取；请在 Excel/WPS 中取消“打开密码”后重新报送。",
    "not-a-workbook": "这不是 Excel 工作簿（.xlsx）文件，请发送下发模板填写后的 .xlsx 文件。",
    "corrupt-workbook": "工作簿已损坏或不完整（可能没有复制或下载完整），请重新保存后报送。",
    "zip-bomb": "工作簿解压后过大（{detail}），出于安全原因拒绝读取。",
    "xml-dtd-forbidden": "工作簿内含 DTD/实体声明，出于安全原因拒绝读取。",
}


@dataclass
class CheckResult:
    report: FileReport
    values: dict[str, Value] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.report.valid


def unreadable(path: Path, code: str, detail: str = "") -> CheckResult:
    message = UNREADABLE_MESSAGES.get(code, "无法读取：{detail}").format(detail=detail)
    return CheckResult(FileReport(str(path), findings=[Finding(code, message)]))


def check_file(
    path: Path,
    previous: Path | CheckResult | None = None,
    form: Form = FORM,
    copy_threshold: float = COPY_THRESHOLD,
) -> CheckResult:
    """Check ``path``; ``previous`` is last year's workbook (or its result) of the same org."""
    path = Path(path)
    try:
        sub = Submission.open(path, form)
    except UnreadableError as exc:
        return unreadable(path, exc.code, exc.detail)
    return check_submission(sub, previous, copy_threshold)


def check_submission(
    sub: Submission,
    previous: Path | CheckResult | None = None,
    copy_threshold: float = COPY_THRESHOLD,
) -> CheckResult:
    form = sub.form
    report = FileReport(str(sub.path))
    report.extend(check_structure(sub))
    if any(f.code in _STOP for f in report.findings):
        return CheckResult(report)
    read = read_values(sub)
    values = read.values
    report.extend(read.findings)
    report.org = str(values.get("info.org") or "").strip()
    year = values.get("info.year")
    report.year = year if isinstance(year, int) else None
    report.extend(_identity_fields(sub, values))
    report.extend(check_rules(values, read.unusable, form, recomputed=read.recomputed))
    report.extend(check_narrative(values, report.year, form))
    if previous is not None:
        last = previous if isinstance(previous, CheckResult) else check_file(Path(previous))
        if last.values:
            report.extend(check_year_over_year(values, last.values, form, copy_threshold))
    report.findings.sort(key=lambda f: _position(f, form))
    return CheckResult(report, values)


def with_previous(
    result: CheckResult, previous: Mapping[str, Value], copy_threshold: float = COPY_THRESHOLD
) -> CheckResult:
    """``result`` with the year-over-year findings against last year's ``previous`` values.

    The same as checking the file again with ``previous`` (a test compares them), without
    reading and checking it twice: the batch learns the org and year from a first check and
    only then looks up last year's values.
    """
    if not previous or any(f.code in _STOP for f in result.report.findings):
        return result
    report = result.report
    findings = report.findings + check_year_over_year(result.values, previous, FORM, copy_threshold)
    # A stable sort of the sorted findings plus the new ones orders them exactly as sorting
    # all of them at once does.
    findings.sort(key=lambda f: _position(f, FORM))
    out = FileReport(report.file, report.org, report.year, findings)
    return CheckResult(out, result.values)


def _position(f: Finding, form: Form) -> tuple[int, int, int]:
    """Sort key: whole-file findings first, then sheets in form order, then cells top-left first
    (the order a clerk works through the workbook).  The sort is stable, so findings at one
    cell keep the order of the checks (layout, value, rule)."""
    if not f.sheet:
        return (0, 0, 0)
    names = form.sheet_names
    sheet = names.index(f.sheet) + 1 if f.sheet in names else len(names) + 1
    row, col = parse_a1(f.cell) if f.cell else (-1, -1)
    return (sheet, row, col)


_STOP = {"not-our-form", "form-version-old", "form-version-unknown"}


class ReadValues(NamedTuple):
    values: dict[str, Value]  # typed value by key, totals recomputed
    unusable: set[str]  # keys without a usable value (already reported), and totals fed by them
    findings: list[Finding]  # value findings (text numbers, blanks, wrong types, stale caches)
    recomputed: set[str]  # formula keys whose value was recomputed from their parts


def read_values(sub: Submission) -> ReadValues:
    """Typed values by key, the keys without a usable value, and value findings.

    A total whose formula is intact, or was cleared, is recomputed from its parts (a cleared
    formula is reported by the structure check; restoring it gives exactly this value).  A total
    typed over with a number counts as that number, which is what a reader of the report would
    see; an altered formula counts as its cached result when there is one.
    """
    form = sub.form
    date1904 = sub.raw.date1904
    values: dict[str, Value] = {}
    unusable: set[str] = set()
    findings: list[Finding] = []
    to_compute: set[str] = set()
    for f in form.fields:
        if not sub.readable(f):
            unusable.add(f.key)
            continue
        raw = sub.raw_cell(f)
        if f.kind is Kind.FORMULA:
            broken = formula_finding(sub, f)
            if broken is None or broken.code == "formula-cleared":
                to_compute.add(f.key)
                continue
            if broken.code == "formula-altered" and (raw is None or raw.value is None):
                to_compute.add(f.key)  # no cached result (saved by a tool that never calculates)
                continue
        parsed = parse_cell(f, raw, date1904)
        if (
            parsed.code
            and f.kind is Kind.INPUT
            and not (parsed.code == "blank-as-zero" and f.key == "info.year")
        ):
            findings.append(_value_finding(f, parsed))
        if parsed.value is None:
            unusable.add(f.key)
        else:
            values[f.key] = parsed.value
    # Totals are recomputed from their parts, in form order (a total may feed another).
    recomputed: set[str] = set()
    for f in form.fields:
        if f.key not in to_compute:
            continue
        if unusable.intersection(f.parts):
            unusable.add(f.key)
            continue
        values[f.key] = sum(_n(values.get(p)) for p in f.parts)
        recomputed.add(f.key)
        if formula_finding(sub, f) is None:
            findings.extend(_stale_cache(sub, f, values[f.key]))
    return ReadValues(values, unusable, findings, recomputed)


def _n(v: object) -> int | Decimal:
    return v if isinstance(v, int | Decimal) and not isinstance(v, bool) else 0


_VALUE_MESSAGES = {
    "text-number": "{label}“{shown}”是文本格式的数字，已按 {value} 读取。",
    "fullwidth-number": "{label}“{shown}”使用了全角数字，已按 {value} 读取；请改用半角数字。",
    "blank-as-zero": "{label}{shown_q}已按 0 计；没有请直接填 0。",
    "not-an-integer": "{label}应为整数件数，现为 {shown}（格子里可能显示为四舍五入后的整数）；请改为整数。",
    "negative-number": "{label}不能为负数，现为 {shown}。",
    "not-a-number": "{label}应填数字，现为“{shown}”；请只填阿拉伯数字，不要写文字或单位。",
    "date-value": "{label}应填数字，现为日期“{shown}”（输入被识别成了日期）；请重新输入数字。",
    "decimal-precision": (
        "{label}为 {shown}，小数超过 "
        + str(MAX_DECIMALS)
        + " 位；请确认单位（万元）并保留至多 "
        + str(MAX_DECIMALS)
        + " 位小数（6 位已精确到分）。"
    ),
    "cell-error": "{label}显示错误值 {shown}；请重新填写数字。",
}


def _value_finding(f, parsed: Parsed) -> Finding:  # type: ignore[no-untyped-def]
    shown_q = "为空，" if not parsed.shown.strip() else f"填的是“{parsed.shown}”，"
    message = _VALUE_MESSAGES[parsed.code].format(  # type: ignore[index]
        label=f.label, shown=parsed.shown, value=format_number(parsed.value), shown_q=shown_q
    )
    return Finding(parsed.code, message, sheet=f.sheet, cell=f.cell, key=f.key,  # type: ignore[arg-type]
                   actual=parsed.shown)  # fmt: skip


def _stale_cache(sub: Submission, f, recomputed: int | Decimal) -> list[Finding]:  # type: ignore[no-untyped-def]
    raw = sub.raw_cell(f)
    if raw is None or raw.value in (None, "") or raw.type not in ("n", ""):
        return []
    parsed = parse_cell(f, raw)
    if parsed.value is None or parsed.value == recomputed:
        return []
    return [
        Finding(
            "cached-value-stale",
            f"{f.label}在表格里显示为 {format_number(parsed.value)}，按分项重新计算为 "
            f"{format_number(recomputed)}{_why_stale(sub, f)}；报告按 {format_number(recomputed)} 生成。",
            sheet=f.sheet,
            cell=f.cell,
            key=f.key,
            expected=recomputed,
            actual=parsed.value,
        )
    ]


def _why_stale(sub: Submission, f) -> str:  # type: ignore[no-untyped-def]
    """The usual cause: Excel's SUM skips numbers stored as text; or a part lost its formula."""
    form = sub.form
    texts, cleared = [], []
    for key in f.parts:
        part = form.field(key)
        raw = sub.raw_cell(part)
        if part.kind is Kind.FORMULA:
            if raw is None or raw.formula is None:
                cleared.append(part.cell)
        elif raw is not None and raw.type == "s" and (raw.value or "").strip():
            texts.append(part.cell)
    if texts:
        return f"（{'、'.join(texts)} 是文本格式的数字，表格的合计没有算进去，请改为数字）"
    if cleared:
        return f"（{'、'.join(cleared)} 的公式被清空）"
    return ""


def _identity_fields(sub: Submission, values: dict[str, Value]) -> list[Finding]:
    """机关名称 and 年度 present, valid, and as the template fixed them."""
    form = sub.form
    out: list[Finding] = []
    meta = sub.meta
    org_f, year_f = form.field("info.org"), form.field("info.year")
    org = str(values.get("info.org") or "").strip()
    year = values.get("info.year")
    at_year = dict(sheet=year_f.sheet, cell=year_f.cell, key=year_f.key)
    if "info.year" in values and year in ("", 0, None):
        out.append(Finding("required-field-missing", "年度为空；请填写报告年度（四位数字，如 2024）。",
                           **at_year))  # fmt: skip
    elif "info.year" in values and not (isinstance(year, int) and YEAR_MIN <= year <= YEAR_MAX):
        shown = format_number(year)
        out.append(Finding("year-invalid", f"年度应为 {YEAR_MIN}—{YEAR_MAX} 之间的四位年份，现为 {shown}。",
                           actual=shown, **at_year))  # fmt: skip
    fixed_org, fixed_year = meta.get("org", "").strip(), meta.get("year", "").strip()
    if fixed_org and org and org != fixed_org:
        out.append(Finding("org-changed", f"机关名称应为下发时的“{fixed_org}”，现为“{org}”。",
                           sheet=org_f.sheet, cell=org_f.cell, key=org_f.key,
                           expected=fixed_org, actual=org))  # fmt: skip
    if fixed_year and isinstance(year, int) and str(year) != fixed_year:
        out.append(Finding("year-changed", f"年度应为下发时的 {fixed_year}，现为 {year}。",
                           expected=int(fixed_year), actual=year, **at_year))  # fmt: skip
    return out
