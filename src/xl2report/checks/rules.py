"""The form's consistency rules, recomputed in Python from the input cells.

Pure: values in, findings out.  Formula cells are never trusted; a total's value is recomputed
from its parts unless the filler typed a number over the formula, in which case that typed number
is what the rules compare (and is what a reader of the report would have seen).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from xl2report.checks.catalogue import Finding
from xl2report.form.national import (
    FORM,
    Field,
    Form,
    Rule,
    RuleKind,
    Value,
    parse_a1,
    rule_holds,
    rule_sides,
)
from xl2report.form.types import format_number

# A SUM rule with more parts than this names the total only, not every addend.
MAX_ADDENDS_SHOWN = 7


def check_rules(
    values: Mapping[str, Value],
    unusable: Iterable[str] = (),
    form: Form = FORM,
    recomputed: Iterable[str] = (),
) -> list[Finding]:
    """Findings for every rule that fails; rules touching an ``unusable`` key are skipped.

    ``unusable`` holds keys whose cell could not be read as a value (already reported), so a
    typo in one cell is reported once, not again as every total it feeds.  ``recomputed`` holds
    the totals computed here from their parts: a rule over such totals only (三表 total column)
    fails exactly when a rule over the input columns fails, so it is left to those, which name
    the cells to fix.
    """
    skip = set(unusable)
    derived = set(recomputed)
    out: list[Finding] = []
    plain = dict(values)
    for rule in form.rules:
        if skip.intersection(rule.keys) or _formula_chain_unusable(rule, skip, form):
            continue
        if rule.kind is not RuleKind.REQUIRED and set(rule.keys) <= derived:
            continue
        if not rule_holds(rule, plain):
            out.extend(_finding(rule, plain, form))
    return out


def _formula_chain_unusable(rule: Rule, skip: set[str], form: Form) -> bool:
    """A total computed from an unusable input is unusable too."""
    for key in rule.keys:
        f = form.field(key)
        if f.parts and skip.intersection(f.parts):
            return True
    return False


def related_cells(rule: Rule, form: Form = FORM) -> tuple[str, ...]:
    """Other cells of the primary cell's sheet where the rule can be fixed, top to bottom.

    A balance spans several cells: the finding sits at the first one and names the others (the
    inputs that can fix it and the total involved), so a feedback copy can mark them all.
    """
    primary = form.field(rule.report_at[0])
    keys = list(rule.report_at[1:])
    if rule.kind is RuleKind.BALANCE:
        keys += [k for k in rule.keys if k not in keys]
    cells: list[str] = []
    for key in keys:
        f = form.field(key)
        if f.sheet == primary.sheet and f.cell != primary.cell and f.cell not in cells:
            cells.append(f.cell)
    return tuple(sorted(cells, key=parse_a1))


def _finding(rule: Rule, values: Mapping[str, Value], form: Form) -> Iterator[Finding]:
    primary = form.field(rule.report_at[0])
    related = related_cells(rule, form)
    if rule.kind is RuleKind.REQUIRED:
        yield Finding.at(primary, rule.code, related=related)
        return
    lhs, rhs = rule_sides(rule, values)
    lhs_text = "+".join(format_number(values.get(k, 0)) for k in rule.lhs)
    rhs_text = "+".join(format_number(values.get(k, 0)) for k in rule.rhs)
    scope = rule.scope or None  # 自然人列
    if rule.kind is RuleKind.BALANCE:
        # 三表 D6: 一+二 应等于 三(七)+四（自然人列：45+3 ≠ 46+4，即 48 ≠ 50）
        several = len(rule.keys) > 2
        yield Finding.at(primary, rule.code, expected=rhs, actual=lhs, related=related,
                         rule=rule.text, scope=scope, lhs=lhs_text, rhs=rhs_text,
                         lhs_total=lhs if several else None,
                         rhs_total=rhs if several else None)  # fmt: skip
    elif rule.kind is RuleKind.SUM:
        # 四表 E6: 行政复议总计应等于各分项之和：31+3+13+49 = 96，现为 97。
        addends = rhs_text if 1 < len(rule.rhs) <= MAX_ADDENDS_SHOWN else None
        yield Finding.at(primary, rule.code, expected=rhs, actual=lhs, related=related,
                         rule=rule.text, scope=scope, addends=addends, total=rhs,
                         found=lhs)  # fmt: skip
    elif rule.kind is RuleKind.NOT_GREATER:
        yield Finding.at(primary, rule.code, expected=rhs, actual=lhs, related=related,
                         rule=rule.text, lhs=lhs, rhs=rhs)  # fmt: skip
    else:  # IMPLIES_POSITIVE
        names = "、".join(_short_name(form.field(k)) for k in rule.lhs)
        yield Finding.at(primary, rule.code, actual=rhs, related=related,
                         rule=rule.text, names=names, lhs=lhs)  # fmt: skip


def _short_name(f: Field) -> str:
    """A field's label, or where it is when the label is a whole sentence of table 三."""
    return f.label if len(f.label) <= 16 else f"{f.sheet}!{f.cell}"
