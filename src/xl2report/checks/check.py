"""Check one returned workbook end to end: read, structure, values, rules, narrative, last year.

:func:`check_file` never raises for a user's file: whatever is wrong becomes findings in the
returned :class:`CheckResult`.  The values it returns are what the Word report is rendered from.
"""

from __future__ import annotations

import dataclasses
import re
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
from xl2report.checks.prefilled import (
    STOCK_CODES,
    check_prefilled,
    stock_from_prefilled,
    without_overlap,
)
from xl2report.checks.rules import check_rules
from xl2report.checks.yoy import compare_years
from xl2report.form.characters import one_line, one_line_problem
from xl2report.form.national import (
    FORM,
    ISSUE_META,
    MAX_EXACT,
    MAX_NUMBER,
    MAX_ORG_CHARS,
    MAX_TEXT_CHARS,
    ORG,
    YEAR,
    YEAR_MAX,
    YEAR_MIN,
    Field,
    Form,
    Kind,
    Value,
    number_or_zero,
    parse_a1,
)
from xl2report.form.types import format_number
from xl2report.xlsx.parts import UnreadableError
from xl2report.xlsx.submission import Submission


@dataclass
class CheckResult:
    report: FileReport
    values: dict[str, Value] = field(default_factory=dict)
    issue: str = ""  # the template's 下发编号 from ``_meta`` ('' when it has none)

    @property
    def valid(self) -> bool:
        return self.report.valid


def unreadable(path: Path, code: str, detail: str = "") -> CheckResult:
    """The result for a file that cannot be opened as a workbook: one finding, no values."""
    return CheckResult(FileReport(str(path), findings=[Finding.at(None, code, detail=detail)]))


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
    report.org = str(values.get(ORG.key) or "").strip()
    year = values.get(YEAR.key)
    report.year = year if isinstance(year, int) else None
    report.extend(_identity_fields(sub, values))
    report.extend(check_prefilled(sub, values))
    report.extend(check_rules(values, read.unusable, form, recomputed=read.recomputed))
    report.extend(check_narrative(values, report.year, form))
    last = None
    if previous is not None:
        last = previous if isinstance(previous, CheckResult) else check_file(Path(previous))
    if last is not None and last.values:
        found, report.similarity = compare_years(values, last.values, form, copy_threshold)
        report.extend(found)
    else:  # the template's own record of last year's 现行有效, when it has one
        report.extend(stock_from_prefilled(sub, values))
    report.findings = [_encodable(f) for f in without_overlap(report.findings)]
    report.findings.sort(key=lambda f: _position(f, form))
    return CheckResult(report, values, _SURROGATE.sub("", sub.meta.get(ISSUE_META, "").strip()))


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
    # Last year's accepted values replace the template's own record of them.
    kept = [f for f in report.findings if f.code not in STOCK_CODES]
    found, measured = compare_years(result.values, previous, FORM, copy_threshold)
    findings = without_overlap(kept + found)
    # A stable sort of the sorted findings plus the new ones orders them exactly as sorting
    # all of them at once does.
    findings.sort(key=lambda f: _position(f, FORM))
    out = FileReport(report.file, report.org, report.year, findings, measured)
    return CheckResult(out, result.values, result.issue)


def with_findings(
    result: CheckResult, added: list[Finding], replaced: frozenset[str] = frozenset()
) -> CheckResult:
    """``result`` with ``added`` findings (e.g. from the outbox's register of 下发编号), in form
    order; findings whose code is in ``replaced`` are dropped when anything is added (the new
    finding says the same thing better)."""
    if not added:
        return result
    report = result.report
    kept = [f for f in report.findings if f.code not in replaced]
    findings = sorted(kept + [_encodable(f) for f in added], key=lambda f: _position(f, FORM))
    out = FileReport(report.file, report.org, report.year, findings, report.similarity)
    return CheckResult(out, result.values, result.issue)


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
_SURROGATE = re.compile("[\ud800-\udfff]")


