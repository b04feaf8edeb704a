"""Year-over-year checks against last year's workbook of the same org (all warnings).

Pure: this year's and last year's values in, findings out.  Each message gives both values.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal

from xl2report.checks.catalogue import Finding
from xl2report.checks.copied import COPY_THRESHOLD, check_copied_text
from xl2report.form.national import FORM, S3_COLUMNS, Form
from xl2report.form.types import format_number

SWING_KEYS = ("s2.licensing.decisions", "s2.penalty.decisions", "s2.fees.amount")
SWING_FACTOR = 10


def check_year_over_year(
    values: Mapping[str, object],
    previous: Mapping[str, object],
    form: Form = FORM,
    copy_threshold: float = COPY_THRESHOLD,
) -> list[Finding]:
    """Findings against last year's values; ``copy_threshold`` is the copied-text warning line."""
    return (
        list(_identity(values, previous, form))
        + list(_carried(values, previous, form))
        + list(_in_force(values, previous, form))
        + list(_swings(values, previous, form))
        + list(check_copied_text(values, previous, copy_threshold, form))
    )


def _at(form: Form, key: str) -> dict[str, str]:
    f = form.field(key)
    return {"sheet": f.sheet, "cell": f.cell, "key": key}


def _identity(values, previous, form: Form) -> Iterator[Finding]:  # type: ignore[no-untyped-def]
    org, prev_org = values.get("info.org"), previous.get("info.org")
    if org and prev_org and str(org).strip() != str(prev_org).strip():
        yield Finding("yoy-org-mismatch", f"上年工作簿的机关名称为“{prev_org}”，本年为“{org}”。",
                      expected=str(org), actual=str(prev_org), **_at(form, "info.org"))  # fmt: skip
    year, prev_year = values.get("info.year"), previous.get("info.year")
    if isinstance(year, int) and isinstance(prev_year, int) and prev_year != year - 1:
        yield Finding("yoy-year-mismatch", f"上年工作簿的年度为 {prev_year}，应为 {year - 1}。",
                      expected=year - 1, actual=prev_year, **_at(form, "info.year"))  # fmt: skip


def _carried(values, previous, form: Form) -> Iterator[Finding]:  # type: ignore[no-untyped-def]
    # Applicant columns only: the 总计 column is their sum on both sides, so its mismatch would
    # repeat theirs without naming a cell to fix.
    for col, label in S3_COLUMNS:
        if col == "total":
            continue
        now, before = values.get(f"s3.carried.{col}"), previous.get(f"s3.carry_over.{col}")
        if _num(now) is None or _num(before) is None or now == before:
            continue
        yield Finding(
            "yoy-carried-mismatch",
            f"“二、上年结转”（{label}）为 {now}，上年报告“四、结转下年度继续办理”为 {before}。",
            expected=before,
            actual=now,
            **_at(form, f"s3.carried.{col}"),  # type: ignore[arg-type]
        )


def _in_force(values, previous, form: Form) -> Iterator[Finding]:  # type: ignore[no-untyped-def]
    for kind, label in (("rules", "规章"), ("normative", "行政规范性文件")):
        now = _num(values.get(f"s2.{kind}.in_force"))
        before = _num(previous.get(f"s2.{kind}.in_force"))
        issued = _num(values.get(f"s2.{kind}.issued"))
        repealed = _num(values.get(f"s2.{kind}.repealed"))
        if None in (now, before, issued, repealed):
            continue
        expected = before + issued - repealed  # type: ignore[operator]
        if now != expected:
            yield Finding(
                "yoy-in-force-mismatch",
                f"{label}现行有效件数为 {now}，按上年现行有效 {before} + 本年制发 {issued} − "
                f"本年废止 {repealed} 应为 {expected}（修订、到期失效等情况请在文字中说明）。",
                expected=expected, actual=now, **_at(form, f"s2.{kind}.in_force"),
            )  # fmt: skip


def _swings(values, previous, form: Form) -> Iterator[Finding]:  # type: ignore[no-untyped-def]
    for key in SWING_KEYS:
        now, before = _num(values.get(key)), _num(previous.get(key))
        if not now or not before:
            continue
        ratio = Decimal(now) / Decimal(before)
        if ratio >= SWING_FACTOR or ratio <= Decimal(1) / SWING_FACTOR:
            f = form.field(key)
            hint = "，请确认单位是否为“万元”" if f.unit == "万元" else ""
            change = (
                f"是上年的 {format_number(round(ratio, 1))} 倍"
                if ratio >= 1
                else f"只有上年的 {format_number(round(ratio * 100, 1))}%"
            )
            yield Finding(
                "yoy-swing",
                f"{f.label}本年为 {format_number(now)}，上年为 {format_number(before)}，"
                f"{change}{hint}。",
                expected=before, actual=now, **_at(form, key),
            )  # fmt: skip


def _num(v: object) -> int | Decimal | None:
    return v if isinstance(v, int | Decimal) and not isinstance(v, bool) else None
