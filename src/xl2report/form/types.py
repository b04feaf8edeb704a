"""The vocabulary of a form: cells, labels, fields, rules, sheets, and what a rule means.

:mod:`xl2report.form.national` uses these types to define the national form once; everything else reads
that definition.  Positions are 0-based (row, col); :func:`a1` turns them into what Excel shows.
Pure: no files, no I/O.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from xl2report.compat import StrEnum
from xl2report.form.addresses import a1 as a1
from xl2report.form.addresses import col_letter as col_letter
from xl2report.form.addresses import parse_a1 as parse_a1
from xl2report.form.addresses import quote_sheet as quote_sheet

CHECK_OK = "✓"
Number = int | Decimal
Value = int | Decimal | str


class Kind(StrEnum):
    INPUT = "input"
    FORMULA = "formula"

    @property
    def label(self) -> str:
        """The kind in Chinese (填写 / 公式)."""
        return "填写" if self is Kind.INPUT else "公式"


class ValueType(StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal"
    TEXT = "text"

    @property
    def label(self) -> str:
        """The type in Chinese (整数 / 数字 / 文字)."""
        return {"integer": "整数", "decimal": "数字", "text": "文字"}[self.value]


class LabelRole(StrEnum):
    TITLE = "title"  # sheet title, top row
    NOTE = "note"  # how-to text for the filler
    CAPTION = "caption"  # full-width block caption (第二十条第（一）项)
    HEADER = "header"  # table column header
    ROW = "row"  # table row label
    PROMPT = "prompt"  # label left of a form field (机关名称)
    ASIDE = (
        "aside"  # beside a national table (last year's figures): the template's, not the report's
    )


@dataclass(frozen=True)
class Label:
    """Fixed text the filler cannot edit; the reader verifies it is still in place."""

    sheet: str
    row: int
    col: int
    text: str
    role: LabelRole
    last_row: int | None = None  # merged range end (inclusive)
    last_col: int | None = None

    @property
    def cell(self) -> str:
        return a1(self.row, self.col)

    @property
    def merged(self) -> bool:
        return (self.last_row or self.row) != self.row or (self.last_col or self.col) != self.col


@dataclass(frozen=True)
class Field:
    """One value of the report: an input the filler types, or a formula computed from inputs."""

    key: str
    sheet: str
    row: int
    col: int
    label: str
    kind: Kind
    type: ValueType
    unit: str = ""
    parts: tuple[str, ...] = ()  # formula fields: the keys summed
    default: int | str | None = None  # prefilled value in a blank template
    required: bool = False  # text that must not be left empty
    multiline: bool = False  # long narrative text (tall wrapped cell)
    last_col: int | None = None  # input merged across columns (table 二's B–D)
    help: str = ""  # input message shown in Excel
    formula: str = ""  # Excel formula (with '='), formula fields only
    carry_forward: bool = False  # last year's value is a starting point in next year's template

    @property
    def cell(self) -> str:
        return a1(self.row, self.col)

    @property
    def defined_name(self) -> str:
        return defined_name_for(self.key)


class RuleKind(StrEnum):
    SUM = "sum"  # lhs[0] == sum(rhs)
    BALANCE = "balance"  # sum(lhs) == sum(rhs)
    NOT_GREATER = "not_greater"  # sum(lhs) <= sum(rhs)
    IMPLIES_POSITIVE = "implies_positive"  # sum(lhs) > 0  ->  sum(rhs) > 0
    REQUIRED = "required"  # text lhs[0] not empty


@dataclass(frozen=True)
class Rule:
    """A consistency rule, recomputed in Python and (where useful) shown live in the template."""

    id: str
    code: str  # finding code (findings.CATALOGUE)
    kind: RuleKind
    lhs: tuple[str, ...]
    rhs: tuple[str, ...] = ()
    text: str = ""  # short Chinese statement of the rule, e.g. 一+二 应等于 三(七)+四
    scope: str = ""  # which column/group it applies to, e.g. 自然人列
    report_at: tuple[str, ...] = ()  # keys of the cells a finding is reported at
    check: tuple[str, int, int] | None = None  # (sheet, row, col) of the live check cell
    # What the live check cell shows when the rule fails; {lhs}/{rhs} become the two sides.
    check_fail: str = ""
    check_formula: str = ""  # built from the above by the form builder

    @property
    def keys(self) -> tuple[str, ...]:
        return self.lhs + self.rhs


@dataclass(frozen=True)
class SheetSpec:
    name: str
    title: str
    col_widths: tuple[float, ...]
    header_rows: tuple[int, int] | None = None  # rows repeated on every printed page
    landscape: bool = False
    row_heights: tuple[tuple[int, float], ...] = ()
    section: str = ""  # 一…六, '' for the cover


@dataclass(frozen=True)
class MetaRow:
    name: str  # what is stored, e.g. form_id
    row: int
    label: str
    # Written only when it has a value: a row added after templates went out keeps every
    # template without it byte for byte as before.
    optional: bool = False


@dataclass(frozen=True)
class PriorCell:
    """A locked cell beside a table showing one of last year's figures (issue #16).

    Filled when a template is made from last year's submission, blank otherwise.  Not a field:
    it is no part of this year's report, only a reference for the person filling it in.
    """

    key: str  # e.g. prior.s2.rules.in_force
    source: str  # the field key of last year's value it shows
    sheet: str
    row: int
    col: int
    label: str

    @property
    def cell(self) -> str:
        return a1(self.row, self.col)


@dataclass(frozen=True)
class StockCheck:
    """Live check beside table 二: 现行有效 = 上年现行有效 + 本年制发 − 本年废止.

    Warning-style (it shows "!" and is not counted on the cover): the stock also changes when
    documents expire or are amended.  Shows ``STOCK_NO_PRIOR`` when last year's figure is blank.
    """

    id: str
    label: str  # 规章 / 行政规范性文件
    stock: str  # field keys
    issued: str
    repealed: str
    prior: str  # PriorCell key
    check: tuple[str, int, int]  # (sheet, row, col) of the live check cell
    # What the cell shows on a mismatch; {prior} {issued} {repealed} {expected} {stock}.
    check_fail: str
    check_formula: str = ""  # built from the above by the form builder


STOCK_NO_PRIOR = "—"
STOCK_WARN = "!"  # first character of a failed warning-style check


@dataclass(frozen=True)
class LastYear:
    """What a template made from last year's submission carries over (issue #16)."""

    carried: tuple[tuple[str, str], ...]  # (this year's key, last year's key): prefilled, locked
    priors: tuple[PriorCell, ...]  # locked reference cells
    stock_checks: tuple[StockCheck, ...]
    note: tuple[str, int, int]  # cover cell (merged to the next column): where the figures are from
    starting_points: tuple[str, ...]  # fields copied as an editable start (contact, …)
    meta_row: str  # name of the _meta row recording the prefilled figures

    @property
    def locked_keys(self) -> tuple[str, ...]:
        """Keys recorded in the metadata: the prefilled fields and the reference cells."""
        return tuple(k for k, _ in self.carried) + tuple(p.key for p in self.priors)


