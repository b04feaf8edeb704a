"""The national tables' row labels and cells, derived from the form, and how labels are matched.

Nothing here is typed twice: table 二's and 三's rows are the form's row labels
(:meth:`Form.labels_on`) with the fields on the same sheet row (left to right), table 四's
cells are the fields of its one data row.  Published labels vary: numbering (1. / 1、 /
（一） / (一)), full- or half-width brackets, quotes, spaces and line breaks, a shortened
（二）部分公开, a typo.  :func:`normalize` removes what does not matter; :class:`LabelIndex`
matches exactly, then by prefix, then by similarity (a *variant*, reported as a finding).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from xl2report.form.national import FORM, S2, S3, S3_OUTCOME_GROUPS, S4, Field, Label, LabelRole

_NUMBERING = re.compile(
    r"^([0-9]+\s*[.、．]|[（(]\s*[一二三四五六七八九十0-9]+\s*[）)]|[一二三四五六七八九十]+\s*[、.．])"
)
_NOT_WORD = re.compile(r"[\W_]+")
SIMILAR = 0.75  # difflib ratio above which a label is read as a misspelt form label
MIN_PREFIX = 4  # characters a shortened label must keep to match by prefix


def normalize(text: str | None) -> str:
    """A label's words only: no numbering, brackets, quotes, spaces; digits half-width."""
    t = unicodedata.normalize("NFKC", text or "").strip()
    while True:
        stripped = _NUMBERING.sub("", t, count=1).strip()
        if stripped == t:
            break
        t = stripped
    return _NOT_WORD.sub("", t)


@dataclass(frozen=True)
class TableRow:
    """One row of a national table: its label and its fields left to right."""

    table: str  # 二 / 三 / 四
    label: Label
    fields: tuple[Field, ...]

    @property
    def name(self) -> str:
        """The label as messages quote it."""
        return self.label.text


def _row_fields(sheet: str, row: int) -> tuple[Field, ...]:
    return tuple(sorted((f for f in FORM.fields_on(sheet) if f.row == row), key=lambda f: f.col))


@cache
def table_rows(table: str) -> tuple[TableRow, ...]:
    """The rows of table 二 or 三 that hold values, in form order."""
    sheet = {"二": S2, "三": S3}[table]
    out = []
    for label in FORM.labels_on(sheet):
        if label.role is not LabelRole.ROW or (label.last_row or label.row) != label.row:
            continue  # a vertically merged group label names no single row
        fields = _row_fields(sheet, label.row)
        if fields:
            out.append(TableRow(table, label, fields))
    return tuple(out)


@cache
def review_fields() -> tuple[Field, ...]:
    """Table 四's 15 cells, left to right."""
    (row,) = {f.row for f in FORM.fields_on(S4)}
    return _row_fields(S4, row)


@cache
def header_words(table: str) -> frozenset[str]:
    """Normalised header and caption texts of a table (to tell which table a row belongs to)."""
    sheet = {"二": S2, "三": S3, "四": S4}[table]
    roles = (LabelRole.HEADER, LabelRole.CAPTION)
    return frozenset(normalize(x.text) for x in FORM.labels_on(sheet) if x.role in roles)


def group_rows(group_label: str) -> tuple[str, ...]:
    """Row keys under an outcome group of table 三 (（六）其他处理 → other.*)."""
    for label, rows in S3_OUTCOME_GROUPS:
        if label == group_label:
            return tuple(key for key, _ in rows)
    raise KeyError(group_label)


@cache
def outcome_groups() -> dict[str, str]:
    """Normalised group label -> the group label (（三）不予公开 …)."""
    return {normalize(label): label for label, _ in S3_OUTCOME_GROUPS if label}


class LabelIndex:
    """Finds the form row a published label names."""

    def __init__(self, rows: tuple[TableRow, ...]) -> None:
        self.rows = rows
        self.by_norm = {normalize(r.label.text): r for r in rows}

    def match(self, text: str) -> tuple[TableRow | None, bool]:
        """(row, exact): exact is False when the label was read as a variant of the form's."""
        key = normalize(text)
        if not key:
            return None, True
        if key in self.by_norm:
            return self.by_norm[key], True
        if len(key) >= MIN_PREFIX:
            # Shortened (部分公开) or lengthened, but sharing MIN_PREFIX characters at least:
            # "其他法律行政止公开" is not "其他" with words added.
            prefixed = [
                r
                for n, r in self.by_norm.items()
                if n.startswith(key) or (key.startswith(n) and len(n) >= MIN_PREFIX)
            ]
            if len(prefixed) == 1:
                return prefixed[0], True
        best, score = None, 0.0
        for n, r in self.by_norm.items():
            ratio = difflib.SequenceMatcher(None, key, n).ratio()
            if ratio > score:
                best, score = r, ratio
        return (best, False) if score >= SIMILAR else (None, True)
