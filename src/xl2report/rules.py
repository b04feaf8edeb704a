"""The form's consistency rules, recomputed in Python from the input cells.

Pure: values in, findings out.  Formula cells are never trusted; a total's value is recomputed
from its parts unless the filler typed a number over the formula, in which case that typed number
is what the rules compare (and is what a reader of the report would have seen).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from xl2report.findings import Finding
from xl2report.form import FORM, Form, Rule, RuleKind, Value, rule_holds, rule_sides
from xl2report.values import format_number


def check_rules(
    values: Mapping[str, Value], unusable: Iterable[str] = (), form: Form = FORM
) -> list[Finding]:
    """Findings for every rule that fails; rules touching an ``unusable`` key are skipped.

    ``unusable`` holds keys whose cell could not be read as a value (already reported), so a
    typo in one cell is reported once, not again as every total it feeds.
    """
    skip = set(unusable)
    out: list[Finding] = []
    for rule in form.rules:
        if skip.intersection(rule.keys) or _formula_chain_unusable(rule, skip, form):
            continue
        if not rule_holds(rule, dict(values)):
            out.extend(_finding(rule, values, form))
    return out


def _formula_chain_unusable(rule: Rule, skip: set[str], form: Form) -> bool:
    """A total computed from an unusable input is unusable too."""
    for key in rule.keys:
        f = form.field(key)
        if f.parts and skip.intersection(f.parts):
            return True
    return False


def _finding(rule: Rule, values: Mapping[str, Value], form: Form) -> Iterator[Finding]:
    primary = form.field(rule.report_at[0])
    related = tuple(form.field(k).cell for k in rule.report_at[1:])
    where = dict(sheet=primary.sheet, cell=primary.cell, key=primary.key, related=related)
    if rule.kind is RuleKind.REQUIRED:
        yield Finding(rule.code, f"{primary.label}不能为空，请填写。", **where)
        return
    lhs, rhs = rule_sides(rule, dict(values))
    lhs_text = "+".join(format_number(values.get(k, 0)) for k in rule.lhs)
    rhs_text = "+".join(format_number(values.get(k, 0)) for k in rule.rhs)
    scope = f"{rule.scope}：" if rule.scope else ""
    if rule.kind is RuleKind.BALANCE:
        message = f"{rule.text}（{scope}{lhs_text} ≠ {rhs_text}，相差 {format_number(lhs - rhs)}）"
        yield Finding(rule.code, message, expected=rhs, actual=lhs, **where)
    elif rule.kind is RuleKind.SUM:
        message = (
            f"{rule.text}：分项合计 {format_number(rhs)}，"
            f"现为 {format_number(lhs)}（{scope}{rhs_text}）"
        )
        yield Finding(rule.code, message, expected=rhs, actual=lhs, **where)
    elif rule.kind is RuleKind.NOT_GREATER:
        message = f"{rule.text}（{format_number(lhs)} > {format_number(rhs)}）"
        yield Finding(rule.code, message, expected=rhs, actual=lhs, **where)
    else:  # IMPLIES_POSITIVE
        names = "、".join(form.field(k).label for k in rule.lhs)
        message = f"{rule.text}（{names}为 {format_number(lhs)}，{primary.label}为 0）"
        yield Finding(rule.code, message, actual=rhs, **where)