def stock_display(check: StockCheck, values: Mapping[str, object], prior: object) -> str:
    """What a stock check cell shows (the twin of its Excel formula)."""
    if not isinstance(prior, int | Decimal) or isinstance(prior, bool):
        return STOCK_NO_PRIOR
    stock, issued, repealed = (
        number_or_zero(values.get(k)) for k in (check.stock, check.issued, check.repealed)
    )
    expected = prior + issued - repealed
    if stock == expected:
        return CHECK_OK
    return check.check_fail.format(
        prior=format_number(prior), issued=format_number(issued),
        repealed=format_number(repealed), expected=format_number(expected),
        stock=format_number(stock),
    )  # fmt: skip


@dataclass(frozen=True)
class Form:
    sheets: tuple[SheetSpec, ...]
    labels: tuple[Label, ...]
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...]
    meta_sheet: str
    meta_rows: tuple[MetaRow, ...]
    summary: tuple[str, int, int]  # cover cell counting failed live checks
    summary_text: tuple[str, int, int]  # cover cell saying 全部通过 / N 项未通过
    submit_note: tuple[str, int, int]  # cover cell (merged to the next column): where to send it
    last_year: LastYear | None = None

    @cached_property
    def by_key(self) -> dict[str, Field]:
        return {f.key: f for f in self.fields}

    def field(self, key: str) -> Field:
        return self.by_key[key]

    def sheet(self, name: str) -> SheetSpec:
        for spec in self.sheets:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def fields_on(self, sheet: str) -> list[Field]:
        return list(self._fields_by_sheet.get(sheet, ()))

    def labels_on(self, sheet: str) -> list[Label]:
        return list(self._labels_by_sheet.get(sheet, ()))

    # Grouped once: the checks ask for a sheet's fields and labels many times per workbook.
    @cached_property
    def _fields_by_sheet(self) -> dict[str, tuple[Field, ...]]:
        return _group(self.fields)

    @cached_property
    def _labels_by_sheet(self) -> dict[str, tuple[Label, ...]]:
        return _group(self.labels)

    @property
    def sheet_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.sheets)

    @cached_property
    def fingerprint(self) -> str:
        """Hash of the locked layout: sheets, labels, field cells and formulas.

        Stored in the template's metadata so a reader can tell at once whether a workbook was
        made from exactly this layout.
        """
        payload = {
            "sheets": list(self.sheet_names),
            "labels": [[x.sheet, x.cell, x.text] for x in self.labels],
            "fields": [[f.key, f.sheet, f.cell, f.kind, f.type, f.formula] for f in self.fields],
            "checks": [[r.id, r.check_formula] for r in self.rules if r.check],
        }
        if self.last_year is not None:
            payload["priors"] = [[p.key, p.sheet, p.cell] for p in self.last_year.priors]
            payload["stock_checks"] = [[c.id, c.check_formula] for c in self.last_year.stock_checks]
        blob = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def _group(items: Iterable[Field | Label]) -> dict[str, tuple]:  # type: ignore[type-arg]
    """Items by sheet name, in their order."""
    out: dict[str, list[Field | Label]] = {}
    for item in items:
        out.setdefault(item.sheet, []).append(item)
    return {sheet: tuple(group) for sheet, group in out.items()}