def _encodable(f: Finding) -> Finding:
    """``f`` with lone surrogates (from a broken cell text or label) made visible as U+FFFD,
    so the finding can be stored, shown and written into a feedback copy."""
    texts = {
        name: _SURROGATE.sub("\ufffd", value)
        for name in ("message", "sheet", "actual", "expected")
        if isinstance(value := getattr(f, name), str) and _SURROGATE.search(value)
    }
    return dataclasses.replace(f, **texts) if texts else f


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
        # (LibreOffice stores an error value such as #VALUE! as a "formula": that is no formula.)
        if f.kind is Kind.INPUT and raw is not None and raw.formula and raw.formula[0] != "#":
            # Only its cached result would be read, and nothing recomputes it: not trusted.
            findings.append(Finding.at(f, "formula-in-input", formula=raw.formula[:60]))
            unusable.add(f.key)
            continue
        if f.kind is Kind.FORMULA:
            broken = formula_finding(sub, f)
            if broken is None or broken.code == "formula-cleared":
                to_compute.add(f.key)
                continue
            if broken.code == "formula-altered" and (raw is None or raw.value is None):
                to_compute.add(f.key)  # no cached result (saved by a tool that never calculates)
                continue
        parsed = parse_cell(f, raw, date1904)
        if isinstance(parsed.value, str) and _SURROGATE.search(parsed.value):
            # Half an emoji (an OOXML _xD83D_ escape): nothing can store it, so it is an error
            # and the value keeps a visible replacement character instead.
            count = len(_SURROGATE.findall(parsed.value))
            findings.append(Finding.at(f, "text-not-encodable", count=count))
            parsed = Parsed(_SURROGATE.sub("\ufffd", parsed.value))
        if f.key == ORG.key and isinstance(parsed.value, str):
            # The name travels into file names, mail headers and pages: one line, or an error
            # (and the value read as that one line).
            why = one_line_problem(parsed.value)
            if why:
                parsed = Parsed(one_line(parsed.value))
                findings.append(Finding.at(f, "org-not-one-line", what=why, shown=parsed.value))
        limit = MAX_ORG_CHARS if f.key == ORG.key else MAX_TEXT_CHARS
        if isinstance(parsed.value, str) and len(parsed.value) > limit:
            findings.append(Finding.at(f, "text-too-long", length=len(parsed.value), max=limit))
            if f.key == ORG.key:  # the name travels into the ledger and every listing
                parsed = Parsed(parsed.value[:limit] + "…")
        if (
            parsed.code
            and f.kind is Kind.INPUT
            and not (parsed.code == "blank-as-zero" and f.key == YEAR.key)
        ):
            findings.append(_value_finding(f, parsed))
        if parsed.large and f.kind is Kind.INPUT and f.key != YEAR.key:  # the year has its range
            findings.append(Finding.at(f, "number-large", actual=parsed.value, shown=parsed.shown,
                                       max=MAX_NUMBER))  # fmt: skip
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
        values[f.key] = sum(number_or_zero(values.get(p)) for p in f.parts)
        recomputed.add(f.key)
        if formula_finding(sub, f) is None:
            findings.extend(_stale_cache(sub, f, values[f.key]))
    return ReadValues(values, unusable, findings, recomputed)


def _value_finding(f: Field, parsed: Parsed) -> Finding:
    assert parsed.code is not None
    if f.key == YEAR.key and parsed.code == "number-out-of-range":
        return Finding.at(f, "year-invalid", actual=parsed.shown, min=YEAR_MIN, max=YEAR_MAX,
                          shown=parsed.shown)  # fmt: skip
    empty = parsed.code == "blank-as-zero" and not parsed.shown.strip()
    return Finding.at(f, parsed.code, "empty" if empty else "", actual=parsed.shown,
                      shown=parsed.shown, value=parsed.value, max=MAX_EXACT)  # fmt: skip


def _stale_cache(sub: Submission, f: Field, recomputed: int | Decimal) -> list[Finding]:
    raw = sub.raw_cell(f)
    if raw is None or raw.value in (None, "") or raw.type not in ("n", ""):
        return []
    parsed = parse_cell(f, raw)
    if parsed.value is None or parsed.value == recomputed:
        return []
    texts, cleared = _why_stale(sub, f)
    return [
        Finding.at(
            f,
            "cached-value-stale",
            expected=recomputed,
            actual=parsed.value,
            shown=parsed.value,
            total=recomputed,
            text_cells=texts or None,
            cleared_cells=None if texts or not cleared else cleared,
        )
    ]


def _why_stale(sub: Submission, f: Field) -> tuple[list[str], list[str]]:
    """The usual causes: parts holding numbers stored as text (Excel's SUM skips them), and
    parts that lost their formula; the message names the first kind found."""
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
    return texts, cleared


def _identity_fields(sub: Submission, values: dict[str, Value]) -> list[Finding]:
    """机关名称 and 年度 present, valid, and as the template fixed them."""
    out: list[Finding] = []
    meta = sub.meta
    org = str(values.get(ORG.key) or "").strip()
    year = values.get(YEAR.key)
    if YEAR.key in values and year in ("", 0, None):
        out.append(Finding.at(YEAR, "required-field-missing"))
    elif YEAR.key in values and not (isinstance(year, int) and YEAR_MIN <= year <= YEAR_MAX):
        shown = format_number(year)
        out.append(Finding.at(YEAR, "year-invalid", actual=shown,
                              min=YEAR_MIN, max=YEAR_MAX, shown=shown))  # fmt: skip
    fixed_org, fixed_year = one_line(meta.get("org", "")), meta.get("year", "").strip()
    if fixed_org and org and org != fixed_org:
        out.append(Finding.at(ORG, "org-changed", expected=fixed_org, actual=org,
                              fixed=fixed_org, found=org))  # fmt: skip
    if fixed_year and isinstance(year, int) and str(year) != fixed_year:
        out.append(Finding.at(YEAR, "year-changed", expected=int(fixed_year), actual=year,
                              fixed=fixed_year, found=year))  # fmt: skip
    return out
