"""Is this our form, in our layout, untampered?  Identity, sheets, labels, formulas, protection.

Marks sheets whose layout is broken on the :class:`Submission` so that later checks do not read
values from shifted cells and drown the real problem in noise.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from xl2report.checks.catalogue import EMPTY, Finding, shift_phrase
from xl2report.form.national import (
    FEEDBACK_SHEET,
    FORM_ID,
    FORM_VERSION,
    Field,
    Kind,
    Label,
    a1,
    col_letter,
    parse_a1,
)
from xl2report.xlsx.parts import RawSheet
from xl2report.xlsx.submission import Submission


def check_structure(sub: Submission) -> list[Finding]:
    """All layout findings; an empty list means the workbook is our current, intact form."""
    form = sub.form
    present = set(sub.raw.sheets)
    known = set(form.sheet_names)
    if not present & known and form.meta_sheet not in present:
        return [Finding.at(None, "not-our-form")]
    # Two sheets of one name: only the first was read, and nobody can say which one was meant.
    findings = [
        Finding.at(name, "sheet-duplicate", sheet=name) for name in sub.raw.duplicate_sheets
    ]
    findings.extend(_identity(sub))
    if any(
        f.code in ("not-our-form", "form-version-old", "form-version-unknown") for f in findings
    ):
        # Another form or version: its cells mean other things, so stop here.
        return findings
    for name in form.sheet_names:
        if name not in present:
            sub.broken_sheets.add(name)
            findings.append(Finding.at(name, "sheet-missing"))
    # 校验结果 is the list our feedback copy adds; a township may send that copy back.
    for name in sorted(present - known - {form.meta_sheet, FEEDBACK_SHEET}):
        # sheet=name: a damaged workbook.xml can name a sheet "" (still its own finding)
        findings.append(Finding.at(name, "sheet-extra", sheet=name))
    for spec in form.sheets:
        sheet = sub.sheet(spec.name)
        if sheet is None:
            continue
        if sheet.state != "visible":  # a hidden copy could carry another unit's figures
            findings.append(Finding.at(spec.name, "sheet-hidden"))
        findings.extend(_labels(sub, sheet))
        if spec.name not in sub.broken_sheets:
            findings.extend(_moved_formulas(sub, sheet))
        if spec.name in sub.broken_sheets:
            continue
        findings.extend(_formulas(sub, sheet))
        if not sheet.protected:
            findings.append(Finding.at(spec.name, "protection-removed"))
    return findings


def _identity(sub: Submission) -> Iterator[Finding]:
    meta = sub.meta
    if not meta:
        yield Finding.at(None, "form-meta-missing", meta_sheet=sub.form.meta_sheet)
        return
    if meta.get("form_id") != FORM_ID:
        yield Finding.at(None, "not-our-form", "other_form", form_id=meta.get("form_id", ""))
        return
    version = meta.get("form_version", "")
    if version != FORM_VERSION:
        older = bool(_version_tuple(version)) and _version_tuple(version) < _version_tuple(
            FORM_VERSION
        )
        code = "form-version-old" if older else "form-version-unknown"
        yield Finding.at(None, code, expected=FORM_VERSION, actual=version,
                         version=version or EMPTY, current=FORM_VERSION)  # fmt: skip
        return
    if meta.get("fingerprint") != sub.form.fingerprint:
        yield Finding.at(None, "form-fingerprint-mismatch",
                         expected=sub.form.fingerprint, actual=meta.get("fingerprint", ""))  # fmt: skip


def _version_tuple(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in version.split("."))
    except ValueError:
        return ()


def _labels(sub: Submission, sheet: RawSheet) -> Iterator[Finding]:
    """Each fixed label must be where the form puts it; a shifted one breaks the sheet."""
    labels = sub.form.labels_on(sheet.name)
    wrong = [lab for lab in labels if not _in_place(sheet, lab, 0, 0)]
    for label in wrong:
        found = _norm(sheet.text(label.row, label.col))
        elsewhere = _find(sheet, label, labels, wrong)
        if elsewhere is not None:
            sub.broken_sheets.add(sheet.name)
            dr, dc = elsewhere[0] - label.row, elsewhere[1] - label.col
            yield Finding.at(label, "label-shifted", expected=label.cell, actual=a1(*elsewhere),
                             text=_short(label.text), found=a1(*elsewhere),
                             shift=shift_phrase(dr, dc))  # fmt: skip
            return  # one shift explains every label after it
        yield Finding.at(label, "label-changed", expected=label.text, actual=found,
                         text=_short(label.text), found=_short(found) or EMPTY)  # fmt: skip


def _in_place(sheet: RawSheet, label: Label, dr: int, dc: int) -> bool:
    return _norm(sheet.text(label.row + dr, label.col + dc)) == _norm(label.text)


def _find(
    sheet: RawSheet, label: Label, labels: list[Label], wrong: list[Label]
) -> tuple[int, int] | None:
    """Where ``label`` moved to, if rows or columns were inserted or deleted.

    Of the cells holding its text, take the one whose offset puts the most misplaced labels
    back in place.  Texts such as 信息内容 occur several times on a sheet, so a lone misplaced
    label with such a text is a changed label, not a shift."""
    target = _norm(label.text)
    best: tuple[int, tuple[int, int]] | None = None
    for pos, cell in sheet.cells.items():
        if cell.value is None or pos == (label.row, label.col) or _norm(cell.value) != target:
            continue
        dr, dc = pos[0] - label.row, pos[1] - label.col
        explained = sum(_in_place(sheet, other, dr, dc) for other in wrong)
        if best is None or explained > best[0] or (explained == best[0] and pos < best[1]):
            best = (explained, pos)
    if best is None:
        return None
    unique = sum(_norm(other.text) == target for other in labels) == 1
    return best[1] if best[0] >= 2 or unique else None


def _moved_formulas(sub: Submission, sheet: RawSheet) -> Iterator[Finding]:
    """Rows or columns inserted where no label moves (四表: between its header and its data).

    Excel moves a total's formula with its row and adjusts the references, so a total missing
    at its cell but found, adjusted, elsewhere tells where the data went.  A cell holding its
    own total (the next column's, which looks like a moved one) proves nothing."""
    homes = {
        (g.row, g.col): normalise_formula(g.formula)
        for g in sub.form.fields_on(sheet.name)
        if g.kind is Kind.FORMULA
    }
    for f in sub.form.fields_on(sheet.name):
        raw = sheet.cell(f.row, f.col)
        if f.kind is not Kind.FORMULA or (raw is not None and raw.formula is not None):
            continue
        expected = normalise_formula(f.formula)
        for (row, col), cell in sorted(sheet.cells.items()):
            if cell.formula is None or (row, col) == (f.row, f.col):
                continue
            if homes.get((row, col)) == normalise_formula(cell.formula):
                continue
            dr, dc = row - f.row, col - f.col
            if normalise_formula(cell.formula) != normalise_formula(shift_refs(expected, dr, dc)):
                continue
            sub.broken_sheets.add(sheet.name)
            yield Finding.at(f, "label-shifted", "formula", expected=f.cell, actual=a1(row, col),
                             found=a1(row, col), shift=shift_phrase(dr, dc))  # fmt: skip
            return


_REF = re.compile(r"(?<![A-Z0-9_.])(\$?)([A-Z]{1,3})(\$?)(\d+)(?![\d(])")


def shift_refs(formula: str, dr: int, dc: int) -> str:
    """``formula`` with its relative A1 references moved by ``dr`` rows and ``dc`` columns."""

    def move(m: re.Match[str]) -> str:
        col_abs, letters, row_abs, digits = m.groups()
        row, col = parse_a1(letters + digits)
        row += 0 if row_abs else dr
        col += 0 if col_abs else dc
        if row < 0 or col < 0:
            return "#REF!"
        return f"{col_abs}{col_letter(col)}{row_abs}{row + 1}"

    return _REF.sub(move, formula)


def _formulas(sub: Submission, sheet: RawSheet) -> Iterator[Finding]:
    for f in sub.form.fields_on(sheet.name):
        if f.kind is not Kind.FORMULA:
            continue
        finding = formula_finding(sub, f)
        if finding:
            yield finding


def formula_finding(sub: Submission, f: Field) -> Finding | None:
    raw = sub.raw_cell(f)
    expected = f.formula
    if raw is None or (raw.formula is None and (raw.value is None or raw.value == "")):
        return Finding.at(f, "formula-cleared", expected=expected, formula=expected)
    if raw.formula is None:
        return Finding.at(f, "formula-overwritten", expected=expected, actual=raw.value,
                          formula=expected, typed=raw.value)  # fmt: skip
    if normalise_formula(raw.formula) != normalise_formula(expected):
        found = "=" + raw.formula
        return Finding.at(f, "formula-altered", expected=expected, actual=found,
                          formula=expected, found=found)  # fmt: skip
    return None


_SPACE = re.compile(r"\s+")
_CACHED_CHARS = 256  # longer texts (a narrative typed where a label was) are not kept


def normalise_formula(text: str) -> str:
    if len(text) > _CACHED_CHARS:
        return _normalise_formula(text)
    return _normalise_formula_cached(text)


def _normalise_formula(text: str) -> str:
    return _SPACE.sub("", text.lstrip("=")).replace("$", "").upper()


def _norm(text: str) -> str:
    text = text or ""
    return _without_spaces(text) if len(text) > _CACHED_CHARS else _norm_cached(text)


def _without_spaces(text: str) -> str:
    return _SPACE.sub("", text)


# Cached: the same formulas and labels are compared in every workbook of a batch.
_normalise_formula_cached = lru_cache(maxsize=4096)(_normalise_formula)
_norm_cached = lru_cache(maxsize=4096)(_without_spaces)


def _short(text: str, limit: int = 24) -> str:
    return text if len(text) <= limit else text[:limit] + "…"
