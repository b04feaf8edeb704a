"""Year-over-year checks against last year's workbook of the same org (all warnings).

Pure: this year's and last year's values in, findings out.  Each message gives both values.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal

from xl2report.checks.catalogue import Finding
from xl2report.checks.copied import COPY_THRESHOLD, copied_findings
from xl2report.checks.likeness import Likeness, likeness
from xl2report.form.national import FORM, ORG, S3_COLUMNS, S3_ROW_SHORT, YEAR, Form, s2_key, s3_key
from xl2report.form.types import as_number

SWING_KEYS = (
    s2_key("licensing", "decisions"),
    s2_key("penalty", "decisions"),
    s2_key("fees", "amount"),
)
SWING_FACTOR = 10
TEN_THOUSAND_YUAN = "万元"  # a swing in a field of this unit is most likely 元 typed as 万元


def check_year_over_year(
    values: Mapping[str, object],
    previous: Mapping[str, object],
    form: Form = FORM,
    copy_threshold: float = COPY_THRESHOLD,
) -> list[Finding]:
    """Warnings where this year's ``values`` do not follow from last year's ``previous``;
    ``copy_threshold`` is the copied-text warning line."""
    return compare_years(values, previous, form, copy_threshold)[0]


def compare_years(
    values: Mapping[str, object],
    previous: Mapping[str, object],
    form: Form = FORM,
    copy_threshold: float = COPY_THRESHOLD,
) -> tuple[list[Finding], list[Likeness]]:
    """The year-over-year warnings, and how like last year's each section is (always shown)."""
    measured = likeness(values, previous, form)
    findings = (
        list(_identity(values, previous))
        + list(_carried(values, previous, form))
        + list(_in_force(values, previous, form))
        + list(_swings(values, previous, form))
        + list(copied_findings(measured, copy_threshold, form))
        + list(_same_tables(measured))
    )
    return findings, measured


def _same_tables(measured: list[Likeness]) -> Iterator[Finding]:
    """A table every figure of which is last year's, unless nothing happened in either year."""
    for m in measured:
        if m.is_table and not m.changed and m.nonzero:
            yield Finding.at(m.sheet, "table-same-as-last-year", cells=m.cells, nonzero=m.nonzero,
                             expected="与上年不同", actual="与上年相同")  # fmt: skip


def _identity(values: Mapping[str, object], previous: Mapping[str, object]) -> Iterator[Finding]:
    org, prev_org = values.get(ORG.key), previous.get(ORG.key)
    if org and prev_org and str(org).strip() != str(prev_org).strip():
        yield Finding.at(ORG, "yoy-org-mismatch", expected=str(org), actual=str(prev_org),
                         before=prev_org, now=org)  # fmt: skip
    year, prev_year = values.get(YEAR.key), previous.get(YEAR.key)
    if isinstance(year, int) and isinstance(prev_year, int) and prev_year != year - 1:
        yield Finding.at(YEAR, "yoy-year-mismatch", expected=year - 1, actual=prev_year,
                         before=prev_year, total=year - 1)  # fmt: skip


def _carried(
    values: Mapping[str, object], previous: Mapping[str, object], form: Form
) -> Iterator[Finding]:
    # Applicant columns only: the 总计 column is their sum on both sides, so its mismatch would
    # repeat theirs without naming a cell to fix.
    for col, label in S3_COLUMNS:
        if col == "total":
            continue
        now = values.get(s3_key("carried", col))
        before = previous.get(s3_key("carry_over", col))
        if as_number(now) is None or as_number(before) is None or now == before:
            continue
        yield Finding.at(
            form.field(s3_key("carried", col)), "yoy-carried-mismatch",
            expected=before, actual=now,  # type: ignore[arg-type]
            carried_row=S3_ROW_SHORT["carried"], column=label, now=now,
            carry_over_row=S3_ROW_SHORT["carry_over"], before=before,
        )  # fmt: skip


def _in_force(
    values: Mapping[str, object], previous: Mapping[str, object], form: Form
) -> Iterator[Finding]:
    for kind in ("rules", "normative"):
        key = s2_key(kind, "in_force")
        now, before = as_number(values.get(key)), as_number(previous.get(key))
        issued = as_number(values.get(s2_key(kind, "issued")))
        repealed = as_number(values.get(s2_key(kind, "repealed")))
        if now is None or before is None or issued is None or repealed is None:
            continue
        expected = before + issued - repealed
        if now != expected:
            yield Finding.at(form.field(key), "yoy-in-force-mismatch", expected=expected,
                             actual=now, now=now, before=before, issued=issued,
                             repealed=repealed, total=expected)  # fmt: skip


_MAX_RATIO_DIGITS = 20


def _swings(
    values: Mapping[str, object], previous: Mapping[str, object], form: Form
) -> Iterator[Finding]:
    for key in SWING_KEYS:
        now, before = as_number(values.get(key)), as_number(previous.get(key))
        if not now or not before:
            continue
        ratio = Decimal(now) / Decimal(before)
        if ratio >= SWING_FACTOR or ratio <= Decimal(1) / SWING_FACTOR:
            f = form.field(key)
            # Rounding needs the ratio's digits within the context's precision; an absurd
            # ratio (values stored before counts were bounded) is shown without its factor.
            sane = abs(ratio.adjusted()) <= _MAX_RATIO_DIGITS
            yield Finding.at(
                f, "yoy-swing", expected=before, actual=now, now=now, before=before,
                times=round(ratio, 1) if ratio >= 1 and sane else None,
                percent=round(ratio * 100, 1) if ratio < 1 and sane else None,
                unit=f.unit if f.unit == TEN_THOUSAND_YUAN else None,
            )  # fmt: skip
