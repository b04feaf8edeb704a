"""Figures prefilled from last year must come back as they were handed out (issue #16).

A template made with ``template --previous-year`` keeps, in its very-hidden ``_meta`` sheet, the
figures it was prefilled with: 二、上年结转 (locked inputs) and last year's 现行有效 (locked
reference cells beside table 二).  A township that unlocks a sheet and types over one gets an
error at that cell naming last year's value: last year's figures are corrected by the county
office, not in this year's workbook.  The same record gives the live stock check's twin
(现行有效 = 上年 + 制发 − 废止, a warning) when ``check`` has no other source of last year's
values.  Pure: a submission's metadata, raw cells and values in, findings out.
"""

from __future__ import annotations

from collections.abc import Mapping

from xl2report.checks.catalogue import EMPTY, Finding
from xl2report.checks.cells import parse_number
from xl2report.checks.yoy import check_year_over_year
from xl2report.form.national import Value
from xl2report.xlsx.prefill import read_prefilled
from xl2report.xlsx.submission import Submission


def check_prefilled(sub: Submission, values: Mapping[str, Value]) -> list[Finding]:
    """An error at every prefilled figure that no longer holds last year's value."""
    form = sub.form
    spec = form.last_year
    prefilled, year = read_prefilled(sub.meta, form)
    if spec is None or not prefilled:
        return []
    sources = dict(spec.carried) | {p.key: p.source for p in spec.priors}
    priors = {p.key: p for p in spec.priors}
    out: list[Finding] = []
    for key, before in prefilled.items():
        source = form.field(sources[key])
        if key in priors:  # a reference cell beside table 二
            place = priors[key]
            if not sub.readable(source):
                continue
            sheet = sub.sheet(place.sheet)
            raw = sheet.cell(place.row, place.col) if sheet else None
            now = parse_number(raw, decimal=False).value
        else:
            place = form.field(key)
            if not sub.readable(place) or key not in values:
                continue  # unreadable cells are reported by the value checks
            now = values[key]
        if now == before:
            continue
        out.append(Finding.at(
            place, "prefill-changed", expected=before, actual="" if now is None else now,
            year=year, source=source.label, before=before, found=EMPTY if now is None else now,
        ))  # fmt: skip
    return out


def stock_from_prefilled(sub: Submission, values: Mapping[str, Value]) -> list[Finding]:
    """The stock check against the 现行有效 the template was prefilled with (warnings)."""
    form = sub.form
    spec = form.last_year
    prefilled, _ = read_prefilled(sub.meta, form)
    if spec is None or not prefilled:
        return []
    previous = {p.source: prefilled[p.key] for p in spec.priors if p.key in prefilled}
    return [f for f in check_year_over_year(values, previous, form) if f.code in STOCK_CODES]


STOCK_CODES = frozenset({"yoy-in-force-mismatch"})


def without_overlap(findings: list[Finding]) -> list[Finding]:
    """Drop a year-over-year 上年结转 warning at a cell that already has a prefill-changed error."""
    changed = {(f.sheet, f.cell) for f in findings if f.code == "prefill-changed"}
    return [
        f for f in findings
        if not (f.code == "yoy-carried-mismatch" and (f.sheet, f.cell) in changed)
    ]  # fmt: skip