def defined_name_for(key: str) -> str:
    """Workbook defined name for a field key (Excel names may hold letters, digits, '.' and '_')."""
    return "xl2r." + key


def sum_expression(cells: Sequence[tuple[int, int]]) -> str:
    """SUM over a contiguous row/column run when possible (shorter, survives a glance), else +."""
    rows = {r for r, _ in cells}
    cols = {c for _, c in cells}
    ordered = sorted(cells)
    if len(rows) == 1 and sorted(cols) == list(range(min(cols), max(cols) + 1)):
        return f"SUM({a1(*ordered[0])}:{a1(*ordered[-1])})"
    if len(cols) == 1 and sorted(rows) == list(range(min(rows), max(rows) + 1)):
        return f"SUM({a1(*ordered[0])}:{a1(*ordered[-1])})"
    return "+".join(a1(r, c) for r, c in cells)


def as_number(v: object) -> Number | None:
    """``v`` when it is a number (an int or Decimal, not a bool), else None."""
    return v if isinstance(v, int | Decimal) and not isinstance(v, bool) else None


def number_or_zero(v: object) -> Number:
    """``v`` when it is a number, else 0: how totals and rules count a missing value."""
    n = as_number(v)
    return 0 if n is None else n


def nest(values: dict[str, Value]) -> dict[str, object]:
    """{'s3.new.natural': 1} -> {'s3': {'new': {'natural': 1}}} (Word template context)."""
    root: dict[str, object] = {}
    for key, value in values.items():
        node = root
        *path, leaf = key.split(".")
        for part in path:
            node = node.setdefault(part, {})  # type: ignore[assignment]
        node[leaf] = value
    return root


def rule_sides(rule: Rule, values: dict[str, Value]) -> tuple[Number, Number]:
    """The two numbers a numeric rule compares (missing or non-numeric values count as 0)."""
    return sum(number_or_zero(values.get(k)) for k in rule.lhs), sum(
        number_or_zero(values.get(k)) for k in rule.rhs
    )


def rule_holds(rule: Rule, values: dict[str, Value]) -> bool:
    """Whether ``rule`` holds for ``values``: the one definition of each rule kind's meaning."""
    if rule.kind is RuleKind.REQUIRED:
        return bool(str(values.get(rule.lhs[0]) or "").strip())
    lhs, rhs = rule_sides(rule, values)
    if rule.kind in (RuleKind.SUM, RuleKind.BALANCE):
        return lhs == rhs
    if rule.kind is RuleKind.NOT_GREATER:
        return lhs <= rhs
    if rule.kind is RuleKind.IMPLIES_POSITIVE:
        return not (lhs > 0 and rhs == 0)
    raise ValueError(rule.kind)


def check_display(rule: Rule, values: dict[str, Value]) -> str:
    """What the rule's live check cell shows for ``values`` (the twin of its Excel formula)."""
    if rule_holds(rule, values):
        return CHECK_OK
    lhs, rhs = rule_sides(rule, values) if rule.kind is not RuleKind.REQUIRED else (0, 0)
    return rule.check_fail.format(lhs=lhs, rhs=rhs)


class Level(StrEnum):
    """How serious a finding is; the value is the stable code, ``label`` the Chinese word."""

    ERROR = "error"
    WARNING = "warning"

    @property
    def label(self) -> str:
        return "错误" if self is Level.ERROR else "提醒"


def format_number(value: Value | None) -> str:
    """12 -> '12'; Decimal('12.50') -> '12.5'; Decimal('194.3525') -> '194.3525'."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(int(value))
        return format(value.normalize(), "f")
    return str(value)
